import type { Encounter, Observation } from '@medplum/fhirtypes';
import { LOINC } from '../fhir/systems.ts';

/** The consultation's narrative parts, each a LOINC-coded Observation the OPConsult record can carry. */
export const NOTE_KINDS = {
  complaints: { code: '10154-3', display: 'Chief complaint Narrative - Reported' },
  history: { code: '10164-2', display: 'History of Present illness Narrative' },
  examination: { code: '29545-1', display: 'Physical findings Narrative' },
  advice: { code: '69730-0', display: 'Instructions' },
} as const;
export type NoteKind = keyof typeof NOTE_KINDS;

export function noteObservation(kind: NoteKind, text: string, encounter: Encounter, existing?: Observation): Observation {
  const { code, display } = NOTE_KINDS[kind];
  return {
    ...(existing ?? {}),
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: LOINC, code, display }], text: display },
    subject: encounter.subject,
    encounter: { reference: `Encounter/${encounter.id}` },
    effectiveDateTime: existing?.effectiveDateTime ?? new Date().toISOString(),
    valueString: text,
  };
}

export function noteKindOf(o: Observation): NoteKind | undefined {
  const code = o.code?.coding?.find((c) => c.system === LOINC)?.code;
  return (Object.keys(NOTE_KINDS) as NoteKind[]).find((k) => NOTE_KINDS[k].code === code);
}
