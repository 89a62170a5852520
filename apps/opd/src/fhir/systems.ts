// Code systems and identifier namespaces the OPD app writes, as the ABDM IG and the seed use them.
export const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
export const NDHM_IDENTIFIER_TYPE = 'https://nrces.in/ndhm/fhir/r4/CodeSystem/ndhm-identifier-type-code';
export { LOINC, OBSERVATION_CATEGORY, UCUM } from '@hospital-ops/app-shell/clinical/systems.ts';
export { ABHA_ADDRESS_SYSTEM, ABHA_NUMBER_SYSTEM } from '@hospital-ops/app-shell/patients/search.ts';
export const UHID_SYSTEM = 'https://hospital-ops.in/fhir/sid/uhid';
export const SNOMED = 'http://snomed.info/sct';
export const BCP47 = 'urn:ietf:bcp:47';
export const CONDITION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/condition-category';
export const CONDITION_CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
export const CONDITION_VERIFICATION = 'http://terminology.hl7.org/CodeSystem/condition-ver-status';
export const ALLERGY_CLINICAL = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical';
export const CONTACT_RELATIONSHIP = 'http://terminology.hl7.org/CodeSystem/v2-0131';
export const QUEUE_TOKEN_URL = 'https://hospital-ops.in/fhir/StructureDefinition/opd-queue-token';
export const NO_SHOW_COUNT_URL = 'https://hospital-ops.in/fhir/StructureDefinition/no-show-count';
/** Patient extension: birthDate was worked out from an age in years, not told (docs/opd.md). */
export const BIRTH_DATE_ESTIMATED_URL = 'https://hospital-ops.in/fhir/StructureDefinition/birth-date-estimated';
export const BRAND_NAME_URL = 'https://hospital-ops.in/fhir/StructureDefinition/brand-name';
/** MedicationRequest extension: the line's place (1, 2, 3 ...) on the visit's prescription (docs/opd.md). */
export const PRESCRIPTION_LINE_URL = 'https://hospital-ops.in/fhir/StructureDefinition/prescription-line';

/**
 * Value sets for diagnosis type-ahead: FHIR core's SNOMED CT clinical findings, and all of ICD-10
 * as FHIR's implicit value set (core's `ValueSet/icd-10` is an example with made-up codes).
 */
export const DIAGNOSIS_VALUE_SETS = {
  snomed: 'http://hl7.org/fhir/ValueSet/condition-code',
  icd10: 'http://hl7.org/fhir/sid/icd-10?fhir_vs',
} as const;
