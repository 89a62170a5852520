import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findClient } from '../../src/auth/store.ts';
import { botClientId } from '../../src/bots/installations.ts';
import { fhirClient, startTestServer, TENANT_A, TENANT_B, type TestServer } from '../helpers/server.ts';
import { createStaff, userToken } from '../helpers/staff.ts';
import { MemoryJobQueue } from './helpers.ts';

// The repository's own bots/ folder: the example bot, visit-follow-up, as a tenant would use it.
const BOT = 'visit-follow-up';
const QUEUE = `bot-${BOT}`;
const FOLLOW_UP_SYSTEM = 'https://hospital-ops.in/fhir/sid/bot-visit-follow-up';

let t: TestServer;
const jobs = new MemoryJobQueue({ backoffMs: 20 });
let adminA: string;
let adminB: string;
let doctorA: string;

/** The admin API as the holder of `token`. */
function adminApi(token: string) {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${t.server.url}/admin/bots${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  return { get: (path = '') => call('GET', path), put: (path: string, body: unknown) => call('PUT', path, body) };
}

/** Runs the event pipeline (outbox -> deliveries -> bot queue) until a job for the Subscription appears. */
async function jobFor(subscription: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await t.server.events.runNow();
    await t.server.bots?.forwardNow();
    const found = (await jobs.list({ queue: QUEUE })).filter((j) => j.id.startsWith(`${subscription}-`));
    if (found.length) return found;
    if (Date.now() > deadline) throw new Error('no job for the subscription');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const finishedEncounter = (patient: string) => ({
  resourceType: 'Encounter',
  status: 'finished',
  class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
  subject: { reference: `Patient/${patient}` },
  period: { start: '2026-03-02T09:00:00+05:30', end: '2026-03-02T09:20:00+05:30' },
});

beforeAll(async () => {
  t = await startTestServer({ EVENTS_POLL_MS: '3600000' }, { jobs });
  adminA = await userToken(t, (await createStaff(t, TENANT_A, 'super_admin')).user);
  adminB = await userToken(t, (await createStaff(t, TENANT_B, 'super_admin')).user);
  doctorA = await userToken(t, (await createStaff(t, TENANT_A, 'doctor')).user);
}, 120_000);
afterAll(async () => {
  await jobs.close();
  await t?.stop();
});

describe('installing a bot', () => {
  it('lists the server’s bots, each disabled until a tenant enables it', async () => {
    const res = await adminApi(adminA).get();
    expect(res.status).toBe(200);
    const bot = res.body.bots.find((b: { name: string }) => b.name === BOT);
    expect(bot).toMatchObject({ enabled: false, scopes: ['system/Encounter.r', 'system/Task.crs'], settings: { followUpDays: 7 } });
  });

  it('refuses a staff member who is not an administrator', async () => {
    expect((await adminApi(doctorA).get()).status).toBe(403);
    const res = await adminApi(doctorA).put(`/${BOT}`, { enabled: true });
    expect(res.status).toBe(403);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });

  it('refuses settings the manifest does not declare, or of the wrong type', async () => {
    expect((await adminApi(adminA).put(`/${BOT}`, { settings: { sendSms: true } })).status).toBe(400);
    const wrongType = await adminApi(adminA).put(`/${BOT}`, { settings: { followUpDays: 'soon' } });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.issue[0].diagnostics ?? wrongType.body.issue[0].details?.text).toMatch(/followUpDays/);
    expect((await adminApi(adminA).put('/no-such-bot', { enabled: true })).status).toBe(404);
  });

  it('enabling creates the bot’s own client with exactly the manifest’s scopes, and its Subscriptions', async () => {
    const res = await adminApi(adminA).put(`/${BOT}`, { enabled: true, settings: { followUpDays: 3 } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ enabled: true, settings: { followUpDays: 3, title: 'Follow-up visit' } });
    const client = await findClient(t.server.db, botClientId(BOT, TENANT_A));
    expect(client).toMatchObject({
      tenant_id: TENANT_A,
      active: true,
      scope: 'system/Encounter.r system/Task.crs',
      secret_hash: null,
      jwks: null,
    });
    expect(res.body.subscriptions).toHaveLength(1);
    const sub = await fhirClient(t.base, TENANT_A).get(res.body.subscriptions[0]);
    expect(sub.body).toMatchObject({ status: 'active', criteria: 'Encounter?status=finished', channel: { type: 'message' } });
    // The change is audited with the administrator as agent (settings by name, never their values).
    await t.server.sealer.sealNow();
    const audits = await fhirClient(t.base, TENANT_A).get('AuditEvent?subtype=operation&_count=100');
    const configured = audits.body.entry.map((e: any) => e.resource).find((e: any) => e.outcomeDesc?.startsWith('bot.configure'));
    expect(configured.outcomeDesc).toBe(`bot.configure ${BOT} enable settings=followUpDays`);
    expect(configured.agent[0].who.reference).toMatch(/^Practitioner\//);
    // Nobody can get a token for the bot at the token endpoint: it has no secret and no keys.
    const token = await fetch(`${t.server.url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: botClientId(BOT, TENANT_A), scope: 'system/Task.crs' }),
    });
    expect(token.status).toBe(401);
  });

  it('shows tenant B nothing of tenant A’s installation', async () => {
    const a = await adminApi(adminA).get(`/${BOT}`);
    const b = await adminApi(adminB).get(`/${BOT}`);
    expect(b.status).toBe(200);
    expect(b.body).toMatchObject({ enabled: false, clientId: null, subscriptions: [] });
    expect((await fhirClient(t.base, TENANT_B).get(a.body.subscriptions[0])).status).toBe(404);
  });

  it('keeps each tenant’s installation its own: B enabling the bot gets B its own client and leaves A’s alone', async () => {
    const before = (await adminApi(adminA).get(`/${BOT}`)).body;
    const b = await adminApi(adminB).put(`/${BOT}`, { enabled: true, settings: { followUpDays: 14 } });
    expect(b.body).toMatchObject({ enabled: true, clientId: botClientId(BOT, TENANT_B), settings: { followUpDays: 14 } });
    expect((await findClient(t.server.db, botClientId(BOT, TENANT_B)))?.tenant_id).toBe(TENANT_B);
    expect((await adminApi(adminA).get(`/${BOT}`)).body).toEqual(before);
    // A's Subscriptions are not B's to read, nor B's A's.
    expect((await fhirClient(t.base, TENANT_A).get(b.body.subscriptions[0])).status).toBe(404);
    expect((await adminApi(adminB).put(`/${BOT}`, { enabled: false })).body.enabled).toBe(false);
    expect((await adminApi(adminA).get(`/${BOT}`)).body.enabled).toBe(true);
  });

  it('refuses a message-channel Subscription, or a change to a bot’s, from an API client', async () => {
    const system = fhirClient(t.base, TENANT_A);
    const forged = await system.post('Subscription', {
      resourceType: 'Subscription',
      status: 'requested',
      reason: 'feed the bot',
      criteria: 'Patient?',
      channel: { type: 'message', endpoint: 'urn:hospital-ops:bot:visit-follow-up' },
    });
    expect(forged.status).toBe(403);
    const ref = (await adminApi(adminA).get(`/${BOT}`)).body.subscriptions[0];
    const sub = (await system.get(ref)).body;
    expect((await system.put(ref, { ...sub, criteria: 'Encounter?' })).status).toBe(403);
    const deleted = await system.delete(ref);
    expect(deleted.status).toBe(403);
    expect(deleted.body.issue[0].diagnostics ?? deleted.body.issue[0].details?.text).toMatch(/belongs to a bot/);
    expect((await system.get(ref)).body.status).toBe('active');
  });
});

describe('running a bot on events', () => {
  it('a finished visit queues one job per event and the bot’s Task appears once, audited with the bot as agent', async () => {
    const system = fhirClient(t.base, TENANT_A);
    const subscription = (await adminApi(adminA).get(`/${BOT}`)).body.subscriptions[0].split('/')[1];
    const patient = (await system.post('Patient', { resourceType: 'Patient', name: [{ family: 'Iyer' }] })).body.id;
    const encounter = (await system.post('Encounter', finishedEncounter(patient))).body;
    const [job] = await jobFor(subscription);
    expect(job.id).toMatch(new RegExp(`^${subscription}-\\d+$`));
    expect(job.data).toMatchObject({
      bot: BOT,
      tenant: TENANT_A,
      event: { action: 'create', resourceType: 'Encounter', id: encounter.id },
    });
    expect(await jobs.settled(QUEUE, job.id)).toMatchObject({ state: 'completed' });
    // The same event handed over again adds no job.
    expect(await jobs.add(QUEUE, BOT, job.data, { jobId: job.id })).toEqual({ id: job.id, added: false });

    const tasks = await system.get(`Task?identifier=${FOLLOW_UP_SYSTEM}|Encounter/${encounter.id}`);
    expect(tasks.body.entry).toHaveLength(1);
    expect(tasks.body.entry[0].resource).toMatchObject({
      status: 'requested',
      for: { reference: `Patient/${patient}` },
      restriction: { period: { start: '2026-03-05' } },
    });

    // A later edit of the same finished visit is a new event: the bot runs again and adds nothing.
    await system.put(`Encounter/${encounter.id}`, { ...encounter, serviceType: { text: 'General OPD' } });
    const deadline = Date.now() + 15_000;
    let second = [] as Awaited<ReturnType<typeof jobFor>>;
    while (second.length < 2 && Date.now() < deadline) second = await jobFor(subscription);
    expect(second).toHaveLength(2);
    for (const j of second) expect((await jobs.settled(QUEUE, j.id)).state).toBe('completed');
    expect((await system.get(`Task?identifier=${FOLLOW_UP_SYSTEM}|Encounter/${encounter.id}`)).body.entry).toHaveLength(1);

    await t.server.sealer.sealNow();
    const audits = await system.get(`AuditEvent?entity=Encounter/${encounter.id}/_history/1&_count=50`);
    const invocation = audits.body.entry.map((e: any) => e.resource).find((e: any) => /^bot\.invoke visit-follow-up/.test(e.outcomeDesc));
    expect(invocation).toBeDefined();
    expect(invocation.outcome).toBe('0');
    expect(invocation.agent[0]).toMatchObject({ requestor: true, who: { identifier: { value: botClientId(BOT, TENANT_A) } } });
    // The bot's own FHIR write is audited with the bot as agent too.
    const created = await system.get(`AuditEvent?entity=Task/${tasks.body.entry[0].resource.id}&action=C`);
    expect(created.body.entry[0].resource.agent[0].who.identifier.value).toBe(botClientId(BOT, TENANT_A));
  });

  it('keeps a bot’s delivery while the queue is away and hands it over when the queue is back', async () => {
    const system = fhirClient(t.base, TENANT_A);
    const subscription = (await adminApi(adminA).get(`/${BOT}`)).body.subscriptions[0].split('/')[1];
    const before = (await jobs.list({ queue: QUEUE })).length;
    jobs.unavailable = true;
    const patient = (await system.post('Patient', { resourceType: 'Patient', name: [{ family: 'Pillai' }] })).body.id;
    const encounter = (await system.post('Encounter', finishedEncounter(patient))).body;
    await t.server.events.runNow();
    await t.server.bots?.forwardNow();
    const waiting = await t.server.db.asOwner((sql) =>
      sql.query<{ status: string; last_error: string }>(
        `SELECT status, last_error FROM subscription_delivery WHERE subscription_id = $1 AND resource_id = $2`,
        [subscription, encounter.id],
      ),
    );
    expect(waiting.rows).toEqual([{ status: 'pending', last_error: 'The job queue could not take the job.' }]);
    expect(await jobs.list({ queue: QUEUE })).toHaveLength(before);
    jobs.unavailable = false;
    const deadline = Date.now() + 15_000;
    let found: Awaited<ReturnType<typeof jobs.list>> = [];
    while (found.length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      await t.server.bots?.forwardNow();
      found = (await jobs.list({ queue: QUEUE })).filter((j) => (j.data as { event?: { id: string } }).event?.id === encounter.id);
    }
    expect(found).toHaveLength(1);
    expect((await jobs.settled(QUEUE, found[0].id)).state).toBe('completed');
    expect((await system.get(`Task?identifier=${FOLLOW_UP_SYSTEM}|Encounter/${encounter.id}`)).body.entry).toHaveLength(1);
  });

  it('a disabled bot gets no jobs and its client is switched off', async () => {
    const before = (await adminApi(adminA).get(`/${BOT}`)).body.subscriptions[0];
    const off = await adminApi(adminA).put(`/${BOT}`, { enabled: false });
    expect(off.body).toMatchObject({ enabled: false, subscriptions: [] });
    expect((await findClient(t.server.db, botClientId(BOT, TENANT_A)))?.active).toBe(false);
    const system = fhirClient(t.base, TENANT_A);
    expect((await system.get(before)).status).toBe(410);
    const queued = (await jobs.list({ queue: QUEUE })).length;
    const patient = (await system.post('Patient', { resourceType: 'Patient', name: [{ family: 'Menon' }] })).body.id;
    await system.post('Encounter', finishedEncounter(patient));
    await t.server.events.runNow();
    await t.server.bots?.forwardNow();
    await new Promise((r) => setTimeout(r, 200));
    expect(await jobs.list({ queue: QUEUE })).toHaveLength(queued);
  });
});
