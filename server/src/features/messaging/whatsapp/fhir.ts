import type { CodeableConcept, Coding } from '@medplum/fhirtypes';

/**
 * How WhatsApp messages and opt-ins are recorded in FHIR. The WhatsApp bot (bots/whatsapp/src/fhir.ts)
 * writes the same codes; test/whatsapp/webhook.test.ts checks the two agree.
 */
/** Communication.identifier: the Cloud API's message id (wamid), how a status webhook finds its message. */
export const WAMID_SYSTEM = 'https://hospital-ops.in/fhir/sid/whatsapp-message-id';
/** Communication.extension: the last delivery state WhatsApp reported (sent, delivered, read, failed). */
export const DELIVERY_STATE_URL = 'https://hospital-ops.in/fhir/StructureDefinition/whatsapp-delivery-state';
/** Communication.statusReason codes: the Cloud API's numeric error codes. */
export const ERROR_CODE_SYSTEM = 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes';
export const CONSENT_CATEGORY_SYSTEM = 'https://hospital-ops.in/fhir/CodeSystem/consent-category';
export const CONSENT_CATEGORY_CODE = 'whatsapp-communications';

export const WHATSAPP_MEDIUM: CodeableConcept = {
  coding: [{ system: 'https://hospital-ops.in/fhir/CodeSystem/communication-medium', code: 'whatsapp', display: 'WhatsApp' }],
  text: 'WhatsApp',
};

export const CONSENT_SCOPE: CodeableConcept = {
  coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy', display: 'Privacy Consent' }],
};
export const CONSENT_CATEGORY: CodeableConcept = {
  coding: [{ system: CONSENT_CATEGORY_SYSTEM, code: CONSENT_CATEGORY_CODE, display: 'WhatsApp messages from the hospital' }],
};
/** v3 ActCode OPTIN: the patient agreed to be contacted. */
export const OPT_IN_RULE: CodeableConcept = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN' }] };

export function errorReason(code: number, title: string): CodeableConcept {
  const coding: Coding = { system: ERROR_CODE_SYSTEM, code: String(code), display: title };
  return { coding: [coding], text: `WhatsApp error ${code}: ${title}` };
}
