import '@mantine/charts/styles.css';
import { formatDateTime } from '@hospital-ops/app-shell/format/index.ts';
import { useLanguage } from '@hospital-ops/app-shell/i18n/index.ts';
import { LineChart } from '@mantine/charts';
import { Paper, SegmentedControl, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChartRow, ChartSeries } from './chart.ts';

/** One chart: its title key, its series (key, colour) and the y-axis range that keeps rounds comparable. */
const CHARTS: { id: string; title: string; series: [ChartSeries, string][]; domain: [number, number] }[] = [
  { id: 'temperature', title: 'nursing.chart.temperature', series: [['temperature', 'red.7']], domain: [95, 106] },
  {
    id: 'pr',
    title: 'nursing.chart.pr',
    series: [
      ['pulse', 'pink.7'],
      ['respiration', 'blue.7'],
    ],
    domain: [0, 180],
  },
  {
    id: 'bp',
    title: 'nursing.chart.bp',
    series: [
      ['systolic', 'grape.7'],
      ['diastolic', 'violet.5'],
    ],
    domain: [40, 220],
  },
  { id: 'spo2', title: 'nursing.chart.spo2', series: [['spo2', 'cyan.7']], domain: [70, 100] },
  { id: 'pain', title: 'nursing.chart.pain', series: [['pain', 'orange.7']], domain: [0, 10] },
  { id: 'news2', title: 'nursing.chart.news2', series: [['news2', 'dark.6']], domain: [0, 20] },
];
const COLUMNS: ChartSeries[] = ['temperature', 'pulse', 'respiration', 'systolic', 'diastolic', 'spo2', 'pain', 'news2'];

/**
 * The stay's vitals as line charts (Mantine charts over recharts), one point per round, with a
 * table view of the same rows for keyboard and screen-reader users and for printing.
 */
export function VitalsChart({ rows }: { rows: ChartRow[] }) {
  const { t } = useTranslation('ipd');
  const [lang] = useLanguage();
  const [view, setView] = useState<'charts' | 'table'>('charts');
  if (rows.length === 0) return <Text c="dimmed">{t('nursing.chart.none')}</Text>;
  const first = rows[0] as ChartRow;
  const last = rows.at(-1) as ChartRow;
  return (
    <Stack data-testid="vitals-charts">
      <Text size="sm" c="dimmed">
        {t('nursing.chart.summary', { count: rows.length, from: formatDateTime(first.when, lang), to: formatDateTime(last.when, lang) })}
      </Text>
      <SegmentedControl
        aria-label={t('nursing.chart.view')}
        value={view}
        onChange={(v) => setView(v as 'charts' | 'table')}
        data={[
          { value: 'charts', label: t('nursing.chart.charts') },
          { value: 'table', label: t('nursing.chart.table') },
        ]}
        w="fit-content"
        data-testid="chart-view"
      />
      {view === 'charts' ? (
        <SimpleGrid cols={{ base: 1, md: 2 }}>
          {CHARTS.filter((c) => rows.some((r) => c.series.some(([s]) => r[s] !== undefined))).map((c) => (
            <Paper key={c.id} withBorder p="sm" component="figure" m={0} aria-label={t(c.title)} data-testid={`chart-${c.id}`}>
              <Title order={4} component="figcaption" size="sm" mb="xs">
                {t(c.title)}
              </Title>
              <LineChart
                h={180}
                data={rows as unknown as Record<string, unknown>[]}
                dataKey="label"
                series={c.series.map(([name, color]) => ({ name, color, label: t(`nursing.chart.${name}`) }))}
                connectNulls
                curveType="linear"
                withLegend={c.series.length > 1}
                yAxisProps={{ domain: c.domain }}
                tooltipAnimationDuration={0}
              />
            </Paper>
          ))}
        </SimpleGrid>
      ) : (
        <Table.ScrollContainer minWidth={700}>
          <Table striped data-testid="vitals-table">
            <Table.Caption>{t('nursing.chart.title')}</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t('nursing.chart.time')}</Table.Th>
                {COLUMNS.map((c) => (
                  <Table.Th scope="col" key={c}>
                    {t(`nursing.chart.${c}`)}
                  </Table.Th>
                ))}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((r) => (
                <Table.Tr key={r.t}>
                  <Table.Th scope="row">{formatDateTime(r.when, lang)}</Table.Th>
                  {COLUMNS.map((c) => (
                    <Table.Td key={c}>{r[c] ?? '–'}</Table.Td>
                  ))}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}
