import { describe, expect, it } from 'vitest';
import { nursingDayOf, previousShift, shiftAt, shiftOf } from './shifts.ts';

describe('the nursing day and shifts (IST)', () => {
  it('starts the nursing day at 08:00 IST (02:30 UTC)', () => {
    expect(nursingDayOf('2026-12-07T02:29:59Z').day).toBe('2026-12-06');
    const d = nursingDayOf('2026-12-07T02:30:00Z');
    expect(d.day).toBe('2026-12-07');
    expect(d.start.toISOString()).toBe('2026-12-07T02:30:00.000Z');
    expect(d.end.toISOString()).toBe('2026-12-08T02:30:00.000Z');
    // Written with the Indian offset: 07:59 on the 8th is still the 7th's nursing day.
    expect(nursingDayOf('2026-12-08T07:59:00+05:30').day).toBe('2026-12-07');
    // Just after midnight IST is the previous nursing day, though UTC is still on the same date.
    expect(nursingDayOf('2026-12-07T18:31:00Z').day).toBe('2026-12-07');
  });

  it('puts each instant in the morning (08–14), evening (14–20) or night (20–08) shift', () => {
    expect(shiftOf('2026-12-07T08:29:00Z')).toMatchObject({ name: 'morning', day: '2026-12-07' }); // 13:59 IST
    expect(shiftOf('2026-12-07T08:30:00Z')).toMatchObject({ name: 'evening', day: '2026-12-07' }); // 14:00 IST
    expect(shiftOf('2026-12-07T14:30:00Z')).toMatchObject({ name: 'night', day: '2026-12-07' }); // 20:00 IST
    const lateNight = shiftOf('2026-12-07T20:00:00Z'); // 01:30 IST on the 8th
    expect(lateNight).toMatchObject({ name: 'night', day: '2026-12-07' });
    expect(lateNight.start.toISOString()).toBe('2026-12-07T14:30:00.000Z');
    expect(lateNight.end.toISOString()).toBe('2026-12-08T02:30:00.000Z');
  });

  it('goes back from a morning to the previous night, and from a night to the evening', () => {
    expect(previousShift(shiftAt('2026-12-08', 'morning'))).toMatchObject({ name: 'night', day: '2026-12-07' });
    expect(previousShift(shiftAt('2026-12-08', 'night'))).toMatchObject({ name: 'evening', day: '2026-12-08' });
  });
});
