import { badRequest, OperationOutcomeError } from '@medplum/core';
import type { OperationOutcome } from '@medplum/fhirtypes';

/** Systems and URLs the lab writes (docs/lab.md). */
export const HOPS = 'https://hospital-ops.in/fhir';
export const LOINC = 'http://loinc.org';
export const SNOMED = 'http://snomed.info/sct';
export const UCUM = 'http://unitsofmeasure.org';
export const ACCESSION_SYSTEM = `${HOPS}/sid/accession`;
/** meta.tag marking a starter catalogue entry; the code is its stable key (ObservationDefinition has no url to find it by). */
export const CATALOGUE_TAG = `${HOPS}/CodeSystem/lab-catalogue`;
/** The lab department (Haematology, Biochemistry...) of an ActivityDefinition, as its topic. */
export const DEPARTMENT_SYSTEM = `${HOPS}/CodeSystem/lab-department`;
/** Who entered a report's results (user or client), so that someone else verifies it. */
export const ENTERED_BY_URL = `${HOPS}/StructureDefinition/lab-entered-by`;
/** When the results were entered ($enter-results, an analyser): the TAT's "resulted". */
export const ENTERED_AT_URL = `${HOPS}/StructureDefinition/lab-entered-at`;
export const VERIFIED_BY_URL = `${HOPS}/StructureDefinition/lab-verified-by`;
/** When the report was verified (issued moves on with each amendment; this does not). */
export const VERIFIED_AT_URL = `${HOPS}/StructureDefinition/lab-verified-at`;
export const INTERPRETATION = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';
/** On an ObservationDefinition: its delta check (`change`, `unit` percent or absolute, `days`), delta.ts. */
export const DELTA_CHECK_URL = `${HOPS}/StructureDefinition/lab-delta-check`;
export const OBS_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
export const V2_0074 = 'http://terminology.hl7.org/CodeSystem/v2-0074';
/** HL7 v2 table 0490, specimen reject reason. */
export const V2_0490 = 'http://terminology.hl7.org/CodeSystem/v2-0490';
export const REFERENCE_MEANING = 'http://terminology.hl7.org/CodeSystem/referencerange-meaning';
export const LAB_PROCEDURE = '108252007';

export function outcome(code: OperationOutcome['issue'][number]['code'], text: string, expression?: string): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code, details: { text }, ...(expression ? { expression: [expression] } : {}) }],
  };
}

/**
 * The second-person refusal (403), with the business code LAB_SECOND_PERSON in its details so that
 * an app can say it in the user's language (apps/lab translates `outcome.LAB_SECOND_PERSON`).
 */
export function secondPersonOutcome(): OperationOutcome {
  const text = 'Results are verified by someone other than the person who entered them';
  // Built here rather than with http/outcomes.ts, which would bring the database into the app's bundle.
  const o: OperationOutcome = { ...outcome('forbidden', text), id: 'forbidden' };
  return {
    ...o,
    issue: o.issue.map((i) => ({
      ...i,
      details: { text, coding: [{ system: `${HOPS}/CodeSystem/lab-outcome`, code: 'LAB_SECOND_PERSON' }] },
    })),
  };
}

export const fail = (o: OperationOutcome): never => {
  throw new OperationOutcomeError(o);
};
export const bad = (text: string, expression?: string): never => fail(badRequest(text, expression));
/** 409: the state of what is named does not allow it (verify of a final report, collect twice). */
export const conflict = (text: string, expression?: string): never => fail({ ...outcome('conflict', text, expression), id: 'conflict' });
/** 422: well-formed input breaking a rule (an analyte not in the test, a test not in the catalogue). */
export const unprocessable = (text: string, expression?: string): never =>
  fail({ ...outcome('business-rule', text, expression), id: 'business-rule' });
