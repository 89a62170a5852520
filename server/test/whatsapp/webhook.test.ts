import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as botFhir from '../../../bots/whatsapp/src/fhir.ts';
import { notification, signature } from '../../../simulators/whatsapp-cloud/src/index.ts';
import * as serverFhir from '../../src/features/messaging/whatsapp/fhir.ts';
import { registerWhatsAppNumber } from '../../src/features/messaging/whatsapp/numbers.ts';
import { fhirClient, startTestServer, TENANT_A, TENANT_B, type TestServer } from '../helpers/server.ts';

const APP_SECRET = 'webhook-test-app-secret';
const VERIFY_TOKEN = 'webhook-test-verify-token';
const NUMBER_A = '111111111111111';
const NUMBER_B = '222222222222222';
const PHONE = '919812345678';

let t: TestServer;
let hook: string;
const a = () => fhirClient(t.base, TENANT_A);
const b = () => fhirClient(t.base, TENANT_B);

const business = (phoneNumberId: string) => ({ phoneNumberId, displayPhoneNumber: '911140000001', wabaId: '3000' });

async function post(payload: unknown, sign: string | null = APP_SECRET) {
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (sign) headers['x-hub-signature-256'] = signature(body, sign);
  const res = await fetch(hook, { method: 'POST', headers, body });
  return { status: res.status, body: await res.text() };
}

const statusPayload = (numberId: string, wamid: string, status: string, extra: Record<string, unknown> = {}) =>
  notification(business(numberId), { statuses: [{ id: wamid, status, timestamp: '1764576000', recipient_id: PHONE, ...extra }] });

const inboundPayload = (numberId: string, wamid: string, text: string) =>
  notification(business(numberId), {
    contacts: [{ profile: { name: 'Ravi' }, wa_id: PHONE }],
    messages: [{ from: PHONE, id: wamid, timestamp: '1764576000', type: 'text', text: { body: text } }],
  });

async function message(client: ReturnType<typeof a>, wamid: string) {
  const r = await client.post('Communication', {
    resourceType: 'Communication',
    status: 'in-progress',
    identifier: [{ system: serverFhir.WAMID_SYSTEM, value: wamid }],
    medium: [serverFhir.WHATSAPP_MEDIUM],
  });
  expect(r.status).toBe(201);
  return r.body.id as string;
}

async function patientWithConsent(client: ReturnType<typeof a>) {
  const p = await client.post('Patient', {
    resourceType: 'Patient',
    name: [{ given: ['Ravi'] }],
    telecom: [{ system: 'phone', value: '+91 98123 45678' }],
  });
  const c = await client.post('Consent', {
    resourceType: 'Consent',
    status: 'active',
    scope: serverFhir.CONSENT_SCOPE,
    category: [serverFhir.CONSENT_CATEGORY],
    patient: { reference: `Patient/${p.body.id}` },
    policyRule: serverFhir.OPT_IN_RULE,
    provision: { type: 'permit' },
  });
  expect(c.status).toBe(201);
  return { patient: p.body.id as string, consent: c.body.id as string };
}

beforeAll(async () => {
  t = await startTestServer({ WHATSAPP_APP_SECRET: APP_SECRET, WHATSAPP_VERIFY_TOKEN: VERIFY_TOKEN });
  hook = `${t.server.url}/webhooks/whatsapp`;
  await registerWhatsAppNumber(t.server.db, TENANT_A, NUMBER_A);
  await registerWhatsAppNumber(t.server.db, TENANT_B, NUMBER_B);
});

afterAll(async () => {
  await t?.stop();
});

