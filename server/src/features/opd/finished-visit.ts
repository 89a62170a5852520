import type { Encounter, Resource } from '@medplum/fhirtypes';
import type { WriteHook, WriteHookContext } from '../../repo/write-hooks.ts';
import { fail, localReference, OPD_ENCOUNTER_PROFILE, stateConflict } from './fhir.ts';

/**
 * A finished OPD visit is a record (docs/opd.md, "A finished visit is read-only"): the app shows it
 * read-only, and this hook makes the API agree. Any write (create, update, patch, delete; REST or a
 * transaction entry) of a clinical resource whose `encounter` names a finished OPD Encounter, in
 * the version stored or the one written, is refused with 409. An OPD visit is one the OPD made:
 * $check-in gives it the hops-opd-encounter profile.
 *
 * Not the visit's record, and so still allowed: fulfilling the orders written in it (the pharmacy
 * and the lab move a MedicationRequest or ServiceRequest on, changing only its status and
 * specimens), results that arrive for those orders (an Observation with basedOn), and the course
 * of a diagnosis or allergy recorded in it (its clinical status, abatement, last occurrence). The way to
 * correct a finished visit is explicit: a user allowed to update the Encounter sets it back to
 * in-progress (audited, in its _history), corrects, and finishes it again.
 */

/** Resource types a consultation records against its Encounter (all name it in `encounter`). */
export const VISIT_RECORD_TYPES = [
  'Observation',
  'Condition',
  'MedicationRequest',
  'ServiceRequest',
  'ClinicalImpression',
  'CarePlan',
  'AllergyIntolerance',
  'Procedure',
] as const;

/**
 * What carries on after the visit, and so may still change (everything else being frozen): an
 * order's fulfilment (pharmacy, lab), and the course of a diagnosis or allergy (resolved, recurred).
 */
const MOVES_ON: Record<string, string[]> = {
  MedicationRequest: ['status', 'statusReason'],
  ServiceRequest: ['status', 'specimen'],
  Condition: ['clinicalStatus', 'abatementDateTime', 'abatementAge', 'abatementPeriod', 'abatementRange', 'abatementString'],
  AllergyIntolerance: ['clinicalStatus', 'lastOccurrence'],
};

const encounterOf = (r: Resource | undefined) => (r as { encounter?: { reference?: string } } | undefined)?.encounter?.reference;

/** A result of an order (lab, imaging): it belongs to the order, however late it arrives. */
const isOrderResult = (r: Resource | undefined) => r?.resourceType === 'Observation' && (r.basedOn ?? []).length > 0;

/** JSON with object keys sorted at every level: two versions compare equal whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** True when the two versions differ only in what carries on after the visit (and meta). */
function onlyMovesOn(current: Resource, next: Resource): boolean {
  const free = MOVES_ON[next.resourceType];
  if (!free || current.resourceType !== next.resourceType) return false;
  const strip = (r: Resource) => {
    const copy: Record<string, unknown> = { ...r };
    for (const key of ['meta', 'text', ...free]) delete copy[key];
    return canonical(copy);
  };
  return strip(current) === strip(next);
}

/**
 * The OPD's own visits: made by $check-in, which claims the hops-opd-encounter profile. Ambulatory
 * Encounters loaded from elsewhere (another system's history, the synthetic data set) are records
 * of that system and are not locked here.
 */
const isOpd = (e: Encounter) => (e.meta?.profile ?? []).includes(OPD_ENCOUNTER_PROFILE);

/**
 * The finished OPD Encounter a reference names, if it does. The row is share-locked, so finishing
 * the visit and writing to it at the same moment are ordered: the write either lands before the
 * visit is finished or is refused.
 */
async function finishedVisit(ctx: WriteHookContext, reference: string | undefined): Promise<string | undefined> {
  const local = localReference(reference, ctx.repo.baseUrl);
  if (local?.type !== 'Encounter') return undefined;
  const rows = await ctx.sql.query<{ content: Encounter | null }>(
    'SELECT content FROM "Encounter" WHERE id = $1 AND NOT deleted FOR SHARE',
    [local.id],
  );
  const encounter = rows.rows[0]?.content;
  return encounter && encounter.status === 'finished' && isOpd(encounter) ? `Encounter/${local.id}` : undefined;
}

/**
 * Encounters finished by the transaction a write runs in (keyed by its SQL handle, one per
 * transaction). Their record may still be written in that same transaction: a past visit loaded in
 * one bundle (seed, import), or a client saving its last notes with "Finish visit". It is closed
 * once that transaction commits.
 */
const finishedInTransaction = new WeakMap<object, Set<string>>();

async function noteFinishing(ctx: WriteHookContext, current: Resource | undefined, next: Resource | undefined): Promise<void> {
  const now = next as Encounter | undefined;
  if (now?.status !== 'finished' || (current as Encounter | undefined)?.status === 'finished') return;
  const ids = finishedInTransaction.get(ctx.sql) ?? new Set<string>();
  finishedInTransaction.set(ctx.sql, ids);
  ids.add(`Encounter/${now.id}`);
}

async function guardFinishedVisit(ctx: WriteHookContext, current: Resource | undefined, next: Resource | undefined): Promise<void> {
  const subject = (next ?? current) as Resource;
  if (isOrderResult(current ?? next) && isOrderResult(next ?? current)) return;
  if (current && next && onlyMovesOn(current, next)) return;
  const references = [...new Set([encounterOf(current), encounterOf(next)].filter((r): r is string => Boolean(r)))];
  for (const reference of references) {
    const visit = await finishedVisit(ctx, reference);
    if (!visit || finishedInTransaction.get(ctx.sql)?.has(visit)) continue;
    const action = !current ? 'added to' : !next ? 'deleted from' : 'changed in';
    fail(
      stateConflict(
        `This visit (${visit}) is finished: no ${subject.resourceType} can be ${action} it any more. ` +
          'To correct the record, set the visit back to in-progress, make the change, and finish it again.',
        `${subject.resourceType}.encounter`,
      ),
    );
  }
}

export const finishedVisitHook: WriteHook = { afterWrite: guardFinishedVisit };
/** On Encounter: remembers the visits this transaction finishes (see finishedInTransaction). */
export const finishingVisitHook: WriteHook = { afterWrite: noteFinishing };
