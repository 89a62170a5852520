import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RazorpaySimulator, startRazorpaySimulator } from '../src/index.ts';

let sim: RazorpaySimulator;
const received: { headers: Record<string, unknown>; body: string }[] = [];
const receiver = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => {
    body += c;
  });
  req.on('end', () => {
    received.push({ headers: req.headers, body });
    res.writeHead(200).end();
  });
});
const auth = `Basic ${Buffer.from('rzp_test_1:key-secret-1').toString('base64')}`;
const post = (body: unknown, authorization = auth) =>
  fetch(`${sim.apiBase}/payment_links`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

beforeAll(async () => {
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  sim = await startRazorpaySimulator({
    keyId: 'rzp_test_1',
    keySecret: 'key-secret-1',
    webhookSecret: 'webhook-secret-1',
    webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
  });
});
afterAll(async () => {
  await sim.stop();
  receiver.close();
});

describe('Razorpay simulator', () => {
  it('refuses a wrong key with 401 and bad amounts with the Razorpay error shape', async () => {
    expect((await post({ amount: 1000 }, `Basic ${Buffer.from('rzp_test_1:wrong').toString('base64')}`)).status).toBe(401);
    const small = await post({ amount: 50, currency: 'INR' });
    expect(small.status).toBe(400);
    expect(((await small.json()) as any).error).toMatchObject({ code: 'BAD_REQUEST_ERROR', field: 'amount' });
  });

  it('creates a UPI link, refuses its reference id twice, pays it and signs the webhook over the raw body', async () => {
    const res = await post({ amount: 167300, currency: 'INR', reference_id: 'inv-1', upi_link: true, notes: { tenant: 't1' } });
    expect(res.status).toBe(200);
    const link = (await res.json()) as any;
    expect(link).toMatchObject({ amount: 167300, status: 'created', upi_link: true, reference_id: 'inv-1' });
    expect(link.id).toMatch(/^plink_/);
    expect((await post({ amount: 100, reference_id: 'inv-1' })).status).toBe(400);
    const event = await sim.pay(link.id);
    expect(event.answers).toEqual([200]);
    const got = received.at(-1);
    expect(got?.headers['x-razorpay-event-id']).toBe(event.id);
    expect(got?.headers['x-razorpay-signature']).toBe(
      createHmac('sha256', 'webhook-secret-1')
        .update(got?.body ?? '')
        .digest('hex'),
    );
    const body = JSON.parse(got?.body ?? '{}');
    expect(body.event).toBe('payment_link.paid');
    expect(body.payload.payment.entity).toMatchObject({ amount: 167300, status: 'captured', method: 'upi' });
    const fetched = (await (await fetch(`${sim.apiBase}/payment_links/${link.id}`, { headers: { authorization: auth } })).json()) as any;
    expect(fetched.status).toBe('paid');
    await expect(sim.pay(link.id)).rejects.toThrow(/is paid/);
    expect(await sim.redeliver(event.id)).toBe(200);
    expect(received.at(-1)?.body).toBe(got?.body);
  });
});
