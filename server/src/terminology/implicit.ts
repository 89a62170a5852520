import type { ValueSet } from '@medplum/fhirtypes';

/**
 * FHIR's implicit value sets, named by URL instead of stored: `<system>?fhir_vs` is every code of
 * the system, `<system>?fhir_vs=isa/<code>` a concept and its descendants (SNOMED CT, LOINC and
 * any system with a hierarchy). Pickers bind to them when no published value set fits: the R4
 * `icd-10` value set, for one, is an example with made-up codes.
 */
export function implicitValueSet(url: string): ValueSet | undefined {
  const m = /^([^?|]+)\?fhir_vs(?:=isa\/([^&|]+))?$/.exec(url);
  if (!m) return undefined;
  const [, system, under] = m;
  return {
    resourceType: 'ValueSet',
    url,
    status: 'active',
    name: under ? `Descendants of ${under} in ${system}` : `All codes of ${system}`,
    compose: { include: [{ system, ...(under ? { filter: [{ property: 'concept', op: 'is-a', value: under }] } : {}) }] },
  };
}
