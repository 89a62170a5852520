import { parseSearchRequest } from '@medplum/core';
import type { Communication, Consent, Extension, Patient } from '@medplum/fhirtypes';
import type { PostgresRepository } from '../../../repo/postgres-repository.ts';
import {
  CONSENT_CATEGORY,
  CONSENT_CATEGORY_CODE,
  CONSENT_CATEGORY_SYSTEM,
  CONSENT_SCOPE,
  DELIVERY_STATE_URL,
  errorReason,
  OPT_IN_RULE,
  WAMID_SYSTEM,
  WHATSAPP_MEDIUM,
} from './fhir.ts';

/** `value.statuses[]` of a Cloud API webhook. */
export interface StatusUpdate {
  id?: string;
  status?: string;
  timestamp?: string;
  recipient_id?: string;
  errors?: { code?: number; title?: string; message?: string }[];
}

/** `value.messages[]` of a Cloud API webhook (the kinds a patient's reply comes as). */
export interface InboundMessage {
  from?: string;
  id?: string;
  timestamp?: string;
  type?: string;
  text?: { body?: string };
  button?: { payload?: string; text?: string };
  interactive?: { button_reply?: { id?: string; title?: string } };
}

/**
 * Delivery states only move forward (sent < delivered < read), whatever order the webhooks arrive
 * in; `failed` may replace only `sent`, since a later `delivered` from another device means it got
 * there. Communication.status: sent -> in-progress, delivered/read -> completed, failed -> not-done.
 */
const RANK: Record<string, number> = { accepted: 0, sent: 1, delivered: 2, read: 3 };
const COMMUNICATION_STATUS: Record<string, Communication['status']> = {
  sent: 'in-progress',
  delivered: 'completed',
  read: 'completed',
  failed: 'not-done',
};

function deliveryState(c: Communication): string {
  return c.extension?.find((e) => e.url === DELIVERY_STATE_URL)?.valueCode ?? 'accepted';
}

function isoFromUnix(timestamp: string | undefined): string | undefined {
  const seconds = Number(timestamp);
  return Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000).toISOString() : undefined;
}

/**
 * Records one status on the Communication whose identifier is its wamid: `no-message` when none
 * is (yet), `ignored` for statuses this platform does not track (`played`, malformed ones).
 */
export async function applyStatus(repo: PostgresRepository, s: StatusUpdate): Promise<'applied' | 'no-message' | 'ignored'> {
  if (!s?.id || typeof s.status !== 'string' || !Object.hasOwn(COMMUNICATION_STATUS, s.status)) return 'ignored';
  return repo.withTransaction(
    async (tx) => {
      const found = await tx.searchResources<Communication>(
        parseSearchRequest(`Communication?identifier=${encodeURIComponent(`${WAMID_SYSTEM}|${s.id}`)}`),
      );
      if (found.length === 0) return 'no-message';
      for (const current of found) {
        const was = deliveryState(current);
        const moves = s.status === 'failed' ? (RANK[was] ?? 9) <= RANK.sent : (RANK[s.status as string] ?? -1) > (RANK[was] ?? 9);
        if (!moves) continue;
        const extension: Extension[] = [
          ...(current.extension ?? []).filter((e) => e.url !== DELIVERY_STATE_URL),
          { url: DELIVERY_STATE_URL, valueCode: s.status },
        ];
        const next: Communication = { ...current, status: COMMUNICATION_STATUS[s.status as string], extension };
        const at = isoFromUnix(s.timestamp);
        if ((s.status === 'delivered' || s.status === 'read') && at && !current.received) next.received = at;
        if (s.status === 'failed') {
          const e = s.errors?.[0];
          next.statusReason = errorReason(Number(e?.code ?? 0), String(e?.title ?? e?.message ?? 'Message failed'));
        }
        await tx.updateResource(next);
      }
      return 'applied';
    },
    { serializable: true, resourceTypes: ['Communication', 'Patient', 'Consent'] },
  );
}

