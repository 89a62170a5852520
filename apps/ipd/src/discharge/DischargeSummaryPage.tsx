import { describeError, ErrorView, useSession } from '@hospital-ops/app-shell';
import { formatDateTime } from '@hospital-ops/app-shell/format/index.ts';
import { useLanguage } from '@hospital-ops/app-shell/i18n/index.ts';
import { Alert, Badge, Button, Group, Loader, Stack, Text, Textarea, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMedplum } from '@medplum/react';
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router';
import { IndianDateInput } from '../census/IndianDateInput.tsx';
import { shownName } from '../fhir/patient.ts';
import { openSummaryPdf, readDraft, SUMMARY_FIELDS, type SummaryDraft, type SummaryTexts, signSummary, summaryDraft } from './summary.ts';

/** The doctor's discharge summary: drafted from the stay, edited here, signed (again to amend), printed. */
export function DischargeSummaryPage() {
  const { encounterId = '' } = useParams();
  const { t } = useTranslation('ipd');
  const [lang] = useLanguage();
  const medplum = useMedplum();
  const navigate = useNavigate();
  const { role } = useSession();
  const [draft, setDraft] = useState<SummaryDraft>();
  const [texts, setTexts] = useState<SummaryTexts>();
  const [error, setError] = useState<unknown>();
  const [signError, setSignError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    try {
      const d = readDraft(await summaryDraft(medplum, encounterId));
      setDraft(d);
      setTexts(d.texts);
    } catch (err) {
      setError(err);
    }
  }, [medplum, encounterId]);
  useEffect(() => void load(), [load]);

  const sign = async (e: FormEvent) => {
    e.preventDefault();
    if (!texts) return;
    if (!texts.diagnoses.trim()) {
      setSignError(t('discharge.summary.needDiagnosis'));
      return;
    }
    setBusy(true);
    try {
      await signSummary(medplum, encounterId, texts);
      notifications.show({ color: 'green', message: t('discharge.summary.signed') });
      setSignError(undefined);
      await load();
    } catch (err) {
      setSignError(describeError(err, t));
    } finally {
      setBusy(false);
    }
  };

  const print = async () => {
    try {
      await openSummaryPdf(medplum, encounterId);
    } catch (err) {
      setSignError(describeError(err, t));
    }
  };

  if (error) return <ErrorView error={error} />;
  if (!draft || !texts) return <Loader aria-label={t('discharge.summary.loading')} />;
  const doctor = role === 'doctor';
  return (
    <Stack maw={900}>
      <Group justify="space-between">
        <Title order={2}>{t('discharge.summary.title', { patient: shownName(draft.patient) })}</Title>
        <Button variant="default" onClick={() => navigate('/')}>
          {t('vitals.back')}
        </Button>
      </Group>
      <Group gap="lg">
        <Text size="sm">{t('discharge.summary.admitted', { at: formatDateTime(draft.admittedAt, lang) })}</Text>
        {draft.dischargedAt && <Text size="sm">{t('discharge.summary.discharged', { at: formatDateTime(draft.dischargedAt, lang) })}</Text>}
        {draft.attending && <Text size="sm">{shownName(draft.attending)}</Text>}
      </Group>
      {draft.disposition === 'exp' && (
        <Alert color="red" data-testid="summary-death">
          {t('discharge.summary.death', { at: formatDateTime(draft.deathAt, lang) })}
        </Alert>
      )}
      {draft.disposition === 'aadvice' && (
        <Alert color="yellow" data-testid="summary-dama">
          {t('discharge.summary.dama')}
        </Alert>
      )}
      <Group data-testid="summary-state">
        {draft.composition ? (
          <Badge color={draft.status === 'amended' ? 'orange' : 'green'} size="lg">
            {t(draft.status === 'amended' ? 'discharge.summary.stateAmended' : 'discharge.summary.stateSigned', {
              doctor: shownName(draft.signedBy),
              at: formatDateTime(draft.signedAt, lang),
            })}
          </Badge>
        ) : (
          <Badge color="gray" size="lg">
            {t('discharge.summary.stateDraft')}
          </Badge>
        )}
      </Group>
      <form onSubmit={(e) => void sign(e)} data-testid="summary-form">
        <Stack>
          {SUMMARY_FIELDS.map((field, i) => (
            <Textarea
              key={field}
              data-autofocus={i === 0 || undefined}
              label={t(`discharge.summary.field.${field}`)}
              description={i === 0 ? t('discharge.summary.oneALine') : undefined}
              required={field === 'diagnoses'}
              autosize
              minRows={field === 'course' ? 4 : 2}
              value={texts[field]}
              onChange={(e) => {
                const value = e.currentTarget.value;
                setTexts((x) => (x ? { ...x, [field]: value } : x));
              }}
              data-testid={`summary-${field}`}
            />
          ))}
          <IndianDateInput
            label={t('discharge.summary.field.followUp')}
            value={texts.followUp}
            onChange={(followUp) => setTexts((x) => (x ? { ...x, followUp } : x))}
            invalid={t('census.badDate')}
            testId="summary-followUp"
          />
          {signError && (
            <Alert color="red" data-testid="summary-error">
              {signError}
            </Alert>
          )}
          <Group justify="end">
            {draft.composition && (
              <Button variant="default" onClick={() => void print()} data-testid="summary-pdf">
                {t('discharge.summary.pdf')}
              </Button>
            )}
            {doctor ? (
              <Button type="submit" loading={busy} data-testid="summary-sign">
                {t(draft.composition ? 'discharge.summary.amend' : 'discharge.summary.sign')}
              </Button>
            ) : (
              <Text size="sm" c="dimmed">
                {t('discharge.summary.doctorsOnly')}
              </Text>
            )}
          </Group>
        </Stack>
      </form>
    </Stack>
  );
}
