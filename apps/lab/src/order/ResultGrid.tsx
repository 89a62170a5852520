import { Alert, Badge, Button, Stack, Table, Text, TextInput } from '@mantine/core';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Flag } from '../../../../server/src/features/lab/ranges.ts';
import { type AnalyteRow, assessCell, type CellState, invalidCells, rangeText, type Subject } from '../lab/results.ts';

export const FLAG_COLOUR: Record<Flag, string> = { N: 'green', H: 'orange', L: 'blue', HH: 'red', LL: 'red' };

export function FlagBadge({ flag }: { flag: Flag | undefined }) {
  const { t } = useTranslation('lab');
  if (!flag) return null;
  return (
    <Badge size="lg" color={FLAG_COLOUR[flag]} variant={flag === 'N' ? 'light' : 'filled'} data-testid={`flag-${flag}`}>
      {flag === 'N' ? t('flag.N') : `${flag} · ${t(`flag.${flag}`)}`}
    </Badge>
  );
}

const flagOf = (c: CellState) => (c.kind === 'value' ? c.flag : undefined);

/**
 * One row per analyte: type the value, see the unit, the patient's range and the flag at once.
 * Enter moves to the next value (as Tab does), so a keypad or scanner wedge fills the column.
 */
export function ResultGrid({
  rows,
  subject,
  onSave,
  initial = {},
  saveLabel,
  saveTestId = 'save-results',
}: {
  rows: AnalyteRow[];
  subject: Subject;
  onSave: (typed: Record<string, string>) => Promise<void>;
  /** Values to start from (an amendment starts from the report's). */
  initial?: Record<string, string>;
  saveLabel?: string;
  saveTestId?: string;
}) {
  const { t } = useTranslation('lab');
  const [typed, setTyped] = useState<Record<string, string>>(initial);
  const [problem, setProblem] = useState<string>();
  const [saving, setSaving] = useState(false);
  const cells = useMemo(
    () => Object.fromEntries(rows.map((r) => [r.code, assessCell(r, typed[r.code] ?? '', subject)])),
    [rows, typed, subject],
  );
  const critical = Object.values(cells).some((c) => c.kind === 'value' && c.critical);

  async function save() {
    if (invalidCells(rows, typed, subject).length) return setProblem(t('results.fixFirst'));
    if (Object.values(cells).every((c) => c.kind === 'empty')) return setProblem(t('results.nothing'));
    setProblem(undefined);
    setSaving(true);
    try {
      await onSave(typed);
    } finally {
      setSaving(false);
    }
  }

  return (
    <Stack gap="sm">
      <Table verticalSpacing="sm" fz="md" data-testid="result-grid">
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
          {rows.map((r, i) => {
            const cell = cells[r.code];
            return (
              <Table.Tr key={r.code} data-testid={`result-row-${r.code}`}>
                <Table.Td>
                  <Text fw={600}>{r.name}</Text>
                </Table.Td>
                <Table.Td w={160}>
                  <TextInput
                    size="lg"
                    aria-label={r.name}
                    data-testid={`result-${r.code}`}
                    inputMode={r.numeric ? 'decimal' : 'text'}
                    autoFocus={i === 0}
                    value={typed[r.code] ?? ''}
                    error={cell.kind === 'invalid' ? t('results.notNumber') : undefined}
                    onChange={(e) => {
                      const value = e.currentTarget.value;
                      setTyped((prev) => ({ ...prev, [r.code]: value }));
                    }}
                    onKeyDown={(e) => {
                      if (e.key !== 'Enter') return;
                      e.preventDefault();
                      const inputs = [
                        ...document.querySelectorAll<HTMLInputElement>('[data-testid^="result-"] input, input[data-testid^="result-"]'),
                      ];
                      const next = inputs[inputs.indexOf(e.currentTarget) + 1];
                      if (next) next.focus();
                      else void save();
                    }}
                  />
                </Table.Td>
                <Table.Td>{r.unit}</Table.Td>
                <Table.Td>{rangeText(r, subject)}</Table.Td>
                <Table.Td>
                  <FlagBadge flag={flagOf(cell)} />
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
      {critical ? (
        <Alert color="red" data-testid="critical-warning">
          {t('results.criticalWarning')}
        </Alert>
      ) : null}
      {problem ? (
        <Alert color="orange" role="alert">
          {problem}
        </Alert>
      ) : null}
      <Button size="xl" onClick={() => void save()} loading={saving} data-testid={saveTestId}>
        {saveLabel ?? t('results.save')}
      </Button>
    </Stack>
  );
}
