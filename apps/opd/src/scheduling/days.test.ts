import { describe, expect, it } from 'vitest';
import { addDays, istDayRange } from './days.ts';

describe('IST days', () => {
  it('adds days across months and leap years', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });
  it('bounds a day in India Standard Time', () => {
    expect(istDayRange('2026-11-25')).toEqual(['2026-11-25T00:00:00+05:30', '2026-11-26T00:00:00+05:30']);
  });
});
