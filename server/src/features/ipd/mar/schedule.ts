import type { Dosage, MedicationRequest, TimingRepeat } from '@medplum/fhirtypes';
import { dateOfDay, kolkataInstant, localInstant, secondsOfTime } from '../../opd/kolkata.ts';

/**
 * Due doses of an in-patient order from its `dosageInstruction[].timing` (docs/ipd.md, "MAR").
 * Pure: no I/O, instants as epoch ms, wall-clock times in Asia/Kolkata (fixed +05:30).
 *
 * Ward clock times (what Indian wards chart; a tenant sees them in docs/ipd.md):
 *   OD 08:00 · BID 08:00 20:00 · TDS 08:00 14:00 20:00 · QID 08:00 12:00 16:00 20:00 (waking hours);
 *   interval orders (q4h, q6h, q8h …) dividing the day run round the clock from 06:00
 *   (q6h 06 12 18 00, q8h 06 14 22), q12h and q24h as BID and OD; other intervals from the order's start.
 *   `timeOfDay` is used as written; `when` codes map to the table below.
 */

const H = 3600;
const DAY_MS = 86_400_000;
const MAX_DAYS = 400;

export const DAILY_TIMES: Record<number, number[]> = {
  1: [8 * H],
  2: [8 * H, 20 * H],
  3: [8 * H, 14 * H, 20 * H],
  4: [8 * H, 12 * H, 16 * H, 20 * H],
};

/** EventTiming codes (meals as an Indian ward serves them: breakfast 08:00, lunch 13:00, dinner 20:00). */
export const WHEN_TIMES: Record<string, number[]> = {
  WAKE: [6 * H],
  MORN: [8 * H],
  'MORN.early': [6 * H],
  'MORN.late': [10 * H],
  NOON: [12 * H],
  AFT: [14 * H],
  'AFT.early': [13 * H],
  'AFT.late': [16 * H],
  EVE: [20 * H],
  'EVE.early': [18 * H],
  'EVE.late': [21 * H],
  NIGHT: [22 * H],
  PHS: [22 * H],
  HS: [22 * H],
  C: [8 * H, 13 * H, 20 * H],
  CM: [8 * H],
  CD: [13 * H],
  CV: [20 * H],
  AC: [7.5 * H, 12.5 * H, 19.5 * H],
  ACM: [7.5 * H],
  ACD: [12.5 * H],
  ACV: [19.5 * H],
  PC: [8.5 * H, 13.5 * H, 20.5 * H],
  PCM: [8.5 * H],
  PCD: [13.5 * H],
  PCV: [20.5 * H],
};

const WEEKDAY_CODES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

export interface DoseSlot {
  /** `<MedicationRequest id>/<IST yyyy-mm-ddThh:mm>`: the slot's identifier on its MedicationAdministration and Flag. */
  key: string;
  at: number;
  kind: 'scheduled' | 'stat';
  /** Which dosageInstruction (a tapering order has several). */
  instruction: number;
}

const UNIT_MS: Record<string, number> = { s: 1000, min: 60_000, h: 3_600_000, d: DAY_MS, wk: 7 * DAY_MS, mo: 30 * DAY_MS, a: 365 * DAY_MS };

export const slotKey = (requestId: string, at: number) => `${requestId}/${kolkataInstant(at).slice(0, 16)}`;
const dayOf = (ms: number) => Math.floor((ms + 330 * 60_000) / DAY_MS);
const parse = (s: string | undefined) => (s ? Date.parse(s) : Number.NaN);

export const isPrnDosage = (d: Dosage) => d.asNeededBoolean === true || !!d.asNeededCodeableConcept;
/** A PRN order: every instruction "as needed"; no scheduled doses, given when the patient needs it. */
export const isPrn = (mr: MedicationRequest) => (mr.dosageInstruction?.length ?? 0) > 0 && (mr.dosageInstruction ?? []).every(isPrnDosage);

function isStat(mr: MedicationRequest, d: Dosage): boolean {
  const t = d.timing;
  if (t?.code?.coding?.some((c) => c.code?.toUpperCase() === 'STAT') || t?.code?.text?.toLowerCase() === 'stat') return true;
  const r = t?.repeat;
  const noRhythm = !r?.frequency && !r?.period && !r?.timeOfDay?.length && !r?.when?.length;
  return noRhythm && (r?.count === 1 || mr.priority === 'stat');
}

/** Seconds after local midnight of each dose on a day the instruction runs; undefined: not a daily rhythm. */
function timesOfDay(r: TimingRepeat): number[] | undefined {
  if (r.timeOfDay?.length) return r.timeOfDay.map(secondsOfTime).filter((s): s is number => s !== undefined);
  if (r.when?.length) return [...new Set(r.when.flatMap((w) => WHEN_TIMES[w] ?? []))].sort((a, b) => a - b);
  const unit = r.periodUnit ?? 'd';
  const frequency = r.frequency ?? 1;
  const period = r.period ?? 1;
  if (unit === 'd' || unit === 'wk') {
    if (unit === 'd' && period === 1) return DAILY_TIMES[frequency] ?? spread(frequency, 6 * H);
    return [8 * H];
  }
  const intervalS = ((UNIT_MS[unit] ?? 0) / 1000) * (period / frequency);
  if (intervalS <= 0 || (86_400 % intervalS !== 0 && intervalS !== 86_400)) return undefined;
  if (intervalS >= 12 * H) return DAILY_TIMES[86_400 / intervalS];
  return spread(86_400 / intervalS, 6 * H);
}

