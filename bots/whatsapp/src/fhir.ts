import type { CodeableConcept } from '@medplum/fhirtypes';

/**
 * How a WhatsApp message and an opt-in are recorded. The server's webhook
 * (server/src/features/messaging/whatsapp/fhir.ts) reads the same codes; a server test checks they agree.
 */
/** Communication.identifier: the Cloud API's message id (wamid), how a status webhook finds its message. */
export const WAMID_SYSTEM = 'https://hospital-ops.in/fhir/sid/whatsapp-message-id';
/** Communication.identifier: what the message is for (`<event seq>:<kind>`, `reminder:<kind>:<appointment>:<start>`), so it is sent once. */
export const MESSAGE_KEY_SYSTEM = 'https://hospital-ops.in/fhir/sid/whatsapp-message-key';
export const DELIVERY_STATE_URL = 'https://hospital-ops.in/fhir/StructureDefinition/whatsapp-delivery-state';
export const ERROR_CODE_SYSTEM = 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes';
export const CONSENT_CATEGORY_SYSTEM = 'https://hospital-ops.in/fhir/CodeSystem/consent-category';
export const CONSENT_CATEGORY_CODE = 'whatsapp-communications';

export const WHATSAPP_MEDIUM: CodeableConcept = {
  coding: [{ system: 'https://hospital-ops.in/fhir/CodeSystem/communication-medium', code: 'whatsapp', display: 'WhatsApp' }],
  text: 'WhatsApp',
};

export function errorReason(code: number, title: string): CodeableConcept {
  return { coding: [{ system: ERROR_CODE_SYSTEM, code: String(code), display: title }], text: `WhatsApp error ${code}: ${title}` };
}
