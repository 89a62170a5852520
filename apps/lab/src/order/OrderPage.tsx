import { describeError, ErrorView, useBranch, useSession } from '@hospital-ops/app-shell';
import { Alert, Badge, Button, Card, Group, Loader, Select, Stack, Text, Textarea, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMedplum } from '@medplum/react';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router';
import {
  amend,
  collect,
  downloadReportPdf,
  enterResults,
  loadCatalogue,
  loadOrder,
  type OrderView,
  REJECT_REASONS,
  receive,
  reject,
  verify,
} from '../fhir/lab-api.ts';
import { labelData, patientName, testName, uhidOf } from '../lab/label.ts';
import { analyteRows, resultParameters, subjectOf } from '../lab/results.ts';
import type { Priority } from '../lab/worklist.ts';
import { ageOf } from '../lib/format.ts';
import { PriorityBadge } from '../worklist/WorklistPage.tsx';
import { AmendCard } from './AmendCard.tsx';
import { ReportView } from './ReportView.tsx';
import { ResultGrid } from './ResultGrid.tsx';
import { SampleLabel } from './SampleLabel.tsx';

/** One order through the lab: collect (and label), receive or reject, enter results, verify, the report. */
export function OrderPage() {
  const { id = '' } = useParams();
  const medplum = useMedplum();
  const session = useSession();
  const branch = useBranch();
  const navigate = useNavigate();
  const { t, i18n } = useTranslation('lab');
  const [view, setView] = useState<OrderView>();
  const [error, setError] = useState<unknown>();
  const [actionError, setActionError] = useState<string>();
  const [justCollected, setJustCollected] = useState(false);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    try {
      const catalogue = await loadCatalogue(medplum);
      setView(await loadOrder(medplum, id, catalogue));
      setError(undefined);
    } catch (err) {
      setError(err);
    }
  }, [medplum, id]);
  useEffect(() => {
    void load();
  }, [load]);

  /** Runs an operation, says what happened, and shows the order as it now stands. */
  async function act(fn: () => Promise<unknown>, done?: string): Promise<boolean> {
    setBusy(true);
    setActionError(undefined);
    try {
      await fn();
      if (done) notifications.show({ message: done, color: 'green' });
      await load();
      return true;
    } catch (err) {
      // describeError looks business codes up in the lab's strings first (outcome.LAB_SECOND_PERSON).
      setActionError(describeError(err, t));
      return false;
    } finally {
      setBusy(false);
    }
  }

  const subject = useMemo(() => subjectOf(view?.patient, view?.sample), [view?.patient, view?.sample]);
  const rows = useMemo(() => analyteRows(view?.analytes ?? []), [view?.analytes]);

  if (error) return <ErrorView error={error} onRetry={() => void load()} />;
  if (!view) return <Loader />;
  const { order, patient, sample, report } = view;
  const accession = sample?.accessionIdentifier?.value ?? '';
  const sex = patient?.gender ? t(`order.sex.${patient.gender}`) : '';

  return (
    <Stack gap="md" data-testid="order-page">
      <Group justify="space-between">
        <Button variant="subtle" size="md" onClick={() => navigate('/')}>
          ← {t('order.back')}
        </Button>
        <Badge size="xl" variant="outline" data-testid="order-stage">
          {t(`stage.${view.stage}`)}
        </Badge>
      </Group>
      <Card withBorder>
        <Group justify="space-between" align="flex-start">
          <Stack gap={2}>
            <Title order={2} data-testid="order-patient">
              {patientName(patient)}
            </Title>
            <Text>
              {t('order.uhid')} {uhidOf(patient)} · {t('order.ageSex')}{' '}
              {[ageOf(patient?.birthDate, i18n.language), sex].filter(Boolean).join(' / ')}
            </Text>
            <Text size="lg" fw={600}>
              {testName(order)}
            </Text>
          </Stack>
          <PriorityBadge priority={(order.priority ?? 'routine') as Priority} />
        </Group>
      </Card>
      {!view.test ? <Alert color="orange">{t('order.notInCatalogue')}</Alert> : null}
      {actionError ? (
        <Alert color="red" role="alert" data-testid="action-error">
          {actionError}
        </Alert>
      ) : null}

      {view.stage === 'ordered' && view.test ? (
        <Card withBorder>
          <Stack>
            <Title order={3}>{t('collect.title')}</Title>
            <Text>{t('collect.hint')}</Text>
            {branch ? (
              <Button
                size="xl"
                loading={busy}
                data-testid="collect"
                autoFocus
                onClick={() =>
                  void act(async () => {
                    const [s] = await collect(medplum, order.id, branch, session.fhirUser);
                    setJustCollected(true);
                    notifications.show({ message: t('collect.done', { accession: s?.accessionIdentifier?.value ?? '' }), color: 'green' });
                  })
                }
              >
                {t('collect.button')}
              </Button>
            ) : (
              <Alert color="orange">{t('collect.noBranch')}</Alert>
            )}
          </Stack>
        </Card>
      ) : null}

      {sample && (view.stage === 'collected' || view.stage === 'received' || view.stage === 'in-progress') ? (
        <Card withBorder>
          <SampleLabel label={labelData(sample, patient, view.sampleOrders)} autoFocus={justCollected} />
        </Card>
      ) : null}

      {sample && view.stage === 'collected' ? (
        <ReceiveCard
          busy={busy}
          onReceive={() => act(() => receive(medplum, sample.id as string), t('receive.done', { accession }))}
          onReject={(reason, note) => act(() => reject(medplum, sample.id as string, reason, note), t('receive.rejected'))}
        />
      ) : null}

      {(view.stage === 'received' || view.stage === 'in-progress') && rows.length ? (
        <Card withBorder>
          <Stack>
            <Title order={3}>{t('results.title')}</Title>
            <ResultGrid
              rows={rows}
              subject={subject}
              onSave={async (typed) => {
                await act(() => enterResults(medplum, order.id, resultParameters(rows, typed, subject)), t('results.saved'));
              }}
            />
          </Stack>
        </Card>
      ) : null}

      {report && view.stage === 'resulted' ? (
        <Card withBorder>
          <Stack>
            <Title order={3}>{t('verify.title')}</Title>
            <Text>{t('verify.hint')}</Text>
            <Button
              size="xl"
              color="green"
              loading={busy}
              data-testid="verify"
              onClick={() => void act(() => verify(medplum, report.id as string), t('verify.done'))}
            >
              {t('verify.button')}
            </Button>
          </Stack>
        </Card>
      ) : null}

      {report ? (
        <Card withBorder>
          <ReportView report={report} observations={view.observations} />
          <Button
            mt="md"
            size="lg"
            variant="outline"
            data-testid="report-pdf"
            onClick={() => void act(() => downloadReportPdf(medplum, report.id as string, `lab-report-${accession || report.id}.pdf`))}
          >
            {t('report.pdf')}
          </Button>
        </Card>
      ) : null}

      {report && (report.status === 'final' || report.status === 'amended') && rows.length ? (
        <AmendCard
          key={`${report.id}-${report.meta?.versionId}`}
          rows={rows}
          subject={subject}
          observations={view.observations}
          onAmend={(params) => act(() => amend(medplum, report.id as string, params), t('amend.done'))}
        />
      ) : null}
    </Stack>
  );
}

