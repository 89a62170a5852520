import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RazorpaySimulator, sign, startRazorpaySimulator } from '../../../simulators/razorpay/src/index.ts';
import { fhirClient, startTestServer, TENANT_A, TENANT_B, type TestServer } from '../helpers/server.ts';
import { type Fhir, params } from '../opd/fixtures.ts';
import { account, billedPatient, charge, create, gstBranch } from './fixtures.ts';

// Payment links through the local Razorpay: the link asks for what is due, the signed webhook
// records the payment once (retries and replays change nothing), a bad signature changes nothing.
const KEY = { id: 'rzp_test_hops', secret: 'rzp-key-secret-123' };
const WEBHOOK_SECRET = 'rzp-webhook-secret-123';
let sim: RazorpaySimulator;
let t: TestServer;
let fhir: Fhir;
let accountId: string;

const value = (res: any, name: string) => res.body.parameter.find((p: any) => p.name === name);
const balance = async (a = accountId) => value(await fhir.get(`Account/${a}/$balance`), 'balance').valueMoney.value;
const webhook = (body: string, signature: string, eventId = `evt_${Math.random()}`) =>
  fetch(`${t.server.url}/webhooks/razorpay`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-razorpay-signature': signature, 'x-razorpay-event-id': eventId },
    body,
  });

beforeAll(async () => {
  sim = await startRazorpaySimulator({ keyId: KEY.id, keySecret: KEY.secret, webhookSecret: WEBHOOK_SECRET });
  t = await startTestServer({
    RAZORPAY_API_BASE: sim.apiBase,
    RAZORPAY_KEY_ID: KEY.id,
    RAZORPAY_KEY_SECRET: KEY.secret,
    RAZORPAY_WEBHOOK_SECRET: WEBHOOK_SECRET,
  });
  sim.setWebhookUrl(`${t.server.url}/webhooks/razorpay`);
  fhir = fhirClient(t.base, TENANT_A);
  const branch = await create(fhir, gstBranch('Sanjeevani Baner', '27AAHCS2222B1Z2', 'BAN'));
  const patient = await create(fhir, billedPatient('Pooja Naik', 'Maharashtra'));
  accountId = await create(fhir, account(patient, branch));
  await create(fhir, charge(accountId, patient, 1234.5));
  const issued = await fhir.post(`Account/${accountId}/$issue-invoice`, {});
  if (issued.status !== 201) throw new Error(JSON.stringify(issued.body));
}, 120_000);
afterAll(async () => {
  await t?.stop();
  await sim?.stop();
});

describe('Razorpay payment links', () => {
  it('a link asks for at most what is due; paying it records the payment once, whatever is redelivered', async () => {
    expect(await balance()).toBe(1235); // Rs 1,234.50 rounds to Rs 1,235
    const tooMuch = await fhir.post(
      `Account/${accountId}/$payment-link`,
      params({ amount: { valueMoney: { value: 2000, currency: 'INR' } } }),
    );
    expect(tooMuch.status).toBe(422);
    const res = await fhir.post(`Account/${accountId}/$payment-link`, params({}));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const linkId = value(res, 'link').valueString;
    expect(sim.links.get(linkId)).toMatchObject({
      amount: 123_500,
      upi_link: true,
      status: 'created',
      notes: { tenant: TENANT_A, account: accountId },
    });
    expect(value(res, 'url').valueUrl).toBe(sim.links.get(linkId)?.short_url);

    const event = await sim.pay(linkId);
    expect(event.answers).toEqual([200]);
    expect(await balance()).toBe(0);
    // Razorpay's retry of the same event, and a replay: 2xx, nothing more recorded.
    expect(await sim.redeliver(event.id)).toBe(200);
    expect(await sim.redeliver(event.id)).toBe(200);
    // The same payment reported under a new event id is still applied once (the link is paid).
    expect((await webhook(event.body, event.signature, 'evt_other')).status).toBe(200);
    expect(await balance()).toBe(0);
    const payments = await fhir.get(`PaymentReconciliation?_count=50`);
    const fromRazorpay = payments.body.entry.filter((e: any) => e.resource.paymentIdentifier?.system === 'https://razorpay.com/payment');
    expect(fromRazorpay).toHaveLength(1);
    expect(fromRazorpay[0].resource.paymentAmount).toEqual({ value: 1235, currency: 'INR' });
    expect((await fhir.post(`Account/${accountId}/$payment-link`, params({}))).status).toBe(422);
  });

  it('a bad or missing signature is 401 and changes nothing; so does another tenant naming this link', async () => {
    const a = await create(
      fhir,
      account(
        (await fhir.get('Patient?_count=1')).body.entry[0].resource.id,
        (await fhir.get('Organization?_count=1')).body.entry[0].resource.id,
        { identifier: [{ system: 'x', value: String(Math.random()) }] },
      ),
    );
    await create(fhir, charge(a, (await fhir.get('Patient?_count=1')).body.entry[0].resource.id, 500));
    await fhir.post(`Account/${a}/$issue-invoice`, {});
    const linkId = value(await fhir.post(`Account/${a}/$payment-link`, params({})), 'link').valueString;
    const body = JSON.stringify({
      event: 'payment_link.paid',
      payload: {
        payment_link: { entity: { id: linkId, notes: { tenant: TENANT_A } } },
        payment: { entity: { id: 'pay_forged', amount: 50_000, method: 'upi' } },
      },
    });
    expect((await webhook(body, sign(body, 'not-the-secret'))).status).toBe(401);
    expect((await webhook(body, '')).status).toBe(401);
    expect(await balance(a)).toBe(500);
    // Signed, but naming tenant B: the link is not there, nothing is recorded anywhere.
    const elsewhere = body.replace(TENANT_A, TENANT_B);
    const res = await webhook(elsewhere, sign(elsewhere, WEBHOOK_SECRET));
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).result).toBe('unknown-link');
    expect(await balance(a)).toBe(500);
    expect((await fhirClient(t.base, TENANT_B).get('PaymentReconciliation?_count=5')).body.entry ?? []).toHaveLength(0);
  });
});
