import type { Dosage, MedicationRequest } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { unrecordedStatus } from '../../src/features/ipd/mar/model.ts';
import { isPrn, scheduledDoses } from '../../src/features/ipd/mar/schedule.ts';

// Due doses from Timing, against times written out by hand in Asia/Kolkata (IST, +05:30).
const ist = (s: string) => Date.parse(`${s}:00+05:30`);

function order(authoredOn: string, dosage: Dosage[], extra: Partial<MedicationRequest> = {}): MedicationRequest {
  return {
    resourceType: 'MedicationRequest',
    id: 'mr1',
    status: 'active',
    intent: 'order',
    subject: { reference: 'Patient/p' },
    authoredOn: `${authoredOn}:00+05:30`,
    dosageInstruction: dosage,
    ...extra,
  };
}
const daily = (frequency: number, more: Record<string, unknown> = {}): Dosage => ({
  timing: { repeat: { frequency, period: 1, periodUnit: 'd', ...more } },
});
const hourly = (hours: number, more: Record<string, unknown> = {}): Dosage => ({
  timing: { repeat: { frequency: 1, period: hours, periodUnit: 'h', ...more } },
});

/** The doses in [from, to) as IST wall-clock strings. */
const doses = (mr: MedicationRequest, from: string, to: string) =>
  scheduledDoses(mr, ist(from), ist(to)).map((d) => {
    const local = new Date(d.at + 330 * 60_000).toISOString().slice(0, 16);
    expect(d.key).toBe(`mr1/${local}`);
    return local;
  });

