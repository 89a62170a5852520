import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local Razorpay for tests and the demo (../shared/mission/HOSPITAL-NOTES.md §3.5, Razorpay's
 * Payment Links docs): `POST /v1/payment_links` and `GET /v1/payment_links/:id` behind Basic auth
 * (key id : key secret), Razorpay's error shape, unique `reference_id`, and `payment_link.paid`
 * webhooks signed like Razorpay's: `X-Razorpay-Signature` = hex HMAC-SHA256(raw body, webhook
 * secret), with an `x-razorpay-event-id` header. The patient's side is driven through `/_sim/`.
 */

export interface RazorpaySimulatorOptions {
  port?: number;
  host?: string;
  keyId: string;
  keySecret: string;
  webhookSecret: string;
  /** Where webhooks go; none: recorded only. */
  webhookUrl?: string;
}

export interface PaymentLink {
  id: string;
  amount: number;
  amount_paid: number;
  currency: string;
  reference_id: string;
  description?: string;
  upi_link: boolean;
  status: 'created' | 'paid' | 'cancelled' | 'expired';
  short_url: string;
  notes: Record<string, string>;
  created_at: number;
  payments: { payment_id: string; amount: number; method: string; status: 'captured' }[];
}

export interface WebhookEvent {
  id: string;
  body: string;
  signature: string;
  /** HTTP statuses the receiver answered, per delivery. */
  answers: number[];
}

export interface RazorpaySimulator {
  url: string;
  apiBase: string;
  links: Map<string, PaymentLink>;
  events: WebhookEvent[];
  /** The patient pays the link in full (UPI by default): the link is paid and the webhook sent. */
  pay(linkId: string, method?: string): Promise<WebhookEvent>;
  /** Points webhooks somewhere else (a server started after the simulator). */
  setWebhookUrl(url: string): void;
  /** Delivers an event again, byte for byte (Razorpay's retry or a dashboard replay). */
  redeliver(eventId: string): Promise<number>;
  stop(): Promise<void>;
}

const id = (prefix: string) => `${prefix}_${randomBytes(7).toString('base64url').replace(/[-_]/g, 'x').slice(0, 14)}`;

function error(res: ServerResponse, status: number, code: string, description: string, field?: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      error: {
        code,
        description,
        source: 'business',
        step: 'payment_initiation',
        reason: 'input_validation_failed',
        metadata: {},
        ...(field ? { field } : {}),
      },
    }),
  );
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function sign(body: string, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

export async function startRazorpaySimulator(options: RazorpaySimulatorOptions): Promise<RazorpaySimulator> {
  const links = new Map<string, PaymentLink>();
  const events: WebhookEvent[] = [];
  const expectedAuth = Buffer.from(`Basic ${Buffer.from(`${options.keyId}:${options.keySecret}`).toString('base64')}`);

  const authorised = (req: IncomingMessage) => {
    const got = Buffer.from(req.headers.authorization ?? '');
    return got.length === expectedAuth.length && timingSafeEqual(got, expectedAuth);
  };

  async function deliver(event: WebhookEvent): Promise<number> {
    if (!options.webhookUrl) return 0;
    const res = await fetch(options.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-razorpay-signature': event.signature, 'x-razorpay-event-id': event.id },
      body: event.body,
    }).catch(() => undefined);
    const status = res?.status ?? 0;
    await res?.text().catch(() => undefined);
    event.answers.push(status);
    return status;
  }

  async function create(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body: Record<string, any>;
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      return error(res, 400, 'BAD_REQUEST_ERROR', 'The request body is not valid JSON');
    }
    if (!Number.isInteger(body.amount) || body.amount < 100)
      return error(res, 400, 'BAD_REQUEST_ERROR', 'The amount must be atleast INR 1.00', 'amount');
    if ((body.currency ?? 'INR') !== 'INR') return error(res, 400, 'BAD_REQUEST_ERROR', 'Currency is not supported', 'currency');
    const reference = typeof body.reference_id === 'string' ? body.reference_id : '';
    if (reference.length > 40)
      return error(res, 400, 'BAD_REQUEST_ERROR', 'The reference id may not be greater than 40 characters.', 'reference_id');
    if (reference && [...links.values()].some((l) => l.reference_id === reference)) {
      return error(res, 400, 'BAD_REQUEST_ERROR', `Payment Link with reference id ${reference} already exists`, 'reference_id');
    }
    const link: PaymentLink = {
      id: id('plink'),
      amount: body.amount,
      amount_paid: 0,
      currency: 'INR',
      reference_id: reference,
      description: body.description,
      upi_link: body.upi_link === true,
      status: 'created',
      short_url: '',
      notes: typeof body.notes === 'object' && body.notes ? body.notes : {},
      created_at: Math.floor(Date.now() / 1000),
      payments: [],
    };
    link.short_url = `${url}/_sim/pay/${link.id}`;
    links.set(link.id, link);
    send(res, 200, link);
  }

  async function pay(linkId: string, method = 'upi'): Promise<WebhookEvent> {
    const link = links.get(linkId);
    if (!link) throw new Error(`no payment link ${linkId}`);
    if (link.status !== 'created') throw new Error(`payment link ${linkId} is ${link.status}`);
    const payment = { payment_id: id('pay'), amount: link.amount, method, status: 'captured' as const };
    link.payments.push(payment);
    link.amount_paid = link.amount;
    link.status = 'paid';
    const body = JSON.stringify({
      entity: 'event',
      account_id: 'acc_simulator',
      event: 'payment_link.paid',
      contains: ['payment_link', 'payment'],
      payload: {
        payment_link: { entity: { ...link, payments: undefined } },
        payment: {
          entity: {
            id: payment.payment_id,
            entity: 'payment',
            amount: payment.amount,
            currency: 'INR',
            status: 'captured',
            method,
            notes: link.notes,
          },
        },
      },
      created_at: Math.floor(Date.now() / 1000),
    });
    const event: WebhookEvent = {
      id: `evt_${randomBytes(8).toString('hex')}`,
      body,
      signature: sign(body, options.webhookSecret),
      answers: [],
    };
    events.push(event);
    await deliver(event);
    return event;
  }

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    void (async () => {
      try {
        if (path.startsWith('/v1/') && !authorised(req)) return error(res, 401, 'BAD_REQUEST_ERROR', 'Authentication failed');
        if (req.method === 'POST' && path === '/v1/payment_links') return await create(req, res);
        const get = /^\/v1\/payment_links\/([A-Za-z0-9_]+)$/.exec(path);
        if (req.method === 'GET' && get) {
          const link = links.get(get[1]);
          return link ? send(res, 200, link) : error(res, 400, 'BAD_REQUEST_ERROR', 'The id provided does not exist');
        }
        const payPath = /^\/_sim\/pay\/([A-Za-z0-9_]+)$/.exec(path);
        if (req.method === 'POST' && payPath) {
          const event = await pay(payPath[1]);
          return send(res, 200, { event: event.id, answers: event.answers });
        }
        error(res, 404, 'BAD_REQUEST_ERROR', 'The requested URL was not found on the server.');
      } catch (err) {
        error(res, 400, 'BAD_REQUEST_ERROR', (err as Error).message);
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const url = `http://${options.host ?? '127.0.0.1'}:${(server.address() as AddressInfo).port}`;
  return {
    url,
    apiBase: `${url}/v1`,
    links,
    events,
    pay,
    setWebhookUrl(webhookUrl) {
      options.webhookUrl = webhookUrl;
    },
    async redeliver(eventId) {
      const event = events.find((e) => e.id === eventId);
      if (!event) throw new Error(`no event ${eventId}`);
      return deliver(event);
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
