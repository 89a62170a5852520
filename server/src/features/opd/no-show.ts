import { deepEquals } from '@medplum/core';
import type { Appointment, Extension, Patient, Resource } from '@medplum/fhirtypes';
import type { WriteHook, WriteHookContext } from '../../repo/write-hooks.ts';
import { localReference, NO_SHOW_COUNT_URL } from './fhir.ts';

/**
 * No-shows counted on the Patient (the seed architecture's patients.no_show_count), as the
 * Hospital-Ops extension `no-show-count` (valueUnsignedInt; absent means none). The count is
 * derived, never incremented: whenever an Appointment write makes or unmakes a no-show (status to
 * or from `noshow`, a no-show deleted or moved to another patient), the patient's no-show
 * Appointments are counted again in the same transaction, after locking the Patient row, so
 * concurrent no-shows of one patient are counted one after the other and each sees the last.
 * The element is the server's: a client's value is replaced by the stored one on every write.
 */

function noShowPatients(resource: Resource | undefined, baseUrl: string): string[] {
  const appointment = resource as Appointment | undefined;
  if (appointment?.status !== 'noshow') return [];
  const ids = (appointment.participant ?? [])
    .map((p) => localReference(p.actor?.reference, baseUrl))
    .filter((r) => r?.type === 'Patient')
    .map((r) => r?.id as string);
  return [...new Set(ids)];
}

const isCount = (e: Extension) => e.url === NO_SHOW_COUNT_URL;

/** The Patient with its count set to `count` (the extension removed at 0). */
export function withNoShowCount<T extends Resource>(patient: T, count: Extension | undefined): T {
  const others = ((patient as Patient).extension ?? []).filter((e) => !isCount(e));
  const extension = count ? [...others, count] : others;
  const { extension: _old, ...rest } = patient as Patient;
  return (extension.length ? { ...rest, extension } : rest) as T;
}

export function noShowCountOf(patient: Resource | undefined): number {
  return (patient as Patient | undefined)?.extension?.find(isCount)?.valueUnsignedInt ?? 0;
}

// The patient's no-show Appointments, from the search rows written with each Appointment (a
// deleted Appointment has none), by relative or absolute reference.
const COUNT_NO_SHOWS = `SELECT count(DISTINCT s.resource_id) AS n FROM sp_token s
  JOIN sp_reference r ON r.resource_id = s.resource_id AND r.resource_type = 'Appointment' AND r.code = 'patient'
  AND r.target = ANY($1::text[])
  WHERE s.resource_type = 'Appointment' AND s.code = 'status' AND s.value = 'noshow'`;

async function recount(ctx: WriteHookContext, patientId: string): Promise<void> {
  // The lock comes first: the count below then sees every no-show committed before ours.
  const r = await ctx.sql.query<{ deleted: boolean; content: Patient | null }>(
    'SELECT deleted, content FROM "Patient" WHERE id = $1 FOR UPDATE',
    [patientId],
  );
  const patient = r.rows[0];
  if (!patient || patient.deleted || !patient.content) return; // nobody to count on
  const targets = [`Patient/${patientId}`, `${ctx.repo.baseUrl}/fhir/R4/Patient/${patientId}`];
  const n = Number((await ctx.sql.query<{ n: string | number }>(COUNT_NO_SHOWS, [targets])).rows[0]?.n ?? 0);
  const count = n > 0 ? { url: NO_SHOW_COUNT_URL, valueUnsignedInt: n } : undefined;
  // An unchanged Patient writes no new version.
  await ctx.repo.updateResource<Patient>(withNoShowCount(patient.content, count));
}

async function countNoShows(ctx: WriteHookContext, current: Resource | undefined, next: Resource | undefined): Promise<void> {
  const before = noShowPatients(current, ctx.repo.baseUrl);
  const after = noShowPatients(next, ctx.repo.baseUrl);
  const changed = [...before.filter((id) => !after.includes(id)), ...after.filter((id) => !before.includes(id))].sort();
  for (const id of changed) await recount(ctx, id);
}

export const noShowAppointmentHook: WriteHook = { afterWrite: countNoShows };

/** Clients' Patient writes keep the stored count, whatever they send (a stale copy cannot reset it). */
export const noShowPatientHook: WriteHook = {
  prepare(next, current) {
    const stored = (current as Patient | undefined)?.extension?.find(isCount);
    const sent = (next as Patient).extension?.filter(isCount) ?? [];
    if (deepEquals(sent, stored ? [stored] : [])) return next;
    return withNoShowCount(next, stored);
  },
};
