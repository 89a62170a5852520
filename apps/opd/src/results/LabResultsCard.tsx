import { Badge, Button, Card, Collapse, Group, Stack, Table, Text, Title } from '@mantine/core';
import type { Bundle, DiagnosticReport, Observation } from '@medplum/fhirtypes';
import { useMedplum } from '@medplum/react';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../lib/format.ts';
import { FlagBadge } from './FlagBadge.tsx';
import { openLabReportPdf } from './pdf.ts';
import { type ReportRow, reportRows } from './results.ts';

const STATUS_COLOUR: Record<string, string> = { preliminary: 'yellow', final: 'teal', amended: 'grape', corrected: 'grape' };

/** The patient's lab reports, newest first, each opening to its results (docs/opd.md, "Lab results"). */
export function LabResultsCard({ patientId, onError }: { patientId: string; onError: (err: unknown) => void }) {
  const medplum = useMedplum();
  const { t, i18n } = useTranslation('opd');
  const [rows, setRows] = useState<ReportRow[]>();
  const [open, setOpen] = useState<Record<string, boolean>>({});

  const load = useCallback(async () => {
    try {
      const bundle: Bundle = await medplum.search(
        'DiagnosticReport',
        { subject: `Patient/${patientId}`, _sort: '-issued', _count: '20', _include: 'DiagnosticReport:result' },
        { cache: 'no-cache' },
      );
      const resources = bundle.entry?.flatMap((e) => (e.resource ? [e.resource] : [])) ?? [];
      const reports = resources.filter((r): r is DiagnosticReport => r.resourceType === 'DiagnosticReport');
      const observations = resources.filter((r): r is Observation => r.resourceType === 'Observation');
      setRows(reportRows(reports, observations));
    } catch (err) {
      onError(err);
    }
  }, [medplum, patientId, onError]);
  useEffect(() => {
    void load();
  }, [load]);

  if (!rows) return null;
  return (
    <Card withBorder data-testid="lab-results">
      <Title order={4} mb="xs">
        {t('labResults.title')}
      </Title>
      {rows.length === 0 && <Text c="dimmed">{t('labResults.none')}</Text>}
      <Stack gap="xs">
        {rows.map((r) => (
          <Card key={r.id} withBorder padding="xs" data-testid={`lab-report-${r.id}`}>
            <Group justify="space-between">
              <Group gap="xs">
                <Text fw={600}>{r.name}</Text>
                <Badge color={STATUS_COLOUR[r.status] ?? 'gray'} variant="light">
                  {t(`labResults.status.${r.status}`)}
                </Badge>
                {r.critical && <Badge color="red">{t('labResults.critical')}</Badge>}
                <Text size="sm" c="dimmed">
                  {formatDateTime(r.date, i18n.language)}
                </Text>
              </Group>
              <Group gap="xs">
                <Button
                  size="xs"
                  variant="default"
                  aria-expanded={open[r.id] ?? false}
                  onClick={() => setOpen((o) => ({ ...o, [r.id]: !o[r.id] }))}
                  data-testid="toggle-results"
                >
                  {open[r.id] ? t('labResults.hide') : t('labResults.show')}
                </Button>
                <Button
                  size="xs"
                  variant="default"
                  onClick={() => void openLabReportPdf(medplum, r.id).catch(onError)}
                  data-testid="lab-report-pdf"
                >
                  {t('labResults.pdf')}
                </Button>
              </Group>
            </Group>
            <Collapse in={open[r.id] ?? false}>
              <Table mt="xs">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('labResults.test')}</Table.Th>
                    <Table.Th>{t('labResults.value')}</Table.Th>
                    <Table.Th>{t('labResults.unit')}</Table.Th>
                    <Table.Th>{t('labResults.range')}</Table.Th>
                    <Table.Th>{t('labResults.flagColumn')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {r.results.map((x) => (
                    <Table.Tr key={x.id} data-testid={`lab-result-${x.id}`}>
                      <Table.Td>
                        {x.name}
                        {x.amended && (
                          <Text span size="xs" c="grape">
                            {` (${t('labResults.amended')})`}
                          </Text>
                        )}
                      </Table.Td>
                      <Table.Td fw={x.flag && x.flag !== 'N' ? 700 : undefined} c={x.flag === 'HH' || x.flag === 'LL' ? 'red' : undefined}>
                        {x.value}
                      </Table.Td>
                      <Table.Td>{x.unit}</Table.Td>
                      <Table.Td>{x.range}</Table.Td>
                      <Table.Td>
                        <FlagBadge flag={x.flag} />
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Collapse>
          </Card>
        ))}
      </Stack>
    </Card>
  );
}
