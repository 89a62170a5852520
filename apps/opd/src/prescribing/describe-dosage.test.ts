import type { Dosage } from '@medplum/fhirtypes';
import { describe, expect, test } from 'vitest';
import { describeDosage } from './describe-dosage.ts';
import { buildDosage, type DosageInput } from './dosage.ts';

const described = (input: DosageInput, lang: 'en' | 'hi' = 'en') => describeDosage(buildDosage(input)!, lang);

describe('describeDosage', () => {
  test('1-0-1 after food for 5 days, in Hindi and English', () => {
    const input: DosageInput = { frequency: '1-0-1', food: 'after', duration: { value: 5, unit: 'd' } };
    expect(described(input, 'hi')).toEqual({ notation: '1-0-1', instruction: 'सुबह 1, रात 1 — खाने के बाद — 5 दिन' });
    expect(described(input)).toEqual({ notation: '1-0-1', instruction: 'Morning 1, Night 1 — after food — 5 days' });
  });

  test('split doses are read back as one pattern', () => {
    expect(described({ frequency: '1-0-2', food: 'before', duration: { value: 2, unit: 'wk' } }, 'hi')).toEqual({
      notation: '1-0-2',
      instruction: 'सुबह 1, रात 2 — खाने से पहले — 2 हफ़्ते',
    });
  });

  test.each([
    ['½-0-½', {}, '½-0-½', 'Morning ½, Night ½'],
    ['1-1-1', { food: 'with' }, '1-1-1', 'Morning 1, Afternoon 1, Night 1 — with food'],
    ['0-0-1', { duration: { value: 1, unit: 'mo' } }, '0-0-1', 'Night 1 — 1 month'],
    ['1-1-1-1', {}, '1-1-1-1', 'Morning 1, Afternoon 1, Evening 1, Night 1'],
    ['1-1-1-1', { food: 'after' }, '1-1-1-1', 'Morning 1, Afternoon 1, Evening 1, Night 1 — after food'],
    ['OD', { food: 'before' }, 'OD', 'Once a day — before food'],
    ['BD', { dose: 2 }, 'BD', 'Twice a day (2 each time)'],
    ['TDS', { duration: { value: 5, unit: 'd' } }, 'TDS', 'Three times a day — 5 days'],
    ['QID', {}, 'QID', 'Four times a day'],
    ['HS', {}, 'HS', 'At bedtime'],
    ['SOS', {}, 'SOS', 'When needed'],
    ['STAT', {}, 'STAT', 'Once, immediately'],
    ['weekly', { duration: { value: 1, unit: 'wk' } }, 'Weekly', 'Once a week — 1 week'],
  ] as const)('%s %j round-trips', (frequency, rest, notation, instruction) => {
    expect(described({ frequency, ...rest })).toEqual({ notation, instruction });
  });

  test('Hindi for the abbreviations', () => {
    expect(described({ frequency: 'SOS' }, 'hi')?.instruction).toBe('ज़रूरत पड़ने पर');
    expect(described({ frequency: 'BD', food: 'after', duration: { value: 3, unit: 'mo' } }, 'hi')?.instruction).toBe(
      'दिन में दो बार — खाने के बाद — 3 महीने',
    );
  });

  test('reads food timing from a coded instruction when the timing has no meal codes', () => {
    const dosage: Dosage = {
      additionalInstruction: [{ coding: [{ system: 'http://snomed.info/sct', code: '311504000' }] }],
      timing: { repeat: { frequency: 1, period: 1, periodUnit: 'd' } },
    };
    expect(describeDosage([dosage])).toEqual({ notation: 'OD', instruction: 'Once a day — after food' });
  });

  test('sequences that follow one another are joined with "then"', () => {
    const taper = [
      { ...buildDosage({ frequency: '1-0-1', duration: { value: 5, unit: 'd' } })![0], sequence: 1 },
      { ...buildDosage({ frequency: '1-0-0', duration: { value: 5, unit: 'd' } })![0], sequence: 2 },
    ];
    expect(describeDosage(taper)).toEqual({
      notation: '1-0-1; then 1-0-0',
      instruction: 'Morning 1, Night 1 — 5 days; then Morning 1 — 5 days',
    });
  });

  test('a timing these prescriptions do not use is left to Dosage.text', () => {
    expect(describeDosage([{ text: 'every 6 hours', timing: { repeat: { frequency: 1, period: 6, periodUnit: 'h' } } }])).toBeUndefined();
    expect(describeDosage([])).toBeUndefined();
  });
});
