import type { WithId } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';

/**
 * jsonb stores keys in its own order; put resourceType, id and meta first again, as FHIR JSON
 * is conventionally written and as clients reading it by eye expect.
 */
export function fromStored<T extends Resource>(content: T): WithId<T> {
  const { resourceType, id, meta, ...rest } = content as WithId<T>;
  return { resourceType, id, meta, ...rest } as WithId<T>;
}
