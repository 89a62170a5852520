import { badRequest, type WithId } from '@medplum/core';
import type { Encounter, EncounterLocation, HumanName, Location } from '@medplum/fhirtypes';
import type { PostgresRepository } from '../../repo/postgres-repository.ts';
import { fail, localReference, stateConflict, unprocessable } from '../opd/fhir.ts';
import { kolkataInstant } from '../opd/kolkata.ts';
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

const MAX_BACKDATE_MS = 30 * 86_400_000;

/**
 * When the move happened: `occurredAt` (a ward often records an admission or transfer after the
 * fact, and bed-days are charged by where the patient really slept), else now. Never in the
 * future, never more than 30 days back, never before `notBefore` (the stay's last bed change).
 */
export function effectiveAt(occurredAt: string | undefined, notBefore?: string): string {
  const now = Date.now();
  if (occurredAt === undefined) return kolkataInstant(now);
  const at = Date.parse(occurredAt);
  if (!/T\d\d:\d\d/.test(occurredAt) || Number.isNaN(at))
    fail(badRequest('occurredAt must be a dateTime with a time and zone', 'occurredAt'));
  if (at > now + 60_000) fail(badRequest('occurredAt cannot be in the future', 'occurredAt'));
  if (at < now - MAX_BACKDATE_MS) fail(badRequest('occurredAt cannot be more than 30 days ago', 'occurredAt'));
  if (notBefore && at < Date.parse(notBefore)) {
    fail(unprocessable(`occurredAt is before the stay's last bed change (${notBefore})`, 'occurredAt'));
  }
  return kolkataInstant(at);
}

/** The start of the latest bed entry: a transfer or discharge cannot be dated before it. */
export const lastChange = (encounter: Encounter): string | undefined =>
  (encounter.location ?? [])
    .map((l) => l.period?.start)
    .filter((s): s is string => !!s)
    .sort((a, b) => Date.parse(a) - Date.parse(b))
    .at(-1);
