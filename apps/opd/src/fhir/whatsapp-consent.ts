import type { Consent } from '@medplum/fhirtypes';

// The WhatsApp opt-in as the server's messaging and the WhatsApp bot read it
// (server/src/features/messaging/whatsapp/fhir.ts, docs/whatsapp.md): a patient-privacy Consent of this
// category, active, permitting. Opting out sets it inactive, as a patient's STOP reply does.
const CATEGORY_SYSTEM = 'https://hospital-ops.in/fhir/CodeSystem/consent-category';
const CATEGORY_CODE = 'whatsapp-communications';

/** The search for a patient's WhatsApp Consents. */
export function whatsAppConsentQuery(patientId: string): Record<string, string> {
  return { patient: `Patient/${patientId}`, category: `${CATEGORY_SYSTEM}|${CATEGORY_CODE}` };
}

/** A new opt-in, recorded at the desk with the patient's agreement. */
export function whatsAppOptIn(patientReference: string, now = new Date()): Consent {
  const at = now.toISOString();
  return {
    resourceType: 'Consent',
    status: 'active',
    scope: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy', display: 'Privacy Consent' }],
    },
    category: [{ coding: [{ system: CATEGORY_SYSTEM, code: CATEGORY_CODE, display: 'WhatsApp messages from the hospital' }] }],
    patient: { reference: patientReference },
    dateTime: at,
    policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN' }] },
    provision: { type: 'permit', period: { start: at } },
  };
}

/** Whether these Consents hold an opt-in in force. */
export function optedIn(consents: Consent[], now = new Date()): boolean {
  return consents.some(
    (c) =>
      c.status === 'active' &&
      c.provision?.type === 'permit' &&
      (!c.provision.period?.end || Date.parse(c.provision.period.end) > now.getTime()),
  );
}
