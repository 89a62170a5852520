import { Badge, Group, Stack, Table, Text, Title } from '@mantine/core';
import type { DiagnosticReport, Observation } from '@medplum/fhirtypes';
import { useTranslation } from 'react-i18next';
import type { Flag } from '../../../../server/src/features/lab/ranges.ts';
import { conclusionLines } from '../lab/results.ts';
import { formatDateTime } from '../lib/format.ts';
import { FlagBadge } from './ResultGrid.tsx';

const INTERPRETATION = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';

const valueText = (o: Observation) =>
  o.valueQuantity?.value !== undefined
    ? String(o.valueQuantity.value)
    : (o.valueString ?? o.valueCodeableConcept?.text ?? o.valueCodeableConcept?.coding?.[0]?.display ?? '');
const flagOf = (o: Observation) => o.interpretation?.[0]?.coding?.find((c) => c.system === INTERPRETATION)?.code as Flag | undefined;
/** The server's delta check (U or D, after the H/L flag), for the verifier to look twice. */
const deltaOf = (o: Observation) =>
  o.interpretation?.flatMap((i) => i.coding ?? []).find((c) => c.system === INTERPRETATION && (c.code === 'U' || c.code === 'D'))?.code;

/** The report as the server holds it: status, each result with unit, the range copied for this patient, and the flag. */
export function ReportView({ report, observations }: { report: DiagnosticReport; observations: Observation[] }) {
  const { t, i18n } = useTranslation('lab');
  return (
    <Stack gap="sm" data-testid="report">
      <Group justify="space-between">
        <Title order={3}>{t('report.title')}</Title>
        <Badge size="xl" color={report.status === 'final' || report.status === 'amended' ? 'green' : 'yellow'} data-testid="report-status">
          {t(`report.status.${report.status}`, { defaultValue: report.status })}
        </Badge>
      </Group>
      {report.issued ? (
        <Text size="sm" c="dimmed">
          {formatDateTime(report.issued, i18n.language)}
        </Text>
      ) : null}
      {report.conclusion ? (
        <Stack gap={2} data-testid="report-conclusion">
          {conclusionLines(report.conclusion).map((l, i) => (
            <Text key={i}>
              {t('report.note')}:{' '}
              {'text' in l ? l.text : t('report.amendedAt', { when: formatDateTime(l.amendedAt, i18n.language), reason: l.reason })}
            </Text>
          ))}
        </Stack>
      ) : null}
      {observations.length === 0 ? <Text>{t('report.none')}</Text> : null}
      <Table verticalSpacing="sm" fz="md">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('results.analyte')}</Table.Th>
            <Table.Th>{t('results.value')}</Table.Th>
            <Table.Th>{t('results.unit')}</Table.Th>
            <Table.Th>{t('results.range')}</Table.Th>
            <Table.Th>{t('results.flag')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {observations.map((o) => (
            <Table.Tr key={o.id} data-testid={`report-row-${o.code?.coding?.[0]?.code}`}>
              <Table.Td>{o.code?.text ?? o.code?.coding?.[0]?.display}</Table.Td>
              <Table.Td fw={700}>{valueText(o)}</Table.Td>
              <Table.Td>{o.valueQuantity?.unit ?? ''}</Table.Td>
              <Table.Td>{o.referenceRange?.[0]?.text ?? ''}</Table.Td>
              <Table.Td>
                <Group gap="xs">
                  <FlagBadge flag={flagOf(o)} />
                  {deltaOf(o) ? (
                    <Badge color="orange" variant="outline" title={o.note?.[0]?.text} data-testid="delta-badge">
                      {deltaOf(o) === 'U' ? '↑ ' : '↓ '}
                      {t(`delta.${deltaOf(o)}`)}
                    </Badge>
                  ) : null}
                </Group>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
