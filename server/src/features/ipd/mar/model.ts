import type { MedicationAdministration, MedicationRequest } from '@medplum/fhirtypes';
import { HOPS } from '../../opd/fhir.ts';
import type { DoseSlot } from './schedule.ts';

/** The slot a MedicationAdministration records: identifier value `<MedicationRequest id>/<IST yyyy-mm-ddThh:mm>`. */
export const MAR_DOSE_SYSTEM = `${HOPS}/sid/mar-dose`;
/** The scheduled time of that slot, for readers that do not parse identifiers. */
export const MAR_SCHEDULED_URL = `${HOPS}/StructureDefinition/mar-scheduled-time`;
/** The job's Flag per overdue slot (same identifier value as the dose); code `late` or `missed`. */
export const MAR_FLAG_SYSTEM = `${HOPS}/sid/mar-dose-flag`;
export const MAR_FLAG_CODES = `${HOPS}/CodeSystem/mar-dose-flag`;
/** Why a dose was not given (statusReason), the app's picker. */
export const MAR_NOT_GIVEN_CODES = `${HOPS}/CodeSystem/mar-not-given-reason`;

/** A dose is late an hour after its time, missed after four hours or when the order's next dose falls due, whichever is first. */
export const LATE_AFTER_MS = 60 * 60_000;
export const MISSED_AFTER_MS = 4 * 60 * 60_000;

export type DoseStatus = 'due' | 'late' | 'missed' | 'given' | 'not-given' | 'held';

/** The recorded outcome of an administration; entered-in-error records free their slot. */
export function recordedStatus(ma: MedicationAdministration): DoseStatus | undefined {
  switch (ma.status) {
    case 'completed':
    case 'in-progress':
      return 'given';
    case 'not-done':
    case 'stopped':
      return 'not-given';
    case 'on-hold':
      return 'held';
    default:
      return undefined;
  }
}

/** When an unrecorded dose becomes late and missed; `next` is the order's following dose. */
export function overdueTimes(slot: Pick<DoseSlot, 'at'>, next?: number): { lateAt: number; missedAt: number } {
  const lateAt = slot.at + LATE_AFTER_MS;
  const missedAt = Math.max(lateAt, Math.min(slot.at + MISSED_AFTER_MS, next ?? Number.POSITIVE_INFINITY));
  return { lateAt, missedAt };
}

export function unrecordedStatus(slot: Pick<DoseSlot, 'at'>, now: number, next?: number): DoseStatus {
  const { lateAt, missedAt } = overdueTimes(slot, next);
  if (now >= missedAt) return 'missed';
  return now >= lateAt ? 'late' : 'due';
}

export const slotOf = (ma: MedicationAdministration) => ma.identifier?.find((i) => i.system === MAR_DOSE_SYSTEM)?.value;

/** The slot's time from its key (`…/2026-12-07T08:00`). */
export function slotTime(key: string): number {
  const m = /\/(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})$/.exec(key);
  return m ? Date.parse(`${m[1]}:00+05:30`) : Number.NaN;
}

export function medicationText(mr: MedicationRequest): string {
  const c = mr.medicationCodeableConcept;
  return c?.text ?? c?.coding?.[0]?.display ?? mr.medicationReference?.display ?? c?.coding?.[0]?.code ?? 'Medication';
}
