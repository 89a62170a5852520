import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type { SimulatedMessage } from './recorded.ts';

import { CloudApiError, ERROR_CODES, isKnownErrorCode } from './errors.ts';
import { renderPage } from './page.ts';
import type { SimulatedMessage } from './recorded.ts';
import { type RenderedTemplate, type TemplateDefinition, TemplateRegistry, type TemplateRequest } from './templates.ts';
import {
  type BusinessNumber,
  type DeliveryStatus,
  type InboundMessage,
  notification,
  postWebhook,
  type StatusUpdate,
  type WebhookDelivery,
} from './webhooks.ts';

export interface WhatsAppSimulatorOptions {
  port?: number;
  host?: string;
  /** The bearer token sends must carry (a system user's access token in real life). */
  accessToken: string;
  /** Signs every webhook (`X-Hub-Signature-256`). */
  appSecret: string;
  /** Where status and inbound-message webhooks go; none: they are recorded but not posted. */
  webhookUrl?: string;
  /** Business numbers this account owns; default one, id `100000000000001`. */
  phoneNumbers?: BusinessNumber[];
  /** Default: the hospital's utility templates in en and hi (templates.ts). */
  templates?: TemplateDefinition[];
  /** Statuses each accepted message goes through, in order (default sent, delivered, read). */
  statusFlow?: DeliveryStatus[];
  /** Pause before each status webhook, so they arrive in order after the send's answer (default 20 ms). */
  statusDelayMs?: number;
  /** Meta delivers a webhook again when the receiver does not answer 2xx: the pauses before each retry (default 100, 500, 2000 ms). */
  webhookRetryDelaysMs?: number[];
  /** Same recipient within this many ms answers 131056 (pair rate limit); 0 (default) turns it off. */
  pairRateLimitMs?: number;
  /** Recipients that are not on WhatsApp: sends are accepted, then fail with 131026 in a status webhook. */
  unreachable?: string[];
  /** The clock (the 24-hour window and timestamps); tests move it. */
  now?: () => Date;
}

/** One failure to return for upcoming sends (`failNext`). */
interface PendingFailure {
  code: number;
  remaining: number;
  to?: string;
  /** Accept the send, then report the failure in a `failed` status webhook (as 131026 comes in real life). */
  async: boolean;
}

