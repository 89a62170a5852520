import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { botClientId } from '../../src/bots/installations.ts';
import { discoverBots } from '../../src/bots/manifest.ts';
import { scheduleName, startBotRuntime } from '../../src/bots/runtime.ts';
import { fhirClient, startTestServer, TENANT_A, TENANT_B, type TestServer } from '../helpers/server.ts';
import { MemoryJobQueue } from './helpers.ts';

// Bots that misbehave on purpose (server/test/fixtures/bots), each triggered through its schedule.
const FIXTURES = fileURLToPath(new URL('../fixtures/bots', import.meta.url));

let t: TestServer;
let own: string;
let foreign: string;
const jobs = new MemoryJobQueue({ backoffMs: 10, attempts: 2 });

beforeAll(async () => {
  t = await startTestServer({ BOTS_DIR: FIXTURES, BOT_TIME_LIMIT_MS: '15000', EVENTS_POLL_MS: '3600000' }, { jobs });
}, 120_000);
afterAll(async () => {
  await jobs.close();
  await t?.stop();
});

const runtime = () => {
  if (!t.server.bots) throw new Error('no bot runtime');
  return t.server.bots;
};

/** Enables a bot for tenant A and runs its schedule once; the job's final record. */
async function runScheduled(bot: string, schedule: string, settings?: Record<string, string>) {
  await runtime().change(TENANT_A, bot, { enabled: true, settings });
  const id = await jobs.fire(scheduleName(bot, TENANT_A, schedule));
  return jobs.settled(`bot-${bot}`, id, 60_000);
}

/** The server answers a FHIR read promptly: a bot's trouble is not the server's. */
async function serverAnswers(): Promise<number> {
  const started = Date.now();
  const res = await fhirClient(t.base, TENANT_A).get('Patient?_count=1');
  expect(res.status).toBe(200);
  return Date.now() - started;
}

async function botAudits(bot: string) {
  await t.server.sealer.sealNow();
  const res = await fhirClient(t.base, TENANT_A).get('AuditEvent?type=rest&subtype=operation&_count=200');
  return (res.body.entry ?? [])
    .map((e: { resource: { outcomeDesc?: string } }) => e.resource)
    .filter((e: { outcomeDesc?: string }) => e.outcomeDesc?.startsWith(`bot.invoke ${bot} `));
}

