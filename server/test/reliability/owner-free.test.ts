import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/auth/store.ts';
import { OWNER_APPLICATION_NAME } from '../../src/db/postgres.ts';
import { fhirClient, startTestServer, TENANT_A, type TestServer } from '../helpers/server.ts';

// Issue 13 item 8: while the server serves it holds no connection as the schema owner and sends
// no statement as the owner. Requests, the audit sealer, the event dispatcher and rest-hook
// deliveries, the job queue, CORS and /metrics all run as the runtime role, crossing tenants only
// through the SECURITY DEFINER functions of migration 0046.

const METRICS_TOKEN = 'metrics-token-for-owner-free-test';
const APP_ORIGIN = 'https://ward-board.example.in';

let t: TestServer;
let hook: Server;
let hookUrl = '';
const delivered: string[] = [];

/** Statements the server has sent as the owner since it started (the instrumented database counts them). */
async function ownerStatements(): Promise<number> {
  const h = await t.server.metrics.dbQueryDuration.get();
  return h.values.find((v) => v.metricName === 'db_query_duration_seconds_count' && v.labels.kind === 'owner')?.value ?? 0;
}

/** The owner's connections to this server's database right now (PostgreSQL only; 0 on PGlite). */
async function ownerConnections(): Promise<number> {
  if (!t.databaseUrl) return 0;
  const c = new pg.Client({ connectionString: t.databaseUrl });
  await c.connect();
  try {
    const r = await c.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1',
      [OWNER_APPLICATION_NAME],
    );
    return r.rows[0].n;
  } finally {
    await c.end();
  }
}

async function until(check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

beforeAll(async () => {
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      delivered.push(body);
      res.end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
  t = await startTestServer({ SUBSCRIPTION_ENDPOINT_ALLOW: '127.0.0.1', EVENTS_POLL_MS: '50', METRICS_TOKEN });
  // Test set-up, not the server: an app registered for the CORS check below.
  await createClient(t.server.db, TENANT_A, {
    clientId: 'ward-board',
    name: 'Ward board',
    type: 'public',
    scope: 'user/*.rs',
    redirectUris: [`${APP_ORIGIN}/callback`],
  });
}, 120_000);

afterAll(async () => {
  hook?.close();
  await t?.stop();
});

describe('serving without the schema owner', () => {
  it('holds no owner connection once started', async () => {
    expect(await ownerConnections()).toBe(0);
  });

  it('serves, seals, dispatches and delivers events, runs jobs, answers CORS and metrics with no owner statement or connection', async () => {
    const before = await ownerStatements();
    // Sampled all along: any owner connection opened meanwhile, even briefly, is seen.
    let seen = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        seen = Math.max(seen, await ownerConnections());
        await new Promise((r) => setTimeout(r, 25));
      }
    })();

    // Requests, and an event delivered over rest-hook (outbox claim, delivery claim and outcome).
    const fhir = fhirClient(t.base, TENANT_A);
    const sub = await fhir.post('Subscription', {
      resourceType: 'Subscription',
      status: 'requested',
      reason: 'Patients to the ward board',
      criteria: 'Patient?family=Owner-free',
      channel: { type: 'rest-hook', endpoint: hookUrl, payload: 'application/fhir+json' },
    });
    expect(sub.status).toBe(201);
    const patient = await fhir.post('Patient', { resourceType: 'Patient', name: [{ family: 'Owner-free', given: ['Asha'] }] });
    expect(patient.status).toBe(201);
    expect((await fhir.get('Patient?family=Owner-free')).status).toBe(200);
    await until(() => delivered.some((b) => b.includes('Owner-free')));
    expect(delivered.some((b) => b.includes('Owner-free'))).toBe(true);

    // The audit sealer.
    expect(await t.server.sealer.sealNow()).toBeGreaterThan(0);

    // The job queue: add, claim, run, finish, list and count.
    const ran: string[] = [];
    t.server.jobs.work('owner-free-test', async (job) => {
      ran.push(job.id);
    });
    await t.server.jobs.add('owner-free-test', 'check', { n: 1 }, { jobId: 'owner-free-1' });
    await until(() => ran.length > 0);
    expect(ran).toEqual(['owner-free-1']);
    await until(() => false, 300);
    expect((await t.server.jobs.list({ queue: 'owner-free-test' }))[0]).toMatchObject({ id: 'owner-free-1', state: 'completed' });
    expect((await t.server.jobs.counts())['owner-free-test']?.completed).toBe(1);

    // CORS: a registered app's origin (every tenant's redirect URIs) is allowed, another is not.
    const allowed = await fetch(`${t.server.url}/fhir/R4/Patient`, { headers: { origin: APP_ORIGIN } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    const refused = await fetch(`${t.server.url}/fhir/R4/Patient`, { headers: { origin: 'https://elsewhere.example' } });
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();

    // /metrics reads the backlogs across tenants.
    const metrics = await fetch(`${t.server.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/\naudit_unsealed_events \d+/);

    sampling = false;
    await sampler;
    expect(await ownerStatements()).toBe(before);
    expect(seen).toBe(0);
  });

  it('every SECURITY DEFINER function pins its search_path and may be run by the runtime role only', async () => {
    const r = await t.server.db.transaction(undefined, (sql) =>
      sql.query<{ name: string; pinned: boolean; public_may: boolean; app_may: boolean }>(
        `SELECT p.proname AS name,
                coalesce(array_to_string(p.proconfig, ',') LIKE '%search_path=%', false) AS pinned,
                has_function_privilege('public', p.oid, 'EXECUTE') AS public_may,
                has_function_privilege('hospital_ops_app', p.oid, 'EXECUTE') AS app_may
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname = 'public' AND p.prosecdef ORDER BY 1`,
      ),
    );
    const names = r.rows.map((f) => f.name);
    for (const name of ['audit_seal_pending', 'event_claim', 'delivery_claim', 'job_claim', 'cors_redirect_uris', 'directory_login'])
      expect(names).toContain(name);
    for (const f of r.rows) expect(f).toEqual({ name: f.name, pinned: true, public_may: false, app_may: true });
  });

  it('keeps the runtime role out of the job table and the outbox except through the functions', async () => {
    for (const statement of ['SELECT * FROM job', 'SELECT * FROM resource_event', 'DELETE FROM subscription_delivery']) {
      const attempt = t.server.db.transaction(undefined, (sql) => sql.query(statement));
      await expect(attempt, statement).rejects.toThrow(/permission denied/);
    }
  });
});
