import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EventWorker, startEventWorker } from '../../src/events/worker.ts';
import { fhirClient, startTestServer, TENANT_B, type TestServer } from '../helpers/server.ts';

/** What a subscriber's endpoint received. */
interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A subscriber's endpoint on loopback: records every request; answers `status()` (200 by default). */
async function receiver(status: () => number = () => 200): Promise<{ url: string; got: Received[]; server: Server }> {
  const got: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      got.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      res.statusCode = status();
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got, server };
}

const SECRET = 'shared-secret-of-the-subscriber';
const HEART_RATE = 'http://loinc.org|8867-4';

const subscription = (endpoint: string, criteria = `Observation?code=${HEART_RATE}`, payload: string | null = 'application/fhir+json') => ({
  resourceType: 'Subscription',
  status: 'requested',
  reason: 'Heart rates to the ward dashboard',
  criteria,
  extension: [{ url: 'https://hospital-ops.in/fhir/StructureDefinition/subscription-secret', valueString: SECRET }],
  channel: { type: 'rest-hook', endpoint, ...(payload ? { payload } : {}), header: ['Authorization: Bearer subscriber-token'] },
});

const observation = (code: string, value: number) => ({
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code }] },
  valueQuantity: { value, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
});

/** Waits until `got` holds at least `n` requests, then a little longer to catch any extra. */
async function receivedAtLeast(got: Received[], n: number, timeoutMs = 15_000): Promise<Received[]> {
  const deadline = Date.now() + timeoutMs;
  while (got.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 400));
  return got;
}

let t: TestServer;
const receivers: Server[] = [];
let restarted: EventWorker | undefined;

beforeAll(async () => {
  t = await startTestServer({
    SUBSCRIPTION_ENDPOINT_ALLOW: '127.0.0.1',
    EVENTS_POLL_MS: '50',
    SUBSCRIPTION_RETRY_BASE_MS: '100',
    SUBSCRIPTION_MAX_ATTEMPTS: '3',
  });
}, 120_000);
afterAll(async () => {
  await restarted?.stop();
  for (const s of receivers) s.close();
  await t?.stop();
});

