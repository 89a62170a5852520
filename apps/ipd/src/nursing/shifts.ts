/**
 * The ward's clock: three nursing shifts and the nursing day, in India Standard Time.
 *
 * Indian wards chart intake/output and hand over on an 08:00-to-08:00 day: the morning shift
 * 08:00–14:00, the evening shift 14:00–20:00 and the night shift 20:00–08:00 (next morning). A
 * night shift belongs to the nursing day it starts in, so the 24-hour balance closes at 08:00 with
 * the night nurse's handover. IST has no daylight saving, so a fixed +05:30 offset is exact.
 */
export const IST_OFFSET_MS = 330 * 60_000;
const HOUR = 3_600_000;
export const DAY_START_HOUR = 8;

export type ShiftName = 'morning' | 'evening' | 'night';
export const SHIFTS: { name: ShiftName; startHour: number; hours: number }[] = [
  { name: 'morning', startHour: 8, hours: 6 },
  { name: 'evening', startHour: 14, hours: 6 },
  { name: 'night', startHour: 20, hours: 12 },
];

export interface Shift {
  name: ShiftName;
  /** The nursing day it belongs to, as the IST calendar date (yyyy-mm-dd) of its 08:00 start. */
  day: string;
  start: Date;
  end: Date;
}

export interface NursingDay {
  day: string;
  start: Date;
  end: Date;
}

/** Midnight IST of the calendar day `day` (yyyy-mm-dd), as an instant. */
function istMidnight(day: string): number {
  return Date.parse(`${day}T00:00:00Z`) - IST_OFFSET_MS;
}

/** The nursing day (08:00 IST to 08:00 IST next day) that contains `at`. */
export function nursingDayOf(at: Date | string): NursingDay {
  const t = new Date(at).getTime();
  // Shift the clock to IST and back by 8 hours: the calendar date is then the nursing day.
  const day = new Date(t + IST_OFFSET_MS - DAY_START_HOUR * HOUR).toISOString().slice(0, 10);
  const start = istMidnight(day) + DAY_START_HOUR * HOUR;
  return { day, start: new Date(start), end: new Date(start + 24 * HOUR) };
}

/** The shift that contains `at`. */
export function shiftOf(at: Date | string): Shift {
  const { day } = nursingDayOf(at);
  const hour = (new Date(at).getTime() - istMidnight(day)) / HOUR; // 8 ≤ hour < 32
  const s = [...SHIFTS].reverse().find((x) => hour >= x.startHour) as (typeof SHIFTS)[number];
  return shiftAt(day, s.name);
}

/** The shift `name` of nursing day `day`. */
export function shiftAt(day: string, name: ShiftName): Shift {
  const s = SHIFTS.find((x) => x.name === name) as (typeof SHIFTS)[number];
  const start = istMidnight(day) + s.startHour * HOUR;
  return { name, day, start: new Date(start), end: new Date(start + s.hours * HOUR) };
}

/** The shift before `shift` (the night before a morning is the previous nursing day's). */
export function previousShift(shift: Shift): Shift {
  return shiftOf(new Date(shift.start.getTime() - 1));
}

export const within = (at: string | undefined, from: Date, to: Date): boolean => {
  if (!at) return false;
  const t = Date.parse(at);
  return t >= from.getTime() && t < to.getTime();
};
