import type { WithId } from '@medplum/core';
import type { Observation, ObservationDefinition, Parameters, Patient, Specimen } from '@medplum/fhirtypes';
import { ageInDays, assess, type Flag, type Sex } from '../../../../server/src/features/lab/ranges.ts';

// The result-entry grid: one row per analyte of the test, the patient's reference range, and the
// flag as the technician types, by the server's own rules (server/src/features/lab/ranges.ts), so
// what the screen flags is what the report will say.

const LOINC = 'http://loinc.org';

export interface AnalyteRow {
  code: string;
  name: string;
  unit: string;
  /** Numeric (a UCUM quantity) or free text (a urine strip's "trace"). */
  numeric: boolean;
  decimals?: number;
  def: WithId<ObservationDefinition>;
}

export function analyteRows(defs: WithId<ObservationDefinition>[]): AnalyteRow[] {
  return defs.map((def) => {
    const loinc = def.code.coding?.find((c) => c.system === LOINC);
    return {
      code: loinc?.code ?? '',
      name: def.code.text ?? loinc?.display ?? '',
      unit: def.quantitativeDetails?.unit?.text ?? def.quantitativeDetails?.unit?.coding?.[0]?.code ?? '',
      numeric: def.permittedDataType?.includes('Quantity') ?? false,
      decimals: def.quantitativeDetails?.decimalPrecision,
      def,
    };
  });
}

/** Whom the ranges are for: sex and age in days on the day the sample was drawn (today if not drawn yet). */
export interface Subject {
  sex: Sex;
  ageDays?: number;
}

export function subjectOf(patient: Patient | undefined, specimen: Specimen | undefined, now = new Date()): Subject {
  const at = specimen?.collection?.collectedDateTime ?? now.toISOString();
  return {
    sex: patient?.gender,
    ageDays: patient?.birthDate ? ageInDays(patient.birthDate, at) : undefined,
  };
}

/** Reads a typed number the way people type them: "12.5", " 12,5 " (a decimal comma), "1,50,000" (Indian grouping). */
export function parseNumber(text: string): number | undefined {
  const t = text.trim();
  if (!t) return undefined;
  // A comma followed by exactly one or two digits at the end is a decimal comma; other commas group digits.
  const normal = /^\d+,\d{1,2}$/.test(t) ? t.replace(',', '.') : t.replace(/,/g, '');
  if (!/^-?\d+(\.\d+)?$/.test(normal)) return undefined;
  return Number(normal);
}

export type CellState =
  | { kind: 'empty' }
  | { kind: 'invalid' }
  | { kind: 'text'; value: string }
  | { kind: 'value'; value: number; flag?: Flag; critical: boolean };

/** What one typed cell is: nothing yet, not a number, or a number with its flag for this patient. */
export function assessCell(row: AnalyteRow, text: string, subject: Subject): CellState {
  if (!text.trim()) return { kind: 'empty' };
  if (!row.numeric) return { kind: 'text', value: text.trim() };
  const value = parseNumber(text);
  if (value === undefined) return { kind: 'invalid' };
  const a = assess(row.def, value, subject.sex, subject.ageDays);
  return { kind: 'value', value, flag: a.flag, critical: a.critical };
}

/** The patient's reference range as the report prints it ("13–17", "≤ 200", "" when none applies). */
export function rangeText(row: AnalyteRow, subject: Subject): string {
  const ref = assess(row.def, 0, subject.sex, subject.ageDays).reference;
  const low = ref?.range?.low?.value;
  const high = ref?.range?.high?.value;
  if (low !== undefined && high !== undefined) return `${low}–${high}`;
  if (low !== undefined) return `≥ ${low}`;
  if (high !== undefined) return `≤ ${high}`;
  return '';
}

/** `$enter-results` Parameters for the filled cells (empty ones are left for later; invalid ones stop the save). */
export function resultParameters(rows: AnalyteRow[], typed: Record<string, string>, subject: Subject): Parameters {
  const parameter = rows.flatMap((row) => {
    const cell = assessCell(row, typed[row.code] ?? '', subject);
    if (cell.kind === 'empty' || cell.kind === 'invalid') return [];
    const value = cell.kind === 'value' ? { name: 'value', valueDecimal: cell.value } : { name: 'value', valueString: cell.value };
    return [{ name: 'result', part: [{ name: 'code', valueCode: row.code }, value] }];
  });
  return { resourceType: 'Parameters', parameter };
}

/** The codes whose cells hold something that is not a number: the save waits until they are fixed. */
export function invalidCells(rows: AnalyteRow[], typed: Record<string, string>, subject: Subject): string[] {
  return rows.filter((row) => assessCell(row, typed[row.code] ?? '', subject).kind === 'invalid').map((r) => r.code);
}

/** What a result cell shows for a stored result: the number as stored, or the text. */
export function observationText(o: Observation): string {
  if (o.valueQuantity?.value !== undefined) return String(o.valueQuantity.value);
  return o.valueString ?? o.valueCodeableConcept?.text ?? '';
}

/** The cells of an amendment, filled with the report's current results by analyte code. */
export function currentValues(observations: Observation[]): Record<string, string> {
  return Object.fromEntries(observations.map((o) => [o.code?.coding?.find((c) => c.system === LOINC)?.code ?? '', observationText(o)]));
}

export type AmendProblem = 'reason' | 'invalid' | 'unchanged';

/**
 * `$amend` Parameters: the reason and only the results that differ from the report's (an
 * unchanged one is not amended). A problem instead when the reason is empty, a cell is not a
 * number, or nothing changed.
 */
export function amendParameters(
  rows: AnalyteRow[],
  typed: Record<string, string>,
  subject: Subject,
  observations: Observation[],
  reason: string,
): Parameters | AmendProblem {
  if (!reason.trim()) return 'reason';
  if (invalidCells(rows, typed, subject).length) return 'invalid';
  const before = currentValues(observations);
  const changed = rows.filter((row) => {
    const cell = assessCell(row, typed[row.code] ?? '', subject);
    if (cell.kind === 'empty' || cell.kind === 'invalid') return false;
    const old = before[row.code];
    if (old === undefined || old === '') return true;
    return cell.kind === 'value' ? cell.value !== parseNumber(old) : cell.value !== old.trim();
  });
  if (!changed.length) return 'unchanged';
  const results = resultParameters(changed, typed, subject).parameter ?? [];
  return { resourceType: 'Parameters', parameter: [{ name: 'reason', valueString: reason.trim() }, ...results] };
}

/**
 * The report's conclusion as lines, an amendment's line ("Amended <instant>: reason", written by
 * the server's $amend) split into its time and reason so the screen says the time in its own format.
 */
export function conclusionLines(conclusion: string | undefined): ({ amendedAt: string; reason: string } | { text: string })[] {
  return (conclusion ?? '')
    .split('\n')
    .filter((l) => l.trim())
    .map((line) => {
      const m = /^Amended (\d{4}-\d{2}-\d{2}T[^ ]+): (.*)$/.exec(line);
      return m ? { amendedAt: m[1], reason: m[2] } : { text: line };
    });
}
