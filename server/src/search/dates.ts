import type { TypedValue } from '@medplum/core';

/**
 * FHIR date values stand for ranges: "2024" is the whole year, "2024-03-05" the whole day. Search
 * compares ranges, so each value is stored as [low, high] in UTC. Values without a time zone
 * (dates, and dateTimes without an offset) are read as UTC, for stored data and search values alike.
 */
export function valueRange(value: string): { low: string; high: string } | undefined {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, tz] = m;
  if (!mo) return isoRange(Date.UTC(+y, 0, 1), Date.UTC(+y + 1, 0, 1));
  if (!d) return isoRange(Date.UTC(+y, +mo - 1, 1), Date.UTC(+y, +mo, 1));
  if (!h) return isoRange(Date.UTC(+y, +mo - 1, +d), Date.UTC(+y, +mo - 1, +d + 1));
  const offset = tz && tz !== 'Z' ? (tz[0] === '-' ? -1 : 1) * (+tz.slice(1, 3) * 60 + +tz.slice(4, 6)) : 0;
  const base = Date.UTC(+y, +mo - 1, +d, +h, +mi, s ? +s : 0) - offset * 60_000;
  if (!s) return isoRange(base, base + 60_000);
  const ms = frac ? Math.floor(Number(`0${frac}`) * 1000) : 0;
  // An instant stated to the second (or finer) covers that second.
  return frac ? isoRange(base + ms, base + ms + 1) : isoRange(base, base + 1000);
}

/** [start, end) in epoch ms to an inclusive ISO range. */
function isoRange(start: number, endExclusive: number): { low: string; high: string } {
  return { low: new Date(start).toISOString(), high: new Date(endExclusive - 1).toISOString() };
}

const FAR_PAST = '0001-01-01T00:00:00.000Z';
const FAR_FUTURE = '9999-12-31T23:59:59.999Z';

export function dateRange(tv: TypedValue): { low: string; high: string } | undefined {
  const v = tv.value as any;
  if (typeof v === 'string') return valueRange(v);
  if (tv.type === 'Period') {
    const start = v.start ? valueRange(v.start)?.low : FAR_PAST;
    const end = v.end ? valueRange(v.end)?.high : FAR_FUTURE;
    return start && end ? { low: start, high: end } : undefined;
  }
  if (tv.type === 'Timing') {
    const events = (v.event ?? []).map(valueRange).filter(Boolean) as { low: string; high: string }[];
    if (events.length === 0) return undefined;
    return {
      low: events.map((e) => e.low).sort()[0],
      high: events
        .map((e) => e.high)
        .sort()
        .at(-1) as string,
    };
  }
  return undefined;
}
