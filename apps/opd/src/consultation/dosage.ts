// The prescription form's view of the prescribing rules: one call each for the dosage, the
// patient's instruction line and the warnings a new medicine raises.
import type { AllergyIntolerance, Dosage, Medication } from '@medplum/fhirtypes';
import { allergyWarnings } from '../prescribing/allergies.ts';
import { describeDosage } from '../prescribing/describe-dosage.ts';
import { buildDosage as build, type DurationUnit } from '../prescribing/dosage.ts';
import { findInteractions } from '../prescribing/interactions.ts';

export type { DurationUnit };
export type Food = 'before' | 'after' | 'with' | 'any';

export interface MedicineWarning {
  severity: 'high' | 'moderate' | 'low';
  message: string;
}

export function buildDosage(o: {
  frequency: string;
  dose: number;
  food: Food;
  duration: number;
  durationUnit: DurationUnit;
}): Dosage[] | undefined {
  return build({
    frequency: o.frequency,
    dose: o.dose,
    food: o.food === 'any' ? undefined : o.food,
    duration: o.duration > 0 ? { value: o.duration, unit: o.durationUnit } : undefined,
  });
}

/** The instruction the patient reads, in their language (Hindi for Hindi speakers, else English). */
export function dosageLine(dosage: Dosage[], lang: 'en' | 'hi'): string {
  return describeDosage(dosage, lang)?.instruction ?? dosage[0]?.text ?? '';
}

/** Allergy matches first (they are the patient's own record), then interactions with the other medicines. */
export function medicineWarnings(medication: Medication, allergies: AllergyIntolerance[], others: Medication[]): MedicineWarning[] {
  const allergy = allergyWarnings(medication, allergies).map((w) => ({ severity: w.severity, message: w.message }));
  const interactions = findInteractions(medication, others).map((i) => ({
    severity: i.severity === 'moderate' ? ('moderate' as const) : ('high' as const),
    message: `${i.ingredients[0]} + ${i.ingredients[1]}: ${i.effect} ${i.advice} (${i.source})`,
  }));
  return [...allergy, ...interactions];
}