const OPT_OUT = new Set(['STOP', 'STOP ALL', 'UNSUBSCRIBE', 'CANCEL', 'OPT OUT', 'OPTOUT', 'रोकें', 'बंद']);
const OPT_IN = new Set(['START', 'YES', 'SUBSCRIBE', 'UNSTOP', 'OPT IN', 'OPTIN', 'हाँ', 'हां']);

/** The words of a reply: a typed text, or a template's quick-reply button. */
function replyText(m: InboundMessage): string {
  return (m.text?.body ?? m.button?.payload ?? m.button?.text ?? m.interactive?.button_reply?.title ?? '').trim();
}

export type Keyword = 'opt-out' | 'opt-in' | undefined;

export function keywordOf(text: string): Keyword {
  const word = text
    .trim()
    .replace(/[.!]+$/, '')
    .toUpperCase();
  if (OPT_OUT.has(word)) return 'opt-out';
  if (OPT_IN.has(word)) return 'opt-in';
  return undefined;
}

/**
 * A patient's message: kept as a Communication from the patient (once per wamid), and STOP/YES
 * applied to the WhatsApp Consent of every patient registered with that phone number (a family
 * often shares one). Opt-out sets the Consent inactive: a `deny` provision would instead read as a
 * refusal of data access to staff (auth/consent.ts).
 */
export async function applyInbound(repo: PostgresRepository, m: InboundMessage): Promise<{ keyword: Keyword; patients: number }> {
  if (!m?.id || typeof m.from !== 'string' || !/^\d{6,15}$/.test(m.from)) return { keyword: undefined, patients: 0 };
  const text = replyText(m);
  const keyword = keywordOf(text);
  return repo.withTransaction(
    async (tx) => {
      const seen = await tx.searchResources<Communication>(
        parseSearchRequest(`Communication?identifier=${encodeURIComponent(`${WAMID_SYSTEM}|${m.id}`)}`),
      );
      if (seen.length > 0) return { keyword, patients: 0 }; // a redelivered webhook: done already
      const patients = await tx.searchResources<Patient>(parseSearchRequest(`Patient?phone=${m.from}&_count=20`));
      const received = isoFromUnix(m.timestamp) ?? new Date().toISOString();
      const inbound = await tx.createResource<Communication>({
        resourceType: 'Communication',
        status: 'completed',
        identifier: [{ system: WAMID_SYSTEM, value: m.id }],
        medium: [WHATSAPP_MEDIUM],
        ...(patients.length === 1 ? { subject: { reference: `Patient/${patients[0].id}` } } : {}),
        ...(patients.length ? { sender: { reference: `Patient/${patients[0].id}` } } : {}),
        received,
        payload: [{ contentString: text || `(${m.type ?? 'unknown'} message)` }],
      });
      if (!keyword) return { keyword, patients: patients.length };
      for (const patient of patients) {
        const consents = await tx.searchResources<Consent>(
          parseSearchRequest(
            `Consent?patient=Patient/${patient.id}&category=${encodeURIComponent(`${CONSENT_CATEGORY_SYSTEM}|${CONSENT_CATEGORY_CODE}`)}`,
          ),
        );
        const active = consents.filter((c) => c.status === 'active');
        if (keyword === 'opt-out') {
          for (const c of active) await tx.updateResource<Consent>({ ...c, status: 'inactive' });
        } else if (active.length === 0) {
          await tx.createResource<Consent>({
            resourceType: 'Consent',
            status: 'active',
            scope: CONSENT_SCOPE,
            category: [CONSENT_CATEGORY],
            patient: { reference: `Patient/${patient.id}` },
            dateTime: received,
            policyRule: OPT_IN_RULE,
            sourceReference: { reference: `Communication/${inbound.id}` },
            provision: { type: 'permit', period: { start: received } },
          });
        }
      }
      return { keyword, patients: patients.length };
    },
    { serializable: true, resourceTypes: ['Communication', 'Patient', 'Consent'] },
  );
}
