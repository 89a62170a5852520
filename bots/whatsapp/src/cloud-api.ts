/**
 * The one call the bot makes to the WhatsApp Cloud API: `POST {apiBase}/{phone-number-id}/messages`.
 * Errors are sorted the way Meta's error-code page says to handle them: wait and retry, fix the
 * configuration, or give up on this message.
 */

export interface TemplateMessage {
  to: string;
  name: string;
  language: string;
  bodyParameters: string[];
  document?: { link: string; filename: string };
}

export interface CloudApiConfig {
  apiBase: string;
  phoneNumberId: string;
  accessToken: string;
}

/**
 * `retry`: throughput or pair rate limits, a WABA rate limit, Meta's own trouble, the network: the
 * job throws and is retried with backoff. `configuration`: the token or number is wrong; every
 * message would fail, so the job throws too and waits for an administrator. `permanent`: this
 * message cannot be sent as asked (template missing or paused, parameters, recipient, 24-hour
 * window): recorded as not-done with the reason.
 */
export type ErrorKind = 'retry' | 'configuration' | 'permanent';

const RETRY = new Set([4, 80007, 130429, 131000, 131016, 131056, 133004]);
const CONFIGURATION = new Set([0, 3, 10, 190, 200, 131005, 131031, 133010]);

export class CloudApiError extends Error {
  readonly code: number;
  readonly httpStatus: number;
  readonly title: string;
  readonly kind: ErrorKind;
  constructor(code: number, httpStatus: number, title: string) {
    super(`WhatsApp Cloud API error ${code}: ${title}`);
    this.name = 'CloudApiError';
    this.code = code;
    this.httpStatus = httpStatus;
    this.title = title;
    this.kind = RETRY.has(code) || httpStatus >= 500 ? 'retry' : CONFIGURATION.has(code) ? 'configuration' : 'permanent';
  }
}

/** Sends a template message; resolves with the wamid, or throws CloudApiError (or a network error: retry). */
export async function sendTemplate(config: CloudApiConfig, m: TemplateMessage): Promise<string> {
  const components: unknown[] = [];
  if (m.document) components.push({ type: 'header', parameters: [{ type: 'document', document: m.document }] });
  components.push({ type: 'body', parameters: m.bodyParameters.map((text) => ({ type: 'text', text })) });
  const url = `${config.apiBase.replace(/\/+$/, '')}/${encodeURIComponent(config.phoneNumberId)}/messages`;
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${config.accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: m.to,
      type: 'template',
      template: { name: m.name, language: { code: m.language }, components },
    }),
    signal: AbortSignal.timeout(15_000),
  });
  const body = (await res.json().catch(() => undefined)) as
    | { messages?: { id?: string }[]; error?: { code?: number; message?: string; error_data?: { details?: string } } }
    | undefined;
  const wamid = body?.messages?.[0]?.id;
  if (res.ok && wamid) return wamid;
  const e = body?.error;
  const title = String(e?.message ?? `HTTP ${res.status}`).replace(/^\(#\d+\)\s*/, '');
  throw new CloudApiError(Number(e?.code ?? 0), res.status, e?.error_data?.details ? `${title} (${e.error_data.details})` : title);
}
