import type { Dosage } from '@medplum/fhirtypes';
import { describe, expect, test } from 'vitest';
import { buildDosage } from './dosage.ts';

const AFTER_FOOD = { coding: [{ system: 'http://snomed.info/sct', code: '311504000', display: 'With or after food' }], text: 'After food' };
const BEFORE_FOOD = {
  coding: [{ system: 'http://snomed.info/sct', code: '311501008', display: 'Half to one hour before food' }],
  text: 'Before food',
};
const FIVE_DAYS = { value: 5, unit: 'days', system: 'http://unitsofmeasure.org', code: 'd' };

describe('buildDosage: the dose pattern', () => {
  test('1-0-1 after food for 5 days', () => {
    expect(buildDosage({ frequency: '1-0-1', food: 'after', duration: { value: 5, unit: 'd' } })).toEqual<Dosage[]>([
      {
        sequence: 1,
        text: '1-0-1 after food × 5 days',
        additionalInstruction: [AFTER_FOOD],
        timing: { repeat: { frequency: 2, period: 1, periodUnit: 'd', when: ['PCM', 'PCV'], boundsDuration: FIVE_DAYS } },
        doseAndRate: [{ doseQuantity: { value: 1 } }],
      },
    ]);
  });

  test('without food timing the places are times of day', () => {
    const [d] = buildDosage({ frequency: '1-1-1' })!;
    expect(d.timing?.repeat).toEqual({ frequency: 3, period: 1, periodUnit: 'd', when: ['MORN', 'AFT', 'NIGHT'] });
    expect(d.text).toBe('1-1-1');
    expect(d.additionalInstruction).toBeUndefined();
  });

  test('before food ties each place to its meal and codes the instruction', () => {
    const [d] = buildDosage({ frequency: '1-1-1', food: 'before', duration: { value: 1, unit: 'mo' } })!;
    expect(d.timing?.repeat?.when).toEqual(['ACM', 'ACD', 'ACV']);
    expect(d.additionalInstruction).toEqual([BEFORE_FOOD]);
    expect(d.timing?.repeat?.boundsDuration).toEqual({ value: 1, unit: 'month', system: 'http://unitsofmeasure.org', code: 'mo' });
    expect(d.text).toBe('1-1-1 before food × 1 month');
  });

  test('with food uses the "at a meal" codes and text only', () => {
    const [d] = buildDosage({ frequency: '0-0-1', food: 'with' })!;
    expect(d.timing?.repeat?.when).toEqual(['CV']);
    expect(d.additionalInstruction).toEqual([{ text: 'With food' }]);
  });

  test('four places add the evening; with food the last is bedtime', () => {
    expect(buildDosage({ frequency: '1-1-1-1' })![0].timing?.repeat).toMatchObject({ frequency: 4, when: ['MORN', 'AFT', 'EVE', 'NIGHT'] });
    expect(buildDosage({ frequency: '1-1-1-1', food: 'after' })![0].timing?.repeat?.when).toEqual(['PCM', 'PCD', 'PCV', 'HS']);
  });

  test('different doses across the day give one concurrent Dosage per dose', () => {
    const parts = buildDosage({ frequency: '1-0-2', food: 'after', duration: { value: 2, unit: 'wk' } })!;
    expect(parts).toHaveLength(2);
    expect(parts.map((d) => d.sequence)).toEqual([1, 1]);
    expect(parts.map((d) => d.text)).toEqual(['1-0-0 after food × 2 weeks', '0-0-2 after food × 2 weeks']);
    expect(parts.map((d) => d.timing?.repeat?.when)).toEqual([['PCM'], ['PCV']]);
    expect(parts.map((d) => d.timing?.repeat?.frequency)).toEqual([1, 1]);
    expect(parts.map((d) => d.doseAndRate?.[0].doseQuantity?.value)).toEqual([1, 2]);
  });

  test('half doses and a dose unit', () => {
    const tablet = { unit: 'tablet', system: 'http://unitsofmeasure.org', code: '{tablet}' };
    const [d] = buildDosage({ frequency: '½-0-½', doseUnit: tablet })!;
    expect(d.doseAndRate).toEqual([{ doseQuantity: { value: 0.5, ...tablet } }]);
    expect(d.text).toBe('½-0-½');
  });

  test('an unreadable frequency gives nothing', () => {
    expect(buildDosage({ frequency: '1-0' })).toBeUndefined();
  });
});

describe('buildDosage: abbreviations', () => {
  test.each([
    ['OD', 1],
    ['BD', 2],
    ['TDS', 3],
    ['QID', 4],
  ])('%s is %i times a day', (code, times) => {
    const [d] = buildDosage({ frequency: code, duration: { value: 5, unit: 'd' } })!;
    expect(d.timing?.repeat).toEqual({ frequency: times, period: 1, periodUnit: 'd', boundsDuration: FIVE_DAYS });
    expect(d.text).toBe(`${code} × 5 days`);
  });

  test('food timing ties an abbreviation to meals in general', () => {
    const [d] = buildDosage({ frequency: 'BD', food: 'after', dose: 2 })!;
    expect(d.timing?.repeat?.when).toEqual(['PC']);
    expect(d.additionalInstruction).toEqual([AFTER_FOOD]);
    expect(d.doseAndRate?.[0].doseQuantity?.value).toBe(2);
    expect(d.text).toBe('BD after food');
  });

  test('HS is once a day at bedtime', () => {
    expect(buildDosage({ frequency: 'HS' })![0].timing?.repeat).toEqual({ frequency: 1, period: 1, periodUnit: 'd', when: ['HS'] });
  });

  test('SOS is as needed, within the course if one is given', () => {
    const [d] = buildDosage({ frequency: 'SOS', duration: { value: 3, unit: 'd' } })!;
    expect(d.asNeededBoolean).toBe(true);
    expect(d.timing?.repeat).toEqual({ boundsDuration: { ...FIVE_DAYS, value: 3 } });
    expect(buildDosage({ frequency: 'SOS' })![0].timing).toBeUndefined();
  });

  test('STAT is one dose, with no course length', () => {
    const [d] = buildDosage({ frequency: 'STAT', duration: { value: 5, unit: 'd' } })!;
    expect(d.timing).toEqual({ repeat: { count: 1 } });
    expect(d.text).toBe('STAT');
  });

  test('weekly is once a week', () => {
    const [d] = buildDosage({ frequency: 'weekly', duration: { value: 8, unit: 'wk' } })!;
    expect(d.timing?.repeat).toMatchObject({
      frequency: 1,
      period: 1,
      periodUnit: 'wk',
      boundsDuration: { value: 8, code: 'wk', unit: 'weeks' },
    });
    expect(d.text).toBe('Weekly × 8 weeks');
  });
});
