import { describe, expect, it } from 'vitest';
import { COMMON_TESTS, testMatches } from './orders.ts';

const found = (search: string) => COMMON_TESTS.filter((t) => testMatches(t, search)).map((t) => t.display);

describe('the lab-order picker', () => {
  it('finds a test by the abbreviation the desk types', () => {
    expect(found('CBC')).toEqual(['Complete blood count']);
    expect(found('hba1c')).toEqual(['Hemoglobin A1c measurement']);
    expect(found('lft')).toEqual(['Hepatic function panel']);
    expect(found('KFT')).toEqual(['Renal function test (urea, creatinine, electrolytes)']);
  });

  it('finds a test by the start of each word of its name, and nothing for a word no test has', () => {
    expect(found('comp blo')).toEqual(['Complete blood count']);
    expect(found('liver func')).toEqual(['Hepatic function panel']);
    expect(found('xray')).toEqual([]);
    expect(found('')).toHaveLength(COMMON_TESTS.length);
  });
});
