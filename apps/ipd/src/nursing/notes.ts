import { LOINC } from '@hospital-ops/app-shell/clinical/systems.ts';
import type { Encounter, Observation, Patient, Practitioner, Reference } from '@medplum/fhirtypes';
import { NURSING_CHART } from './io.ts';

/**
 * A nursing note is an Observation (HOSPITAL-NOTES §2.4: "Observation with category nursing and
 * valueString"): LOINC 34746-8 "Nurse note", our `nursing-note` category, the text in valueString,
 * `effectiveDateTime` the time it was written, `performer` the nurse. As an Observation of the
 * Encounter it is found with the stay's other charting by `encounter` and `date` in one search, and
 * the nurse's existing Observation rights cover it. A note may raise a concern for the next shift
 * (component `handover-concern`); the concern stays open on every handover until a nurse marks it
 * resolved (an update that sets the component to false, the earlier version kept in history).
 */
export const NOTE_CATEGORY = { system: NURSING_CHART, code: 'nursing-note', display: 'Nursing note' };
export const NOTE_CODE = { system: LOINC, code: '34746-8', display: 'Nurse note' };
const CONCERN = { system: NURSING_CHART, code: 'handover-concern', display: 'Open concern for handover' };

export function noteObservation(
  text: string,
  concern: boolean,
  subject: Reference<Patient>,
  encounter: Reference<Encounter>,
  when: string,
  author?: Reference<Practitioner>,
): Observation {
  return {
    resourceType: 'Observation',
    status: 'final',
    category: [{ coding: [NOTE_CATEGORY] }],
    code: { coding: [NOTE_CODE], text: 'Nursing note' },
    subject,
    encounter,
    effectiveDateTime: when,
    performer: author ? [author] : undefined,
    valueString: text,
    component: [{ code: { coding: [CONCERN] }, valueBoolean: concern }],
  };
}

export interface NursingNote {
  id?: string;
  when: string;
  text: string;
  concern: boolean;
  author?: string;
  resource: Observation;
}

const isNote = (o: Observation) =>
  o.category?.some((c) => c.coding?.some((x) => x.system === NURSING_CHART && x.code === NOTE_CATEGORY.code));

/** The nursing notes among an Encounter's Observations, oldest first. */
export function nursingNotes(observations: Observation[]): NursingNote[] {
  return observations
    .filter((o) => isNote(o) && o.status !== 'entered-in-error' && o.effectiveDateTime && o.valueString)
    .map((o) => ({
      id: o.id,
      when: o.effectiveDateTime as string,
      text: o.valueString as string,
      concern: o.component?.find((c) => c.code.coding?.some((x) => x.code === CONCERN.code))?.valueBoolean === true,
      author: o.performer?.[0]?.display,
      resource: o,
    }))
    .sort((a, b) => Date.parse(a.when) - Date.parse(b.when));
}

/** The note with its concern closed (the update a nurse sends when the concern is dealt with). */
export function resolveConcern(o: Observation): Observation {
  return {
    ...o,
    component: (o.component ?? []).map((c) => (c.code.coding?.some((x) => x.code === CONCERN.code) ? { ...c, valueBoolean: false } : c)),
  };
}
