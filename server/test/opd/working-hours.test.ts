import type { PractitionerRole } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { dateTimeRange, dayNumber, kolkataDate, kolkataInstant } from '../../src/features/opd/kolkata.ts';
import { planSlots } from '../../src/features/opd/working-hours.ts';

// Pure: no database. 2026-11-23 is a Monday.
const MON = dayNumber('2026-11-23') as number;
const at = (ms: number) => kolkataInstant(ms);
const role = (extra: Partial<PractitionerRole>): PractitionerRole => ({ resourceType: 'PractitionerRole', ...extra });
const times = (r: PractitionerRole, from: number, to: number, minutes: number) =>
  planSlots(r, from, to, minutes).slots.map((s) => `${at(s.start)}/${at(s.end).slice(11, 16)}`);

describe('Asia/Kolkata time', () => {
  it('writes instants at +05:30 and finds the local day across UTC midnight', () => {
    expect(kolkataInstant(Date.parse('2026-11-24T20:00:00Z'))).toBe('2026-11-25T01:30:00+05:30');
    expect(kolkataDate(Date.parse('2026-11-24T18:29:59Z'))).toBe('2026-11-24');
    expect(kolkataDate(Date.parse('2026-11-24T18:30:00Z'))).toBe('2026-11-25');
  });

  it('refuses dates that do not exist', () => {
    expect(dayNumber('2026-02-29')).toBeUndefined();
    expect(dayNumber('2028-02-29')).toBeDefined();
    expect(dayNumber('25-11-2026')).toBeUndefined();
  });

  it('reads partial dates as whole local days, months and years', () => {
    expect(dateTimeRange('2026-12-25')).toEqual({
      low: Date.parse('2026-12-25T00:00:00+05:30'),
      high: Date.parse('2026-12-26T00:00:00+05:30'),
    });
    expect(dateTimeRange('2026-12')).toEqual({
      low: Date.parse('2026-12-01T00:00:00+05:30'),
      high: Date.parse('2027-01-01T00:00:00+05:30'),
    });
    expect(dateTimeRange('2026-13')).toBeUndefined();
    expect(dateTimeRange('2026-12-25T13:00:00+05:30')?.low).toBe(Date.parse('2026-12-25T07:30:00Z'));
  });
});

describe('planSlots', () => {
  it('cuts each session into slots in local time, on the session days only', () => {
    const r = role({
      availableTime: [
        { daysOfWeek: ['mon', 'wed'], availableStartTime: '09:30:00', availableEndTime: '10:30:00' },
        { daysOfWeek: ['mon'], availableStartTime: '17:00:00', availableEndTime: '17:40:00' },
      ],
    });
    expect(times(r, MON, MON + 2, 20)).toEqual([
      '2026-11-23T09:30:00+05:30/09:50',
      '2026-11-23T09:50:00+05:30/10:10',
      '2026-11-23T10:10:00+05:30/10:30',
      '2026-11-23T17:00:00+05:30/17:20',
      '2026-11-23T17:20:00+05:30/17:40',
      // Tuesday: no session
      '2026-11-25T09:30:00+05:30/09:50',
      '2026-11-25T09:50:00+05:30/10:10',
      '2026-11-25T10:10:00+05:30/10:30',
    ]);
  });

  it('drops a remainder shorter than a slot, and merges overlapping sessions into one window', () => {
    const r = role({
      availableTime: [
        { daysOfWeek: ['mon'], availableStartTime: '09:00:00', availableEndTime: '09:40:00' },
        { daysOfWeek: ['mon'], availableStartTime: '09:30:00', availableEndTime: '10:05:00' },
      ],
    });
    expect(times(r, MON, MON, 30)).toEqual(['2026-11-23T09:00:00+05:30/09:30', '2026-11-23T09:30:00+05:30/10:00']);
  });

  it('takes out notAvailable periods (a whole local day, or part of one) and counts what they took', () => {
    const r = role({
      availableTime: [{ daysOfWeek: ['mon', 'tue'], availableStartTime: '09:00:00', availableEndTime: '10:00:00' }],
      notAvailable: [
        { description: 'Conference', during: { start: '2026-11-23', end: '2026-11-23' } },
        { description: 'Ward round', during: { start: '2026-11-24T09:15:00+05:30', end: '2026-11-24T09:45:00+05:30' } },
        { description: 'No period: cannot be placed' },
      ],
    });
    const plan = planSlots(r, MON, MON + 1, 15);
    expect(plan.slots.map((s) => at(s.start).slice(0, 16))).toEqual(['2026-11-24T09:00', '2026-11-24T09:45']);
    expect(plan.unavailable).toBe(6);
  });

  it('keeps slots within the role period, and all days when daysOfWeek is absent', () => {
    const r = role({
      period: { start: '2026-11-24' },
      availableTime: [{ availableStartTime: '08:00:00', availableEndTime: '08:30:00' }],
    });
    const plan = planSlots(r, MON, MON + 6, 30);
    expect(plan.slots).toHaveLength(6);
    expect(plan.unavailable).toBe(1);
  });

  it('answers 422 for working hours it cannot use', () => {
    const fails = (r: PractitionerRole) => {
      try {
        planSlots(r, MON, MON, 15);
      } catch (err) {
        return (err as { outcome: { id: string; issue: { expression?: string[] }[] } }).outcome;
      }
      return undefined;
    };
    expect(fails(role({}))?.id).toBe('business-rule');
    const overnight = fails(role({ availableTime: [{ availableStartTime: '20:00:00', availableEndTime: '02:00:00' }] }));
    expect(overnight?.issue[0].expression).toEqual(['PractitionerRole.availableTime[0]']);
    expect(fails(role({ availableTime: [{ availableStartTime: '9am' }] }))?.issue[0].expression).toEqual([
      'PractitionerRole.availableTime[0].availableStartTime',
    ]);
  });
});