describe('MAR dose times (Asia/Kolkata)', () => {
  it('BID for a stay that starts mid-day: 20:00 the first day, then 08:00 and 20:00', () => {
    const mr = order('2026-12-07T11:30', [daily(2)]);
    expect(doses(mr, '2026-12-07T00:00', '2026-12-09T00:00')).toEqual(['2026-12-07T20:00', '2026-12-08T08:00', '2026-12-08T20:00']);
  });

  it('TDS: 08:00, 14:00, 20:00; ordered at 13:59 the 14:00 dose is still due', () => {
    const mr = order('2026-12-07T13:59', [daily(3)]);
    expect(doses(mr, '2026-12-07T00:00', '2026-12-09T00:00')).toEqual([
      '2026-12-07T14:00',
      '2026-12-07T20:00',
      '2026-12-08T08:00',
      '2026-12-08T14:00',
      '2026-12-08T20:00',
    ]);
  });

  it('QID in waking hours and 1-0-1 (when MORN, EVE)', () => {
    expect(doses(order('2026-12-07T00:00', [daily(4)]), '2026-12-07T00:00', '2026-12-08T00:00')).toEqual([
      '2026-12-07T08:00',
      '2026-12-07T12:00',
      '2026-12-07T16:00',
      '2026-12-07T20:00',
    ]);
    const oneZeroOne = order('2026-12-07T00:00', [
      { timing: { repeat: { frequency: 2, period: 1, periodUnit: 'd', when: ['MORN', 'EVE'] } } },
    ]);
    expect(doses(oneZeroOne, '2026-12-07T00:00', '2026-12-08T00:00')).toEqual(['2026-12-07T08:00', '2026-12-07T20:00']);
  });

  it('q6h round the clock across midnight (IST midnight is 18:30 UTC the day before)', () => {
    const mr = order('2026-12-07T21:00', [hourly(6)]);
    expect(doses(mr, '2026-12-07T00:00', '2026-12-08T00:00')).toEqual([]);
    expect(doses(mr, '2026-12-08T00:00', '2026-12-09T00:00')).toEqual([
      '2026-12-08T00:00',
      '2026-12-08T06:00',
      '2026-12-08T12:00',
      '2026-12-08T18:00',
    ]);
    // The dose at IST midnight belongs to the 8th, not the 7th.
    expect(doses(mr, '2026-12-07T21:00', '2026-12-08T00:00')).toEqual([]);
    expect(doses(mr, '2026-12-07T23:59', '2026-12-08T00:01')).toEqual(['2026-12-08T00:00']);
  });

  it('q8h at 06:00, 14:00, 22:00, and a count of four doses', () => {
    expect(doses(order('2026-12-07T07:00', [hourly(8)]), '2026-12-07T00:00', '2026-12-08T00:00')).toEqual([
      '2026-12-07T14:00',
      '2026-12-07T22:00',
    ]);
    expect(doses(order('2026-12-07T07:00', [hourly(8, { count: 4 })]), '2026-12-07T00:00', '2026-12-10T00:00')).toEqual([
      '2026-12-07T14:00',
      '2026-12-07T22:00',
      '2026-12-08T06:00',
      '2026-12-08T14:00',
    ]);
  });

  it('explicit timeOfDay, and a boundsPeriod ending on a date (the whole of that day)', () => {
    const mr = order('2026-12-07T00:00', [
      { timing: { repeat: { timeOfDay: ['09:00:00', '21:30:00'], boundsPeriod: { end: '2026-12-08' } } } },
    ]);
    expect(doses(mr, '2026-12-07T00:00', '2026-12-11T00:00')).toEqual([
      '2026-12-07T09:00',
      '2026-12-07T21:30',
      '2026-12-08T09:00',
      '2026-12-08T21:30',
    ]);
  });

  it('PRN has no scheduled doses', () => {
    const mr = order('2026-12-07T09:00', [{ asNeededBoolean: true, timing: { repeat: { frequency: 1, period: 6, periodUnit: 'h' } } }]);
    expect(isPrn(mr)).toBe(true);
    expect(doses(mr, '2026-12-07T00:00', '2026-12-09T00:00')).toEqual([]);
  });

  it('stat: one dose at the moment it was ordered', () => {
    const mr = order('2026-12-07T11:37', [{ timing: { repeat: { count: 1 } } }], { priority: 'stat' });
    expect(doses(mr, '2026-12-07T00:00', '2026-12-09T00:00')).toEqual(['2026-12-07T11:37']);
    expect(scheduledDoses(mr, ist('2026-12-07T00:00'), ist('2026-12-08T00:00'))[0].kind).toBe('stat');
    const coded = order('2026-12-07T23:10', [{ timing: { code: { coding: [{ code: 'STAT' }] } } }]);
    expect(doses(coded, '2026-12-07T00:00', '2026-12-09T00:00')).toEqual(['2026-12-07T23:10']);
  });

  it('tapering: 40 mg OD × 3 days, then 20 mg BID × 2 days, then 10 mg OD × 2 days, each phase from where the last ended', () => {
    const mr = order('2026-12-07T10:00', [
      {
        sequence: 1,
        text: '40 mg OD',
        timing: { repeat: { frequency: 1, period: 1, periodUnit: 'd', boundsDuration: { value: 3, code: 'd' } } },
      },
      {
        sequence: 2,
        text: '20 mg BID',
        timing: { repeat: { frequency: 2, period: 1, periodUnit: 'd', boundsDuration: { value: 2, code: 'd' } } },
      },
      {
        sequence: 3,
        text: '10 mg OD',
        timing: { repeat: { frequency: 1, period: 1, periodUnit: 'd', boundsDuration: { value: 2, code: 'd' } } },
      },
    ]);
    const all = scheduledDoses(mr, ist('2026-12-01T00:00'), ist('2026-12-31T00:00'));
    expect(doses(mr, '2026-12-01T00:00', '2026-12-31T00:00')).toEqual([
      '2026-12-08T08:00',
      '2026-12-09T08:00',
      '2026-12-10T08:00',
      '2026-12-10T20:00',
      '2026-12-11T08:00',
      '2026-12-11T20:00',
      '2026-12-12T08:00',
      '2026-12-13T08:00',
      '2026-12-14T08:00',
    ]);
    expect(all.map((d) => d.instruction)).toEqual([0, 0, 0, 1, 1, 1, 1, 2, 2]);
  });

  it('tapering with explicit boundsPeriods', () => {
    const mr = order('2026-12-07T10:00', [
      daily(2, { boundsPeriod: { start: '2026-12-07T10:00:00+05:30', end: '2026-12-08T10:00:00+05:30' } }),
      daily(1, { boundsPeriod: { start: '2026-12-08T10:00:00+05:30', end: '2026-12-10T10:00:00+05:30' } }),
    ]);
    expect(doses(mr, '2026-12-07T00:00', '2026-12-12T00:00')).toEqual([
      '2026-12-07T20:00',
      '2026-12-08T08:00',
      '2026-12-09T08:00',
      '2026-12-10T08:00',
    ]);
  });

  it('late an hour after the time, missed after four hours or when the next dose falls due', () => {
    const slot = { at: ist('2026-12-07T14:00') };
    const next = ist('2026-12-07T20:00');
    expect(unrecordedStatus(slot, ist('2026-12-07T14:59'), next)).toBe('due');
    expect(unrecordedStatus(slot, ist('2026-12-07T15:00'), next)).toBe('late');
    expect(unrecordedStatus(slot, ist('2026-12-07T17:59'), next)).toBe('late');
    expect(unrecordedStatus(slot, ist('2026-12-07T18:00'), next)).toBe('missed');
    // q2h: the next dose comes before four hours are up.
    expect(unrecordedStatus(slot, ist('2026-12-07T16:00'), ist('2026-12-07T16:00'))).toBe('missed');
    expect(unrecordedStatus(slot, ist('2026-12-07T13:00'), next)).toBe('due');
  });
});