function ReceiveCard({
  busy,
  onReceive,
  onReject,
}: {
  busy: boolean;
  onReceive: () => Promise<boolean>;
  onReject: (reason: string, note: string) => Promise<boolean>;
}) {
  const { t } = useTranslation('lab');
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState<string | null>(null);
  const [note, setNote] = useState('');
  return (
    <Card withBorder>
      <Stack>
        <Title order={3}>{t('receive.title')}</Title>
        <Group grow>
          <Button size="xl" loading={busy} data-testid="receive" onClick={() => void onReceive()}>
            {t('receive.button')}
          </Button>
          <Button size="xl" color="red" variant="outline" data-testid="reject" onClick={() => setRejecting((r) => !r)}>
            {t('receive.reject')}
          </Button>
        </Group>
        {rejecting ? (
          <Stack>
            <Select
              size="lg"
              label={t('receive.reason')}
              data-testid="reject-reason"
              value={reason}
              onChange={setReason}
              data={REJECT_REASONS.map((r) => ({ value: r, label: t(`receive.reasons.${r}`) }))}
            />
            <Textarea size="md" label={t('receive.note')} value={note} onChange={(e) => setNote(e.currentTarget.value)} />
            <Button
              size="xl"
              color="red"
              disabled={!reason}
              loading={busy}
              data-testid="confirm-reject"
              onClick={() => reason && void onReject(reason, note)}
            >
              {t('receive.confirmReject')}
            </Button>
          </Stack>
        ) : null}
      </Stack>
    </Card>
  );
}
