import type { DiagnosticReport, ServiceRequest, Specimen } from '@medplum/fhirtypes';
import { ENTERED_AT_URL, VERIFIED_AT_URL } from './fhir.ts';
import { RECEIVED_URL } from './stage.ts';

// Turnaround times (docs/lab.md): when each order passed each stage, from what the lab wrote,
// and per test the median minutes of each step and the samples over the test's target. Pure, so
// it is tested on hand-made resources and hand-computed durations.

export const TAT_STAGES = ['ordered', 'collected', 'received', 'resulted', 'verified'] as const;
export type TatStage = (typeof TAT_STAGES)[number];
export type StageTimes = Partial<Record<TatStage, string>>;

const ext = (r: { extension?: { url: string; valueDateTime?: string }[] } | undefined, url: string) =>
  r?.extension?.find((e) => e.url === url)?.valueDateTime;
const LIVE = (r: DiagnosticReport) => r.status !== 'cancelled' && r.status !== 'entered-in-error';
const VERIFIED = new Set(['final', 'amended', 'corrected']);

/**
 * ordered: the order's authoredOn; collected: the standing sample's collection time; received:
 * its lab-received mark ($receive); resulted: the report's lab-entered-at mark; verified: its
 * lab-verified-at mark. Reports written before the marks existed fall back to `issued` (the
 * entry time of a preliminary report, the verification time of a final one).
 */
export function stageTimes(order: ServiceRequest, specimens: Specimen[], reports: DiagnosticReport[]): StageTimes {
  const sample = specimens.find((s) => s.status === 'available');
  const report = reports.filter(LIVE)[0];
  const verified = report && VERIFIED.has(report.status) ? (ext(report, VERIFIED_AT_URL) ?? report.issued) : undefined;
  const resulted = report ? (ext(report, ENTERED_AT_URL) ?? (report.status === 'preliminary' ? report.issued : undefined)) : undefined;
  const times: StageTimes = {
    ordered: order.authoredOn,
    collected: sample?.collection?.collectedDateTime,
    received: ext(sample, RECEIVED_URL),
    resulted,
    verified,
  };
  return Object.fromEntries(Object.entries(times).filter(([, v]) => v)) as StageTimes;
}

const minutes = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 60_000;

export function median(values: number[]): number | undefined {
  if (!values.length) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export interface TatOrder {
  orderId: string;
  testKey: string;
  testName: string;
  /** The test's target, collection to verification, in minutes (ActivityDefinition.timingDuration). */
  targetMinutes?: number;
  priority?: string;
  accession?: string;
  times: StageTimes;
}

export interface TatStep {
  from: TatStage;
  to: TatStage;
  /** Median minutes over the orders that passed both stages; undefined when none did. */
  median?: number;
  count: number;
}

export interface TatTest {
  key: string;
  name: string;
  targetMinutes?: number;
  orders: number;
  steps: TatStep[];
  /** Collection to verification, the span the target is for. */
  total: TatStep;
}

export interface TatBreach {
  orderId: string;
  test: string;
  accession?: string;
  priority?: string;
  /** Minutes from collection to verification, or to now when not verified yet. */
  elapsed: number;
  targetMinutes: number;
  verified: boolean;
}

const step = (orders: TatOrder[], from: TatStage, to: TatStage): TatStep => {
  const spans = orders.flatMap((o) => {
    const a = o.times[from];
    const b = o.times[to];
    return a && b ? [minutes(a, b)] : [];
  });
  return { from, to, median: median(spans), count: spans.length };
};

/** Per test (in the order first seen), each step's median and the collected samples over target. */
export function tatSummary(orders: TatOrder[], now: Date): { tests: TatTest[]; breaches: TatBreach[] } {
  const byTest = new Map<string, TatOrder[]>();
  for (const o of orders) byTest.set(o.testKey, [...(byTest.get(o.testKey) ?? []), o]);
  const tests = [...byTest.values()].map((list) => ({
    key: list[0].testKey,
    name: list[0].testName,
    targetMinutes: list[0].targetMinutes,
    orders: list.length,
    steps: TAT_STAGES.slice(1).map((to, i) => step(list, TAT_STAGES[i], to)),
    total: step(list, 'collected', 'verified'),
  }));
  const breaches: TatBreach[] = [];
  for (const o of orders) {
    const from = o.times.collected;
    if (!from || o.targetMinutes === undefined) continue;
    const elapsed = minutes(from, o.times.verified ?? now.toISOString());
    if (elapsed > o.targetMinutes)
      breaches.push({
        orderId: o.orderId,
        test: o.testName,
        accession: o.accession,
        priority: o.priority,
        elapsed: Math.round(elapsed),
        targetMinutes: o.targetMinutes,
        verified: !!o.times.verified,
      });
  }
  breaches.sort((a, b) => b.elapsed - b.targetMinutes - (a.elapsed - a.targetMinutes));
  return { tests, breaches };
}

/** A UCUM duration in minutes (timingDuration: h, min, d). */
export function durationMinutes(d: { value?: number; code?: string; unit?: string } | undefined): number | undefined {
  if (d?.value === undefined) return undefined;
  const unit = d.code ?? d.unit;
  const factor = unit === 'min' ? 1 : unit === 'h' ? 60 : unit === 'd' ? 1440 : undefined;
  return factor === undefined ? undefined : d.value * factor;
}
