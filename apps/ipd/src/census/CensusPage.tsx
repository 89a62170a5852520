import { ErrorView, useBranch } from '@hospital-ops/app-shell';
import { formatDate, todayInIndia } from '@hospital-ops/app-shell/format/index.ts';
import { Button, Group, Loader, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { useMedplum } from '@medplum/react';
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CENSUS_COLUMNS, type CensusFigures, type CensusWard, census, daysBefore, formatFigure, readCensus } from './census.ts';
import { IndianDateInput } from './IndianDateInput.tsx';

// On paper: the tables, not the range picker and buttons.
const PRINT_CSS = '@media print { .no-print { display: none !important; } }';

/** The census report: per ward, per IST day, admissions to length of stay, for a date range; printable. */
export function CensusPage() {
  const { t } = useTranslation('ipd');
  const medplum = useMedplum();
  const branch = useBranch();
  const today = todayInIndia();
  const [from, setFrom] = useState(daysBefore(today, 6));
  const [to, setTo] = useState(today);
  const [wards, setWards] = useState<CensusWard[]>();
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(false);

  const load = useCallback(
    async (start: string, end: string) => {
      setLoading(true);
      try {
        setWards(readCensus(await census(medplum, start, end, branch)));
        setError(undefined);
      } catch (err) {
        setError(err);
      } finally {
        setLoading(false);
      }
    },
    [medplum, branch],
  );
  // The first range loads by itself; later ones when the user asks.
  useEffect(() => void load(from, to), [load]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (from && to) void load(from, to);
  };

  const row = (label: string, f: CensusFigures, bold = false) => (
    <Table.Tr key={label} fw={bold ? 700 : undefined}>
      <Table.Td>{label}</Table.Td>
      {CENSUS_COLUMNS.map((c) => (
        <Table.Td key={c} ta="right">
          {formatFigure(c, f[c])}
        </Table.Td>
      ))}
    </Table.Tr>
  );

  return (
    <Stack>
      <style>{PRINT_CSS}</style>
      <Group justify="space-between" align="end" className="no-print">
        <form onSubmit={submit}>
          <Group align="end">
            <IndianDateInput label={t('census.from')} value={from} onChange={setFrom} invalid={t('census.badDate')} testId="census-from" />
            <IndianDateInput label={t('census.to')} value={to} onChange={setTo} invalid={t('census.badDate')} testId="census-to" />
            <Button type="submit" loading={loading} data-testid="census-show">
              {t('census.show')}
            </Button>
          </Group>
        </form>
        <Button variant="default" onClick={() => window.print()}>
          {t('census.print')}
        </Button>
      </Group>
      <Title order={2}>{t('census.title', { from: formatDate(from), to: formatDate(to) })}</Title>
      {error ? <ErrorView error={error} /> : null}
      {!wards && !error && <Loader aria-label={t('census.loading')} />}
      {wards?.length === 0 && <Text>{t('census.empty')}</Text>}
      {wards?.map((w) => (
        <Paper key={w.id} withBorder p="sm" data-testid={`census-${w.name}`}>
          <Title order={3} size="h4" mb="xs">
            {t('census.ward', { ward: w.name, beds: w.beds })}
          </Title>
          <Table striped withTableBorder>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('census.date')}</Table.Th>
                {CENSUS_COLUMNS.map((c) => (
                  <Table.Th key={c} ta="right">
                    {t(`census.column.${c}`)}
                  </Table.Th>
                ))}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {w.days.map((d) => row(formatDate(d.date), d.figures))}
              {row(t('census.total'), w.total, true)}
            </Table.Tbody>
          </Table>
          <Text size="xs" c="dimmed" mt={4}>
            {t('census.note')}
          </Text>
        </Paper>
      ))}
    </Stack>
  );
}
