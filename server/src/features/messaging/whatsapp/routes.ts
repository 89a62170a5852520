import { timingSafeEqual } from 'node:crypto';
import express, { type Request, type Response } from 'express';
import type { Config } from '../../../config.ts';
import type { Database } from '../../../db/database.ts';
import { outcome } from '../../../http/outcomes.ts';
import type { Logger } from '../../../logger.ts';
import { PostgresRepository } from '../../../repo/postgres-repository.ts';
import { applyInbound, applyStatus, type InboundMessage, type StatusUpdate } from './apply.ts';
import { tenantForNumber } from './numbers.ts';
import { validSignature } from './signature.ts';

export interface WhatsAppWebhookDeps {
  config: Config;
  db: Database;
  logger: Logger;
}

interface Notification {
  object?: string;
  entry?: {
    id?: string;
    changes?: {
      field?: string;
      value?: { metadata?: { phone_number_id?: string }; statuses?: StatusUpdate[]; messages?: InboundMessage[] };
    }[];
  }[];
}

const json = (res: Response, status: number, text: string, code = 'invalid') =>
  res
    .status(status)
    .type('application/fhir+json')
    .send(JSON.stringify(outcome(String(status), code, text)));

/**
 * `/webhooks/whatsapp`: Meta's verification handshake (GET) and its signed notifications (POST).
 * Unauthenticated HTTP: the app secret's signature is the only proof, and the business number in
 * each change names the one tenant it is written into (numbers.ts), as that tenant's system.
 */
export function whatsappWebhookRoutes({ config, db, logger }: WhatsAppWebhookDeps): express.Router {
  const router = express.Router();

  router.get('/', (req: Request, res: Response) => {
    // The access log prints the URL: keep the verify token out of it.
    req.originalUrl = req.originalUrl.replace(/(hub\.verify_token=)[^&]*/, '$1[redacted]');
    const q = req.query as Record<string, unknown>;
    const token = config.WHATSAPP_VERIFY_TOKEN;
    if (q['hub.mode'] !== 'subscribe' || typeof q['hub.challenge'] !== 'string')
      return json(res, 400, 'Expected hub.mode=subscribe and a hub.challenge.');
    if (!token || typeof q['hub.verify_token'] !== 'string' || !sameText(q['hub.verify_token'], token))
      return json(res, 403, 'The verify token does not match.', 'forbidden');
    res.status(200).type('text/plain').send(q['hub.challenge']);
  });

  router.post('/', express.raw({ type: () => true, limit: config.MAX_BODY_SIZE }), async (req: Request, res: Response) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const secret = config.WHATSAPP_APP_SECRET;
    if (!secret) return json(res, 503, 'WhatsApp webhooks are not configured on this server (WHATSAPP_APP_SECRET).', 'not-supported');
    // Verified before the body is even parsed: an unsigned request changes nothing.
    if (!validSignature(raw, req.get('x-hub-signature-256'), secret))
      return json(res, 401, 'The X-Hub-Signature-256 header is missing or does not match the body.', 'security');
    let body: Notification;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return json(res, 400, 'The notification is not JSON.', 'structure');
    }
    if (body?.object !== 'whatsapp_business_account' || !Array.isArray(body.entry))
      return json(res, 400, 'Expected a whatsapp_business_account notification with entry[].', 'structure');
    try {
      const summary = { statuses: 0, messages: 0, unmatched: 0, unknownNumbers: 0 };
      for (const entry of body.entry) {
        for (const change of list(entry?.changes)) {
          if (change?.field !== 'messages' || !change.value) continue;
          const numberId = change.value.metadata?.phone_number_id;
          const tenantId = numberId ? await tenantForNumber(db, String(numberId)) : undefined;
          if (!tenantId) {
            summary.unknownNumbers++;
            logger.warn({ phoneNumberId: numberId }, 'whatsapp webhook for a business number no tenant owns: ignored');
            continue;
          }
          const repo = new PostgresRepository({
            db,
            tenant: { tenantId },
            baseUrl: config.baseUrl,
            updateCreate: false,
            audit: config.AUDIT_ENABLED
              ? { tenantId, clientId: 'whatsapp-webhook', ip: req.ip, requestId: res.locals.requestId }
              : undefined,
          });
          for (const s of list(change.value.statuses)) {
            const applied = await applyStatus(repo, s);
            if (applied === 'applied') summary.statuses++;
            else if (applied === 'no-message' && recent(s.timestamp)) summary.unmatched++;
          }
          for (const m of list(change.value.messages)) {
            await applyInbound(repo, m);
            summary.messages++;
          }
        }
      }
      logger.info(summary, 'whatsapp webhook applied');
      // A fresh status for a wamid we do not hold yet usually raced the bot recording its send:
      // 503 makes Meta deliver it again shortly (what was applied is applied again harmlessly).
      if (summary.unmatched > 0) return json(res, 503, 'A status names a message not recorded yet; deliver it again later.', 'transient');
      res.status(200).json({ received: true });
    } catch (err) {
      // 5xx: Meta delivers the notification again later; what was applied is applied idempotently.
      logger.error({ err: { message: (err as Error).message } }, 'whatsapp webhook could not be applied');
      json(res, 500, 'The notification could not be recorded now; it will be retried.', 'exception');
    }
  });
  return router;
}

/** Meta's arrays, or nothing when a field is absent or not an array. */
const list = <T>(v: T[] | undefined): T[] => (Array.isArray(v) ? v : []);

// How long an unmatched status is worth a redelivery; older ones are for messages we never sent.
const UNMATCHED_RETRY_WINDOW_MS = 10 * 60_000;

function recent(timestamp: string | undefined): boolean {
  const at = Number(timestamp) * 1000;
  return Number.isFinite(at) && Math.abs(Date.now() - at) < UNMATCHED_RETRY_WINDOW_MS;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
