import { describeError } from '@hospital-ops/app-shell';
import type { TFunction } from 'i18next';
import { type Bed, freeBedsNear, type Ward } from '../board/board.ts';
import { isConflict } from '../fhir/operations.ts';

/** What a dialog tells the user after a failed call: a sentence, and for a taken bed the free beds to pick from. */
export interface Failure {
  message: string;
  offer: Bed[];
}

/**
 * A refused admission or transfer to a bed someone else has just taken (409) reads the board again
 * and offers the free beds near it, in the user's language; any other failure is the shell's sentence.
 */
export async function bedFailure(error: unknown, bed: Bed, refresh: () => Promise<Ward[]>, t: TFunction): Promise<Failure> {
  if (!isConflict(error)) return { message: describeError(error, t), offer: [] };
  const wards = await refresh().catch(() => [] as Ward[]);
  const offer = freeBedsNear(wards, bed);
  return offer.length
    ? { message: `${t('race.taken', { bed: bed.name })} ${t('race.pick')}`, offer }
    : { message: t('race.none', { bed: bed.name }), offer };
}

/** A refused discharge or bed-ready: the bed changed under the user; the board is read again. */
export async function stateFailure(error: unknown, refresh: () => Promise<Ward[]>, t: TFunction): Promise<Failure> {
  if (!isConflict(error)) return { message: describeError(error, t), offer: [] };
  await refresh().catch(() => undefined);
  return { message: t('race.changed'), offer: [] };
}
