import { getStatus, OperationOutcomeError, type SearchRequest } from '@medplum/core';
import type { Encounter, MedicationAdministration, MedicationRequest, Resource } from '@medplum/fhirtypes';
import type { WriteHook, WriteHookContext } from '../../../repo/write-hooks.ts';
import { parseSearch } from '../../../search/parse.ts';
import { localReference, stateConflict, unprocessable } from '../../opd/fhir.ts';
import { kolkataInstant } from '../../opd/kolkata.ts';
import { MAR_DOSE_SYSTEM, medicationText, recordedStatus, slotOf, slotTime } from './model.ts';
import { isPrn, scheduledDoses } from './schedule.ts';

/**
 * The MAR's rules for every write of a MedicationAdministration of an in-patient stay (context, or
 * the order's encounter, an IMP Encounter), whichever route it came by (REST, bundle, app):
 * - nothing is recorded, changed or deleted once the stay is not in progress (CARE's rule);
 * - a record names its order and stay, a scheduled dose names its slot (identifier MAR_DOSE_SYSTEM),
 *   which must be a dose the order's timing really schedules;
 * - one record per slot: the order's row is locked (SELECT … FOR UPDATE) before the slot is looked
 *   up, so of two nurses recording one dose at once the second waits, then finds the first's record
 *   and gets 409; a record marked entered-in-error frees the slot;
 * - after saving only status, statusReason and note change; a record is never deleted.
 */
const EARLY_MS = 60 * 60_000;
const FUTURE_SKEW_MS = 5 * 60_000;
const CREATE_STATUSES = new Set(['completed', 'not-done', 'on-hold']);
const MUTABLE = new Set(['status', 'statusReason', 'note', 'meta', 'text']);

const reject = (text: string, expression?: string): never => {
  throw new OperationOutcomeError(unprocessable(text, expression));
};
const conflict = (text: string, expression?: string): never => {
  throw new OperationOutcomeError(stateConflict(text, expression));
};

async function readOrNothing<T extends Resource>(ctx: WriteHookContext, type: T['resourceType'], id: string): Promise<T | undefined> {
  try {
    return (await ctx.repo.readResource(type, id)) as T;
  } catch (err) {
    // Gone or never ours (another tenant's rows are invisible): nothing to read. Anything else fails the write.
    const status = err instanceof OperationOutcomeError ? getStatus(err.outcome) : 0;
    if (status === 404 || status === 410) return undefined;
    throw err;
  }
}

const istText = (ms: number) => {
  const s = kolkataInstant(ms);
  return `${s.slice(11, 16)} on ${s.slice(8, 10)}-${s.slice(5, 7)}-${s.slice(0, 4)}`;
};

const STATUS_WORDS: Record<string, string> = { given: 'given', 'not-given': 'not given', held: 'held' };

