import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Account, PaymentReconciliation } from '@medplum/fhirtypes';
import express, { type Request, type Response } from 'express';
import type { Config } from '../../../config.ts';
import type { Database } from '../../../db/database.ts';
import { outcome } from '../../../http/outcomes.ts';
import type { Logger } from '../../../logger.ts';
import { PostgresRepository } from '../../../repo/postgres-repository.ts';
import { kolkataDate, kolkataInstant } from '../../opd/kolkata.ts';
import { HOPS, inr } from '../fhir.ts';
import { addLedger, type Method } from '../ledger.ts';

/**
 * `/webhooks/razorpay`: Razorpay's signed events (HOSPITAL-NOTES.md §3.5). The signature
 * (`X-Razorpay-Signature`, hex HMAC-SHA256 of the raw body with the webhook secret) is checked
 * before anything is parsed; `payment_link.paid` records the payment on the link's Account, once
 * per `x-razorpay-event-id` and once per link, in the tenant the link's notes name, as a system write.
 */

export interface RazorpayWebhookDeps {
  config: Config;
  db: Database;
  logger: Logger;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const METHODS = new Set(['upi', 'card']);

const json = (res: Response, status: number, text: string, code = 'invalid') =>
  res
    .status(status)
    .type('application/fhir+json')
    .send(JSON.stringify(outcome(String(status), code, text)));

export function validRazorpaySignature(raw: Buffer, header: string | undefined, secret: string): boolean {
  if (!header || !/^[0-9a-f]{64}$/i.test(header)) return false;
  const expected = createHmac('sha256', secret).update(raw).digest();
  const got = Buffer.from(header, 'hex');
  return got.length === expected.length && timingSafeEqual(got, expected);
}

interface PaidEvent {
  event?: string;
  payload?: {
    payment_link?: { entity?: { id?: string; notes?: Record<string, string> } };
    payment?: { entity?: { id?: string; amount?: number; method?: string } };
  };
}

export function razorpayWebhookRoutes({ config, db, logger }: RazorpayWebhookDeps): express.Router {
  const router = express.Router();
  router.post('/', express.raw({ type: () => true, limit: config.MAX_BODY_SIZE }), async (req: Request, res: Response) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const secret = config.RAZORPAY_WEBHOOK_SECRET;
    if (!secret) return json(res, 503, 'Razorpay webhooks are not configured on this server (RAZORPAY_WEBHOOK_SECRET).', 'not-supported');
    if (!validRazorpaySignature(raw, req.get('x-razorpay-signature'), secret))
      return json(res, 401, 'The X-Razorpay-Signature header is missing or does not match the body.', 'security');
    const eventId = req.get('x-razorpay-event-id');
    if (!eventId || eventId.length > 100) return json(res, 400, 'The x-razorpay-event-id header is missing.', 'required');
    let body: PaidEvent;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return json(res, 400, 'The event is not JSON.', 'structure');
    }
    // Other events are acknowledged and not acted on (refunds and expiries are not handled yet).
    if (body.event !== 'payment_link.paid') return res.status(200).json({ received: true, applied: false });
    const linkId = body.payload?.payment_link?.entity?.id;
    const tenantId = body.payload?.payment_link?.entity?.notes?.tenant;
    const payment = body.payload?.payment?.entity;
    if (!linkId || !tenantId || !UUID.test(tenantId) || !payment?.id || !Number.isInteger(payment.amount) || (payment.amount ?? 0) <= 0)
      return json(res, 400, 'A payment_link.paid event needs the link id, its notes.tenant and the payment id and amount.', 'structure');
    const repo = new PostgresRepository({
      db,
      tenant: { tenantId },
      baseUrl: config.baseUrl,
      updateCreate: false,
      audit: config.AUDIT_ENABLED ? { tenantId, clientId: 'razorpay-webhook', ip: req.ip, requestId: res.locals.requestId } : undefined,
    });
    try {
      const result = await repo.withTransaction(
        async (tx) => {
          const link = await tx.query((sql) =>
            sql.query<{ account_id: string; status: string }>(
              'SELECT account_id, status FROM billing_payment_link WHERE link_id = $1 FOR UPDATE',
              [linkId],
            ),
          );
          const row = link.rows[0];
          if (!row) return 'unknown-link';
          const fresh = await tx.query((sql) =>
            sql.query(
              'INSERT INTO billing_webhook_event (tenant_id, event_id) VALUES (app_current_tenant(), $1) ON CONFLICT DO NOTHING RETURNING 1',
              [eventId],
            ),
          );
          if (fresh.rowCount === 0) return 'duplicate';
          if (row.status === 'paid') return 'already-paid';
          await tx.query((sql) => sql.query('SELECT 1 FROM "Account" WHERE id = $1 FOR UPDATE', [row.account_id]));
          await tx.readResource<Account>('Account', row.account_id);
          const method = (METHODS.has(payment.method ?? '') ? payment.method : undefined) as Method | undefined;
          const amount = payment.amount as number;
          const now = Date.now();
          const saved = await tx.createResource<PaymentReconciliation>({
            resourceType: 'PaymentReconciliation',
            extension: [{ url: `${HOPS}/StructureDefinition/payment-kind`, valueCode: 'payment' }],
            status: 'active',
            created: kolkataInstant(now),
            paymentDate: kolkataDate(now),
            paymentAmount: inr(amount),
            paymentIdentifier: { system: 'https://razorpay.com/payment', value: payment.id },
            outcome: 'complete',
            disposition: `payment by ${payment.method ?? 'razorpay'} through Razorpay link ${linkId}`,
            detail: [
              {
                type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/payment-type', code: 'payment' }] },
                request: { reference: `Account/${row.account_id}` },
                date: kolkataDate(now),
                amount: inr(amount),
              },
            ],
          });
          await addLedger(tx, {
            accountId: row.account_id,
            kind: 'payment',
            amountPaise: -amount,
            method,
            resourceId: saved.id,
            cashier: 'razorpay',
          });
          await tx.query((sql) =>
            sql.query(`UPDATE billing_payment_link SET status = 'paid', payment_id = $2 WHERE link_id = $1`, [linkId, payment.id]),
          );
          return 'applied';
        },
        { resourceTypes: ['Account', 'PaymentReconciliation'] },
      );
      logger.info({ result, linkId }, 'razorpay webhook');
      res.status(200).json({ received: true, applied: result === 'applied', result });
    } catch (err) {
      // 5xx: Razorpay retries; a retry of what committed is recognised by its event id.
      logger.error({ err: { message: (err as Error).message } }, 'razorpay webhook could not be applied');
      json(res, 500, 'The event could not be recorded now; it will be retried.', 'exception');
    }
  });
  return router;
}