describe('the bot sandbox', () => {
  it('registers an enabled bot’s schedules in Asia/Kolkata', async () => {
    await runtime().change(TENANT_A, 'probe', { enabled: true });
    expect(jobs.schedules.get(scheduleName('probe', TENANT_A, 'check'))).toMatchObject({
      queue: 'bot-probe',
      cron: '0 10 * * *',
      timezone: 'Asia/Kolkata',
      data: { bot: 'probe', tenant: TENANT_A, schedule: 'check' },
    });
  });

  it('gives a bot a token that reaches only its scopes and its own tenant, and an empty environment', async () => {
    own = (await fhirClient(t.base, TENANT_A).post('Patient', { resourceType: 'Patient', name: [{ family: 'Rao' }] })).body.id;
    foreign = (await fhirClient(t.base, TENANT_B).post('Patient', { resourceType: 'Patient', name: [{ family: 'Das' }] })).body.id;
    const job = await runScheduled('probe', 'check', { ownPatient: own, foreignPatient: foreign });
    expect(job.state).toBe('completed');
    const found = await fhirClient(t.base, TENANT_A).get(`Communication?subject=Patient/${own}`);
    expect(found.body.entry).toHaveLength(1);
    const seen = JSON.parse(found.body.entry[0].resource.payload[0].contentString);
    expect(seen).toEqual({ ownPatient: 200, foreignPatient: 404, observations: 403, writePatient: 403, envKeys: 0, schedule: 'check' });
    // Tenant B holds no trace of the probe's write.
    expect((await fhirClient(t.base, TENANT_B).get('Communication')).body.entry ?? []).toHaveLength(0);
  });

  it('stops a bot that loops forever at its time limit, fails the job after its attempts, and keeps serving', async () => {
    const started = Date.now();
    const pending = runScheduled('looper', 'spin');
    await new Promise((r) => setTimeout(r, 400));
    expect(await serverAnswers()).toBeLessThan(1000);
    const job = await pending;
    expect(job).toMatchObject({ state: 'failed', attempts: 2 });
    expect(job.lastError).toBe('The bot ran past its time limit of 1000 ms and was stopped.');
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    await serverAnswers();
  });

  it('stops a bot that allocates without end at its memory limit', async () => {
    const pending = runScheduled('hog', 'eat');
    await new Promise((r) => setTimeout(r, 200));
    await serverAnswers();
    const job = await pending;
    expect(job).toMatchObject({ state: 'failed', attempts: 2 });
    expect(job.lastError).toBe('The bot exceeded its memory limit of 48 MB and was stopped.');
    await serverAnswers();
  });

  it('fails the job of a bot that throws, with its message, and audits each attempt with the bot as agent', async () => {
    const job = await runScheduled('thrower', 'fail');
    expect(job).toMatchObject({ state: 'failed', attempts: 2 });
    expect(job.lastError).toBe('The bot failed: the lab system is unreachable today');
    const audits = await botAudits('thrower');
    expect(audits).toHaveLength(2);
    for (const a of audits) {
      expect(a.outcome).toBe('8');
      expect(a.agent[0]).toMatchObject({ requestor: true, who: { identifier: { value: botClientId('thrower', TENANT_A) } } });
    }
  });

  it('drops a disabled bot’s schedules, and runs nothing for a job of it already queued', async () => {
    const schedule = jobs.schedules.get(scheduleName('probe', TENANT_A, 'check'));
    expect(schedule).toBeDefined();
    await runtime().change(TENANT_A, 'probe', { enabled: false });
    expect(jobs.schedules.has(scheduleName('probe', TENANT_A, 'check'))).toBe(false);
    const before = (await botAudits('probe')).length;
    // An occurrence added before the bot was disabled.
    const { id } = await jobs.add('bot-probe', schedule?.name ?? '', schedule?.data, { jobId: `late-occurrence-${Date.now()}` });
    expect((await jobs.settled('bot-probe', id)).state).toBe('completed');
    expect(await botAudits('probe')).toHaveLength(before);
  });

  it('runs a bot enabled again a moment after it was disabled: the old revocation does not catch its new token', async () => {
    await runtime().change(TENANT_A, 'probe', { enabled: false });
    const job = await runScheduled('probe', 'check', { ownPatient: own, foreignPatient: foreign });
    expect(job.state).toBe('completed');
    const found = await fhirClient(t.base, TENANT_A).get(`Communication?subject=Patient/${own}&_sort=-_lastUpdated`);
    expect(found.body.entry).toHaveLength(2);
    expect(JSON.parse(found.body.entry[0].resource.payload[0].contentString)).toMatchObject({ ownPatient: 200, foreignPatient: 404 });
  });

  it('registers every enabled tenant’s schedules when a runtime starts', async () => {
    const fresh = new MemoryJobQueue();
    const { db, config, logger, auth } = t.server;
    const other = await startBotRuntime({ db, config, logger, auth, jobs: fresh, bots: discoverBots(FIXTURES), apiUrl: t.server.url });
    try {
      // probe was enabled again by the test before; thrower, looper and hog are enabled; none for tenant B.
      expect([...fresh.schedules.keys()].sort()).toEqual(
        [
          scheduleName('hog', TENANT_A, 'eat'),
          scheduleName('looper', TENANT_A, 'spin'),
          scheduleName('probe', TENANT_A, 'check'),
          scheduleName('thrower', TENANT_A, 'fail'),
        ].sort(),
      );
    } finally {
      await other.stop();
      await fresh.close();
    }
  });
});
