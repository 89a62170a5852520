import type { WithId } from '@medplum/core';
import type { Encounter, EncounterLocation, HumanName, Location } from '@medplum/fhirtypes';
import { fail, localReference, stateConflict } from '../opd/fhir.ts';
import type { PostgresRepository } from '../repo/postgres-repository.ts';
import { readNamed } from './beds.ts';

export const nameText = (names: HumanName[] | undefined) =>
  names?.[0]?.text ?? [names?.[0]?.prefix?.join(' '), names?.[0]?.given?.join(' '), names?.[0]?.family].filter(Boolean).join(' ');

export const bedReference = (bed: WithId<Location>) => ({ reference: `Location/${bed.id}`, ...(bed.name ? { display: bed.name } : {}) });

/** The admission's current bed entry: the one active entry of Encounter.location. */
export function currentBed(encounter: Encounter, baseUrl: string): { index: number; id: string } | undefined {
  const index = (encounter.location ?? []).findIndex((l) => l.status === 'active');
  if (index < 0) return undefined;
  const ref = localReference(encounter.location?.[index].location?.reference, baseUrl);
  return ref?.type === 'Location' ? { index, id: ref.id } : undefined;
}

/** An in-patient Encounter that is still in progress (locked by the caller), or 409/422. */
export async function openAdmission(tx: PostgresRepository, id: string): Promise<WithId<Encounter>> {
  const encounter = await readNamed<Encounter>(tx, 'Encounter', id, 'encounter');
  if (encounter.class?.code !== 'IMP') fail(stateConflict(`Encounter/${id} is not an in-patient admission (class IMP)`));
  if (encounter.status !== 'in-progress') fail(stateConflict(`The admission is ${encounter.status}: its bed cannot change`));
  return encounter;
}

/** Closes the active bed entry at `at` and (for a transfer) opens the next one: bed-days split by where the patient slept. */
export function moveBed(encounter: Encounter, index: number, at: string, next?: EncounterLocation): EncounterLocation[] {
  const history = (encounter.location ?? []).map((l, i) =>
    i === index ? { ...l, status: 'completed' as const, period: { ...l.period, end: at } } : l,
  );
  return next ? [...history, next] : history;
}
