import { flagOf, type VitalKey } from '@hospital-ops/app-shell/clinical/vitals.ts';
import type { Observation } from '@medplum/fhirtypes';
import { type ChartRow, type ChartSeries, chartRows } from '../vitals/chart.ts';
import { dayBalance, ioEntries, type ShiftTotals } from './io.ts';
import { type NursingNote, nursingNotes } from './notes.ts';
import { type Shift, within } from './shifts.ts';

export interface VitalAlert {
  when: string;
  series: ChartSeries;
  value: number;
  flag: 'L' | 'H';
}

export interface Handover {
  shift: Shift;
  /** The last round charted in the shift. */
  latest?: ChartRow;
  rounds: number;
  /** Values outside the adult range during the shift. */
  alerts: VitalAlert[];
  /** The highest NEWS2 of the shift, with its risk band. */
  worstNews2?: { total: number; risk?: string; when: string };
  /** This shift's intake/output and the nursing day's running totals up to the shift's end. */
  io: ShiftTotals;
  notes: NursingNote[];
  /** Concerns raised up to the end of the shift and not yet resolved, from any shift of the stay. */
  concerns: NursingNote[];
}

const FLAGGED: Partial<Record<ChartSeries, VitalKey>> = {
  temperature: 'temperature',
  pulse: 'pulse',
  respiration: 'respiration',
  systolic: 'systolic',
  diastolic: 'diastolic',
  spo2: 'spo2',
};

/** The handover summary of `shift`, from every Observation of the stay (one search). */
export function handoverOf(observations: Observation[], shift: Shift): Handover {
  const rows = chartRows(observations).filter((r) => within(r.when, shift.start, shift.end));
  const alerts: VitalAlert[] = [];
  let worstNews2: Handover['worstNews2'];
  for (const r of rows) {
    for (const [series, key] of Object.entries(FLAGGED) as [ChartSeries, VitalKey][]) {
      const value = r[series];
      const flag = value === undefined ? undefined : flagOf(key, value);
      if (flag && value !== undefined) alerts.push({ when: r.when, series, value, flag });
    }
    if (r.news2 !== undefined && (!worstNews2 || r.news2 > worstNews2.total))
      worstNews2 = { total: r.news2, risk: r.news2Risk, when: r.when };
  }
  const balance = dayBalance(ioEntries(observations), shift.start);
  const io = balance.shifts.find((s) => s.shift === shift.name) as ShiftTotals;
  const notes = nursingNotes(observations);
  return {
    shift,
    latest: rows.at(-1),
    rounds: rows.length,
    alerts,
    worstNews2,
    io,
    notes: notes.filter((n) => within(n.when, shift.start, shift.end)),
    concerns: notes.filter((n) => n.concern && Date.parse(n.when) < shift.end.getTime()),
  };
}
