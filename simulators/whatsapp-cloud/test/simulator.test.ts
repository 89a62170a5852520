import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startWhatsAppSimulator, type WhatsAppSimulator } from '../src/index.ts';

const TOKEN = 'sim-test-token';
const SECRET = 'sim-test-app-secret';
const NUMBER_ID = '100000000000001';
const PATIENT = '919812345678';

/** A webhook receiver that keeps the raw bytes and headers of each post. */
let received: { raw: string; signature?: string }[] = [];
/** How many of the next posts the receiver answers with 503. */
let refuse = 0;
let receiver: Server;
let sim: WhatsAppSimulator;
let clock = new Date('2026-12-01T06:00:00Z');

function send(body: Record<string, unknown>, token = TOKEN, numberId = NUMBER_ID) {
  return fetch(`${sim.apiBase}/${numberId}/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ messaging_product: 'whatsapp', recipient_type: 'individual', to: PATIENT, ...body }),
  }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
}

const template = (name: string, code: string, params: string[], header?: unknown) => ({
  type: 'template',
  template: {
    name,
    language: { code },
    components: [
      ...(header ? [{ type: 'header', parameters: [header] }] : []),
      { type: 'body', parameters: params.map((text) => ({ type: 'text', text })) },
    ],
  },
});

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      if (refuse > 0) {
        refuse--;
        res.writeHead(503).end();
        return;
      }
      received.push({ raw: Buffer.concat(chunks).toString('utf8'), signature: req.headers['x-hub-signature-256'] as string });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  sim = await startWhatsAppSimulator({
    accessToken: TOKEN,
    appSecret: SECRET,
    webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
    statusDelayMs: 0,
    webhookRetryDelaysMs: [10, 10],
    unreachable: ['919000000000'],
    now: () => clock,
  });
});

afterAll(async () => {
  await sim.stop();
  await new Promise<void>((r) => receiver.close(() => r()));
});

beforeEach(async () => {
  await sim.idle();
  sim.reset();
  received = [];
  clock = new Date('2026-12-01T06:00:00Z');
});

describe('sending', () => {
  it('refuses a missing or wrong bearer token with 190 in Graph error shape', async () => {
    const r = await send(template('lab_results_ready', 'en', ['Ravi', 'CBC']), 'wrong-token');
    expect(r.status).toBe(401);
    expect(r.body.error).toMatchObject({ code: 190, type: 'OAuthException', error_data: { messaging_product: 'whatsapp' } });
    expect(r.body.error.message).toMatch(/^\(#190\)/);
    expect(typeof r.body.error.fbtrace_id).toBe('string');
    expect(sim.messages()).toHaveLength(0);
  });

  it('accepts an approved Hindi template, renders it and answers with a wamid', async () => {
    const r = await send(template('lab_results_ready', 'hi', ['रवि', 'CBC']));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ messaging_product: 'whatsapp', contacts: [{ input: PATIENT, wa_id: PATIENT }] });
    expect(r.body.messages[0].id).toMatch(/^wamid\./);
    const [m] = sim.messages({ to: PATIENT });
    expect(m.template).toEqual({ name: 'lab_results_ready', language: 'hi', parameters: ['रवि', 'CBC'] });
    expect(m.text).toContain('रवि');
    expect(m.text).toContain('CBC');
  });

  it('answers 132001 for an unknown template, and for a known one in a language it was not approved in', async () => {
    const unknown = await send(template('no_such_template', 'en', ['x']));
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe(132001);
    const wrongLanguage = await send(template('lab_results_ready', 'ta', ['Ravi', 'CBC']));
    expect(wrongLanguage.body.error.code).toBe(132001);
    expect(sim.rejected().map((x) => x.code)).toEqual([132001, 132001]);
  });

  it('answers 132000 when the parameter count does not match the template', async () => {
    const r = await send(template('lab_results_ready', 'en', ['Ravi']));
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe(132000);
    const noDocument = await send(template('prescription_ready', 'en', ['Ravi']));
    expect(noDocument.body.error.code).toBe(132000);
  });

  it('carries a document header (link and filename) for a template that has one', async () => {
    const doc = { type: 'document', document: { link: 'https://files.example.in/rx.pdf', filename: 'Prescription.pdf' } };
    const r = await send(template('prescription_ready', 'en', ['Ravi'], doc));
    expect(r.status).toBe(200);
    expect(sim.messages()[0].document).toEqual({ link: 'https://files.example.in/rx.pdf', filename: 'Prescription.pdf' });
  });

  it('answers 132015 for a paused template', async () => {
    sim.templates.upsert({ ...sim.templates.get('discharge_summary', 'en')!, status: 'PAUSED' });
    const r = await send(template('discharge_summary', 'en', ['Ravi', 'City Hospital']));
    expect(r.body.error.code).toBe(132015);
    sim.templates.upsert({ ...sim.templates.get('discharge_summary', 'en')!, status: 'APPROVED' });
  });

  it('refuses free text outside the 24-hour window (131047) and accepts it inside', async () => {
    const outside = await send({ type: 'text', text: { body: 'Hello' } });
    expect(outside.body.error.code).toBe(131047);
    await sim.inbound(PATIENT, 'Hi');
    const inside = await send({ type: 'document', document: { link: 'https://files.example.in/r.pdf', filename: 'Report.pdf' } });
    expect(inside.status).toBe(200);
    clock = new Date(clock.getTime() + 25 * 3600_000);
    const later = await send({ type: 'text', text: { body: 'Hello again' } });
    expect(later.body.error.code).toBe(131047);
  });

  it('fails the next sends on request (rate limit 130429), then accepts again', async () => {
    sim.failNext(130429, { count: 2 });
    expect((await send(template('lab_results_ready', 'en', ['Ravi', 'CBC']))).body.error.code).toBe(130429);
    expect((await send(template('lab_results_ready', 'en', ['Ravi', 'CBC']))).body.error.code).toBe(130429);
    expect((await send(template('lab_results_ready', 'en', ['Ravi', 'CBC']))).status).toBe(200);
  });

  it('takes failures through the control endpoint too', async () => {
    const bad = await fetch(`${sim.url}/_sim/fail-next`, { method: 'POST', body: JSON.stringify({ code: 42 }) });
    expect(bad.status).toBe(400);
    await fetch(`${sim.url}/_sim/fail-next`, { method: 'POST', body: JSON.stringify({ code: 131056, to: PATIENT }) });
    expect((await send(template('lab_results_ready', 'en', ['Ravi', 'CBC']))).body.error.code).toBe(131056);
  });

  it('answers 131026 for a malformed recipient, and fails an unreachable one in a status webhook', async () => {
    const malformed = await send({ ...template('lab_results_ready', 'en', ['Ravi', 'CBC']), to: '12ab' });
    expect(malformed.body.error.code).toBe(131026);
    const unreachable = await send({ ...template('lab_results_ready', 'en', ['Ravi', 'CBC']), to: '919000000000' });
    expect(unreachable.status).toBe(200);
    await sim.idle();
    const statuses = received.map((r) => JSON.parse(r.raw).entry[0].changes[0].value.statuses[0]);
    expect(statuses).toHaveLength(1);
    expect(statuses[0]).toMatchObject({ id: unreachable.body.messages[0].id, status: 'failed', errors: [{ code: 131026 }] });
  });
});

describe('webhooks', () => {
  it('posts sent, delivered and read, signed over the raw body with the app secret', async () => {
    const r = await send(template('appointment_booked', 'en', ['Ravi', '2 Dec, 10:30 am', 'Dr Rao']));
    await sim.idle();
    expect(received).toHaveLength(3);
    for (const hook of received) {
      expect(hook.signature).toBe(`sha256=${createHmac('sha256', SECRET).update(hook.raw).digest('hex')}`);
    }
    const bodies = received.map((x) => JSON.parse(x.raw));
    expect(bodies[0]).toMatchObject({
      object: 'whatsapp_business_account',
      entry: [{ id: '200000000000001', changes: [{ field: 'messages', value: { metadata: { phone_number_id: NUMBER_ID } } }] }],
    });
    const statuses = bodies.map((b) => b.entry[0].changes[0].value.statuses[0]);
    expect(statuses.map((s) => s.status)).toEqual(['sent', 'delivered', 'read']);
    expect(statuses.every((s) => s.id === r.body.messages[0].id && s.recipient_id === PATIENT)).toBe(true);
    expect(statuses[0].timestamp).toBe(String(Math.floor(clock.getTime() / 1000)));
  });

  it('delivers a webhook again when the receiver does not answer 2xx, as Meta does', async () => {
    refuse = 2;
    await sim.inbound(PATIENT, 'YES');
    await sim.idle();
    expect(sim.deliveries().map((d) => d.responseStatus)).toEqual([503, 503, 200]);
    expect(received).toHaveLength(1);
  });

  it("posts a patient's reply in the messages[] shape", async () => {
    const id = await sim.inbound(PATIENT, 'STOP', { name: 'Ravi' });
    await sim.idle();
    const value = JSON.parse(received[0].raw).entry[0].changes[0].value;
    expect(value.contacts).toEqual([{ profile: { name: 'Ravi' }, wa_id: PATIENT }]);
    expect(value.messages).toEqual([{ from: PATIENT, id, timestamp: expect.any(String), type: 'text', text: { body: 'STOP' } }]);
  });
});

describe('the page', () => {
  it('shows what each phone number received', async () => {
    await send(template('lab_results_ready', 'hi', ['रवि', 'CBC']));
    await send({ ...template('lab_results_ready', 'en', ['Asha', 'Lipid profile']), to: '919811111111' });
    const html = await (await fetch(`${sim.url}/`)).text();
    expect(html).toContain(`+${PATIENT}`);
    expect(html).toContain('+919811111111');
    expect(html).toContain('रवि');
    expect(html).toContain('Lipid profile');
    const listed = (await (await fetch(`${sim.url}/_sim/messages?to=919811111111`)).json()) as unknown[];
    expect(listed).toHaveLength(1);
  });
});
