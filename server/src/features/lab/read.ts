import { getStatus, OperationOutcomeError, type WithId } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import type { PostgresRepository } from '../../repo/postgres-repository.ts';
import { fail, outcome } from './fhir.ts';
import { actorKeyOf } from './report-guard.ts';

/**
 * Reads what an input names. One that does not exist, or not in the caller's tenant (row-level
 * security hides it), is "not found" without saying which: another tenant's ids leak nothing.
 */
export async function readNamed<T extends Resource>(
  tx: PostgresRepository,
  type: T['resourceType'],
  id: string,
  name: string,
): Promise<WithId<T>> {
  try {
    return await tx.readResource<T>(type, id);
  } catch (err) {
    const status = err instanceof OperationOutcomeError ? getStatus(err.outcome) : 0;
    if (status === 404 || status === 410) fail({ ...outcome('not-found', `${type}/${id} does not exist`, name), id: 'not-found' });
    throw err;
  }
}

/** The acting user (or, for a system client, the client): whom "the same person" compares. */
export function actorKey(repo: PostgresRepository): string {
  return actorKeyOf(repo.requester);
}
