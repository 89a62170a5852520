import { describe, expect, it } from 'vitest';
import { chartTime, formatIstInput, parseIstInput, whenProblem } from './when.ts';

describe('typed charting times (IST)', () => {
  it('formats and reads dd-mm-yyyy HH:mm in India Standard Time', () => {
    expect(formatIstInput(new Date('2026-12-06T15:35:00Z'))).toBe('06-12-2026 21:05');
    expect(parseIstInput('06-12-2026 21:05')).toBe('2026-12-06T21:05:00+05:30');
    expect(parseIstInput('6/12/2026 7.05')).toBe('2026-12-06T07:05:00+05:30');
    expect(parseIstInput('31-02-2026 10:00')).toBeUndefined();
    expect(parseIstInput('06-12-2026 24:00')).toBeUndefined();
  });

  it('refuses a time in the future or before the admission', () => {
    const now = new Date('2026-12-07T05:30:00Z'); // 11:00 IST
    expect(whenProblem('07-12-2026 11:00', '2026-12-05T10:00:00+05:30', now)).toBeUndefined();
    expect(whenProblem('07-12-2026 11:30', undefined, now)).toBe('future');
    expect(whenProblem('05-12-2026 09:00', '2026-12-05T10:00:00+05:30', now)).toBe('beforeStay');
    expect(whenProblem('yesterday', undefined, now)).toBe('invalid');
  });

  it('takes an empty field as now', () => {
    const now = new Date('2026-12-07T05:30:00Z');
    expect(chartTime('', undefined, now)).toEqual({ at: '2026-12-07T05:30:00.000Z' });
    expect(chartTime('07-12-2026 10:15', undefined, now)).toEqual({ at: '2026-12-07T04:45:00.000Z' });
    expect(chartTime('07-12-2026 12:15', undefined, now)).toEqual({ problem: 'future' });
  });
});
