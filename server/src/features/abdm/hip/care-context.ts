import type { Encounter } from '@medplum/fhirtypes';

/**
 * What ABDM is told a finished Encounter is: an OPD visit (hiType OPConsultation) or a hospital
 * stay (DischargeSummary: inpatient, acute or non-acute stays), with a display the patient reads in
 * their ABHA app ("OPD visit 25/11/2026", "Hospital stay 20/11/2026 to 25/11/2026").
 */
export type CareContextHiType = 'OPConsultation' | 'DischargeSummary';

const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const STAYS = new Set(['IMP', 'ACUTE', 'NONAC']);

const indianDate = (instant: string | undefined) =>
  instant
    ? new Date(instant).toLocaleDateString('en-IN', { timeZone: 'Asia/Kolkata', day: '2-digit', month: '2-digit', year: 'numeric' })
    : '';

export function isHospitalStay(encounter: Encounter): boolean {
  return (encounter.class?.system === ACT_CODE || !encounter.class?.system) && STAYS.has(encounter.class?.code ?? '');
}

export function careContextOf(encounter: Encounter): { hiType: CareContextHiType; display: string } {
  const start = indianDate(encounter.period?.start);
  if (!isHospitalStay(encounter)) return { hiType: 'OPConsultation', display: `OPD visit ${start}`.trim() };
  const end = indianDate(encounter.period?.end);
  return {
    hiType: 'DischargeSummary',
    display: end && end !== start ? `Hospital stay ${start} to ${end}` : `Hospital stay ${start}`.trim(),
  };
}
