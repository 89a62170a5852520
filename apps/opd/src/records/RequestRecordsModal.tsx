import { outcomeMessage } from '@hospital-ops/app-shell';
import { formatDate, parseIndianDate, todayInIndia } from '@hospital-ops/app-shell/format/index.ts';
import { Alert, Button, Checkbox, Group, Modal, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import type { Parameters } from '@medplum/fhirtypes';
import { useMedplum } from '@medplum/react';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';

/** ABDM's health-information types, in the order a doctor usually wants them. */
export const HI_TYPES = [
  'OPConsultation',
  'Prescription',
  'DiagnosticReport',
  'DischargeSummary',
  'ImmunizationRecord',
  'WellnessRecord',
  'HealthDocumentRecord',
  'Invoice',
] as const;

/**
 * A doctor asks, through ABDM, for the patient's records held elsewhere (`Patient/[id]/$abdm-consent-request`):
 * which kinds, and from when to when. The patient approves it in their ABHA app; what arrives shows in
 * "Records from other facilities".
 */
export function RequestRecordsModal({
  patientId,
  doctorName,
  opened,
  onClose,
}: {
  patientId: string;
  doctorName?: string;
  opened: boolean;
  onClose: () => void;
}) {
  const medplum = useMedplum();
  const { t } = useTranslation('opd');
  const today = todayInIndia();
  // Two years back by default (29 February becomes the 28th).
  const twoYearsAgo = `${Number(today.slice(0, 4)) - 2}${today.endsWith('-02-29') ? '-02-28' : today.slice(4)}`;
  const [types, setTypes] = useState<string[]>(['OPConsultation', 'Prescription', 'DiagnosticReport', 'DischargeSummary']);
  const [from, setFrom] = useState(formatDate(twoYearsAgo));
  const [to, setTo] = useState(formatDate(today));
  const [problem, setProblem] = useState<string>();
  const [sending, setSending] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const fromIso = parseIndianDate(from);
    const toIso = parseIndianDate(to);
    if (types.length === 0) return setProblem(t('requestRecords.noTypes'));
    if (!fromIso || !toIso || fromIso > toIso) return setProblem(t('requestRecords.badDates'));
    setProblem(undefined);
    setSending(true);
    const parameters: Parameters = {
      resourceType: 'Parameters',
      parameter: [
        ...types.map((code) => ({ name: 'hiType', valueCode: code })),
        { name: 'from', valueDateTime: `${fromIso}T00:00:00+05:30` },
        { name: 'to', valueDateTime: `${toIso}T23:59:59+05:30` },
        ...(doctorName ? [{ name: 'requester', valueString: doctorName }] : []),
      ],
    };
    try {
      await medplum.post(medplum.fhirUrl('Patient', patientId, '$abdm-consent-request'), parameters);
      notifications.show({ color: 'teal', message: t('requestRecords.sent') });
      onClose();
    } catch (err) {
      // In the doctor's language: the server's code (no ABHA address, ABDM not set up here), never its English.
      setProblem(outcomeMessage(err, t));
    } finally {
      setSending(false);
    }
  }

  return (
    <Modal opened={opened} onClose={onClose} title={t('requestRecords.title')}>
      <form onSubmit={submit} noValidate>
        <Stack>
          <Text size="sm">{t('requestRecords.hint')}</Text>
          <Checkbox.Group label={t('requestRecords.types')} value={types} onChange={setTypes}>
            <SimpleGrid cols={2} mt="xs">
              {HI_TYPES.map((code) => (
                <Checkbox key={code} value={code} label={t(`requestRecords.type.${code}`)} data-testid={`hi-type-${code}`} />
              ))}
            </SimpleGrid>
          </Checkbox.Group>
          <Group grow>
            <TextInput
              label={t('requestRecords.from')}
              placeholder="DD/MM/YYYY"
              value={from}
              onChange={(e) => setFrom(e.currentTarget.value)}
              data-testid="records-from"
            />
            <TextInput
              label={t('requestRecords.to')}
              placeholder="DD/MM/YYYY"
              value={to}
              onChange={(e) => setTo(e.currentTarget.value)}
              data-testid="records-to"
            />
          </Group>
          {problem && (
            <Alert color="red" data-testid="request-problem">
              {problem}
            </Alert>
          )}
          <Group justify="end">
            <Button variant="default" onClick={onClose}>
              {t('actions.cancel')}
            </Button>
            <Button type="submit" loading={sending} data-testid="send-records-request">
              {t('requestRecords.send')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