describe('Subscriptions over rest-hook', () => {
  it('activates a requested Subscription and notifies each matching create, update and delete once, signed', async () => {
    const hook = await receiver();
    receivers.push(hook.server);
    const fhir = fhirClient(t.base);
    const created = await fhir.post('Subscription', subscription(hook.url));
    expect(created.status).toBe(201);
    expect(created.body.status).toBe('active');

    const hr = await fhir.post('Observation', observation('8867-4', 72));
    expect(hr.status).toBe(201);
    expect((await fhir.post('Observation', observation('9279-1', 16))).status).toBe(201); // respiratory rate: not asked for
    const updated = await fhir.put(`Observation/${hr.body.id}`, { ...hr.body, valueQuantity: { ...hr.body.valueQuantity, value: 80 } });
    expect(updated.status).toBe(200);
    expect((await fhir.delete(`Observation/${hr.body.id}`)).status).toBeLessThan(300);

    const got = await receivedAtLeast(hook.got, 3);
    expect(got.map((r) => `${r.method} ${r.path}`)).toEqual([
      `PUT /hook/Observation/${hr.body.id}`,
      `PUT /hook/Observation/${hr.body.id}`,
      `DELETE /hook/Observation/${hr.body.id}`,
    ]);
    expect(JSON.parse(got[0].body).valueQuantity.value).toBe(72);
    expect(JSON.parse(got[1].body).valueQuantity.value).toBe(80);
    expect(got.map((r) => r.headers['x-hospital-ops-action'])).toEqual(['create', 'update', 'delete']);
    for (const r of got) {
      expect(r.headers.authorization).toBe('Bearer subscriber-token');
      expect(r.headers['x-hospital-ops-subscription']).toBe(created.body.id);
      const expected = createHmac('sha256', SECRET).update(`${r.headers['x-hospital-ops-event']}.${r.body}`).digest('hex');
      expect(r.headers['x-hospital-ops-signature']).toBe(`sha256=${expected}`);
    }
    // Each notification names its own event, so a receiver can drop a repeat.
    expect(new Set(got.map((r) => r.headers['x-hospital-ops-event'])).size).toBe(3);
  }, 60_000);

  it('narrows criteria with a FHIRPath filter over %current and %previous, and refuses a malformed one', async () => {
    const hook = await receiver();
    receivers.push(hook.server);
    const fhir = fhirClient(t.base);
    const finishedNow = "%previous.status != 'finished' and %current.status = 'finished'";
    const sub = subscription(hook.url, 'Encounter?');
    const created = await fhir.post('Subscription', {
      ...sub,
      extension: [
        ...sub.extension,
        { url: 'https://hospital-ops.in/fhir/StructureDefinition/subscription-fhirpath-filter', valueString: finishedNow },
      ],
    });
    expect(created.status).toBe(201);

    const visit = {
      resourceType: 'Encounter',
      status: 'in-progress',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
    };
    const v1 = (await fhir.post('Encounter', visit)).body;
    const v2 = (await fhir.put(`Encounter/${v1.id}`, { ...v1, status: 'finished' })).body;
    // Still finished, another element changed: not a visit finishing.
    await fhir.put(`Encounter/${v1.id}`, { ...v2, period: { end: '2026-12-06T10:30:00+05:30' } });
    const got = await receivedAtLeast(hook.got, 1);
    expect(got.map((r) => [r.method, r.path, JSON.parse(r.body).meta.versionId])).toEqual([['PUT', `/hook/Encounter/${v1.id}`, '2']]);

    const bad = await fhir.post('Subscription', {
      ...sub,
      extension: [{ url: 'https://medplum.com/fhir/StructureDefinition/fhir-path-criteria-expression', valueString: "status = = 'x'" }],
    });
    expect(bad.status).toBe(422);
    expect(bad.body.issue[0].details.text).toContain('is not a valid FHIRPath expression');
  }, 60_000);

  it('notifies every matching entry of a transaction, and nothing for a transaction that failed', async () => {
    const hook = await receiver();
    receivers.push(hook.server);
    const fhir = fhirClient(t.base);
    // No payload: R4's bare POST to the endpoint.
    const sub = await fhir.post('Subscription', subscription(hook.url, 'Observation?code=http://loinc.org|8310-5', null));
    expect(sub.status).toBe(201);
    const entry = (value: number) => ({ resource: observation('8310-5', value), request: { method: 'POST', url: 'Observation' } });
    const failed = await fhir.post('', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        entry(37),
        { resource: { resourceType: 'Observation', status: 'not-a-status' }, request: { method: 'POST', url: 'Observation' } },
      ],
    });
    expect(failed.status).toBeGreaterThanOrEqual(400);
    const ok = await fhir.post('', { resourceType: 'Bundle', type: 'transaction', entry: [entry(36.6), entry(37.2), entry(38.1)] });
    expect(ok.status).toBe(200);
    const got = await receivedAtLeast(hook.got, 3);
    expect(got.map((r) => `${r.method} ${r.path} ${r.body.length}`)).toEqual(['POST /hook 0', 'POST /hook 0', 'POST /hook 0']);
  }, 60_000);

  it("never sends one tenant's changes to another tenant's Subscription", async () => {
    const hookA = await receiver();
    const hookB = await receiver();
    receivers.push(hookA.server, hookB.server);
    const a = fhirClient(t.base);
    const b = fhirClient(t.base, TENANT_B);
    const criteria = 'Observation?code=http://loinc.org|2708-6';
    expect((await a.post('Subscription', subscription(hookA.url, criteria))).status).toBe(201);
    expect((await b.post('Subscription', subscription(hookB.url, criteria))).status).toBe(201);
    const inA = await a.post('Observation', observation('2708-6', 97));
    const inB = await b.post('Observation', observation('2708-6', 95));
    await receivedAtLeast(hookA.got, 1);
    await receivedAtLeast(hookB.got, 1);
    expect(hookA.got.map((r) => r.path)).toEqual([`/hook/Observation/${inA.body.id}`]);
    expect(hookB.got.map((r) => r.path)).toEqual([`/hook/Observation/${inB.body.id}`]);
  }, 60_000);

  it('retries a failing endpoint with backoff, then sets the Subscription to error with the reason', async () => {
    const hook = await receiver(() => 503);
    receivers.push(hook.server);
    const fhir = fhirClient(t.base);
    const sub = await fhir.post('Subscription', subscription(hook.url, 'Observation?code=http://loinc.org|8480-6'));
    await fhir.post('Observation', observation('8480-6', 120));
    await receivedAtLeast(hook.got, 3);
    expect(hook.got).toHaveLength(3); // SUBSCRIPTION_MAX_ATTEMPTS, no more
    let after = await fhir.get(`Subscription/${sub.body.id}`);
    for (let i = 0; i < 40 && after.body.status !== 'error'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = await fhir.get(`Subscription/${sub.body.id}`);
    }
    expect(after.body.status).toBe('error');
    expect(after.body.error).toContain('The endpoint answered 503.');
  }, 60_000);

  it('delivers what was committed while no worker ran, once a worker starts again', async () => {
    const hook = await receiver();
    receivers.push(hook.server);
    const fhir = fhirClient(t.base);
    await fhir.post('Subscription', subscription(hook.url, 'Observation?code=http://loinc.org|29463-7'));
    await t.server.events.stop();
    const weight = await fhir.post('Observation', observation('29463-7', 61));
    expect(weight.status).toBe(201);
    await new Promise((r) => setTimeout(r, 500));
    expect(hook.got).toHaveLength(0);
    // A new worker (as after a crash and restart) finds the event in the outbox.
    restarted = startEventWorker(t.server.db, t.server.auth.consents, t.server.config, t.server.logger);
    const got = await receivedAtLeast(hook.got, 1);
    expect(got.map((r) => r.path)).toEqual([`/hook/Observation/${weight.body.id}`]);
  }, 60_000);

  it('refuses endpoints on private networks, unsupported channels and criteria it cannot judge, with 422', async () => {
    const fhir = fhirClient(t.base);
    for (const endpoint of ['http://192.168.1.10/hook', 'http://[::1]:8080/hook', 'http://169.254.169.254/latest', 'http://10.0.0.8/']) {
      const res = await fhir.post('Subscription', subscription(endpoint));
      expect(res.status, endpoint).toBe(422);
      expect(res.body.issue[0].details.text).toMatch(/private address/);
      expect(res.body.issue[0].expression).toEqual(['Subscription.channel.endpoint']);
    }
    const chained = await fhir.post('Subscription', subscription('https://example.org/hook', 'Observation?subject.name=Asha'));
    expect(chained.status).toBe(422);
    expect(chained.body.issue[0].expression).toEqual(['Subscription.criteria']);
    const email = await fhir.post('Subscription', {
      ...subscription('mailto:ward@example.org'),
      channel: { type: 'email', endpoint: 'mailto:ward@example.org' },
    });
    expect(email.status).toBe(422);
    expect(email.body.issue[0].details.text).toContain('rest-hook');
    const unknownType = await fhir.post('Subscription', subscription('https://example.org/hook', 'Spaceship?name=x'));
    expect(unknownType.status).toBe(422);
  }, 60_000);
});