export interface WhatsAppSimulator {
  /** e.g. http://127.0.0.1:4010 */
  url: string;
  /** What a sender uses as its API base: `${url}/v23.0`. */
  apiBase: string;
  phoneNumbers: BusinessNumber[];
  templates: TemplateRegistry;
  /** Every accepted message, oldest first. */
  messages(filter?: { to?: string }): SimulatedMessage[];
  /** Sends rejected with an error, oldest first (what the sender was told). */
  rejected(): { at: string; to?: string; code: number; body: unknown }[];
  /** Every webhook posted (or attempted), oldest first. */
  deliveries(): WebhookDelivery[];
  /** The next `count` sends (to `to`, or to anyone) fail with `code`. */
  failNext(code: number, options?: { count?: number; to?: string; async?: boolean }): void;
  /** A patient's message to the business number: opens the 24-hour window and posts a `messages[]` webhook. */
  inbound(from: string, text: string, options?: { phoneNumberId?: string; name?: string; button?: boolean }): Promise<string>;
  /** Posts a status for an accepted message by hand (e.g. `failed` with a code). */
  pushStatus(messageId: string, status: DeliveryStatus, errorCode?: number): Promise<void>;
  setWebhookUrl(url: string | undefined): void;
  /** Resolves when every queued webhook has been posted. */
  idle(): Promise<void>;
  reset(): void;
  stop(): Promise<void>;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const GRAPH_VERSION = 'v23.0';
const MAX_BODY = 1024 * 1024;

/** Starts a local WhatsApp Cloud API (see README in docs/whatsapp.md). */
export async function startWhatsAppSimulator(options: WhatsAppSimulatorOptions): Promise<WhatsAppSimulator> {
  const now = options.now ?? (() => new Date());
  const numbers = options.phoneNumbers ?? [
    { phoneNumberId: '100000000000001', displayPhoneNumber: '911140000001', wabaId: '200000000000001' },
  ];
  const templates = new TemplateRegistry(options.templates);
  const flow = options.statusFlow ?? ['sent', 'delivered', 'read'];
  const delayMs = options.statusDelayMs ?? 20;
  const retryDelays = options.webhookRetryDelaysMs ?? [100, 500, 2000];
  const unreachable = new Set(options.unreachable ?? []);
  let webhookUrl = options.webhookUrl;

  let messages: SimulatedMessage[] = [];
  let rejected: { at: string; to?: string; code: number; body: unknown }[] = [];
  let deliveries: WebhookDelivery[] = [];
  let failures: PendingFailure[] = [];
  let lastInbound = new Map<string, number>();
  let lastSend = new Map<string, number>();
  // Webhooks go out one at a time, in the order they were queued.
  let queue: Promise<void> = Promise.resolve();
  let stopped = false;

  const wamid = () => `wamid.${randomBytes(24).toString('base64url')}`;
  const unix = () => String(Math.floor(now().getTime() / 1000));

  function enqueue(
    kind: WebhookDelivery['kind'],
    messageId: string,
    number: BusinessNumber,
    value: Record<string, unknown>,
  ): Promise<void> {
    queue = queue.then(async () => {
      if (stopped) return;
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
      const payload = notification(number, value);
      if (!webhookUrl) {
        deliveries.push({ at: now().toISOString(), kind, messageId, responseStatus: 0, body: JSON.stringify(payload) });
        return;
      }
      for (const pause of [0, ...retryDelays]) {
        if (pause) await new Promise((r) => setTimeout(r, pause));
        if (stopped) return;
        const r = await postWebhook(webhookUrl, options.appSecret, payload);
        deliveries.push({ at: now().toISOString(), kind, messageId, responseStatus: r.status, body: r.body });
        if (r.status >= 200 && r.status < 300) break;
      }
    });
    return queue;
  }

  function statusWebhook(message: SimulatedMessage, status: DeliveryStatus, error?: CloudApiError): Promise<void> {
    const number = numbers.find((n) => n.phoneNumberId === message.phoneNumberId) ?? numbers[0];
    message.statuses.push({ status, at: now().toISOString(), errorCode: error?.code });
    const update: StatusUpdate = { id: message.id, status, timestamp: unix(), recipient_id: message.to };
    if (status !== 'failed') {
      update.conversation = { id: `conv-${message.id.slice(6, 18)}`, origin: { type: message.template ? 'utility' : 'service' } };
      update.pricing = { billable: true, pricing_model: 'PMP', category: message.template ? 'utility' : 'service' };
    }
    if (error) update.errors = [error.webhookError()];
    return enqueue('status', message.id, number, { statuses: [update] });
  }

  function takeFailure(to: string): PendingFailure | undefined {
    const f = failures.find((x) => x.remaining > 0 && (!x.to || x.to === to));
    if (!f) return undefined;
    f.remaining--;
    failures = failures.filter((x) => x.remaining > 0);
    return f;
  }

  /** POST /{version}/{phone-number-id}/messages, checked as the Cloud API checks it. */
  function send(phoneNumberId: string, body: Record<string, any>): SimulatedMessage {
    const number = numbers.find((n) => n.phoneNumberId === phoneNumberId);
    if (!number) throw new CloudApiError(100, `Unsupported post request. Object with ID '${phoneNumberId}' does not exist.`);
    if (body.messaging_product !== 'whatsapp') throw new CloudApiError(100, 'messaging_product must be "whatsapp".');
    const to = typeof body.to === 'string' ? body.to.replace(/^\+/, '') : '';
    if (!to) throw new CloudApiError(131008, 'to is required.');
    if (!/^\d{8,15}$/.test(to)) throw new CloudApiError(131026, `Recipient ${String(body.to)} is not a valid WhatsApp phone number.`);
    const failure = takeFailure(to);
    if (failure && !failure.async) throw new CloudApiError(failure.code);
    const last = lastSend.get(to);
    if (options.pairRateLimitMs && last !== undefined && now().getTime() - last < options.pairRateLimitMs) throw new CloudApiError(131056);

    const type = String(body.type ?? 'text');
    let rendered: RenderedTemplate;
    let template: SimulatedMessage['template'];
    if (type === 'template') {
      rendered = templates.check(body.template as TemplateRequest);
      const req = body.template as TemplateRequest;
      template = {
        name: String(req.name),
        language: String(req.language?.code),
        parameters: (req.components ?? []).flatMap((c) => (c.parameters ?? []).filter((p) => p.type === 'text').map((p) => String(p.text))),
      };
    } else if (type === 'text' || type === 'document') {
      // Free-form messages only inside the customer-service window the patient's last message opened.
      const opened = lastInbound.get(to);
      if (opened === undefined || now().getTime() - opened > DAY_MS) throw new CloudApiError(131047);
      if (type === 'text') {
        const text = body.text?.body;
        if (typeof text !== 'string' || text === '') throw new CloudApiError(131008, 'text.body is required.');
        rendered = { text };
      } else {
        const doc = body.document as { link?: string; id?: string; filename?: string; caption?: string } | undefined;
        if (!doc?.link && !doc?.id) throw new CloudApiError(131008, 'document.link or document.id is required.');
        rendered = { text: doc.caption ?? '', document: { link: doc.link, id: doc.id, filename: doc.filename } };
      }
    } else {
      throw new CloudApiError(131051, `Message type ${type} is not supported by the simulator.`);
    }

    lastSend.set(to, now().getTime());
    const message: SimulatedMessage = {
      id: wamid(),
      phoneNumberId,
      to,
      type,
      at: now().toISOString(),
      text: rendered.text,
      template,
      document: rendered.document,
      statuses: [],
    };
    messages.push(message);
    if (failure?.async || unreachable.has(to)) void statusWebhook(message, 'failed', new CloudApiError(failure?.code ?? 131026));
    else for (const status of flow) void statusWebhook(message, status);
    return message;
  }

  const tokenOk = (header: string | undefined) => {
    const got = Buffer.from(header?.startsWith('Bearer ') ? header.slice(7) : '');
    const want = Buffer.from(options.accessToken);
    return got.length === want.length && timingSafeEqual(got, want);
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const path = url.pathname;
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const fail = (err: CloudApiError, to?: string) => {
      const body = err.body();
      rejected.push({ at: now().toISOString(), to, code: err.code, body });
      json(err.status, body);
    };

    const send_ = path.match(/^\/v\d+(?:\.\d+)?\/([^/]+)\/messages$/);
    if (send_ && req.method === 'POST') {
      if (!tokenOk(req.headers.authorization))
        return fail(new CloudApiError(190, 'Invalid OAuth access token - Cannot parse access token'));
      let body: Record<string, any>;
      try {
        body = JSON.parse(await readBody(req));
      } catch {
        return fail(new CloudApiError(100, 'The request body is not JSON.'));
      }
      try {
        const m = send(decodeURIComponent(send_[1]), body);
        return json(200, { messaging_product: 'whatsapp', contacts: [{ input: String(body.to), wa_id: m.to }], messages: [{ id: m.id }] });
      } catch (err) {
        if (err instanceof CloudApiError) return fail(err, typeof body.to === 'string' ? body.to : undefined);
        throw err;
      }
    }
    if (path === '/' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(renderPage(messages, numbers, deliveries));
      return;
    }
    // Control endpoints: for tests, the demo and people at the keyboard (bind to loopback).
    if (path === '/_sim/messages' && req.method === 'GET') return json(200, api.messages({ to: url.searchParams.get('to') ?? undefined }));
    if (path === '/_sim/deliveries' && req.method === 'GET') return json(200, deliveries);
    if (path === '/_sim/templates' && req.method === 'GET') return json(200, templates.list());
    if (path === '/_sim/error-codes' && req.method === 'GET') return json(200, ERROR_CODES);
    if (req.method === 'POST' && path.startsWith('/_sim/')) {
      let body: Record<string, any>;
      try {
        body = JSON.parse((await readBody(req)) || '{}');
      } catch {
        return json(400, { error: 'The body must be JSON.' });
      }
      if (path === '/_sim/fail-next') {
        const code = Number(body.code);
        if (!isKnownErrorCode(code)) return json(400, { error: `Unknown error code ${body.code}; see GET /_sim/error-codes.` });
        api.failNext(code, { count: Number(body.count ?? 1), to: body.to, async: Boolean(body.async) });
        return json(200, { ok: true });
      }
      if (path === '/_sim/inbound') {
        if (typeof body.from !== 'string' || typeof body.text !== 'string') return json(400, { error: 'from and text are required.' });
        return json(200, { id: await api.inbound(body.from, body.text, body) });
      }
      if (path === '/_sim/templates') {
        if (typeof body.name !== 'string' || typeof body.language !== 'string' || typeof body.body !== 'string')
          return json(400, { error: 'name, language and body are required.' });
        templates.upsert(body as TemplateDefinition);
        return json(200, templates.get(body.name, body.language));
      }
      const status = path.match(/^\/_sim\/messages\/([^/]+)\/status$/);
      if (status) {
        if (!messages.some((m) => m.id === decodeURIComponent(status[1]))) return json(404, { error: 'No such message.' });
        await api.pushStatus(decodeURIComponent(status[1]), body.status, body.errorCode);
        return json(200, { ok: true });
      }
      if (path === '/_sim/reset') {
        api.reset();
        return json(200, { ok: true });
      }
    }
    json(404, new CloudApiError(100, `Unknown path components: ${path}`).body());
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify(new CloudApiError(131000).body()));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;

  const api: WhatsAppSimulator = {
    url,
    apiBase: `${url}/${GRAPH_VERSION}`,
    phoneNumbers: numbers,
    templates,
    messages: (filter) => messages.filter((m) => !filter?.to || m.to === filter.to.replace(/^\+/, '')),
    rejected: () => rejected,
    deliveries: () => deliveries,
    failNext(code, o = {}) {
      failures.push({ code, remaining: o.count ?? 1, to: o.to, async: o.async ?? false });
    },
    async inbound(from, text, o = {}) {
      const number = numbers.find((n) => n.phoneNumberId === (o.phoneNumberId ?? numbers[0].phoneNumberId));
      if (!number) throw new Error(`No business number ${o.phoneNumberId}`);
      const id = wamid();
      lastInbound.set(from, now().getTime());
      const message: InboundMessage = o.button
        ? { from, id, timestamp: unix(), type: 'button', button: { payload: text, text } }
        : { from, id, timestamp: unix(), type: 'text', text: { body: text } };
      await enqueue('message', id, number, { contacts: [{ profile: { name: o.name ?? 'Patient' }, wa_id: from }], messages: [message] });
      return id;
    },
    async pushStatus(messageId, status, errorCode) {
      const message = messages.find((m) => m.id === messageId);
      if (!message) throw new Error(`No message ${messageId}`);
      await statusWebhook(message, status, status === 'failed' ? new CloudApiError(errorCode ?? 131026) : undefined);
    },
    setWebhookUrl(u) {
      webhookUrl = u;
    },
    idle: async () => {
      // Sends may queue more while we wait; settle until the chain stops growing.
      for (let seen: Promise<void> | undefined; seen !== queue; ) {
        seen = queue;
        await seen;
      }
    },
    reset() {
      messages = [];
      rejected = [];
      deliveries = [];
      failures = [];
      lastInbound = new Map();
      lastSend = new Map();
    },
    async stop() {
      // Webhooks still queued are dropped, as a process that stops would drop them.
      stopped = true;
      await api.idle();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
  return api;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