async function checkNewRecord(ctx: WriteHookContext, ma: MedicationAdministration, request: MedicationRequest | undefined) {
  if (!request)
    return reject('A dose record must name its order (request → a MedicationRequest on this server)', 'MedicationAdministration.request');
  if (!ma.context?.reference) reject('A dose record must name the order’s stay as its context', 'MedicationAdministration.context');
  if (!CREATE_STATUSES.has(ma.status))
    reject('A dose is recorded as completed (given), not-done (not given) or on-hold (held)', 'MedicationAdministration.status');
  if (ma.status === 'not-done' && !ma.statusReason?.length)
    reject('A dose not given needs its reason (statusReason)', 'MedicationAdministration.statusReason');
  const effective = Date.parse(ma.effectiveDateTime ?? '');
  if (Number.isNaN(effective))
    reject('A dose record needs the time it was recorded (effectiveDateTime)', 'MedicationAdministration.effectiveDateTime');
  if (effective > Date.now() + FUTURE_SKEW_MS)
    reject('A dose cannot be recorded in the future', 'MedicationAdministration.effectiveDateTime');
  const key = slotOf(ma);
  if (isPrn(request)) return;
  if (!key) return reject('A scheduled dose must name its slot (identifier of system mar-dose)', 'MedicationAdministration.identifier');
  const at = slotTime(key);
  if (!key.startsWith(`${request.id}/`) || Number.isNaN(at) || !scheduledDoses(request, at, at + 1).some((s) => s.key === key))
    reject(`${medicationText(request)} has no dose scheduled at that time`, 'MedicationAdministration.identifier');
  if (ma.status === 'completed' && effective < at - EARLY_MS)
    reject(`The dose due at ${istText(at)} cannot be given more than an hour early`, 'MedicationAdministration.effectiveDateTime');
  await ctx.sql.query('SELECT 1 FROM "MedicationRequest" WHERE id = $1 FOR UPDATE', [request.id]);
  const { request: search } = parseSearch('MedicationAdministration', { identifier: `${MAR_DOSE_SYSTEM}|${key}`, _count: '10' }, false);
  const found = (await ctx.repo.searchResources(search as SearchRequest<MedicationAdministration>)) as MedicationAdministration[];
  const other = found.find((x) => x.id !== ma.id && recordedStatus(x));
  if (other)
    conflict(
      `The ${medicationText(request)} dose due at ${istText(at)} is already recorded as ${STATUS_WORDS[recordedStatus(other) as string]}; change that record instead`,
      'MedicationAdministration.identifier',
    );
}

function checkChange(before: MedicationAdministration, after: MedicationAdministration) {
  if (before.status === 'entered-in-error') conflict('A dose record marked entered-in-error cannot change; record the dose again');
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const k of keys) {
    if (MUTABLE.has(k)) continue;
    const a = JSON.stringify((before as unknown as Record<string, unknown>)[k]);
    const b = JSON.stringify((after as unknown as Record<string, unknown>)[k]);
    if (a !== b)
      reject(`After saving, only the status and the note of a dose record may change (not ${k})`, `MedicationAdministration.${k}`);
  }
  if (after.status === 'not-done' && !after.statusReason?.length)
    reject('A dose not given needs its reason (statusReason)', 'MedicationAdministration.statusReason');
}

export const marGuardHook: WriteHook = {
  async afterWrite(ctx, current, next) {
    const before = current as MedicationAdministration | undefined;
    const after = next as MedicationAdministration | undefined;
    const ma = (after ?? before) as MedicationAdministration;
    const baseUrl = ctx.repo.baseUrl;
    const requestRef = localReference(ma.request?.reference, baseUrl);
    const request =
      requestRef?.type === 'MedicationRequest'
        ? await readOrNothing<MedicationRequest>(ctx, 'MedicationRequest', requestRef.id)
        : undefined;
    const contextRef = localReference(ma.context?.reference, baseUrl);
    const encounterId = contextRef?.type === 'Encounter' ? contextRef.id : localReference(request?.encounter?.reference, baseUrl)?.id;
    const encounter = encounterId ? await readOrNothing<Encounter>(ctx, 'Encounter', encounterId) : undefined;
    // A record naming an order or a stay this tenant does not have is refused (not left dangling).
    if (after && !before) {
      if (requestRef?.type === 'MedicationRequest' && !request)
        reject(`${requestRef.type}/${requestRef.id} does not exist`, 'MedicationAdministration.request');
      if (contextRef?.type === 'Encounter' && !encounter)
        reject(`Encounter/${contextRef.id} does not exist`, 'MedicationAdministration.context');
    }
    if (!encounterId || encounter?.class?.code !== 'IMP') return;
    if (encounter.status !== 'in-progress')
      conflict(
        `The stay is ${encounter.status}: its medication record can no longer be written or changed`,
        'MedicationAdministration.context',
      );
    if (!after) return conflict('A dose record is not deleted: mark it entered-in-error instead');
    if (request && localReference(request.encounter?.reference, baseUrl)?.id !== encounterId)
      reject('The order belongs to another stay than the record’s context', 'MedicationAdministration.request');
    if (!before) await checkNewRecord(ctx, after, request);
    else checkChange(before, after);
  },
};
