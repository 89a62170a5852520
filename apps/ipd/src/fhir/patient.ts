import type { Patient, Reference } from '@medplum/fhirtypes';

const UHID_SYSTEM = 'https://hospital-ops.in/fhir/sid/uhid';

export function patientName(p: Patient | undefined): string {
  const n = p?.name?.[0];
  return n?.text ?? [n?.given?.join(' '), n?.family].filter(Boolean).join(' ');
}

export const uhidOf = (p: Patient | undefined) => p?.identifier?.find((i) => i.system === UHID_SYSTEM)?.value ?? '';
export const mobileOf = (p: Patient | undefined) => p?.telecom?.find((t) => t.system === 'phone')?.value ?? '';

/** A reference's name as the server wrote it (`$admit` puts names in displays), without the "Dr." a name may already have. */
export const shownName = (r: Reference | undefined) => r?.display ?? '';