describe('the FHIR conventions', () => {
  it('are the same in the server and the bot', () => {
    const pick = (m: typeof serverFhir) => [
      m.WAMID_SYSTEM,
      m.DELIVERY_STATE_URL,
      m.ERROR_CODE_SYSTEM,
      m.CONSENT_CATEGORY_SYSTEM,
      m.CONSENT_CATEGORY_CODE,
      m.WHATSAPP_MEDIUM,
    ];
    expect(pick(botFhir as unknown as typeof serverFhir)).toEqual(pick(serverFhir));
  });

  it('gives a business number to one tenant only', async () => {
    await expect(registerWhatsAppNumber(t.server.db, TENANT_B, NUMBER_A)).rejects.toThrow(/another tenant/);
  });
});

describe('the verification handshake', () => {
  it('echoes hub.challenge when the verify token matches', async () => {
    const res = await fetch(`${hook}?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1158201444`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('1158201444');
  });

  it('answers 403 to a wrong verify token', async () => {
    const res = await fetch(`${hook}?hub.mode=subscribe&hub.verify_token=wrong-token-000&hub.challenge=1158201444`);
    expect(res.status).toBe(403);
    expect(await res.text()).not.toContain('1158201444');
  });
});

describe('signatures', () => {
  it('refuses a bad, missing or replayed-with-another-body signature with 401 and changes nothing', async () => {
    const id = await message(a(), 'wamid.SIG1');
    const payload = statusPayload(NUMBER_A, 'wamid.SIG1', 'delivered');
    expect((await post(payload, 'not-the-app-secret')).status).toBe(401);
    expect((await post(payload, null)).status).toBe(401);
    // A signature of one body does not carry over to another (same JSON, different bytes).
    const signedFor = JSON.stringify(payload);
    const res = await fetch(hook, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature(signedFor, APP_SECRET) },
      body: JSON.stringify(payload, null, 2),
    });
    expect(res.status).toBe(401);
    const after = await a().get(`Communication/${id}`);
    expect(after.body.status).toBe('in-progress');
    expect(after.body.meta.versionId).toBe('1');
  });
});

describe('delivery statuses', () => {
  it('move the Communication forward only: sent, delivered, read; a late delivered does not undo read', async () => {
    const id = await message(a(), 'wamid.ST1');
    const state = async () => {
      const c = (await a().get(`Communication/${id}`)).body;
      return [c.status, c.extension?.find((e: any) => e.url === serverFhir.DELIVERY_STATE_URL)?.valueCode];
    };
    expect((await post(statusPayload(NUMBER_A, 'wamid.ST1', 'sent'))).status).toBe(200);
    expect(await state()).toEqual(['in-progress', 'sent']);
    await post(statusPayload(NUMBER_A, 'wamid.ST1', 'delivered'));
    expect(await state()).toEqual(['completed', 'delivered']);
    await post(statusPayload(NUMBER_A, 'wamid.ST1', 'read'));
    await post(statusPayload(NUMBER_A, 'wamid.ST1', 'delivered'));
    await post(statusPayload(NUMBER_A, 'wamid.ST1', 'failed', { errors: [{ code: 131026, title: 'Message undeliverable' }] }));
    expect(await state()).toEqual(['completed', 'read']);
    const c = (await a().get(`Communication/${id}`)).body;
    expect(c.received).toBe('2025-12-01T08:00:00.000Z');
  });

  it('asks for a fresh status that names no recorded message yet to be delivered again (the send may still be recording)', async () => {
    const fresh = String(Math.floor(Date.now() / 1000));
    const early = statusPayload(NUMBER_A, 'wamid.EARLY', 'sent', { timestamp: fresh });
    expect((await post(early)).status).toBe(503);
    const id = await message(a(), 'wamid.EARLY');
    expect((await post(early)).status).toBe(200);
    expect((await a().get(`Communication/${id}`)).body.extension[0].valueCode).toBe('sent');
    // An old status for a message this server never sent is dropped, not retried for ever.
    expect((await post(statusPayload(NUMBER_A, 'wamid.NEVER', 'sent'))).status).toBe(200);
  });

  it('answers 200 to statuses it does not track or cannot read, and 400 to what is not a notification', async () => {
    const fresh = String(Math.floor(Date.now() / 1000));
    expect((await post(statusPayload(NUMBER_A, 'wamid.VOICE', 'played', { timestamp: fresh }))).status).toBe(200);
    expect((await post(notification(business(NUMBER_A), { statuses: 'not-a-list', messages: [null] }))).status).toBe(200);
    expect((await post({ object: 'page', entry: [] })).status).toBe(400);
    const res = await fetch(hook, {
      method: 'POST',
      headers: { 'x-hub-signature-256': signature('not json', APP_SECRET) },
      body: 'not json',
    });
    expect(res.status).toBe(400);
    expect((await res.json()).resourceType).toBe('OperationOutcome');
  });

  it('records a failure as not-done with the Cloud API error as the reason', async () => {
    const id = await message(a(), 'wamid.F1');
    await post(statusPayload(NUMBER_A, 'wamid.F1', 'failed', { errors: [{ code: 131026, title: 'Message undeliverable' }] }));
    const c = (await a().get(`Communication/${id}`)).body;
    expect(c.status).toBe('not-done');
    expect(c.statusReason.coding[0]).toMatchObject({ system: serverFhir.ERROR_CODE_SYSTEM, code: '131026' });
    expect(c.statusReason.text).toContain('131026');
  });
});

