import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirClient, startTestServer, systemToken, TENANT_B, type TestServer } from '../helpers/server.ts';

// One tenant's heavy searches must not stall everyone: complexity is bounded before anything
// runs, every statement has a timeout, and one token or tenant holds only its share of the pool.
const onPostgres = process.env.TEST_DB === 'postgres';

describe('search complexity limits', () => {
  let t: TestServer;
  let client: ReturnType<typeof fhirClient>;
  beforeAll(async () => {
    t = await startTestServer();
    client = fhirClient(t.base);
  });
  afterAll(() => t?.stop());

  const expectTooComplex = async (query: string, says: RegExp) => {
    const res = await client.get(query);
    expect(res.status).toBe(400);
    expect(res.body.issue[0].details.text).toMatch(/too complex/);
    expect(res.body.issue[0].details.text).toMatch(says);
  };

  it('refuses a _filter of 500 OR terms with 400, and still runs one of 50', async () => {
    const terms = (n: number) => Array.from({ length: n }, (_, i) => `family eq fam${i}`).join(' or ');
    await expectTooComplex(`Patient?_filter=${encodeURIComponent(terms(500))}`, /at most 50 comparisons \(this one has 500\)/);
    const fifty = await client.get(`Patient?_filter=${encodeURIComponent(terms(50))}`);
    expect(fifty.status).toBe(200);
  });

  it('refuses chains longer than three links and more than 20 includes', async () => {
    await expectTooComplex('Observation?subject:Patient.organization.partof.partof.name=x', /at most 3 links/);
    const ok = await client.get('Observation?subject:Patient.organization.partof.name=x');
    expect(ok.status).toBe(200);
    const includes = Array.from({ length: 21 }, () => '_include=Observation:subject').join('&');
    await expectTooComplex(`Observation?${includes}`, /at most 20 _include/);
  });

  it('counts filters through POST _search as well', async () => {
    const terms = Array.from({ length: 60 }, (_, i) => `family eq fam${i}`).join(' or ');
    const res = await client.call('POST', 'Patient/_search', new URLSearchParams({ _filter: terms }).toString(), {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(res.status).toBe(400);
    expect(res.body.issue[0].details.text).toMatch(/too complex/);
  });
});

describe.skipIf(!onPostgres)('statement timeouts and fair shares of the pool', () => {
  let t: TestServer;
  let admin: pg.Client;
  let client: ReturnType<typeof fhirClient>;

  beforeAll(async () => {
    t = await startTestServer({
      DATABASE_POOL_SIZE: '6',
      MAX_CONCURRENT_PER_TOKEN: '2',
      MAX_CONCURRENT_PER_TENANT: '3',
      STATEMENT_TIMEOUT_SEARCH_MS: '15000',
    });
    client = fhirClient(t.base);
    await systemToken(t.base, t.server.config.TENANT_ID);
    await systemToken(t.base, TENANT_B);
    admin = new pg.Client({ connectionString: t.databaseUrl });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await t?.stop();
  });

  /** Holds an exclusive lock on the Patient table, so every Patient search waits on it (a stand-in for a slow query). */
  const lockPatients = async () => {
    await admin.query('BEGIN');
    await admin.query('LOCK TABLE "Patient" IN ACCESS EXCLUSIVE MODE');
    return () => admin.query('COMMIT');
  };

  const waitingOnLock = async () => {
    const r = await admin.query(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
    );
    return r.rows[0].n as number;
  };

  const anotherToken = async () => {
    const res = await fetch(`${t.server.url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: t.server.config.SYSTEM_CLIENT_ID,
        client_secret: 'test-system-secret-0123456789',
        scope: 'system/*.cruds',
      }),
    });
    return ((await res.json()) as { access_token: string }).access_token;
  };

  it('gives each token and tenant only its share of the connections, so others keep theirs', async () => {
    const second = fhirClient(t.base, t.server.config.TENANT_ID, await anotherToken());
    const release = await lockPatients();
    try {
      const first = Array.from({ length: 6 }, () => client.get('Patient?name=slow'));
      const more = Array.from({ length: 3 }, () => second.get('Patient?name=slow'));
      await new Promise((r) => setTimeout(r, 800));
      // Token one: 2 of its 6; token two: 1 of its 3, because the tenant's share is 3.
      expect(await waitingOnLock()).toBe(3);
      // Another tenant still gets a connection at once, though the first holds 3 of the 6.
      const other = fhirClient(t.base, TENANT_B);
      const answered = await Promise.race([other.get('Observation?_count=1'), new Promise((r) => setTimeout(() => r('stuck'), 5_000))]);
      expect((answered as { status: number }).status).toBe(200);
      await release();
      const all = await Promise.all([...first, ...more]);
      expect(all.map((r) => r.status)).toEqual(Array(9).fill(200));
    } finally {
      await admin.query('ROLLBACK').catch(() => undefined);
    }
  });

  it('stops a statement that runs past the search timeout with 504, and the connection serves again', async () => {
    const quick = await startTestServer({ STATEMENT_TIMEOUT_SEARCH_MS: '300' });
    const db = new pg.Client({ connectionString: quick.databaseUrl });
    await db.connect();
    try {
      const c = fhirClient(quick.base);
      await systemToken(quick.base, quick.server.config.TENANT_ID);
      await db.query('BEGIN');
      await db.query('LOCK TABLE "Patient" IN ACCESS EXCLUSIVE MODE');
      const started = Date.now();
      const res = await c.get('Patient?name=slow');
      expect(res.status).toBe(504);
      expect(res.body.issue[0].code).toBe('too-costly');
      expect(res.body.issue[0].details.text).not.toMatch(/statement timeout|canceling/i);
      expect(Date.now() - started).toBeLessThan(5_000);
      await db.query('COMMIT');
      expect((await c.get('Patient?name=slow')).status).toBe(200);
    } finally {
      await db.end();
      await quick.stop();
    }
  });
});
