import type { MedplumClient } from '@medplum/core';
import type { Appointment, DiagnosticReport, DocumentReference, Encounter, Resource } from '@medplum/fhirtypes';
import type { BotEvent } from '../../contract.ts';

export type MessageKind =
  | 'appointment-booked'
  | 'appointment-rescheduled'
  | 'appointment-cancelled'
  | 'reminder-day-before'
  | 'reminder-two-hours'
  | 'prescription-ready'
  | 'lab-results-ready'
  | 'discharge';

/** What a change means for the patient: which message, about which resource (at its version), to whom. */
export interface Occasion {
  kind: MessageKind;
  resource: Resource & { id: string };
  patientId: string;
}

/** LOINC 57833-6 "Prescription for medication": the DocumentReference type of a prescription PDF. */
export const PRESCRIPTION_TYPE = { system: 'http://loinc.org', code: '57833-6' };
const INPATIENT_CLASSES = new Set(['IMP', 'ACUTE', 'NONAC']);

const patientOf = (ref: string | undefined) => (ref?.startsWith('Patient/') ? ref.slice('Patient/'.length) : undefined);

/**
 * Reads the version the event names and the one before it, and decides which message (if any) the
 * change calls for: a booking, a new time, a cancellation, a report turning final, a prescription
 * PDF, a discharge. Anything else (a note edited, a second save of a final report) sends nothing.
 */
export async function occasionOf(medplum: MedplumClient, event: BotEvent): Promise<Occasion | undefined> {
  if (event.action === 'delete') return undefined;
  const type = event.resourceType as 'Appointment' | 'DiagnosticReport' | 'DocumentReference' | 'Encounter';
  if (!['Appointment', 'DiagnosticReport', 'DocumentReference', 'Encounter'].includes(type)) return undefined;
  const current = (await medplum.readVersion(type, event.id, String(event.versionId))) as Resource & { id: string };
  const previous =
    event.action === 'update' && event.versionId > 1
      ? await medplum.readVersion(type, event.id, String(event.versionId - 1)).catch(() => undefined)
      : undefined;

  if (current.resourceType === 'Appointment') {
    const prev = previous as Appointment | undefined;
    const patientId = patientOf(current.participant?.find((p) => patientOf(p.actor?.reference))?.actor?.reference);
    if (!patientId) return undefined;
    if (current.status === 'booked' && prev?.status !== 'booked') return { kind: 'appointment-booked', resource: current, patientId };
    if (current.status === 'booked' && prev && prev.start !== current.start)
      return { kind: 'appointment-rescheduled', resource: current, patientId };
    if (current.status === 'cancelled' && prev && prev.status !== 'cancelled')
      return { kind: 'appointment-cancelled', resource: current, patientId };
    return undefined;
  }
  if (current.resourceType === 'DiagnosticReport') {
    const prev = previous as DiagnosticReport | undefined;
    const patientId = patientOf(current.subject?.reference);
    if (patientId && current.status === 'final' && prev?.status !== 'final')
      return { kind: 'lab-results-ready', resource: current, patientId };
    return undefined;
  }
  if (current.resourceType === 'DocumentReference') {
    const prev = previous as DocumentReference | undefined;
    const patientId = patientOf(current.subject?.reference);
    const isPrescription = current.type?.coding?.some((c) => c.system === PRESCRIPTION_TYPE.system && c.code === PRESCRIPTION_TYPE.code);
    if (patientId && isPrescription && current.status === 'current' && prev?.status !== 'current' && prescriptionPdf(current))
      return { kind: 'prescription-ready', resource: current, patientId };
    return undefined;
  }
  if (current.resourceType === 'Encounter') {
    const prev = previous as Encounter | undefined;
    const patientId = patientOf(current.subject?.reference);
    const inpatient = INPATIENT_CLASSES.has(current.class?.code ?? '') || Boolean(current.hospitalization);
    if (patientId && inpatient && current.status === 'finished' && prev?.status !== 'finished')
      return { kind: 'discharge', resource: current, patientId };
  }
  return undefined;
}

/** The PDF a prescription message carries: an absolute https (or http) link WhatsApp can fetch. */
export function prescriptionPdf(doc: DocumentReference): { link: string; filename: string } | undefined {
  const attachment = doc.content
    ?.map((c) => c.attachment)
    .find((a) => a?.contentType === 'application/pdf' && /^https?:\/\//.test(a.url ?? ''));
  if (!attachment?.url) return undefined;
  return {
    link: attachment.url,
    filename: attachment.title?.endsWith('.pdf') ? attachment.title : `${attachment.title ?? 'Prescription'}.pdf`,
  };
}