const spread = (n: number, anchor: number) =>
  Array.from({ length: n }, (_, i) => (anchor + (i * 86_400) / n) % 86_400).sort((a, b) => a - b);

/** Days (IST day numbers) an instruction with a daily rhythm runs: every day, every `period` days, or named weekdays. */
function runsOn(r: TimingRepeat, day: number, startDay: number): boolean {
  if (r.dayOfWeek?.length) return r.dayOfWeek.includes(WEEKDAY_CODES[new Date(day * DAY_MS).getUTCDay()] as 'mon');
  const unit = r.periodUnit ?? 'd';
  if (unit === 'wk') return (day - startDay) % Math.max(1, Math.round(7 * ((r.period ?? 1) / (r.frequency ?? 1)))) === 0;
  if (unit === 'd' && (r.period ?? 1) > 1 && !r.timeOfDay?.length) return (day - startDay) % Math.round(r.period ?? 1) === 0;
  return true;
}

interface Phase {
  dosage: Dosage;
  index: number;
  start: number;
  end: number;
}

/**
 * The instructions as consecutive phases: each starts at its `boundsPeriod.start`, else where the
 * one before ended (the first at the order's `authoredOn`), and ends at `boundsPeriod.end` or after
 * `boundsDuration` (a taper: "40 mg × 5 days, then 30 mg × 5 days").
 */
export function phases(mr: MedicationRequest): Phase[] {
  const list = (mr.dosageInstruction ?? []).map((dosage, index) => ({ dosage, index }));
  list.sort((a, b) => (a.dosage.sequence ?? a.index) - (b.dosage.sequence ?? b.index));
  const out: Phase[] = [];
  let previousEnd = parse(mr.authoredOn);
  for (const { dosage, index } of list) {
    const r = dosage.timing?.repeat;
    const start = r?.boundsPeriod?.start ? parse(r.boundsPeriod.start) : previousEnd;
    if (Number.isNaN(start)) continue;
    let end = r?.boundsPeriod?.end ? dateEnd(r.boundsPeriod.end) : Number.POSITIVE_INFINITY;
    const d = r?.boundsDuration;
    if (d?.value !== undefined && UNIT_MS[d.code ?? d.unit ?? '']) end = Math.min(end, start + d.value * UNIT_MS[d.code ?? d.unit ?? '']);
    out.push({ dosage, index, start, end });
    previousEnd = end;
  }
  return out;
}

/** The end of a boundsPeriod.end: a date alone means the whole of that IST day. */
function dateEnd(value: string): number {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return localInstant(dayOf(Date.parse(`${value}T00:00:00+05:30`)) + 1, 0);
  return Date.parse(value);
}

/** The order's scheduled (and stat) doses in [from, to); PRN instructions have none. */
export function scheduledDoses(mr: MedicationRequest, from: number, to: number): DoseSlot[] {
  const id = mr.id ?? '';
  const out: DoseSlot[] = [];
  for (const phase of phases(mr)) {
    const { dosage, index, start, end } = phase;
    if (isPrnDosage(dosage)) continue;
    if (isStat(mr, dosage)) {
      if (start >= from && start < to && start < end) out.push({ key: slotKey(id, start), at: start, kind: 'stat', instruction: index });
      continue;
    }
    const r = dosage.timing?.repeat;
    if (!r) continue;
    const limit = Math.min(to, end, start + MAX_DAYS * DAY_MS);
    const times = r.count ? doseTimes(r, start, Math.min(end, start + MAX_DAYS * DAY_MS), r.count) : doseTimes(r, start, limit);
    for (const at of times)
      if (at >= from && at < to && at < end) out.push({ key: slotKey(id, at), at, kind: 'scheduled', instruction: index });
  }
  return out.sort((a, b) => a.at - b.at);
}

/** Dose instants from `start` (inclusive) to `until` (exclusive), at most `count`. */
function doseTimes(r: TimingRepeat, start: number, until: number, count = Number.POSITIVE_INFINITY): number[] {
  const out: number[] = [];
  const daily = timesOfDay(r);
  if (daily === undefined) {
    // An interval that does not divide the day (q5h, q36h): every interval from the start.
    const unit = UNIT_MS[r.periodUnit ?? 'h'] ?? 0;
    const step = (unit * (r.period ?? 1)) / (r.frequency ?? 1);
    if (step <= 0) return out;
    for (let t = start; t < until && out.length < count; t += step) out.push(t);
    return out;
  }
  const startDay = dayOf(start);
  for (let day = startDay; localInstant(day, 0) < until && out.length < count; day++) {
    if (!runsOn(r, day, startDay)) continue;
    for (const s of daily) {
      const t = localInstant(day, s);
      if (t >= start && t < until && out.length < count) out.push(t);
    }
  }
  return out;
}

/** The IST day [start, end) of a calendar date. */
export function dayRange(date: string): { from: number; to: number } {
  const from = Date.parse(`${date}T00:00:00+05:30`);
  return { from, to: from + DAY_MS };
}

export const todayInKolkata = (now = Date.now()) => dateOfDay(dayOf(now));
