import { parseSearchRequest, type WithId } from '@medplum/core';
import type { CodeableConcept, Observation, ObservationDefinition } from '@medplum/fhirtypes';
import type { PostgresRepository } from '../../repo/postgres-repository.ts';
import { DELTA_CHECK_URL, INTERPRETATION, LOINC } from './fhir.ts';

/**
 * Delta checks: a result far from the same patient's previous one, within a few days, is either a
 * real change the doctor must see or a mislabelled sample, and the verifier looks twice. Each
 * analyte's limit is data in the tenant's catalogue (the ObservationDefinition's
 * `lab-delta-check` extension: `change`, `unit` percent or absolute, `days`), so a hospital tunes
 * it to its own practice. A change at or past the limit adds v3 `U` (significant change up) or
 * `D` (down) to the result's interpretation, and a note with the previous value and its date.
 */

export interface DeltaRule {
  change: number;
  percent: boolean;
  days: number;
}

export function deltaRule(def: ObservationDefinition): DeltaRule | undefined {
  const ext = def.extension?.find((e) => e.url === DELTA_CHECK_URL);
  const part = (name: string) => ext?.extension?.find((e) => e.url === name);
  const change = part('change')?.valueDecimal;
  const days = part('days')?.valueInteger;
  if (typeof change !== 'number' || change <= 0 || typeof days !== 'number' || days <= 0) return undefined;
  return { change, percent: part('unit')?.valueCode === 'percent', days };
}

export interface Delta {
  direction: 'U' | 'D';
  previous: number;
  previousAt: string;
  /** The change in the analyte's unit, or in percent when the rule is in percent. */
  change: number;
}

/** Whether `value` moved from `previous` by the rule's limit or more. */
export function deltaOf(rule: DeltaRule, value: number, previous: number): Pick<Delta, 'direction' | 'change'> | undefined {
  const diff = value - previous;
  if (rule.percent && previous === 0) return undefined;
  const change = rule.percent ? (Math.abs(diff) / Math.abs(previous)) * 100 : Math.abs(diff);
  if (change < rule.change) return undefined;
  return { direction: diff > 0 ? 'U' : 'D', change };
}

/** The patient's latest verified result of the analyte within `days` up to `at`. */
async function previousResult(
  tx: PostgresRepository,
  patient: string,
  loinc: string,
  at: string,
  days: number,
): Promise<{ value: number; at: string } | undefined> {
  const since = new Date(Date.parse(at) - days * 86_400_000).toISOString();
  const query = new URLSearchParams({
    subject: patient,
    code: `${LOINC}|${loinc}`,
    status: 'final,amended,corrected',
    _sort: '-date',
    _count: '1',
  });
  query.append('date', `ge${since}`);
  // Collection times are to the second: an earlier sample of the same second still counts.
  query.append('date', `le${at}`);
  const found = await tx.searchResources<Observation>(parseSearchRequest(`Observation?${query}`));
  const o = found[0];
  const value = o?.valueQuantity?.value;
  return typeof value === 'number' && o?.effectiveDateTime ? { value, at: o.effectiveDateTime } : undefined;
}

/** The delta of a numeric result collected at `at`, or undefined when its analyte has no rule, there is no earlier result, or it is within the limit. */
export async function deltaCheck(
  tx: PostgresRepository,
  def: WithId<ObservationDefinition>,
  patient: string,
  value: number,
  at: string | undefined,
): Promise<Delta | undefined> {
  const rule = deltaRule(def);
  const loinc = def.code.coding?.find((c) => c.system === LOINC)?.code;
  if (!rule || !loinc || !at) return undefined;
  const previous = await previousResult(tx, patient, loinc, at, rule.days);
  if (!previous) return undefined;
  const moved = deltaOf(rule, value, previous.value);
  return moved ? { ...moved, previous: previous.value, previousAt: previous.at } : undefined;
}

export function deltaInterpretation(d: Delta): CodeableConcept {
  const display = d.direction === 'U' ? 'Significant change up' : 'Significant change down';
  return { coding: [{ system: INTERPRETATION, code: d.direction, display }], text: display };
}

const DAY = new Intl.DateTimeFormat('en-IN', { timeZone: 'Asia/Kolkata', day: '2-digit', month: '2-digit', year: 'numeric' });

/** The note a flagged result carries: the previous value, its date (IST) and the change. */
export function deltaNote(d: Delta, rule: DeltaRule | undefined, unit: string | undefined): string {
  const sign = d.direction === 'U' ? '+' : '−';
  const change = rule?.percent ? `${sign}${Math.round(d.change)}%` : `${sign}${Number(d.change.toFixed(2))}${unit ? ` ${unit}` : ''}`;
  return `Delta check: previous ${d.previous}${unit ? ` ${unit}` : ''} on ${DAY.format(new Date(d.previousAt))} (${change})`;
}
