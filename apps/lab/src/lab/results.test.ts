import type { WithId } from '@medplum/core';
import type { Bundle, ObservationDefinition } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import catalogue from '../../../../server/src/features/lab/catalogue.json' with { type: 'json' };
import {
  amendParameters,
  analyteRows,
  assessCell,
  conclusionLines,
  currentValues,
  invalidCells,
  parseNumber,
  rangeText,
  resultParameters,
  subjectOf,
} from './results.ts';

// The shipped starter catalogue: the grid is checked against the same definitions a tenant loads.
const defs = ((catalogue as Bundle).entry ?? [])
  .map((e) => e.resource)
  .filter((r): r is WithId<ObservationDefinition> => r?.resourceType === 'ObservationDefinition')
  .map((d, i) => ({ ...d, id: `od-${i}` }));
const def = (loinc: string) => {
  const found = defs.find((d) => d.code.coding?.some((c) => c.code === loinc));
  if (!found) throw new Error(`no ${loinc} in the catalogue`);
  return found;
};
const rows = analyteRows([def('718-7'), def('6690-2'), def('777-3'), def('20454-5')]);
const [hb, wbc, plt, protein] = rows;
const man = { sex: 'male' as const, ageDays: 46 * 365.25 };
const woman = { sex: 'female' as const, ageDays: 34 * 365.25 };

describe('result entry', () => {
  it('lays out each analyte with its LOINC code, UCUM unit and kind', () => {
    expect(hb).toMatchObject({ code: '718-7', name: 'Haemoglobin', unit: 'g/dL', numeric: true });
    expect(protein).toMatchObject({ code: '20454-5', numeric: false });
  });

  it('shows the range for the patient’s sex and age', () => {
    expect(rangeText(hb, man)).toBe('13–17');
    expect(rangeText(hb, woman)).toBe('12–15');
    expect(rangeText(hb, { sex: 'male', ageDays: 5 * 365.25 })).toBe('11–14.5');
  });

  it('flags as typed: normal on a bound, H and L outside, LL/HH in the critical intervals', () => {
    expect(assessCell(hb, '13', man)).toEqual({ kind: 'value', value: 13, flag: 'N', critical: false });
    expect(assessCell(hb, '12.9', man)).toMatchObject({ flag: 'L', critical: false });
    expect(assessCell(hb, '12.9', woman)).toMatchObject({ flag: 'N' });
    expect(assessCell(hb, '17.5', man)).toMatchObject({ flag: 'H', critical: false });
    expect(assessCell(hb, '6.4', man)).toMatchObject({ flag: 'LL', critical: true });
    expect(assessCell(wbc, '12.5', man)).toMatchObject({ flag: 'H' });
    expect(assessCell(hb, '', man)).toEqual({ kind: 'empty' });
    expect(assessCell(hb, '12..5', man)).toEqual({ kind: 'invalid' });
    expect(assessCell(protein, ' Trace ', man)).toEqual({ kind: 'text', value: 'Trace' });
  });

  it('reads numbers as typed at an Indian lab bench', () => {
    expect(parseNumber('12,5')).toBe(12.5);
    expect(parseNumber('1,50,000')).toBe(150000);
    expect(parseNumber('150000')).toBe(150000);
    expect(parseNumber('abc')).toBeUndefined();
    expect(parseNumber('-3')).toBe(-3);
  });

  it('sends the filled cells to $enter-results and holds back while one is not a number', () => {
    const typed = { '718-7': '6.4', '6690-2': '12,5', '20454-5': 'Trace' };
    expect(resultParameters(rows, typed, man)).toEqual({
      resourceType: 'Parameters',
      parameter: [
        {
          name: 'result',
          part: [
            { name: 'code', valueCode: '718-7' },
            { name: 'value', valueDecimal: 6.4 },
          ],
        },
        {
          name: 'result',
          part: [
            { name: 'code', valueCode: '6690-2' },
            { name: 'value', valueDecimal: 12.5 },
          ],
        },
        {
          name: 'result',
          part: [
            { name: 'code', valueCode: '20454-5' },
            { name: 'value', valueString: 'Trace' },
          ],
        },
      ],
    });
    expect(invalidCells(rows, { ...typed, '777-3': '2OO' }, man)).toEqual([plt.code]);
  });

  it('takes the age on the day the sample was drawn', () => {
    const s = subjectOf(
      { resourceType: 'Patient', gender: 'female', birthDate: '2014-12-07' },
      { resourceType: 'Specimen', collection: { collectedDateTime: '2026-12-06T08:15:00+05:30' } },
    );
    expect(s.sex).toBe('female');
    // One day short of 12: still the child's band.
    expect(rangeText(hb, s)).toBe('11–14.5');
  });
});

describe('amending a final report', () => {
  const stored = [
    {
      resourceType: 'Observation' as const,
      status: 'final' as const,
      code: { coding: [{ system: 'http://loinc.org', code: '718-7' }] },
      valueQuantity: { value: 6.4 },
    },
    {
      resourceType: 'Observation' as const,
      status: 'final' as const,
      code: { coding: [{ system: 'http://loinc.org', code: '6690-2' }] },
      valueQuantity: { value: 12.5 },
    },
  ];

  it('starts from the report’s values', () => {
    expect(currentValues(stored)).toEqual({ '718-7': '6.4', '6690-2': '12.5' });
  });

  it('sends the reason and only the changed results', () => {
    const typed = { '718-7': '8.4', '6690-2': '12.50' };
    expect(amendParameters(rows, typed, man, stored, '  Repeat run  ')).toEqual({
      resourceType: 'Parameters',
      parameter: [
        { name: 'reason', valueString: 'Repeat run' },
        {
          name: 'result',
          part: [
            { name: 'code', valueCode: '718-7' },
            { name: 'value', valueDecimal: 8.4 },
          ],
        },
      ],
    });
    // A result the report did not have is an addition.
    const added = amendParameters(rows, { ...typed, '777-3': '250' }, man, stored, 'Platelets added');
    expect(typeof added === 'object' && added.parameter?.map((p) => p.part?.[0]?.valueCode ?? p.name)).toEqual([
      'reason',
      '718-7',
      '777-3',
    ]);
  });

  it('refuses without a reason, with a cell that is not a number, or when nothing changed', () => {
    expect(amendParameters(rows, { '718-7': '8.4' }, man, stored, '   ')).toBe('reason');
    expect(amendParameters(rows, { '718-7': '8..4' }, man, stored, 'Repeat')).toBe('invalid');
    expect(amendParameters(rows, currentValues(stored), man, stored, 'Repeat')).toBe('unchanged');
  });
});

describe('the report’s conclusion', () => {
  it('splits the server’s amendment lines into time and reason, keeping other text', () => {
    expect(conclusionLines('Sample lipaemic\nAmended 2026-12-07T11:19:18+05:30: Repeat run: 12.5')).toEqual([
      { text: 'Sample lipaemic' },
      { amendedAt: '2026-12-07T11:19:18+05:30', reason: 'Repeat run: 12.5' },
    ]);
    expect(conclusionLines(undefined)).toEqual([]);
  });
});
