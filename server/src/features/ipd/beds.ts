import { badRequest, getStatus, OperationOutcomeError, type SearchRequest, type WithId } from '@medplum/core';
import type { Location, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { forbiddenOutcome } from '../../http/outcomes.ts';
import type { PostgresRepository } from '../../repo/postgres-repository.ts';
import { parseSearch } from '../../search/parse.ts';
import { fail, localReference, stateConflict, unprocessable } from '../opd/fhir.ts';
import { BED_STATUS, type BedStatus, bedStatusCoding, physicalTypeOf, statusOf } from './model.ts';

/** `Type/id` input of the given type, or 400. */
export function idOf(value: string | undefined, type: string, name: string, baseUrl: string): string | undefined {
  if (value === undefined) return undefined;
  const ref = localReference(value, baseUrl);
  if (ref?.type !== type) fail(badRequest(`Parameter ${name} must reference a ${type} on this server, not "${value}"`, name));
  return ref?.id;
}

/** Reads what an input names; one that does not exist (or is not the caller's to see) is unprocessable. */
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
    if (status === 404 || status === 410) fail(unprocessable(`${type}/${id} does not exist`, name, 'not-found'));
    throw err;
  }
}

/**
 * Locks rows of one table in id order (so two operations locking the same pair cannot deadlock) and
 * holds them until the transaction ends: the second of two admissions to one bed waits here, then
 * reads the bed the first one left occupied. Rows the tenant does not own are invisible under RLS.
 */
export async function lockRows(tx: PostgresRepository, table: 'Location' | 'Encounter' | 'Patient', ids: string[]): Promise<void> {
  const sorted = [...new Set(ids)].sort();
  for (const id of sorted) {
    await tx.query((sql) => sql.query(`SELECT 1 FROM "${table}" WHERE id = $1 FOR UPDATE`, [id]));
  }
}

/** 409 that names the bed and suggests free beds in its ward, so the second desk knows what to pick. */
function bedTaken(bed: Location, status: BedStatus, free: string[], name: string): OperationOutcome {
  const hint = free.length ? ` Free beds in the same ward: ${free.join(', ')}.` : ' No other bed in that ward is free.';
  return stateConflict(`Bed ${bed.name ?? bed.id} is ${BED_STATUS[status].toLowerCase()}, so no one can be admitted to it.${hint}`, name);
}

/** Names of up to five unoccupied beds that share the bed's parent (room or ward). */
async function freeSiblings(tx: PostgresRepository, bed: WithId<Location>): Promise<string[]> {
  const parent = bed.partOf?.reference;
  if (!parent) return [];
  const { request } = parseSearch('Location', { partof: parent, 'operational-status': 'U', _count: '6' }, false);
  const found = await tx.searchResources(request as SearchRequest<Location>);
  return found
    .filter((l) => l.id !== bed.id && physicalTypeOf(l) === 'bd')
    .map((l) => l.name ?? l.id)
    .slice(0, 5);
}

/** A bed (physicalType bd, active) that can take a patient now: status U. Call with the bed locked. */
export async function freeBed(tx: PostgresRepository, id: string, name: string): Promise<WithId<Location>> {
  const bed = await readNamed<Location>(tx, 'Location', id, name);
  if (physicalTypeOf(bed) !== 'bd') fail(unprocessable(`Location/${id} is not a bed (physicalType bd)`, name));
  if (bed.status !== 'active') fail(stateConflict(`Bed ${bed.name ?? id} is ${bed.status ?? 'not active'}`, name));
  const status = statusOf(bed) ?? 'U';
  if (status !== 'U') fail(bedTaken(bed, status, await freeSiblings(tx, bed), name));
  if (!bed.managingOrganization?.reference) fail(unprocessable(`Bed ${bed.name ?? id} names no branch (managingOrganization)`, name));
  return bed;
}

export function setBedStatus(tx: PostgresRepository, bed: WithId<Location>, status: BedStatus): Promise<WithId<Location>> {
  return tx.updateResource<Location>({ ...bed, operationalStatus: bedStatusCoding(status) });
}

/**
 * Admission and discharge are the doctor's (and administrators'): their policies create Encounters,
 * a nurse's only updates in-patient ones (transfers, bed turnover). 403 with our sentence otherwise.
 */
export function requireEncounterCreate(repo: PostgresRepository, what: string): void {
  if (repo.accessControl && !repo.accessControl.allows('Encounter', 'c')) {
    throw new OperationOutcomeError(forbiddenOutcome(`${what} is for doctors and administrators`));
  }
}
