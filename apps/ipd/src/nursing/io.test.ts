import { describe, expect, it } from 'vitest';
import { dayBalance, type IoEntry, ioEntries, ioObservation, type Route } from './io.ts';

const patient = { reference: 'Patient/p1' };
const stay = { reference: 'Encounter/e1' };
const at = (ist: string) => new Date(`${ist}+05:30`).toISOString();
const entry = (ist: string, route: Route, ml: number) => ioObservation(route, ml, patient, stay, at(ist));

// A nursing day of 7 December, hand-added: the 07:59 on the 7th belongs to the 6th and the 08:00 on the 8th to the 8th.
const chart = [
  entry('2026-12-07T07:59:00', 'oral', 999),
  entry('2026-12-07T09:00:00', 'oral', 200),
  entry('2026-12-07T10:30:00', 'iv', 500),
  entry('2026-12-07T12:00:00', 'urine', 300),
  entry('2026-12-07T15:00:00', 'oral', 150),
  entry('2026-12-07T18:00:00', 'vomit', 100),
  entry('2026-12-07T23:00:00', 'iv', 500),
  entry('2026-12-08T06:00:00', 'urine', 450),
  entry('2026-12-08T07:59:00', 'oral', 100),
  entry('2026-12-08T08:00:00', 'urine', 200),
];

describe('intake/output', () => {
  it('stores a volume in mL (UCUM) with the LOINC code of the route and the route in method', () => {
    const o = entry('2026-12-07T09:00:00', 'urine', 300);
    expect(o.code.coding?.[0]).toMatchObject({ system: 'http://loinc.org', code: '9187-6' });
    expect(o.valueQuantity).toEqual({ value: 300, unit: 'mL', system: 'http://unitsofmeasure.org', code: 'mL' });
    expect(o.method?.coding?.[0].code).toBe('urine');
    expect(o.effectiveDateTime).toBe('2026-12-07T03:30:00.000Z');
    expect(entry('2026-12-07T09:00:00', 'oral', 1).code.coding?.[0].code).toBe('9000-1');
  });

  it('reads entries back, oldest first, ignoring other Observations and entries in error', () => {
    const wrong = { ...entry('2026-12-07T09:30:00', 'oral', 5000), status: 'entered-in-error' as const };
    const vital = { resourceType: 'Observation' as const, status: 'final' as const, code: { text: 'Pulse' }, valueQuantity: { value: 80 } };
    const entries = ioEntries([chart[3], wrong, vital, chart[1]]);
    expect(entries.map((e: IoEntry) => [e.route, e.direction, e.ml])).toEqual([
      ['oral', 'intake', 200],
      ['urine', 'output', 300],
    ]);
  });

  it('balances the 08:00–08:00 IST day with per-shift and running totals', () => {
    const b = dayBalance(ioEntries(chart), at('2026-12-07T16:00:00'));
    expect(b.day.day).toBe('2026-12-07');
    expect({ intake: b.intake, output: b.output, balance: b.balance }).toEqual({ intake: 1450, output: 850, balance: 600 });
    const [morning, evening, night] = b.shifts;
    expect(morning).toMatchObject({
      shift: 'morning',
      intake: 700,
      output: 300,
      balance: 400,
      running: { intake: 700, output: 300, balance: 400 },
    });
    expect(morning.byRoute).toEqual({ oral: 200, iv: 500, urine: 300 });
    expect(evening).toMatchObject({
      shift: 'evening',
      intake: 150,
      output: 100,
      balance: 50,
      running: { intake: 850, output: 400, balance: 450 },
    });
    expect(night).toMatchObject({
      shift: 'night',
      intake: 600,
      output: 450,
      balance: 150,
      running: { intake: 1450, output: 850, balance: 600 },
    });
  });

  it('puts the entries either side of 08:00 IST in different days', () => {
    expect(dayBalance(ioEntries(chart), at('2026-12-07T07:00:00'))).toMatchObject({ intake: 999, output: 0, balance: 999 });
    expect(dayBalance(ioEntries(chart), at('2026-12-08T09:00:00'))).toMatchObject({ intake: 0, output: 200, balance: -200 });
  });
});
