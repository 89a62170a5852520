import type { FhirRouter } from '@medplum/fhir-router';
import { registerWriteHook } from '../../repo/write-hooks.ts';
import { checkInHandler } from './check-in.ts';
import { finishedVisitHook, finishingVisitHook, VISIT_RECORD_TYPES } from './finished-visit.ts';
import { generateSlotsHandler } from './generate-slots.ts';
import { noShowAppointmentHook, noShowPatientHook } from './no-show.ts';
import { slotBookingHook } from './slot-booking.ts';

/**
 * The OPD's server side (docs/opd.md): slots from working hours, booking that cannot double-book,
 * queue tokens at check-in, no-shows counted on the Patient, a finished visit's record kept
 * read-only. The write hooks are registered here,
 * with the operations, because every FHIR write goes through a router built by createFhirRouter.
 */
export function addOpdOperations(router: FhirRouter): void {
  registerWriteHook('Appointment', 'opd-slot-booking', slotBookingHook);
  registerWriteHook('Appointment', 'opd-no-show-count', noShowAppointmentHook);
  registerWriteHook('Patient', 'opd-no-show-count', noShowPatientHook);
  registerWriteHook('Encounter', 'opd-finished-visit', finishingVisitHook);
  for (const type of VISIT_RECORD_TYPES) registerWriteHook(type, 'opd-finished-visit', finishedVisitHook);
  router.add('POST', 'PractitionerRole/:id/$generate-slots', generateSlotsHandler);
  router.add('POST', 'Encounter/$check-in', checkInHandler);
}
