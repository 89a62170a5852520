import { createServer as createHttpServer, type Server } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirClient, startTestServer, systemToken, type TestServer } from './helpers/server.ts';

// /metrics (docs/operations.md): what a scraper sees after real traffic, that labels carry route
// patterns and never ids or query values, who may read it, and the refusal counters moving.
const onPostgres = process.env.TEST_DB === 'postgres';
const METRICS_TOKEN = 'metrics-token-for-tests-0123';

const scrape = async (t: TestServer, headers: Record<string, string> = {}) => {
  const res = await fetch(`${t.server.url}/metrics`, { headers });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
};

/** The value of one sample, e.g. `rate_limit_refusals_total{limit="api"}`; 0 when absent. */
const sample = (text: string, series: string): number => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
};

describe('metrics after traffic', () => {
  let t: TestServer;
  let client: ReturnType<typeof fhirClient>;
  beforeAll(async () => {
    t = await startTestServer();
    client = fhirClient(t.base);
  });
  afterAll(() => t?.stop());

  it('counts requests by route pattern, never by id, version or query value', async () => {
    const created = await client.post('Patient', { resourceType: 'Patient', name: [{ family: 'Secretname' }] });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect((await client.get(`Patient/${id}`)).status).toBe(200);
    expect((await client.get(`Patient/${id}/_history/1`)).status).toBe(200);
    expect((await client.get('Patient?family=Secretname&birthdate=1970-01-01')).status).toBe(200);
    expect((await client.get(`Patient/${id}/$everything`)).status).toBeLessThan(500);
    expect((await client.get('Patient/$made-up-operation-xyz')).status).toBeGreaterThanOrEqual(400);
    await fetch(`${t.server.url}/no/such/path/${id}`);

    const m = await scrape(t);
    expect(m.status).toBe(200);
    expect(m.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(sample(m.text, 'http_requests_total{method="POST",route="/fhir/R4/:type",status="201"}')).toBe(1);
    expect(sample(m.text, 'http_requests_total{method="GET",route="/fhir/R4/:type/:id",status="200"}')).toBe(1);
    expect(sample(m.text, 'http_requests_total{method="GET",route="/fhir/R4/:type/:id/_history/:vid",status="200"}')).toBe(1);
    expect(sample(m.text, 'http_requests_total{method="GET",route="/fhir/R4/:type",status="200"}')).toBe(1);
    expect(m.text).toMatch(/route="\/oauth2\/token"/);
    await fetch(`${t.server.url}/health`);
    expect((await scrape(t)).text).toMatch(/http_requests_total\{method="GET",route="\/health",status="200"\} 1/);
    expect(m.text).toMatch(/http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/fhir\/R4\/:type\/:id",status="200"\}/);
    expect(m.text).toMatch(/route="unmatched",status="404"/);
    // Nothing a client sent becomes a label.
    for (const secret of [id, 'Secretname', '1970-01-01', 'made-up-operation-xyz', 'no/such/path']) expect(m.text).not.toContain(secret);
    expect(sample(m.text, 'db_query_duration_seconds_count{kind="transaction"}')).toBeGreaterThan(0);
    expect(sample(m.text, 'db_query_duration_seconds_count{kind="owner"}')).toBeGreaterThan(0);
    // Pools, backlogs, sessions, and Node's own.
    const pool = onPostgres ? 'app' : 'embedded';
    expect(sample(m.text, `db_pool_connections{pool="${pool}",state="total"}`)).toBeGreaterThanOrEqual(1);
    expect(m.text).toMatch(new RegExp(`db_pool_connections\\{pool="${pool}",state="waiting"\\} 0`));
    for (const name of ['events_outbox_pending', 'events_outbox_lag_seconds', 'subscription_deliveries_pending', 'active_sessions'])
      expect(m.text).toMatch(new RegExp(`^${name} \\d`, 'm'));
    expect(m.text).toMatch(/^process_cpu_user_seconds_total /m);
    expect(m.text).toMatch(/^nodejs_eventloop_lag_seconds /m);
  });

  it('reports audit events waiting for the sealer and how old the oldest is', async () => {
    await t.server.sealer.sealNow();
    expect(sample((await scrape(t)).text, 'audit_unsealed_events')).toBe(0);
    expect(sample((await scrape(t)).text, 'audit_seal_lag_seconds')).toBe(0);
    await client.post('Basic', { resourceType: 'Basic', code: { text: 'lag' } });
    await new Promise((r) => setTimeout(r, 1100));
    const m = await scrape(t);
    expect(sample(m.text, 'audit_unsealed_events')).toBeGreaterThanOrEqual(1);
    expect(sample(m.text, 'audit_seal_lag_seconds')).toBeGreaterThanOrEqual(1);
    await t.server.sealer.sealNow();
    expect(sample((await scrape(t)).text, 'audit_unsealed_events')).toBe(0);
  });

  it('is not served to a client elsewhere when no token is configured (404)', async () => {
    const res = await scrape(t, { 'x-forwarded-for': '203.0.113.9' });
    expect(res.status).toBe(404);
    expect(res.text).not.toContain('http_requests_total');
  });
});

describe('metrics access with METRICS_TOKEN, and the rate-limit counter', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ METRICS_TOKEN, RATE_LIMIT_API: '3' });
  });
  afterAll(() => t?.stop());

  it('refuses a client elsewhere without the token (401), and serves it with the token', async () => {
    const elsewhere = { 'x-forwarded-for': '203.0.113.9' };
    const none = await scrape(t, elsewhere);
    expect(none.status).toBe(401);
    expect(none.text).not.toContain('http_requests_total');
    expect((await scrape(t, { ...elsewhere, authorization: 'Bearer wrong-token-wrong-token' })).status).toBe(401);
    // A wrong token is refused even from this machine.
    expect((await scrape(t, { authorization: 'Bearer wrong-token-wrong-token' })).status).toBe(401);
    const withToken = await scrape(t, { ...elsewhere, authorization: `Bearer ${METRICS_TOKEN}` });
    expect(withToken.status).toBe(200);
    expect(withToken.text).toContain('http_requests_total');
    expect((await scrape(t)).status).toBe(200);
  });

  it('counts requests refused by the per-minute limit', async () => {
    const client = fhirClient(t.base);
    await systemToken(t.base, t.server.config.TENANT_ID);
    const before = sample((await scrape(t)).text, 'rate_limit_refusals_total{limit="api"}');
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await client.get('Basic')).status);
    expect(statuses.filter((s) => s === 429)).toHaveLength(2);
    const m = await scrape(t);
    expect(sample(m.text, 'rate_limit_refusals_total{limit="api"}') - before).toBe(2);
    expect(sample(m.text, 'http_requests_total{method="GET",route="/fhir/R4/:type",status="429"}')).toBe(2);
  });
});

