import type { FhirRouter } from '@medplum/fhir-router';
import { registerWriteHook } from '../../../repo/write-hooks.ts';
import { marGuardHook } from './guard.ts';
import { marHandler } from './mar.ts';

/**
 * The medication administration record (docs/ipd.md, "MAR"): the day's doses of a stay from its
 * orders' timing, and the rules every MedicationAdministration of a stay keeps (one record per
 * dose, only status and note change, nothing on a finished stay). Recording is a plain FHIR create.
 */
export function addMarOperations(router: FhirRouter): void {
  registerWriteHook('MedicationAdministration', 'ipd-mar', marGuardHook);
  router.add('GET', 'Encounter/:id/$mar', marHandler);
  router.add('POST', 'Encounter/:id/$mar', marHandler);
}
