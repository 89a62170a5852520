import { describe, expect, test } from 'vitest';
import { formatDose, frequencyNotation, parseFrequency } from './frequency.ts';

describe('parseFrequency', () => {
  test.each([
    ['1-0-1', [1, 0, 1]],
    ['1-1-1', [1, 1, 1]],
    ['0-0-1', [0, 0, 1]],
    ['1-0-0', [1, 0, 0]],
    ['1-0-2', [1, 0, 2]],
    ['½-0-½', [0.5, 0, 0.5]],
    ['1½-0-1', [1.5, 0, 1]],
    ['1/2-0-1/2', [0.5, 0, 0.5]],
    ['0.5 - 0 - 0.5', [0.5, 0, 0.5]],
    ['1–0–1', [1, 0, 1]],
    ['1-1-1-1', [1, 1, 1, 1]],
    ['1-0-1-0', [1, 0, 1, 0]],
  ])('%s is the dose at each time of day', (typed, doses) => {
    expect(parseFrequency(typed)).toEqual({ kind: 'slots', doses });
  });

  test.each([
    ['OD', 'OD'],
    ['od', 'OD'],
    ['B.D.', 'BD'],
    ['BID', 'BD'],
    ['TDS', 'TDS'],
    ['t.i.d.', 'TDS'],
    ['QID', 'QID'],
    ['HS', 'HS'],
    ['SOS', 'SOS'],
    ['prn', 'SOS'],
    ['STAT', 'STAT'],
    ['weekly', 'WEEKLY'],
    ['once a week', 'WEEKLY'],
  ])('%s is the abbreviation %s', (typed, code) => {
    expect(parseFrequency(typed)).toEqual({ kind: 'code', code });
  });

  test.each(['', '1-0', '1-0-1-0-1', '0-0-0', 'a-0-1', '1-0-1/0', 'twice', '-1-0-1'])('refuses %j', (typed) => {
    expect(parseFrequency(typed)).toBeUndefined();
  });
});

test('doses print with fraction signs', () => {
  expect([0.5, 1, 1.5, 0.25, 2.75, 2.5, 0.2].map(formatDose)).toEqual(['½', '1', '1½', '¼', '2¾', '2½', '0.2']);
  expect(frequencyNotation({ kind: 'slots', doses: [0.5, 0, 0.5] })).toBe('½-0-½');
  expect(frequencyNotation({ kind: 'code', code: 'WEEKLY' })).toBe('Weekly');
});
