import type { Parameters, ParametersParameter } from '@medplum/fhirtypes';

// The TAT dashboard's data: ServiceRequest/$lab-tat (server/src/features/lab/tat-report.ts) read
// into rows, and durations said the way a lab says them. Pure, unit-tested.

export type TatStage = 'ordered' | 'collected' | 'received' | 'resulted' | 'verified';

export interface TatStepRow {
  from: TatStage;
  to: TatStage;
  minutes?: number;
  count: number;
}

export interface TatTestRow {
  name: string;
  orders: number;
  target?: number;
  steps: TatStepRow[];
  total: TatStepRow;
}

export interface TatBreachRow {
  order: string;
  test: string;
  accession?: string;
  priority?: string;
  elapsed: number;
  target: number;
  verified: boolean;
}

const part = (p: ParametersParameter, name: string) => p.part?.find((x) => x.name === name);
const stepOf = (p: ParametersParameter): TatStepRow => ({
  from: part(p, 'from')?.valueCode as TatStage,
  to: part(p, 'to')?.valueCode as TatStage,
  minutes: part(p, 'minutes')?.valueQuantity?.value,
  count: part(p, 'count')?.valueInteger ?? 0,
});

export function readTat(result: Parameters): { tests: TatTestRow[]; breaches: TatBreachRow[] } {
  const params = result.parameter ?? [];
  const tests = params
    .filter((p) => p.name === 'test')
    .map((p) => ({
      name: part(p, 'name')?.valueString ?? '',
      orders: part(p, 'orders')?.valueInteger ?? 0,
      target: part(p, 'target')?.valueQuantity?.value,
      steps: (p.part ?? []).filter((x) => x.name === 'step').map(stepOf),
      total: stepOf(part(p, 'total') ?? { name: 'total' }),
    }));
  const breaches = params
    .filter((p) => p.name === 'breach')
    .map((p) => ({
      order: (part(p, 'order')?.valueReference?.reference ?? '').replace(/^ServiceRequest\//, ''),
      test: part(p, 'test')?.valueString ?? '',
      accession: part(p, 'accession')?.valueString,
      priority: part(p, 'priority')?.valueCode,
      elapsed: part(p, 'elapsed')?.valueQuantity?.value ?? 0,
      target: part(p, 'target')?.valueQuantity?.value ?? 0,
      verified: part(p, 'verified')?.valueBoolean ?? false,
    }));
  return { tests, breaches };
}

/** Minutes as "2 h 10 min" / "2 घंटे 10 मिनट" (days past 48 hours); "—" for none. */
export function formatMinutes(minutes: number | undefined, language: string): string {
  if (minutes === undefined) return '—';
  const m = Math.round(minutes);
  const hi = language === 'hi';
  const [d, h, min] = [Math.floor(m / 1440), Math.floor((m % 1440) / 60), m % 60];
  const parts =
    m >= 2880
      ? [`${d} ${hi ? 'दिन' : 'd'}`, h ? `${h} ${hi ? 'घंटे' : 'h'}` : '']
      : [Math.floor(m / 60) ? `${Math.floor(m / 60)} ${hi ? 'घंटे' : 'h'}` : '', min || m === 0 ? `${min} ${hi ? 'मिनट' : 'min'}` : ''];
  return parts.filter(Boolean).join(' ');
}

/** The window's first day (yyyy-mm-dd) in India: today, or `days` back. */
export function sinceDate(days: number, now = new Date()): string {
  const ist = new Date(now.getTime() + 330 * 60_000 - days * 86_400_000);
  return ist.toISOString().slice(0, 10);
}