describe('replies', () => {
  it('STOP sets the WhatsApp Consent inactive; YES opts in again; the reply is kept once', async () => {
    const { patient, consent } = await patientWithConsent(a());
    expect((await post(inboundPayload(NUMBER_A, 'wamid.IN-STOP', 'Stop'))).status).toBe(200);
    // Meta delivers again: applied once.
    expect((await post(inboundPayload(NUMBER_A, 'wamid.IN-STOP', 'Stop'))).status).toBe(200);
    expect((await a().get(`Consent/${consent}`)).body.status).toBe('inactive');
    const replies = await a().get(`Communication?identifier=${serverFhir.WAMID_SYSTEM}|wamid.IN-STOP`);
    expect(replies.body.entry).toHaveLength(1);
    expect(replies.body.entry[0].resource).toMatchObject({
      sender: { reference: `Patient/${patient}` },
      payload: [{ contentString: 'Stop' }],
    });

    await post(inboundPayload(NUMBER_A, 'wamid.IN-YES', 'YES'));
    const active = await a().get(`Consent?patient=Patient/${patient}&status=active`);
    expect(active.body.entry).toHaveLength(1);
    expect(active.body.entry[0].resource.sourceReference.reference).toMatch(/^Communication\//);
  });
});

describe('tenancy', () => {
  it("a webhook for tenant A's number never touches tenant B, even with the same wamid and phone", async () => {
    const inA = await message(a(), 'wamid.SHARED');
    const inB = await message(b(), 'wamid.SHARED');
    const bPatient = await patientWithConsent(b());
    const aPatient = await patientWithConsent(a());
    await post(statusPayload(NUMBER_A, 'wamid.SHARED', 'delivered'));
    await post(inboundPayload(NUMBER_A, 'wamid.IN-TENANT', 'STOP'));
    expect((await a().get(`Communication/${inA}`)).body.status).toBe('completed');
    expect((await a().get(`Consent/${aPatient.consent}`)).body.status).toBe('inactive');
    const untouched = (await b().get(`Communication/${inB}`)).body;
    expect([untouched.status, untouched.meta.versionId]).toEqual(['in-progress', '1']);
    expect((await b().get(`Consent/${bPatient.consent}`)).body.status).toBe('active');
    expect((await b().get(`Communication?identifier=${serverFhir.WAMID_SYSTEM}|wamid.IN-TENANT`)).body.entry ?? []).toHaveLength(0);
  });

  it('ignores a number no tenant owns', async () => {
    const id = await message(a(), 'wamid.NOBODY');
    expect((await post(statusPayload('999999999999999', 'wamid.NOBODY', 'delivered'))).status).toBe(200);
    expect((await a().get(`Communication/${id}`)).body.status).toBe('in-progress');
  });
});
