import type { Appointment, Resource, Slot } from '@medplum/fhirtypes';
import type { WriteHook, WriteHookContext } from '../../repo/write-hooks.ts';
import { fail, localReference, slotInPast, slotNotAvailable, unprocessable } from './fhir.ts';

/**
 * The double-booking guard, run by the repository inside every Appointment write (create, update,
 * patch, delete; REST or a transaction bundle entry). An Appointment whose status holds its Slots
 * owns one opd_slot_booking row per Slot; the row's primary key (tenant, slot) lets only one
 * Appointment hold a Slot, decided by PostgreSQL itself, so two desks booking at the same moment
 * cannot both win. Slot.status follows in the same transaction (busy, busy-tentative, free).
 */

/** Statuses that hold the Appointment's Slots (FHIR R4 appointmentstatus). */
const HOLDING = new Set(['proposed', 'pending', 'booked', 'arrived', 'fulfilled', 'checked-in', 'waitlist']);
/** Held, but not yet confirmed: the Slot is busy-tentative rather than busy. */
const TENTATIVE = new Set(['proposed', 'pending', 'waitlist']);
/** Slot statuses nobody may book. */
const UNBOOKABLE = new Set(['busy-unavailable', 'entered-in-error']);
/** Slot statuses the server keeps in step with bookings; others were set by hand and stay. */
const TRACKED = new Set(['free', 'busy', 'busy-tentative']);

/**
 * The Slot ids an Appointment version holds. For the new version a reference that is not a Slot
 * of this server is refused (it could not be guarded); an older version's is ignored.
 */
function heldSlots(resource: Resource | undefined, baseUrl: string, strict: boolean): string[] {
  const appointment = resource as Appointment | undefined;
  if (!appointment || !HOLDING.has(appointment.status)) return [];
  const ids = new Set<string>();
  (appointment.slot ?? []).forEach((ref, i) => {
    const local = localReference(ref.reference, baseUrl);
    if (local?.type === 'Slot') ids.add(local.id);
    else if (strict) {
      fail(
        unprocessable(
          `Appointment.slot must reference a Slot on this server, not "${ref.reference ?? '(no reference)'}"`,
          `Appointment.slot[${i}]`,
        ),
      );
    }
  });
  return [...ids];
}

const describe = (id: string, slot: Slot) => `Slot/${id} (${slot.start} to ${slot.end})`;

// One statement decides: a new row, or nothing when another Appointment holds the Slot. An
// existing row of this same Appointment counts as held (the write is then idempotent).
const TAKE = `INSERT INTO opd_slot_booking (tenant_id, slot_id, appointment_id) VALUES (app_current_tenant(), $1, $2)
  ON CONFLICT (tenant_id, slot_id) DO UPDATE SET appointment_id = EXCLUDED.appointment_id
  WHERE opd_slot_booking.appointment_id = EXCLUDED.appointment_id RETURNING 1`;

async function guardSlots(ctx: WriteHookContext, current: Resource | undefined, next: Resource | undefined): Promise<void> {
  const baseUrl = ctx.repo.baseUrl;
  const before = heldSlots(current, baseUrl, false);
  const after = heldSlots(next, baseUrl, true);
  const take = after.filter((id) => !before.includes(id));
  const give = before.filter((id) => !after.includes(id));
  const touched = [...new Set([...before, ...after])].sort();
  if (touched.length === 0) return;
  const appointmentId = (next ?? current)?.id as string;
  // Locked in id order, so two writes that touch the same Slots cannot deadlock each other.
  const rows = await ctx.sql.query<{ id: string; deleted: boolean; content: Slot | null }>(
    'SELECT id, deleted, content FROM "Slot" WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE',
    [touched],
  );
  const slots = new Map(rows.rows.filter((r) => !r.deleted && r.content).map((r) => [r.id, r.content as Slot]));
  const now = Date.now();
  for (const id of take) {
    const slot = slots.get(id);
    if (!slot) fail(unprocessable(`Slot/${id} does not exist`, 'Appointment.slot', 'not-found'));
    // Only a newly taken Slot: an Appointment already holding a past Slot may still be checked in or finished.
    else if (Date.parse(slot.start) < now) {
      fail(
        slotInPast(
          `${describe(id, slot)} has already started and cannot be booked; check a patient who is here in as a walk-in instead`,
          'Appointment.slot',
        ),
      );
    } else if (UNBOOKABLE.has(slot.status)) {
      fail(slotNotAvailable(`${describe(id, slot)} cannot be booked: its status is ${slot.status}`, 'Appointment.slot'));
    } else if ((await ctx.sql.query(TAKE, [id, appointmentId])).rowCount === 0) {
      fail(slotNotAvailable(`${describe(id, slot)} is already booked`, 'Appointment.slot'));
    }
  }
  if (give.length > 0) {
    await ctx.sql.query('DELETE FROM opd_slot_booking WHERE slot_id = ANY($1::text[]) AND appointment_id = $2', [give, appointmentId]);
  }
  // Slot.status in step with the bookings, as a new version of each Slot that changes.
  const status = (next as Appointment | undefined)?.status ?? '';
  for (const id of touched) {
    const slot = slots.get(id);
    if (!slot || !TRACKED.has(slot.status)) continue;
    const wanted = give.includes(id) ? 'free' : TENTATIVE.has(status) ? 'busy-tentative' : 'busy';
    if (slot.status !== wanted) await ctx.repo.updateResource<Slot>({ ...slot, status: wanted });
  }
}

export const slotBookingHook: WriteHook = { afterWrite: guardSlots };
