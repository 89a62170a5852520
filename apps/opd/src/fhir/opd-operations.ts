import type { MedplumClient } from '@medplum/core';
import type { Appointment, Encounter, Parameters } from '@medplum/fhirtypes';
import { QUEUE_TOKEN_URL } from './systems.ts';

/** Checks a booked patient in: the server issues the day's next token for the doctor in one transaction. */
export function checkInAppointment(medplum: MedplumClient, appointment: Appointment): Promise<Encounter> {
  const body: Parameters = {
    resourceType: 'Parameters',
    parameter: [{ name: 'appointment', valueReference: { reference: `Appointment/${appointment.id}` } }],
  };
  return medplum.post(medplum.fhirUrl('Encounter', '$check-in'), body);
}

/** A walk-in: no appointment, just the patient, the doctor and the branch. */
export function checkInWalkIn(medplum: MedplumClient, patient: string, practitioner: string, branch: string): Promise<Encounter> {
  const body: Parameters = {
    resourceType: 'Parameters',
    parameter: [
      { name: 'patient', valueReference: { reference: `Patient/${patient}` } },
      { name: 'practitioner', valueReference: { reference: `Practitioner/${practitioner}` } },
      { name: 'branch', valueReference: { reference: `Organization/${branch}` } },
    ],
  };
  return medplum.post(medplum.fhirUrl('Encounter', '$check-in'), body);
}

/** Turns a doctor's working hours (PractitionerRole.availableTime) into Slots for the given days. */
export function generateSlots(medplum: MedplumClient, practitionerRole: string, start: string, end: string): Promise<unknown> {
  const body: Parameters = {
    resourceType: 'Parameters',
    parameter: [
      { name: 'start', valueDate: start },
      { name: 'end', valueDate: end },
    ],
  };
  return medplum.post(medplum.fhirUrl('PractitionerRole', practitionerRole, '$generate-slots'), body);
}

export function tokenOf(e: Encounter | Appointment | undefined): number | undefined {
  return e?.extension?.find((x) => x.url === QUEUE_TOKEN_URL)?.extension?.find((x) => x.url === 'number')?.valuePositiveInt;
}
