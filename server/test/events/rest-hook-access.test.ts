import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, revokeClient } from '../../src/auth/store.ts';
import { fhirClient, startTestServer, TENANT_A, type TestServer } from '../helpers/server.ts';

// A rest-hook notification carries a resource to a URL: each one goes only where the client that
// wrote the Subscription may read that resource, judged when the notification is built.

const SECRET = 'narrow-client-secret-0123456789';
let t: TestServer;
let hook: { url: string; got: { path: string; body: string }[]; server: Server };

async function receiver() {
  const got: { path: string; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      got.push({ path: req.url ?? '', body });
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got, server };
}

/** A Backend Services client of tenant A with exactly these scopes, and a FHIR client acting as it. */
async function clientWith(clientId: string, scope: string) {
  await createClient(t.server.db, TENANT_A, { clientId, name: clientId, type: 'confidential', scope, secret: SECRET });
  const res = await fetch(t.base.replace(/\/fhir\/R4$/, '/oauth2/token'), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: SECRET, scope }),
  });
  const { access_token } = (await res.json()) as { access_token: string };
  return fhirClient(t.base, TENANT_A, access_token);
}

const subscription = (endpoint: string, criteria: string) => ({
  resourceType: 'Subscription',
  status: 'requested',
  reason: 'Results to the lab dashboard',
  criteria,
  channel: { type: 'rest-hook', endpoint, payload: 'application/fhir+json' },
});

const observation = (category: string, code: string, subject?: string) => ({
  resourceType: 'Observation',
  status: 'final',
  category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: category }] }],
  code: { coding: [{ system: 'http://loinc.org', code }] },
  ...(subject ? { subject: { reference: subject } } : {}),
});

/** The deliveries recorded for a Subscription, as the worker left them. */
async function deliveries(subscriptionId: string) {
  const r = await t.server.db.asOwner((sql) =>
    sql.query<{ resource_id: string; status: string; last_error: string | null }>(
      'SELECT resource_id, status, last_error FROM subscription_delivery WHERE subscription_id = $1 ORDER BY id',
      [subscriptionId],
    ),
  );
  return r.rows;
}

async function settled(subscriptionId: string, n: number) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const rows = await deliveries(subscriptionId);
    if ((rows.length >= n && rows.every((r) => r.status !== 'pending')) || Date.now() > deadline) return rows;
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  t = await startTestServer({ SUBSCRIPTION_ENDPOINT_ALLOW: '127.0.0.1', EVENTS_POLL_MS: '50' });
  hook = await receiver();
}, 120_000);
afterAll(async () => {
  hook?.server.close();
  await t?.stop();
});

describe('rest-hook notifications follow what the subscriber may read', () => {
  it('refuses a Subscription to a type the client may not read at all', async () => {
    const narrow = await clientWith('lab-dashboard-a', 'system/Subscription.crs system/Observation.rs');
    const res = await narrow.post('Subscription', subscription(hook.url, 'Patient?'));
    expect(res.status).toBe(403);
    expect(res.body.issue[0].details.text).toBe('This client may not read Patient, so it cannot subscribe to its changes.');
  });

  it('sends only the resources its scopes let it read, withholding the rest', async () => {
    const labOnly = await clientWith('lab-dashboard-b', 'system/Subscription.crs system/Observation.rs?category=laboratory');
    const sub = await labOnly.post('Subscription', subscription(hook.url, 'Observation?'));
    expect(sub.status).toBe(201);
    const system = fhirClient(t.base, TENANT_A);
    const lab = (await system.post('Observation', observation('laboratory', '718-7'))).body.id;
    const vital = (await system.post('Observation', observation('vital-signs', '8867-4'))).body.id;

    const rows = await settled(sub.body.id, 2);
    const byId = new Map(rows.map((r) => [r.resource_id, r]));
    expect(byId.get(lab)?.status).toBe('delivered');
    expect(byId.get(vital)).toMatchObject({ status: 'cancelled', last_error: expect.stringContaining('may not read this resource') });
    expect(hook.got.some((g) => g.path.endsWith(`/Observation/${lab}`))).toBe(true);
    expect(hook.got.some((g) => g.path.endsWith(`/Observation/${vital}`) || g.body.includes(vital))).toBe(false);
  });

  it("withholds a patient's data once the patient's Consent refuses the client", async () => {
    const client = await clientWith('lab-dashboard-c', 'system/Subscription.crs system/Observation.rs system/Patient.rs');
    const sub = await client.post('Subscription', subscription(hook.url, 'Observation?code=http://loinc.org|2345-7'));
    expect(sub.status).toBe(201);
    const system = fhirClient(t.base, TENANT_A);
    const open = (await system.post('Patient', { resourceType: 'Patient', name: [{ family: 'Kulkarni', given: ['Meera'] }] })).body.id;
    const refusing = (await system.post('Patient', { resourceType: 'Patient', name: [{ family: 'Deshpande', given: ['Arun'] }] })).body.id;
    const consent = await system.post('Consent', {
      resourceType: 'Consent',
      status: 'active',
      scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
      category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
      patient: { reference: `Patient/${refusing}` },
      policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTOUT' }] },
      provision: { type: 'deny', actor: [{ role: { text: 'the lab dashboard app' }, reference: { reference: 'Device/lab-dashboard-c' } }] },
    });
    expect(consent.status).toBe(201);
    t.server.auth.consents.invalidate(TENANT_A);

    const allowed = (await system.post('Observation', observation('laboratory', '2345-7', `Patient/${open}`))).body.id;
    const refused = (await system.post('Observation', observation('laboratory', '2345-7', `Patient/${refusing}`))).body.id;
    const rows = await settled(sub.body.id, 2);
    const byId = new Map(rows.map((r) => [r.resource_id, r.status]));
    expect(byId.get(allowed)).toBe('delivered');
    expect(byId.get(refused)).toBe('cancelled');
  });

  it('tells a revoked client nothing more', async () => {
    const client = await clientWith('lab-dashboard-d', 'system/Subscription.crs system/Observation.rs');
    // An endpoint of its own: the earlier Subscriptions also hear of lab results.
    const sub = await client.post('Subscription', subscription(`${hook.url}/revoked`, 'Observation?code=http://loinc.org|1742-6'));
    expect(sub.status).toBe(201);
    const system = fhirClient(t.base, TENANT_A);
    const before = (await system.post('Observation', observation('laboratory', '1742-6'))).body.id;
    expect((await settled(sub.body.id, 1))[0]).toMatchObject({ resource_id: before, status: 'delivered' });

    expect(await revokeClient(t.server.db, TENANT_A, 'lab-dashboard-d')).toBe(true);
    const after = (await system.post('Observation', observation('laboratory', '1742-6'))).body.id;
    const rows = await settled(sub.body.id, 2);
    expect(rows.find((r) => r.resource_id === after)?.status).toBe('cancelled');
    expect(hook.got.some((g) => g.path === `/hook/revoked/Observation/${after}`)).toBe(false);
    expect(hook.got.some((g) => g.path === `/hook/revoked/Observation/${before}`)).toBe(true);
  });
});
