import type { MedplumClient, QueryTypes } from '@medplum/core';
import type { ExtractResource, ResourceType } from '@medplum/fhirtypes';

/**
 * Every match of a search, following the Bundle's next links: a page size is no limit on what a
 * screen shows (a doctor's day of five-minute slots is 288 of them).
 */
export async function searchAll<RT extends ResourceType>(
  medplum: MedplumClient,
  resourceType: RT,
  query: QueryTypes,
): Promise<ExtractResource<RT>[]> {
  const all: ExtractResource<RT>[] = [];
  for await (const page of medplum.searchResourcePages(resourceType, query, { cache: 'no-cache' })) all.push(...page);
  return all;
}

/** Splits values (references for a search parameter) so each request's URL stays short. */
export function chunks<T>(values: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(values.length / size) }, (_, i) => values.slice(i * size, (i + 1) * size));
}
