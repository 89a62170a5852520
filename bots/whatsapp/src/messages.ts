import type { Appointment, DiagnosticReport, DocumentReference, Resource } from '@medplum/fhirtypes';
import { type MessageKind, prescriptionPdf } from './events.ts';
import { formatWhen } from './time.ts';

export type Settings = Record<string, string | number | boolean>;

/** The setting that names each message's template (bot.json holds the defaults). */
const TEMPLATE_SETTING: Record<MessageKind, string> = {
  'appointment-booked': 'templateAppointmentBooked',
  'appointment-rescheduled': 'templateAppointmentRescheduled',
  'appointment-cancelled': 'templateAppointmentCancelled',
  'reminder-day-before': 'templateReminderDayBefore',
  'reminder-two-hours': 'templateReminderTwoHours',
  'prescription-ready': 'templatePrescriptionReady',
  'lab-results-ready': 'templateLabResultsReady',
  discharge: 'templateDischarge',
};

export interface TemplateChoice {
  name: string;
  bodyParameters: string[];
  document?: { link: string; filename: string };
}

/** Who the patient sees: the practitioner's name on the appointment, else the hospital. */
function withWhom(a: Appointment, settings: Settings): string {
  const practitioner = a.participant?.find((p) => p.actor?.reference?.startsWith('Practitioner/') && p.actor.display);
  return practitioner?.actor?.display ?? String(settings.hospitalName || 'the hospital');
}

/**
 * The template and its positional parameters for each message, the same in every language (the
 * templates approved in WhatsApp Manager differ only in their wording):
 *   appointment booked / rescheduled / day-before reminder: {{1}} name, {{2}} date and time, {{3}} with whom;
 *   cancelled: {{1}} name, {{2}} date and time; two-hour reminder: {{1}} name, {{2}} time, {{3}} with whom;
 *   prescription: a document header (the PDF) and {{1}} name; lab results: {{1}} name, {{2}} the report;
 *   discharge: {{1}} name, {{2}} the hospital.
 */
export function templateFor(kind: MessageKind, resource: Resource, name: string, language: string, settings: Settings): TemplateChoice {
  const template = String(settings[TEMPLATE_SETTING[kind]] ?? '');
  if (!template) throw new Error(`The WhatsApp bot has no template set for ${kind} (setting ${TEMPLATE_SETTING[kind]}).`);
  const choice = (bodyParameters: string[], document?: TemplateChoice['document']) => ({ name: template, bodyParameters, document });
  switch (kind) {
    case 'appointment-booked':
    case 'appointment-rescheduled':
    case 'reminder-day-before': {
      const a = resource as Appointment;
      return choice([name, formatWhen(a.start ?? '', language), withWhom(a, settings)]);
    }
    case 'reminder-two-hours': {
      const a = resource as Appointment;
      return choice([name, formatWhen(a.start ?? '', language, true), withWhom(a, settings)]);
    }
    case 'appointment-cancelled':
      return choice([name, formatWhen((resource as Appointment).start ?? '', language)]);
    case 'prescription-ready': {
      const pdf = prescriptionPdf(resource as DocumentReference);
      if (!pdf) throw new Error('The prescription has no PDF link to send.');
      return choice([name], pdf);
    }
    case 'lab-results-ready': {
      const r = resource as DiagnosticReport;
      return choice([name, r.code?.text ?? r.code?.coding?.[0]?.display ?? (language === 'hi' ? 'जाँच' : 'test')]);
    }
    case 'discharge':
      return choice([name, String(settings.hospitalName || 'the hospital')]);
  }
}
