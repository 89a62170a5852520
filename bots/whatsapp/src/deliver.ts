import type { MedplumClient } from '@medplum/core';
import type { Communication, Patient, Resource } from '@medplum/fhirtypes';
import { type CloudApiConfig, CloudApiError, sendTemplate } from './cloud-api.ts';
import type { MessageKind } from './events.ts';
import { errorReason, MESSAGE_KEY_SYSTEM, WAMID_SYSTEM, WHATSAPP_MEDIUM } from './fhir.ts';
import { type Settings, templateFor } from './messages.ts';
import { displayName, hasOptIn, preferredLanguage, whatsappNumber } from './patient.ts';

const KIND_SYSTEM = 'https://hospital-ops.in/fhir/CodeSystem/whatsapp-message-kind';

export type Outcome = 'sent' | 'already-done' | 'no-opt-in' | 'no-phone' | 'not-done';

export interface Delivery {
  /** What makes this message unique: `<event seq>:<kind>`, or `reminder:<kind>:<appointment>:<start>`. */
  key: string;
  kind: MessageKind;
  /** The resource the message is about (the triggering one), at the version that triggered it. */
  resource: Resource & { id: string };
  patientId: string;
  now: Date;
}

export function apiConfig(settings: Settings): CloudApiConfig {
  const config = {
    apiBase: String(settings.apiBase ?? ''),
    phoneNumberId: String(settings.phoneNumberId ?? ''),
    accessToken: String(settings.accessToken ?? ''),
  };
  if (!config.apiBase || !config.phoneNumberId || !config.accessToken)
    throw new Error('The WhatsApp bot is not configured for this tenant: set its apiBase, phoneNumberId and accessToken settings.');
  return config;
}

/**
 * One message, at most once: a Communication keyed on `key` is created first (conditional create,
 * status `preparation`), then the template is sent and the Communication gets the wamid and
 * `in-progress`. A rerun finds the Communication: past `preparation` it is done; still in
 * `preparation` (a retryable error, or a crash between send and record) it is sent again.
 * Retryable Cloud API errors throw (the job is retried); permanent ones record `not-done`.
 */
export async function deliver(medplum: MedplumClient, settings: Settings, d: Delivery): Promise<Outcome> {
  const config = apiConfig(settings);
  if (!(await hasOptIn(medplum, d.patientId, d.now))) return 'no-opt-in';
  const patient = await medplum.readResource('Patient', d.patientId, { cache: 'no-cache' });
  const to = whatsappNumber(patient);
  if (!to) return 'no-phone';
  const approved = String(settings.languages || 'en')
    .split(',')
    .map((l) => l.trim())
    .filter(Boolean);
  const language = preferredLanguage(patient as Patient, approved);
  const template = templateFor(d.kind, d.resource, displayName(patient), language, settings);
  const about = `${d.resource.resourceType}/${d.resource.id}`;

  const communication = await medplum.createResourceIfNoneExist<Communication>(
    {
      resourceType: 'Communication',
      status: 'preparation',
      identifier: [{ system: MESSAGE_KEY_SYSTEM, value: d.key }],
      category: [{ coding: [{ system: KIND_SYSTEM, code: d.kind }] }],
      medium: [WHATSAPP_MEDIUM],
      subject: { reference: `Patient/${d.patientId}` },
      recipient: [{ reference: `Patient/${d.patientId}` }],
      about: [{ reference: about }],
      payload: [{ contentString: `Template ${template.name} (${language}): ${template.bodyParameters.join(' | ')}` }],
    },
    `identifier=${encodeURIComponent(`${MESSAGE_KEY_SYSTEM}|${d.key}`)}`,
  );
  if (communication.status !== 'preparation') return 'already-done';

  let wamid: string;
  try {
    wamid = await sendTemplate(config, { to, language, ...template });
  } catch (err) {
    if (err instanceof CloudApiError && err.kind === 'permanent') {
      await medplum.updateResource<Communication>({ ...communication, status: 'not-done', statusReason: errorReason(err.code, err.title) });
      return 'not-done';
    }
    throw err;
  }
  await medplum.updateResource<Communication>({
    ...communication,
    status: 'in-progress',
    identifier: [...(communication.identifier ?? []), { system: WAMID_SYSTEM, value: wamid }],
    sent: new Date().toISOString(),
  });
  return 'sent';
}
