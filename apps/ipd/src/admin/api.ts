import type { MedplumClient } from '@medplum/core';
import type { Bundle, Location } from '@medplum/fhirtypes';

// The admin screen writes plain Locations through the FHIR API; the branch administrator's policy
// (Location.cruds?organization=%branches) decides what is allowed (docs/ipd.md).

/** Every Location of the branch: wards, rooms and beds, in one search. */
export const branchLocations = (medplum: MedplumClient, branch: string) =>
  medplum.searchResources('Location', { organization: `Organization/${branch}`, _count: '1000' }, { cache: 'no-cache' });

export const createLocation = (medplum: MedplumClient, location: Location) => medplum.createResource(location);

/** All beds or none. */
export const createInOne = (medplum: MedplumClient, bundle: Bundle) => medplum.executeBatch(bundle);

/**
 * An update only of the version the admin was looking at (If-Match): had the bed been taken by an
 * admission meanwhile, the server refuses and the screen reads it again.
 */
export const updateSeen = (medplum: MedplumClient, location: Location) =>
  medplum.updateResource(location, location.meta?.versionId ? { headers: { 'If-Match': `W/"${location.meta.versionId}"` } } : undefined);

/** Whether a refusal means the bed changed under the admin (409 version conflict, 412 precondition). */
export function isStale(error: unknown): boolean {
  const outcome = (error as { outcome?: { id?: string; issue?: { code?: string }[] } } | null)?.outcome;
  const status = (error as { status?: number } | null)?.status;
  return status === 409 || status === 412 || outcome?.id === 'conflict' || outcome?.issue?.some((i) => i.code === 'conflict') === true;
}
