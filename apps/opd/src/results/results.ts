import type { Communication, DiagnosticReport, Observation, Patient, Reference } from '@medplum/fhirtypes';

/**
 * The lab's reports and critical-value alerts shaped for the doctor's screens (docs/opd.md, "Lab
 * results"). Pure: the cards fetch, these decide order, flags and what counts as unacknowledged.
 */

const INTERPRETATION = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';

/** N normal, H/L out of range, HH/LL critical (the lab writes these, docs/lab.md). */
export type ResultFlag = 'N' | 'H' | 'L' | 'HH' | 'LL';
const FLAGS: readonly string[] = ['N', 'H', 'L', 'HH', 'LL'];

export interface ResultRow {
  id: string;
  name: string;
  value: string;
  unit: string;
  range: string;
  flag?: ResultFlag;
  amended: boolean;
}

export interface ReportRow {
  id: string;
  name: string;
  status: DiagnosticReport['status'];
  /** When the result was issued (else taken): what "newest first" sorts by. */
  date?: string;
  results: ResultRow[];
  /** Any result critical (HH/LL): the row is marked before it is opened. */
  critical: boolean;
}

export const flagOf = (o: Observation): ResultFlag | undefined => {
  const codings = o.interpretation?.flatMap((i) => i.coding ?? []) ?? [];
  const code = (codings.find((c) => c.system === INTERPRETATION) ?? codings[0])?.code;
  return code && FLAGS.includes(code) ? (code as ResultFlag) : undefined;
};

export const isCritical = (flag: ResultFlag | undefined): boolean => flag === 'HH' || flag === 'LL';

const nameOf = (c: { text?: string; coding?: { display?: string; code?: string }[] } | undefined): string =>
  c?.text ?? c?.coding?.find((x) => x.display)?.display ?? c?.coding?.[0]?.code ?? '';

/** Decimal places as the lab wrote them; the number in en-IN grouping. */
const number = (n: number): string => n.toLocaleString('en-IN', { maximumFractionDigits: 6 });

/** The reference range copied on the result: "13–17", "< 200", "≥ 40", or the lab's own text. */
export function rangeText(o: Observation): string {
  const r = o.referenceRange?.[0];
  if (!r) return '';
  const low = r.low?.value;
  const high = r.high?.value;
  if (low !== undefined && high !== undefined) return `${number(low)}–${number(high)}`;
  if (high !== undefined) return `< ${number(high)}`;
  if (low !== undefined) return `≥ ${number(low)}`;
  return r.text ?? '';
}

export function resultRow(o: Observation): ResultRow {
  let value = o.valueString ?? nameOf(o.valueCodeableConcept);
  if (o.valueQuantity?.value !== undefined) value = number(o.valueQuantity.value);
  else if (o.valueInteger !== undefined) value = number(o.valueInteger);
  return {
    id: o.id ?? '',
    name: nameOf(o.code),
    value,
    unit: o.valueQuantity?.unit ?? o.valueQuantity?.code ?? '',
    range: rangeText(o),
    flag: flagOf(o),
    amended: o.status === 'amended' || o.status === 'corrected',
  };
}

const reportDate = (r: DiagnosticReport): string | undefined => r.issued ?? r.effectiveDateTime ?? r.meta?.lastUpdated;

/**
 * Reports newest first with their results in the report's order. Reports the lab has not yet
 * resulted (registered, partial) or withdrew (cancelled, entered-in-error) are left out.
 */
export function reportRows(reports: DiagnosticReport[], observations: Observation[]): ReportRow[] {
  const byRef = new Map(observations.map((o) => [`Observation/${o.id}`, o]));
  return reports
    .filter((r) => r.status === 'preliminary' || r.status === 'final' || r.status === 'amended' || r.status === 'corrected')
    .map((r) => {
      const results = (r.result ?? [])
        .map((ref) => byRef.get(ref.reference ?? ''))
        .filter((o): o is Observation => o !== undefined)
        .map(resultRow);
      return {
        id: r.id ?? '',
        name: nameOf(r.code),
        status: r.status,
        date: reportDate(r),
        results,
        critical: results.some((x) => isCritical(x.flag)),
      };
    })
    .sort((a, b) => Date.parse(b.date ?? '') - Date.parse(a.date ?? '') || a.id.localeCompare(b.id));
}

export interface AlertRow {
  communication: Communication;
  /** The lab's own sentence (English), shown when the result itself cannot be read. */
  text: string;
  /** The critical result the alert is about, when it was read: the screen words it in the user's language. */
  result?: ResultRow;
  patient?: Reference;
  /** The patient's name, from the search's included Patient (else the reference's display). */
  patientName?: string;
  sent?: string;
}

/**
 * The doctor's critical-value alerts not yet acknowledged, newest first. The lab sends them
 * `completed` (sent) with no `received`: acknowledging records `received`; an alert another
 * system left `in-progress` counts the same way.
 */
export function unacknowledgedAlerts(
  communications: Communication[],
  patients: Patient[] = [],
  observations: Observation[] = [],
): AlertRow[] {
  const results = new Map(observations.map((o) => [`Observation/${o.id}`, o]));
  const names = new Map(
    patients.map((p) => [
      `Patient/${p.id}`,
      p.name?.[0]?.text ?? [p.name?.[0]?.given?.join(' '), p.name?.[0]?.family].filter(Boolean).join(' '),
    ]),
  );
  return communications
    .filter((c) => c.category?.some((cat) => cat.coding?.some((x) => x.code === 'alert')))
    .filter((c) => !c.received && (c.status === 'completed' || c.status === 'in-progress' || c.status === 'preparation'))
    .map((c) => ({
      communication: c,
      text: c.payload?.map((p) => p.contentString).find(Boolean) ?? '',
      ...withResult(c.about?.map((a) => results.get(a.reference ?? '')).find(Boolean)),
      patient: c.subject,
      patientName: names.get(c.subject?.reference ?? '') || c.subject?.display,
      sent: c.sent,
    }))
    .sort((a, b) => Date.parse(b.sent ?? '') - Date.parse(a.sent ?? ''));
}

const withResult = (o: Observation | undefined): { result?: ResultRow } => {
  const row = o ? resultRow(o) : undefined;
  return row?.flag ? { result: row } : {};
};

/** The Observations the alerts are about (`about`), to read in one search. */
export const alertObservationIds = (communications: Communication[]): string[] => [
  ...new Set(
    communications
      .flatMap((c) => (c.about ?? []).map((a) => a.reference ?? ''))
      .filter((r) => r.startsWith('Observation/'))
      .map((r) => r.slice(12)),
  ),
];

/** The alert as acknowledged now: `received` set and the status completed. */
export function acknowledged(c: Communication, now: Date = new Date()): Communication {
  return { ...c, status: 'completed', received: now.toISOString() };
}
