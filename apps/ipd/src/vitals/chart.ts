import { LOINC } from '@hospital-ops/app-shell/clinical/systems.ts';
import { INDIA_TIME_ZONE } from '@hospital-ops/app-shell/format/index.ts';
import type { Observation } from '@medplum/fhirtypes';
import { NEWS2_CODE, PAIN_CODE, readNews2 } from './observations.ts';

/** One charted round: every value taken at that instant (a round is saved with one effectiveDateTime). */
export interface ChartRow {
  /** Epoch milliseconds, for ordering. */
  t: number;
  /** "dd-mm HH:mm" in IST, the x-axis label. */
  label: string;
  when: string;
  temperature?: number;
  pulse?: number;
  respiration?: number;
  systolic?: number;
  diastolic?: number;
  spo2?: number;
  pain?: number;
  news2?: number;
  news2Risk?: string;
}
export type ChartSeries = Exclude<keyof ChartRow, 't' | 'label' | 'when' | 'news2Risk'>;

const LOINC_SERIES: Record<string, ChartSeries> = {
  '8310-5': 'temperature',
  '8867-4': 'pulse',
  '9279-1': 'respiration',
  '8480-6': 'systolic',
  '8462-4': 'diastolic',
  '2708-6': 'spo2',
  '59408-5': 'spo2',
  [PAIN_CODE.code]: 'pain',
};

const axisTime = new Intl.DateTimeFormat('en-IN', {
  timeZone: INDIA_TIME_ZONE,
  day: '2-digit',
  month: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** "07-12 14:05": day-month and the 24-hour clock in India, short enough for a chart axis. */
export function axisLabel(at: string | Date): string {
  const p = Object.fromEntries(axisTime.formatToParts(new Date(at)).map((x) => [x.type, x.value]));
  return `${p.day}-${p.month} ${p.hour}:${p.minute}`;
}

const numberOf = (o: { valueQuantity?: { value?: number }; valueInteger?: number }) => o.valueQuantity?.value ?? o.valueInteger;

/** The stay's vital-sign Observations as chart rows, one per round, oldest first. Other Observations are ignored. */
export function chartRows(observations: Observation[]): ChartRow[] {
  const rows = new Map<number, ChartRow>();
  for (const o of observations) {
    if (o.status === 'entered-in-error' || !o.effectiveDateTime) continue;
    if (!o.category?.some((c) => c.coding?.some((x) => x.code === 'vital-signs'))) continue;
    const t = Date.parse(o.effectiveDateTime);
    if (Number.isNaN(t)) continue;
    let row = rows.get(t);
    if (!row) {
      row = { t, label: axisLabel(o.effectiveDateTime), when: o.effectiveDateTime };
      rows.set(t, row);
    }
    if (o.code?.coding?.some((c) => c.system === NEWS2_CODE.system && c.code === NEWS2_CODE.code)) {
      const n = readNews2(o);
      row.news2 = n.total;
      row.news2Risk = n.risk;
      continue;
    }
    // The BP panel carries systolic and diastolic as components; other signs are the Observation's own value.
    for (const part of [o, ...(o.component ?? [])]) {
      const series = part.code?.coding?.map((c) => (c.system === LOINC ? LOINC_SERIES[c.code ?? ''] : undefined)).find(Boolean);
      const value = numberOf(part);
      if (series && value !== undefined) row[series] = value;
    }
  }
  return [...rows.values()].sort((a, b) => a.t - b.t);
}
