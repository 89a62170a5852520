import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { fhirClient, startTestServer, type TestServer } from '../helpers/server.ts';

// A rolling deploy sends SIGTERM: the process must first tell the load balancer it is not ready
// (while still serving), then finish what it acknowledged taking, and only then let go.
const onPostgres = process.env.TEST_DB === 'postgres';

const servers: TestServer[] = [];
afterAll(async () => {
  for (const t of servers) await t.stop().catch(() => undefined);
});

const patient = (value: string) => ({
  resourceType: 'Patient',
  identifier: [{ system: 'https://hospital-ops.test/shutdown', value }],
  name: [{ family: 'Drain', given: [value] }],
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('graceful shutdown', () => {
  it('reports not ready while still serving, then closes keep-alive connections and stops', async () => {
    const t = await startTestServer();
    servers.push(t);
    const client = fhirClient(t.base);
    const origin = t.base.replace(/\/fhir\/R4$/, '');
    expect((await fetch(`${origin}/health/ready`)).status).toBe(200);

    const stopped = t.server.stop({ readinessDelayMs: 1_500 });
    await sleep(200);
    const ready = await fetch(`${origin}/health/ready`);
    expect(ready.status).toBe(503);
    expect((await ready.json()).status).toBe('not-ready');
    // Work sent before the balancer notices is still done, and its connection is not kept.
    const created = await client.post('Patient', patient('during-delay'));
    expect(created.status).toBe(201);
    expect(created.headers.get('connection')).toBe('close');
    await stopped;
    await expect(fetch(`${origin}/health/live`)).rejects.toThrow();
  }, 60_000);

  it.runIf(onPostgres)(
    'lets a write in flight finish and acknowledges it; nothing acknowledged is lost',
    async () => {
      const t = await startTestServer();
      servers.push(t);
      const client = fhirClient(t.base);
      expect((await client.post('Patient', patient('warm-up'))).status).toBe(201);

      // Hold the Patient table so the next create is in flight (inside PostgreSQL) when SIGTERM comes.
      const owner = new pg.Client({ connectionString: t.databaseUrl });
      await owner.connect();
      await owner.query('BEGIN');
      await owner.query('LOCK TABLE "Patient" IN ACCESS EXCLUSIVE MODE');
      const inFlight = client.post('Patient', patient('in-flight'));
      await sleep(300);

      const stopped = t.server.stop({ readinessDelayMs: 0, timeoutMs: 20_000 });
      await sleep(300);
      let settled = false;
      void stopped.then(() => {
        settled = true;
      });
      await sleep(300);
      expect(settled).toBe(false); // still waiting for the write it took
      await owner.query('COMMIT');

      const res = await inFlight;
      expect(res.status).toBe(201);
      await stopped;
      const stored = await owner.query(`SELECT count(*)::int AS n FROM "Patient" WHERE id = $1 AND deleted = false`, [res.body.id]);
      await owner.end();
      expect(stored.rows[0].n).toBe(1);
    },
    60_000,
  );
});
