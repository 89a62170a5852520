import { LOINC, OBSERVATION_CATEGORY, UCUM } from '@hospital-ops/app-shell/clinical/systems.ts';
import { vitalObservations } from '@hospital-ops/app-shell/clinical/vitals.ts';
import type { Bundle, Encounter, Observation, Patient, Reference } from '@medplum/fhirtypes';
import { fahrenheitToCelsius, type News2Input, type News2Part, type News2Score, news2 } from './news2.ts';

/** Our codes for NEWS2's parts, risk band and ACVPU, which the components and interpretation carry. */
export const EARLY_WARNING = 'https://hospital-ops.in/fhir/CodeSystem/early-warning-score';
/**
 * The total's code: SNOMED CT's NEWS2 total score concept (UK edition). The ABDM Observation
 * profile the server enforces closes Observation.code.coding to LOINC and SNOMED CT.
 */
export const NEWS2_CODE = {
  system: 'http://snomed.info/sct',
  code: '1104051000000101',
  display: 'Royal College of Physicians National Early Warning Score 2 (NEWS2) total score',
};
/** Pain on the 0–10 numeric rating scale, charted with the vital signs as the fifth vital sign. */
export const PAIN_CODE = { system: LOINC, code: '72514-3', display: 'Pain severity - 0-10 verbal numeric rating [Score] - Reported' };
const ACVPU_CODES = { A: 'Alert', C: 'New confusion', V: 'Responds to voice', P: 'Responds to pain', U: 'Unresponsive' } as const;

/** What the nurse charts: the NEWS2 observations with temperature in °F, and the diastolic pressure. */
export interface NursingVitals extends Omit<News2Input, 'temperatureC'> {
  temperatureF: number;
  diastolic: number;
  /** 0–10, when the patient can rate it; not part of NEWS2. */
  pain?: number;
}

export function scoreOf(v: NursingVitals): News2Score {
  return news2({ ...v, temperatureC: fahrenheitToCelsius(v.temperatureF) });
}

const part = (name: News2Part, score: number) => ({
  code: { coding: [{ system: EARLY_WARNING, code: `news2-${name}`, display: `NEWS2 ${name} score` }], text: `NEWS2 ${name}` },
  valueInteger: score,
});

/** The NEWS2 Observation: the total, each part's score, the risk band, air or oxygen and ACVPU; derived from the vital signs charted with it. */
export function news2Observation(
  v: NursingVitals,
  score: News2Score,
  subject: Reference<Patient>,
  encounter: Reference<Encounter>,
  when: string,
): Observation {
  return {
    resourceType: 'Observation',
    status: 'final',
    category: [{ coding: [{ system: OBSERVATION_CATEGORY, code: 'vital-signs', display: 'Vital Signs' }] }],
    code: { coding: [NEWS2_CODE], text: 'NEWS2 total score' },
    subject,
    encounter,
    effectiveDateTime: when,
    valueInteger: score.total,
    interpretation: [{ coding: [{ system: EARLY_WARNING, code: `risk-${score.risk}`, display: `${score.risk} clinical risk` }] }],
    component: [
      ...(Object.entries(score.parts) as [News2Part, number][]).map(([name, s]) => part(name, s)),
      {
        code: { coding: [{ system: EARLY_WARNING, code: 'news2-scale', display: 'SpO2 scale used' }] },
        valueInteger: v.scale2 ? 2 : 1,
      },
      {
        code: {
          coding: [{ system: EARLY_WARNING, code: 'supplemental-oxygen', display: 'On supplemental oxygen' }],
          text: 'Air or oxygen',
        },
        valueBoolean: v.onOxygen,
      },
      {
        code: { coding: [{ system: EARLY_WARNING, code: 'acvpu', display: 'ACVPU' }], text: 'Consciousness (ACVPU)' },
        valueCodeableConcept: {
          coding: [{ system: EARLY_WARNING, code: `acvpu-${v.consciousness}`, display: ACVPU_CODES[v.consciousness] }],
        },
      },
    ],
  };
}

export function painObservation(score: number, subject: Reference<Patient>, encounter: Reference<Encounter>, when: string): Observation {
  return {
    resourceType: 'Observation',
    status: 'final',
    category: [{ coding: [{ system: OBSERVATION_CATEGORY, code: 'vital-signs', display: 'Vital Signs' }] }],
    code: { coding: [PAIN_CODE], text: 'Pain score (0–10)' },
    subject,
    encounter,
    effectiveDateTime: when,
    valueQuantity: { value: score, unit: '{score}', system: UCUM, code: '{score}' },
  };
}

/** One transaction: every vital sign and the score are saved together or not at all. */
export function vitalsBundle(v: NursingVitals, subject: Reference<Patient>, encounter: Reference<Encounter>, when: string): Bundle {
  const signs = vitalObservations(
    { respiration: v.respiration, spo2: v.spo2, systolic: v.systolic, diastolic: v.diastolic, pulse: v.pulse, temperature: v.temperatureF },
    subject,
    encounter,
    when,
  );
  const score = news2Observation(v, scoreOf(v), subject, encounter, when);
  const pain = v.pain === undefined ? [] : [painObservation(v.pain, subject, encounter, when)];
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [...signs, ...pain, score].map((resource) => ({ resource, request: { method: 'POST', url: 'Observation' } })),
  };
}

/** The score back from a stored NEWS2 Observation, for the chart of earlier rounds. */
export function readNews2(o: Observation): { when?: string; total?: number; risk?: string } {
  const risk = o.interpretation?.[0]?.coding?.find((c) => c.system === EARLY_WARNING)?.code?.replace(/^risk-/, '');
  return { when: o.effectiveDateTime, total: o.valueInteger, risk };
}