describe.skipIf(!onPostgres)('statement timeouts in metrics', () => {
  it('counts a search stopped by its statement timeout', async () => {
    const t = await startTestServer({ STATEMENT_TIMEOUT_SEARCH_MS: '300' });
    const db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
    try {
      const client = fhirClient(t.base);
      await systemToken(t.base, t.server.config.TENANT_ID);
      expect(sample((await scrape(t)).text, 'db_statement_timeouts_total{kind="transaction"}')).toBe(0);
      await db.query('BEGIN');
      await db.query('LOCK TABLE "Patient" IN ACCESS EXCLUSIVE MODE');
      expect((await client.get('Patient?name=slow')).status).toBe(504);
      await db.query('COMMIT');
      const m = await scrape(t);
      expect(sample(m.text, 'db_statement_timeouts_total{kind="transaction"}')).toBe(1);
      expect(sample(m.text, 'http_requests_total{method="GET",route="/fhir/R4/:type",status="504"}')).toBe(1);
    } finally {
      await db.end();
      await t.stop();
    }
  });
});

describe('subscription deliveries in queue_jobs_processed', () => {
  let t: TestServer;
  const hooks: Server[] = [];
  beforeAll(async () => {
    t = await startTestServer({
      SUBSCRIPTION_ENDPOINT_ALLOW: '127.0.0.1',
      SUBSCRIPTION_RETRY_BASE_MS: '50',
      SUBSCRIPTION_MAX_ATTEMPTS: '2',
    });
  });
  afterAll(async () => {
    for (const h of hooks) h.close();
    await t?.stop();
  });

  /** A subscriber endpoint on loopback answering `status`. */
  const endpoint = async (status: number) => {
    const server = createHttpServer((_req, res) => {
      res.statusCode = status;
      res.end();
    });
    hooks.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  };

  it('counts deliveries that succeeded, were retried and finally failed', async () => {
    const client = fhirClient(t.base);
    const subscribe = async (url: string, code: string) => {
      const res = await client.post('Subscription', {
        resourceType: 'Subscription',
        status: 'requested',
        reason: 'metrics',
        criteria: `Basic?code=${code}`,
        channel: { type: 'rest-hook', endpoint: url },
      });
      expect(res.status).toBe(201);
    };
    await subscribe(await endpoint(200), 'ok');
    await subscribe(await endpoint(500), 'broken');
    await client.post('Basic', { resourceType: 'Basic', code: { coding: [{ code: 'ok' }] } });
    await client.post('Basic', { resourceType: 'Basic', code: { coding: [{ code: 'broken' }] } });
    const series = (outcome: string) => `queue_jobs_processed{queue="subscription-delivery",outcome="${outcome}"}`;
    const deadline = Date.now() + 15_000;
    let m = await scrape(t);
    while (sample(m.text, series('failed')) < 1 && Date.now() < deadline) {
      await t.server.events.runNow();
      await new Promise((r) => setTimeout(r, 100));
      m = await scrape(t);
    }
    expect(sample(m.text, series('delivered'))).toBe(1);
    expect(sample(m.text, series('retried'))).toBe(1);
    expect(sample(m.text, series('failed'))).toBe(1);
  });
});

describe('health with Redis', () => {
  it('reports Redis healthy when it answers', async () => {
    const t = await startTestServer({ REDIS_URL: 'redis://127.0.0.1:6379' });
    try {
      const res = await fetch(`${t.server.url}/health`);
      expect(res.status).toBe(200);
      const body = await res.json();
      expect(body).toMatchObject({ status: 'healthy', checks: { database: 'healthy', redis: 'healthy' } });
      expect(body.version).toEqual(expect.any(String));
      expect(body.timestamp).toEqual(expect.any(String));
    } finally {
      await t.stop();
    }
  });

  it('is degraded, not unhealthy, when Redis is down, and answers within seconds', async () => {
    const closed = await new Promise<number>((resolve) => {
      // A port that was free a moment ago: nothing listens there.
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const port = (s.address() as AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    const t = await startTestServer({ REDIS_URL: `redis://127.0.0.1:${closed}` });
    try {
      for (let i = 0; i < 2; i++) {
        const started = Date.now();
        const res = await fetch(`${t.server.url}/health`);
        expect(Date.now() - started).toBeLessThan(3_000);
        expect(res.status).toBe(200);
        const body = await res.json();
        expect(body).toMatchObject({ status: 'degraded', checks: { database: 'healthy', redis: 'unhealthy' } });
        expect(JSON.stringify(body)).not.toMatch(/ECONNREFUSED|connect/);
      }
      expect((await fetch(`${t.server.url}/health/ready`)).status).toBe(200);
    } finally {
      await t.stop();
    }
  });
});
