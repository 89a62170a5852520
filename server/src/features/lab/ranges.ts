import type {
  CodeableConcept,
  ObservationDefinition,
  ObservationDefinitionQualifiedInterval,
  ObservationReferenceRange,
} from '@medplum/fhirtypes';
import { INTERPRETATION, REFERENCE_MEANING } from './fhir.ts';

/**
 * Reference ranges and flags. An interval applies to a patient when its gender (if any) is the
 * patient's and the age at collection is inside its age band: low inclusive, high exclusive, so
 * bands that meet (1-12, 12-) leave no gap and no overlap. Of those that apply, the most specific
 * wins (gender and age given over either over none). A value on a range bound is normal.
 */

export type Sex = 'male' | 'female' | 'other' | 'unknown' | undefined;

const AGE_UNIT_DAYS: Record<string, number> = { a: 365.25, mo: 30.4375, wk: 7, d: 1 };

/** Age in days at `at` (ISO date or dateTime) of someone born on `birthDate`. */
export function ageInDays(birthDate: string, at: string): number {
  return (Date.parse(at.slice(0, 10)) - Date.parse(birthDate.slice(0, 10))) / 86_400_000;
}

function inAgeBand(i: ObservationDefinitionQualifiedInterval, days: number | undefined): boolean {
  if (!i.age) return true;
  if (days === undefined) return false;
  const bound = (q: { value?: number; code?: string } | undefined) =>
    q?.value === undefined ? undefined : q.value * (AGE_UNIT_DAYS[q.code ?? 'a'] ?? Number.NaN);
  const low = bound(i.age.low);
  const high = bound(i.age.high);
  return (low === undefined || days >= low) && (high === undefined || days < high);
}

const specificity = (i: ObservationDefinitionQualifiedInterval) => (i.gender ? 2 : 0) + (i.age ? 1 : 0);

/** The reference interval for this patient, or undefined when none applies. */
export function pickReference(
  def: ObservationDefinition,
  sex: Sex,
  ageDays: number | undefined,
): ObservationDefinitionQualifiedInterval | undefined {
  return (def.qualifiedInterval ?? [])
    .filter((i) => (i.category ?? 'reference') === 'reference')
    .filter((i) => !i.gender || i.gender === sex)
    .filter((i) => inAgeBand(i, ageDays))
    .sort((a, b) => specificity(b) - specificity(a))[0];
}

/** Critical intervals that apply to the patient (ranges of values that are critical). */
function criticals(def: ObservationDefinition, sex: Sex, ageDays: number | undefined): ObservationDefinitionQualifiedInterval[] {
  return (def.qualifiedInterval ?? []).filter((i) => i.category === 'critical' && (!i.gender || i.gender === sex) && inAgeBand(i, ageDays));
}

export type Flag = 'N' | 'H' | 'L' | 'HH' | 'LL';

const inside = (v: number, low?: number, high?: number) => (low === undefined || v >= low) && (high === undefined || v <= high);

/** N, H or L against the reference range; HH or LL when the value is also in a critical interval. */
export function flag(
  value: number,
  reference: ObservationDefinitionQualifiedInterval | undefined,
  critical: ObservationDefinitionQualifiedInterval[],
): Flag | undefined {
  const low = reference?.range?.low?.value;
  const high = reference?.range?.high?.value;
  const crit = critical.find((c) => inside(value, c.range?.low?.value, c.range?.high?.value));
  if (crit) {
    // A critical interval open below (values up to X) is the low side, open above the high side.
    const isHigh = crit.range?.high?.value === undefined || (high !== undefined && value > high);
    return isHigh ? 'HH' : 'LL';
  }
  if (!reference) return undefined;
  if (low !== undefined && value < low) return 'L';
  if (high !== undefined && value > high) return 'H';
  return 'N';
}

const DISPLAY: Record<Flag, string> = { N: 'Normal', H: 'High', L: 'Low', HH: 'Critical high', LL: 'Critical low' };

export function interpretation(f: Flag): CodeableConcept {
  return { coding: [{ system: INTERPRETATION, code: f, display: DISPLAY[f] }], text: DISPLAY[f] };
}

/** Observation.referenceRange copied from the catalogue interval (with its age band and sex as text). */
export function referenceRange(i: ObservationDefinitionQualifiedInterval): ObservationReferenceRange {
  const { low, high } = i.range ?? {};
  const unit = low?.unit ?? high?.unit ?? '';
  const text =
    low?.value !== undefined && high?.value !== undefined
      ? `${low.value}–${high.value} ${unit}`
      : low
        ? `≥ ${low.value} ${unit}`
        : `≤ ${high?.value} ${unit}`;
  return {
    ...(low ? { low } : {}),
    ...(high ? { high } : {}),
    type: { coding: [{ system: REFERENCE_MEANING, code: 'normal', display: 'Normal Range' }] },
    ...(i.gender ? { appliesTo: [{ text: i.gender }] } : {}),
    ...(i.age ? { age: i.age } : {}),
    text: text.trim(),
  };
}

/** Everything result entry needs for one numeric value. */
export function assess(def: ObservationDefinition, value: number, sex: Sex, ageDays: number | undefined) {
  const reference = pickReference(def, sex, ageDays);
  const f = flag(value, reference, criticals(def, sex, ageDays));
  return { reference, flag: f, critical: f === 'HH' || f === 'LL' };
}
