import { ErrorView } from '@hospital-ops/app-shell';
import { Alert, Badge, Card, Group, Loader, SegmentedControl, Stack, Table, Text, Title } from '@mantine/core';
import { useMedplum } from '@medplum/react';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { loadTat } from '../fhir/lab-api.ts';
import { formatMinutes, sinceDate, type TatBreachRow, type TatTestRow } from '../lab/tat.ts';

const WINDOWS = { today: 0, week: 7, month: 30 } as const;
type Window = keyof typeof WINDOWS;

/** Turnaround times: per test the median of each step against its target, and the samples over target. */
export function TatPage() {
  const medplum = useMedplum();
  const navigate = useNavigate();
  const { t, i18n } = useTranslation('lab');
  const [window, setWindow] = useState<Window>('week');
  const [data, setData] = useState<{ tests: TatTestRow[]; breaches: TatBreachRow[] }>();
  const [error, setError] = useState<unknown>();
  const load = useCallback(() => {
    setData(undefined);
    loadTat(medplum, sinceDate(WINDOWS[window]))
      .then((d) => {
        setData(d);
        setError(undefined);
      })
      .catch(setError);
  }, [medplum, window]);
  useEffect(() => {
    load();
  }, [load]);
  const fmt = (m: number | undefined) => formatMinutes(m, i18n.language);

  if (error) return <ErrorView error={error} onRetry={load} />;
  return (
    <Stack gap="md" data-testid="tat-page">
      <Group justify="space-between">
        <Title order={2}>{t('tat.title')}</Title>
        <SegmentedControl
          size="md"
          value={window}
          onChange={(v) => setWindow(v as Window)}
          data={(Object.keys(WINDOWS) as Window[]).map((w) => ({ value: w, label: t(`tat.window.${w}`) }))}
        />
      </Group>
      <Text c="dimmed">{t('tat.hint')}</Text>
      {!data ? (
        <Loader />
      ) : (
        <>
          <Card withBorder>
            <Title order={3} mb="sm">
              {t('tat.perTest')}
            </Title>
            {data.tests.length === 0 ? (
              <Text>{t('tat.none')}</Text>
            ) : (
              <Table verticalSpacing="sm" fz="md" data-testid="tat-tests">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('column.test')}</Table.Th>
                    <Table.Th>{t('tat.orders')}</Table.Th>
                    {data.tests[0].steps.map((s) => (
                      <Table.Th key={s.to}>{t(`tat.step.${s.to}`)}</Table.Th>
                    ))}
                    <Table.Th>{t('tat.total')}</Table.Th>
                    <Table.Th>{t('tat.target')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {data.tests.map((row) => {
                    const over = row.target !== undefined && row.total.minutes !== undefined && row.total.minutes > row.target;
                    return (
                      <Table.Tr key={row.name} data-testid="tat-test-row">
                        <Table.Td fw={600}>{row.name}</Table.Td>
                        <Table.Td>{row.orders.toLocaleString('en-IN')}</Table.Td>
                        {row.steps.map((s) => (
                          <Table.Td key={s.to}>{fmt(s.minutes)}</Table.Td>
                        ))}
                        <Table.Td fw={700} c={over ? 'red' : undefined}>
                          {fmt(row.total.minutes)}
                        </Table.Td>
                        <Table.Td>{fmt(row.target)}</Table.Td>
                      </Table.Tr>
                    );
                  })}
                </Table.Tbody>
              </Table>
            )}
          </Card>
          <Card withBorder>
            <Title order={3} mb="sm">
              {t('tat.breaches', { count: data.breaches.length })}
            </Title>
            {data.breaches.length === 0 ? (
              <Alert color="green">{t('tat.noBreach')}</Alert>
            ) : (
              <Table verticalSpacing="sm" fz="md" highlightOnHover data-testid="tat-breaches">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('column.sample')}</Table.Th>
                    <Table.Th>{t('column.test')}</Table.Th>
                    <Table.Th>{t('tat.elapsed')}</Table.Th>
                    <Table.Th>{t('tat.target')}</Table.Th>
                    <Table.Th>{t('tat.state')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {data.breaches.map((b) => (
                    <Table.Tr
                      key={b.order}
                      data-testid="tat-breach-row"
                      tabIndex={0}
                      style={{ cursor: 'pointer' }}
                      onClick={() => navigate(`/orders/${b.order}`)}
                      onKeyDown={(e) => e.key === 'Enter' && navigate(`/orders/${b.order}`)}
                    >
                      <Table.Td>{b.accession ?? '—'}</Table.Td>
                      <Table.Td>{b.test}</Table.Td>
                      <Table.Td fw={700} c="red">
                        {fmt(b.elapsed)}
                      </Table.Td>
                      <Table.Td>{fmt(b.target)}</Table.Td>
                      <Table.Td>
                        <Badge color={b.verified ? 'gray' : 'red'} variant="light">
                          {t(b.verified ? 'tat.late' : 'tat.open')}
                        </Badge>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
          </Card>
        </>
      )}
    </Stack>
  );
}
