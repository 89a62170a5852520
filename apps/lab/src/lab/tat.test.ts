import { describe, expect, it } from 'vitest';
import { formatMinutes, readTat, sinceDate } from './tat.ts';

const q = (value: number) => ({ valueQuantity: { value, unit: 'min', code: 'min' } });

describe('the TAT dashboard', () => {
  it('reads $lab-tat into per-test steps and breaches', () => {
    const { tests, breaches } = readTat({
      resourceType: 'Parameters',
      parameter: [
        { name: 'since', valueString: '2026-12-01' },
        {
          name: 'test',
          part: [
            { name: 'name', valueString: 'Complete blood count' },
            { name: 'orders', valueInteger: 3 },
            { name: 'target', ...q(240) },
            {
              name: 'step',
              part: [
                { name: 'from', valueCode: 'ordered' },
                { name: 'to', valueCode: 'collected' },
                { name: 'count', valueInteger: 3 },
                { name: 'minutes', ...q(20) },
              ],
            },
            {
              name: 'step',
              part: [
                { name: 'from', valueCode: 'collected' },
                { name: 'to', valueCode: 'received' },
                { name: 'count', valueInteger: 0 },
              ],
            },
            {
              name: 'total',
              part: [
                { name: 'from', valueCode: 'collected' },
                { name: 'to', valueCode: 'verified' },
                { name: 'count', valueInteger: 2 },
                { name: 'minutes', ...q(185) },
              ],
            },
          ],
        },
        {
          name: 'breach',
          part: [
            { name: 'order', valueReference: { reference: 'ServiceRequest/o3' } },
            { name: 'test', valueString: 'Complete blood count' },
            { name: 'accession', valueString: 'PUN2612060003' },
            { name: 'elapsed', ...q(270) },
            { name: 'target', ...q(240) },
            { name: 'verified', valueBoolean: false },
          ],
        },
      ],
    });
    expect(tests).toEqual([
      {
        name: 'Complete blood count',
        orders: 3,
        target: 240,
        steps: [
          { from: 'ordered', to: 'collected', minutes: 20, count: 3 },
          { from: 'collected', to: 'received', minutes: undefined, count: 0 },
        ],
        total: { from: 'collected', to: 'verified', minutes: 185, count: 2 },
      },
    ]);
    expect(breaches).toEqual([
      {
        order: 'o3',
        test: 'Complete blood count',
        accession: 'PUN2612060003',
        priority: undefined,
        elapsed: 270,
        target: 240,
        verified: false,
      },
    ]);
  });

  it('says durations in hours and minutes, days past two days, in English and Hindi', () => {
    expect(formatMinutes(185, 'en')).toBe('3 h 5 min');
    expect(formatMinutes(120, 'en')).toBe('2 h');
    expect(formatMinutes(25, 'hi')).toBe('25 मिनट');
    expect(formatMinutes(0, 'en')).toBe('0 min');
    expect(formatMinutes(3000, 'en')).toBe('2 d 2 h');
    expect(formatMinutes(185, 'hi')).toBe('3 घंटे 5 मिनट');
    expect(formatMinutes(undefined, 'en')).toBe('—');
  });

  it('starts the window on India’s date', () => {
    // 20:00 UTC on 6 December is already 7 December in India.
    expect(sinceDate(0, new Date('2026-12-06T20:00:00Z'))).toBe('2026-12-07');
    expect(sinceDate(7, new Date('2026-12-06T20:00:00Z'))).toBe('2026-11-30');
  });
});
