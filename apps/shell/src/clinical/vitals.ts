import type { Encounter, Observation, ObservationComponent, Patient, Quantity, Reference } from '@medplum/fhirtypes';
import { LOINC, OBSERVATION_CATEGORY, UCUM } from './systems.ts';

const INTERPRETATION = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';
const VITAL_SIGNS_PROFILE = 'http://hl7.org/fhir/StructureDefinition/vitalsigns';

/** One vital sign as the FHIR vital-signs profile names it: its LOINC code, UCUM unit and adult normal range. */
interface VitalDefinition {
  loinc: string;
  display: string;
  unit: string;
  ucum: string;
  /** Adult resting normal range (inclusive); outside it the value is flagged L or H. */
  low: number;
  high: number;
  profile: string;
}

// Ranges: common adult reference values (e.g. the Indian Journal of Medical Research's and WHO's
// usual cut-offs); a flag is a prompt to look, never a diagnosis.
export const VITALS = {
  systolic: { loinc: '8480-6', display: 'Systolic blood pressure', unit: 'mmHg', ucum: 'mm[Hg]', low: 90, high: 139, profile: 'bp' },
  diastolic: { loinc: '8462-4', display: 'Diastolic blood pressure', unit: 'mmHg', ucum: 'mm[Hg]', low: 60, high: 89, profile: 'bp' },
  pulse: { loinc: '8867-4', display: 'Heart rate', unit: 'beats/minute', ucum: '/min', low: 60, high: 100, profile: 'heartrate' },
  temperature: { loinc: '8310-5', display: 'Body temperature', unit: '°F', ucum: '[degF]', low: 97.0, high: 99.5, profile: 'bodytemp' },
  spo2: { loinc: '2708-6', display: 'Oxygen saturation in Arterial blood', unit: '%', ucum: '%', low: 95, high: 100, profile: 'oxygensat' },
  respiration: {
    loinc: '9279-1',
    display: 'Respiratory rate',
    unit: 'breaths/minute',
    ucum: '/min',
    low: 12,
    high: 20,
    profile: 'resprate',
  },
  weight: {
    loinc: '29463-7',
    display: 'Body weight',
    unit: 'kg',
    ucum: 'kg',
    low: 0,
    high: Number.POSITIVE_INFINITY,
    profile: 'bodyweight',
  },
  height: {
    loinc: '8302-2',
    display: 'Body height',
    unit: 'cm',
    ucum: 'cm',
    low: 0,
    high: Number.POSITIVE_INFINITY,
    profile: 'bodyheight',
  },
} satisfies Record<string, VitalDefinition>;

export type VitalKey = keyof typeof VITALS;
export type VitalValues = Partial<Record<VitalKey, number>>;

export function flagOf(key: VitalKey, value: number): 'L' | 'H' | undefined {
  const d = VITALS[key];
  if (value < d.low) return 'L';
  if (value > d.high) return 'H';
  return undefined;
}

function quantity(key: VitalKey, value: number): Quantity {
  const d = VITALS[key];
  return { value, unit: d.unit, system: UCUM, code: d.ucum };
}

function interpretation(key: VitalKey, value: number) {
  const flag = flagOf(key, value);
  if (!flag) return undefined;
  return [{ coding: [{ system: INTERPRETATION, code: flag, display: flag === 'H' ? 'High' : 'Low' }] }];
}

const base = (subject: Reference<Patient>, encounter: Reference<Encounter>, when: string, profile: string): Omit<Observation, 'code'> => ({
  resourceType: 'Observation',
  meta: { profile: [`${VITAL_SIGNS_PROFILE.replace('vitalsigns', profile)}`] },
  status: 'final',
  category: [{ coding: [{ system: OBSERVATION_CATEGORY, code: 'vital-signs', display: 'Vital Signs' }] }],
  subject,
  encounter,
  effectiveDateTime: when,
});

/**
 * The vital-sign Observations for what the nurse entered: blood pressure as one panel with two
 * components (as the FHIR BP profile asks), each other sign on its own, BMI when weight and height
 * are both given, each with an H/L interpretation when outside the adult range.
 */
export function vitalObservations(
  v: VitalValues,
  subject: Reference<Patient>,
  encounter: Reference<Encounter>,
  when: string,
): Observation[] {
  const out: Observation[] = [];
  if (v.systolic !== undefined && v.diastolic !== undefined) {
    const component = (key: 'systolic' | 'diastolic'): ObservationComponent => ({
      code: { coding: [{ system: LOINC, code: VITALS[key].loinc, display: VITALS[key].display }] },
      valueQuantity: quantity(key, v[key] as number),
      interpretation: interpretation(key, v[key] as number),
    });
    out.push({
      ...base(subject, encounter, when, 'bp'),
      code: {
        coding: [{ system: LOINC, code: '85354-9', display: 'Blood pressure panel with all children optional' }],
        text: 'Blood pressure',
      },
      component: [component('systolic'), component('diastolic')],
    });
  }
  for (const key of ['pulse', 'temperature', 'spo2', 'respiration', 'weight', 'height'] as const) {
    const value = v[key];
    if (value === undefined) continue;
    const d = VITALS[key];
    out.push({
      ...base(subject, encounter, when, d.profile),
      code: {
        coding: [
          { system: LOINC, code: d.loinc, display: d.display },
          // The oxygensat profile wants 2708-6; pulse oximetry's own code says how it was measured.
          ...(key === 'spo2' ? [{ system: LOINC, code: '59408-5', display: 'Oxygen saturation in Arterial blood by Pulse oximetry' }] : []),
        ],
        text: d.display,
      },
      valueQuantity: quantity(key, value),
      interpretation: interpretation(key, value),
    });
  }
  if (v.weight && v.height) {
    const bmi = Math.round((v.weight / (v.height / 100) ** 2) * 10) / 10;
    out.push({
      ...base(subject, encounter, when, 'bmi'),
      code: { coding: [{ system: LOINC, code: '39156-5', display: 'Body mass index (BMI) [Ratio]' }], text: 'BMI' },
      valueQuantity: { value: bmi, unit: 'kg/m2', system: UCUM, code: 'kg/m2' },
    });
  }
  return out;
}

/** Reads stored vital-sign Observations back into the form's values (the latest of each). */
export function vitalValues(observations: Observation[]): VitalValues {
  const values: VitalValues = {};
  const byCode = new Map(Object.entries(VITALS).map(([k, d]) => [d.loinc, k as VitalKey]));
  for (const o of observations) {
    for (const part of [o, ...(o.component ?? [])]) {
      const key = byCode.get(part.code?.coding?.find((c) => c.system === LOINC)?.code ?? '');
      const value = part.valueQuantity?.value;
      if (key && value !== undefined && values[key] === undefined) values[key] = value;
    }
  }
  return values;
}
