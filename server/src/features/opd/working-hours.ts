import type { PractitionerRole } from '@medplum/fhirtypes';
import { fail, unprocessable } from './fhir.ts';
import { dateTimeRange, localInstant, secondsOfTime, WEEKDAYS, type Weekday, weekdayOfDay } from './kolkata.ts';

/**
 * Working hours to slot times, without I/O: PractitionerRole.availableTime gives weekly sessions
 * in local (Asia/Kolkata) wall-clock time, notAvailable and the role's period take time out.
 */

export interface Interval {
  start: number;
  end: number;
}

export interface SlotPlan {
  /** Slot times in the range, in order. */
  slots: Interval[];
  /** Slot times that fell inside a notAvailable period or outside the role's period. */
  unavailable: number;
}

interface Session {
  days: Set<Weekday>;
  from: number; // seconds after local midnight
  to: number;
}

const DAY_SECONDS = 86_400;

function sessions(role: PractitionerRole): Session[] {
  const times = role.availableTime ?? [];
  if (times.length === 0) {
    fail(
      unprocessable(
        'The PractitionerRole has no availableTime (working hours): there are no slots to make',
        'PractitionerRole.availableTime',
      ),
    );
  }
  return times.map((t, i) => {
    const path = `PractitionerRole.availableTime[${i}]`;
    // No daysOfWeek: the times apply every day.
    const days = new Set<Weekday>((t.daysOfWeek as Weekday[] | undefined) ?? WEEKDAYS);
    if (t.allDay) return { days, from: 0, to: DAY_SECONDS };
    const from = t.availableStartTime === undefined ? 0 : secondsOfTime(t.availableStartTime);
    const to = t.availableEndTime === undefined ? DAY_SECONDS : secondsOfTime(t.availableEndTime);
    if (from === undefined)
      return fail(unprocessable(`availableStartTime is not a time: ${t.availableStartTime}`, `${path}.availableStartTime`));
    if (to === undefined) return fail(unprocessable(`availableEndTime is not a time: ${t.availableEndTime}`, `${path}.availableEndTime`));
    // A session past midnight would belong to two days; split it into two availableTimes instead.
    if (to <= from) return fail(unprocessable('availableEndTime must be after availableStartTime (same day)', path));
    return { days, from, to };
  });
}

/** A FHIR Period as [low, high); an open end is unbounded. */
function periodRange(period: { start?: string; end?: string }, path: string): Interval {
  const start = period.start === undefined ? undefined : dateTimeRange(period.start);
  const end = period.end === undefined ? undefined : dateTimeRange(period.end);
  if (period.start !== undefined && !start) return fail(unprocessable(`Not a date or dateTime: ${period.start}`, `${path}.start`));
  if (period.end !== undefined && !end) return fail(unprocessable(`Not a date or dateTime: ${period.end}`, `${path}.end`));
  return { start: start?.low ?? Number.NEGATIVE_INFINITY, end: end?.high ?? Number.POSITIVE_INFINITY };
}

/** Sorted, non-overlapping windows of one weekday (two overlapping sessions make one). */
function windowsOn(all: Session[], day: Weekday): [number, number][] {
  const windows = all
    .filter((s) => s.days.has(day))
    .map((s) => [s.from, s.to] as [number, number])
    .sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const w of windows) {
    const last = merged.at(-1);
    if (last && w[0] <= last[1]) last[1] = Math.max(last[1], w[1]);
    else merged.push([...w]);
  }
  return merged;
}

export const overlaps = (a: Interval, b: Interval) => a.start < b.end && b.start < a.end;

/**
 * The slots of `minutes` each that working hours give on local days `fromDay`..`toDay`
 * (inclusive, days since 1970-01-01). A session's last, shorter remainder is not a slot.
 */
export function planSlots(role: PractitionerRole, fromDay: number, toDay: number, minutes: number): SlotPlan {
  const all = sessions(role);
  // notAvailable without `during` cannot be placed in time; it takes nothing out.
  const away = (role.notAvailable ?? []).flatMap((n, i) =>
    n.during ? [periodRange(n.during, `PractitionerRole.notAvailable[${i}].during`)] : [],
  );
  const active = role.period ? periodRange(role.period, 'PractitionerRole.period') : undefined;
  const step = minutes * 60;
  const slots: Interval[] = [];
  let unavailable = 0;
  for (let day = fromDay; day <= toDay; day++) {
    for (const [from, to] of windowsOn(all, weekdayOfDay(day))) {
      for (let t = from; t + step <= to; t += step) {
        const slot = { start: localInstant(day, t), end: localInstant(day, t + step) };
        const inRole = !active || (slot.start >= active.start && slot.end <= active.end);
        if (inRole && !away.some((a) => overlaps(a, slot))) slots.push(slot);
        else unavailable++;
      }
    }
  }
  return { slots, unavailable };
}
