/**
 * Local time at the branches: Asia/Kolkata. India has kept UTC+05:30 all year since 1945 (no
 * daylight saving), so a fixed offset is exact and needs no time zone database; instants are
 * written with "+05:30" so a receptionist reading the JSON sees the clinic's own clock.
 */

export const IST_OFFSET_MINUTES = 330;
const OFFSET_MS = IST_OFFSET_MINUTES * 60_000;
const DAY_MS = 86_400_000;
export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Days since 1970-01-01 of a calendar date `YYYY-MM-DD`, or undefined when it is not a real date. */
export function dayNumber(date: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return undefined;
  return ms / DAY_MS;
}

export function dateOfDay(day: number): string {
  const d = new Date(day * DAY_MS);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

export function weekdayOfDay(day: number): Weekday {
  return WEEKDAYS[new Date(day * DAY_MS).getUTCDay()];
}

/** The instant (ms) of a local wall-clock time: `seconds` after local midnight of `day`. */
export function localInstant(day: number, seconds: number): number {
  return day * DAY_MS + seconds * 1000 - OFFSET_MS;
}

/** The local calendar date of an instant. */
export function kolkataDate(ms: number): string {
  return dateOfDay(Math.floor((ms + OFFSET_MS) / DAY_MS));
}

/** An instant as FHIR `instant` in local time: 2026-11-25T09:30:00+05:30. */
export function kolkataInstant(ms: number): string {
  const local = new Date(Math.floor((ms + OFFSET_MS) / 1000) * 1000);
  return `${local.toISOString().slice(0, 19)}+05:30`;
}

/** Whole seconds after midnight of a FHIR `time` (hh:mm:ss[.fff]); undefined when malformed. */
export function secondsOfTime(time: string): number | undefined {
  const m = /^([01]\d|2[0-3]):([0-5]\d):([0-5]\d)(\.\d+)?$/.exec(time);
  return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) : undefined;
}

/**
 * The range [low, high) a FHIR date or dateTime covers, in ms. Partial dates (2026, 2026-12,
 * 2026-12-25) are whole local years, months or days; a dateTime carries its own offset.
 */
export function dateTimeRange(value: string): { low: number; high: number } | undefined {
  let m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(value);
  if (m) {
    const y = Number(m[1]);
    if (m[2] && (Number(m[2]) < 1 || Number(m[2]) > 12)) return undefined;
    if (m[3]) {
      const day = dayNumber(value);
      return day === undefined ? undefined : { low: localInstant(day, 0), high: localInstant(day + 1, 0) };
    }
    const [from, to] = m[2] ? [Date.UTC(y, Number(m[2]) - 1, 1), Date.UTC(y, Number(m[2]), 1)] : [Date.UTC(y, 0, 1), Date.UTC(y + 1, 0, 1)];
    return { low: from - OFFSET_MS, high: to - OFFSET_MS };
  }
  m = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.exec(value);
  if (!m) return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : { low: at, high: at };
}
