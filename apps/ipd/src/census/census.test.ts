import { describe, expect, it } from 'vitest';
import { daysBefore, formatFigure, readCensus } from './census.ts';

describe('the census table', () => {
  it('reads each ward with its days and the whole period', () => {
    const wards = readCensus({
      resourceType: 'Parameters',
      parameter: [
        { name: 'from', valueDate: '2026-11-27' },
        {
          name: 'ward',
          part: [
            { name: 'ward', valueReference: { reference: 'Location/w1', display: 'General ward 3' } },
            { name: 'beds', valueInteger: 3 },
            {
              name: 'day',
              part: [
                { name: 'date', valueDate: '2026-11-27' },
                { name: 'admissions', valueInteger: 2 },
                { name: 'occupancy', valueInteger: 1 },
                { name: 'occupancyPercent', valueDecimal: 33.3 },
              ],
            },
            {
              name: 'total',
              part: [
                { name: 'bedDays', valueInteger: 4 },
                { name: 'occupancy', valueDecimal: 1.3 },
                { name: 'averageLengthOfStay', valueDecimal: 1.5 },
              ],
            },
          ],
        },
      ],
    });
    expect(wards).toEqual([
      {
        id: 'w1',
        name: 'General ward 3',
        beds: 3,
        days: [{ date: '2026-11-27', figures: { admissions: 2, occupancy: 1, occupancyPercent: 33.3 } }],
        total: { bedDays: 4, occupancy: 1.3, averageLengthOfStay: 1.5 },
      },
    ]);
  });

  it('writes figures the Indian way, with a dash where there is none', () => {
    expect(formatFigure('admissions', 123456)).toBe('1,23,456');
    expect(formatFigure('occupancy', 1.3)).toBe('1.3');
    expect(formatFigure('averageLengthOfStay', 2)).toBe('2.0');
    expect(formatFigure('occupancyPercent', 66.7)).toBe('66.7%');
    expect(formatFigure('averageLengthOfStay', undefined)).toBe('–');
  });

  it('starts the default range a week back, across months', () => {
    expect(daysBefore('2026-12-03', 6)).toBe('2026-11-27');
  });
});
