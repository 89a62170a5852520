import { LOINC, UCUM } from '@hospital-ops/app-shell/clinical/systems.ts';
import type { Encounter, Observation, Patient, Reference } from '@medplum/fhirtypes';
import { type NursingDay, nursingDayOf, SHIFTS, type ShiftName, shiftAt, within } from './shifts.ts';

/** Our category for the nurse's own charting (intake/output, nursing notes): searchable, and what the nurse policy allows. */
export const NURSING_CHART = 'https://hospital-ops.in/fhir/CodeSystem/nursing-chart';
/** Where the fluid went in or came out: the row of the ward's I/O chart, kept in Observation.method. */
export const FLUID_ROUTE = 'https://hospital-ops.in/fhir/CodeSystem/fluid-route';

export type Direction = 'intake' | 'output';

/**
 * Each route with its LOINC code. The ABDM Observation profile allows only LOINC/SNOMED codings in
 * `code`, so routes without a LOINC code of their own use the general intake/output code and carry
 * the route in `method`.
 */
export const ROUTES = {
  oral: { direction: 'intake', loinc: '9000-1', display: 'Fluid intake oral Measured' },
  iv: { direction: 'intake', loinc: '8985-4', display: 'Fluid intake Measured' },
  feed: { direction: 'intake', loinc: '8985-4', display: 'Fluid intake Measured' },
  blood: { direction: 'intake', loinc: '8985-4', display: 'Fluid intake Measured' },
  urine: { direction: 'output', loinc: '9187-6', display: 'Urine output' },
  ngAspirate: { direction: 'output', loinc: '73704-9', display: 'Fluid output.nasogastric tube Measured' },
  drain: { direction: 'output', loinc: '9256-9', display: 'Fluid output total Estimated' },
  vomit: { direction: 'output', loinc: '9256-9', display: 'Fluid output total Estimated' },
  stool: { direction: 'output', loinc: '9256-9', display: 'Fluid output total Estimated' },
} as const satisfies Record<string, { direction: Direction; loinc: string; display: string }>;
export type Route = keyof typeof ROUTES;
export const INTAKE_ROUTES = (Object.keys(ROUTES) as Route[]).filter((r) => ROUTES[r].direction === 'intake');
export const OUTPUT_ROUTES = (Object.keys(ROUTES) as Route[]).filter((r) => ROUTES[r].direction === 'output');

export const IO_CATEGORY = { system: NURSING_CHART, code: 'intake-output', display: 'Intake and output' };

/** One intake or output entry: a volume in mL at a time. */
export function ioObservation(
  route: Route,
  volumeMl: number,
  subject: Reference<Patient>,
  encounter: Reference<Encounter>,
  when: string,
  note?: string,
): Observation {
  const r = ROUTES[route];
  return {
    resourceType: 'Observation',
    status: 'final',
    category: [{ coding: [IO_CATEGORY] }],
    code: { coding: [{ system: LOINC, code: r.loinc, display: r.display }], text: r.display },
    method: { coding: [{ system: FLUID_ROUTE, code: route }] },
    subject,
    encounter,
    effectiveDateTime: when,
    valueQuantity: { value: volumeMl, unit: 'mL', system: UCUM, code: 'mL' },
    note: note ? [{ text: note }] : undefined,
  };
}

export interface IoEntry {
  id?: string;
  when: string;
  route: Route;
  direction: Direction;
  ml: number;
  note?: string;
}

/** The I/O entries among an Encounter's Observations (others are ignored), oldest first. */
export function ioEntries(observations: Observation[]): IoEntry[] {
  const out: IoEntry[] = [];
  for (const o of observations) {
    if (o.status === 'entered-in-error') continue;
    if (!o.category?.some((c) => c.coding?.some((x) => x.system === NURSING_CHART && x.code === IO_CATEGORY.code))) continue;
    const route = o.method?.coding?.find((c) => c.system === FLUID_ROUTE)?.code as Route | undefined;
    const ml = o.valueQuantity?.value;
    if (!route || !(route in ROUTES) || ml === undefined || !o.effectiveDateTime) continue;
    out.push({ id: o.id, when: o.effectiveDateTime, route, direction: ROUTES[route].direction, ml, note: o.note?.[0]?.text });
  }
  return out.sort((a, b) => Date.parse(a.when) - Date.parse(b.when));
}

export interface Totals {
  intake: number;
  output: number;
  /** intake − output: positive means the patient is retaining fluid. */
  balance: number;
}
const totalsOf = (entries: IoEntry[]): Totals => {
  const intake = entries.filter((e) => e.direction === 'intake').reduce((s, e) => s + e.ml, 0);
  const output = entries.filter((e) => e.direction === 'output').reduce((s, e) => s + e.ml, 0);
  return { intake, output, balance: intake - output };
};

export interface ShiftTotals extends Totals {
  shift: ShiftName;
  /** Running totals of the nursing day up to the end of this shift. */
  running: Totals;
  byRoute: Partial<Record<Route, number>>;
}

export interface DayBalance extends Totals {
  day: NursingDay;
  shifts: ShiftTotals[];
}

/** The 24-hour balance (08:00–08:00 IST) of the nursing day containing `at`, with per-shift and running totals. */
export function dayBalance(entries: IoEntry[], at: Date | string): DayBalance {
  const day = nursingDayOf(at);
  const inDay = entries.filter((e) => within(e.when, day.start, day.end));
  const shifts: ShiftTotals[] = [];
  for (const s of SHIFTS) {
    const shift = shiftAt(day.day, s.name);
    const mine = inDay.filter((e) => within(e.when, shift.start, shift.end));
    const byRoute: Partial<Record<Route, number>> = {};
    for (const e of mine) byRoute[e.route] = (byRoute[e.route] ?? 0) + e.ml;
    const running = totalsOf(inDay.filter((e) => Date.parse(e.when) < shift.end.getTime()));
    shifts.push({ shift: s.name, ...totalsOf(mine), running, byRoute });
  }
  return { day, ...totalsOf(inDay), shifts };
}

/** Every nursing day of the stay that has entries, newest first. */
export function daysWithEntries(entries: IoEntry[]): string[] {
  return [...new Set(entries.map((e) => nursingDayOf(e.when).day))].sort().reverse();
}
