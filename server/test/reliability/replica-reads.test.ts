import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/auth/store.ts';
import { canRunOwnCluster, createOwnCluster, createStandby, type OwnCluster } from '../helpers/pg-cluster.ts';
import { fhirClient, startTestServer, TENANT_A, TENANT_B, type TestServer } from '../helpers/server.ts';

type Client = ReturnType<typeof fhirClient>;

// Searches answered by a streaming replica (DATABASE_REPLICA_URL), with a primary and a hot
// standby of the test's own. Pausing the standby's replay makes its answers tell themselves apart.
describe.skipIf(process.env.TEST_DB !== 'postgres' || !canRunOwnCluster)('searches on a read replica', () => {
  let primary: OwnCluster;
  let standby: OwnCluster;
  let t: TestServer;
  let writer: Client;
  let reader: Client;
  let otherTenant: Client;

  const onStandby = async (sql: string) => {
    const c = new pg.Client({ connectionString: standby.url });
    await c.connect();
    try {
      return (await c.query(sql)).rows;
    } finally {
      await c.end();
    }
  };
  const tokenFor = async (clientId: string) => {
    const res = await fetch(`${t.server.url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: 'replica-test-secret-0123456789',
        scope: 'system/*.cruds',
      }),
    });
    return ((await res.json()) as { access_token: string }).access_token;
  };
  const found = async (client: Client, family: string) => {
    const res = await client.get(`Patient?family=${family}`);
    expect(res.status).toBe(200);
    return (res.body.entry ?? []).length;
  };
  const eventually = async (check: () => Promise<boolean>, ms: number) => {
    const until = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > until) throw new Error('condition not met in time');
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  beforeAll(async () => {
    primary = await createOwnCluster(`hopsprim${process.pid}`);
    t = await startTestServer({ DATABASE_URL: primary.url, DATABASE_POOL_SIZE: '6' });
    // The standby is copied once the schema and tenants exist; the server then restarts on both.
    for (const [tenant, clientId] of [
      [TENANT_A, 'replica-writer'],
      [TENANT_A, 'replica-reader'],
      [TENANT_B, 'replica-other'],
    ]) {
      await createClient(t.server.db, tenant, {
        clientId,
        name: clientId,
        type: 'confidential',
        scope: 'system/*.cruds',
        secret: 'replica-test-secret-0123456789',
      });
    }
    await t.stop();
    standby = await createStandby(`hopsrep${process.pid}`, primary);
    t = await startTestServer({
      DATABASE_URL: primary.url,
      DATABASE_REPLICA_URL: standby.url,
      REPLICA_POLL_MS: '50',
      REPLICA_MAX_LAG_MS: '4000',
      DATABASE_POOL_SIZE: '6',
    });
    writer = fhirClient(t.base, TENANT_A, await tokenFor('replica-writer'));
    reader = fhirClient(t.base, TENANT_A, await tokenFor('replica-reader'));
    otherTenant = fhirClient(t.base, TENANT_B, await tokenFor('replica-other'));
  }, 180_000);
  afterAll(async () => {
    await t?.stop().catch(() => undefined);
    standby?.drop();
    primary?.drop();
  });

  it('a writer reads its own writes at once while others read the lagging replica, which catches up', async () => {
    const family = `Replica${Date.now()}`;
    // Each client has written nothing yet (apart from its first token), so both may use the replica.
    await onStandby('SELECT pg_wal_replay_pause()');
    try {
      const created = await writer.post('Patient', { resourceType: 'Patient', name: [{ family, given: ['Asha'] }] });
      expect(created.status).toBe(201);
      // The writer's search goes to the primary: its own write is there.
      expect(await found(writer, family)).toBe(1);
      // Another client's search is answered by the paused standby: it has not seen the patient.
      expect(await found(reader, family)).toBe(0);
      // The replica's answer was audited on the primary like any other search (action E, by the reader).
      const primaryDb = new pg.Client({ connectionString: primary.url });
      await primaryDb.connect();
      try {
        const audited = await primaryDb.query(
          `SELECT count(*)::int AS n FROM audit_log WHERE client_id = 'replica-reader' AND event->>'type' IS NOT NULL`,
        );
        expect(audited.rows[0].n).toBeGreaterThan(0);
      } finally {
        await primaryDb.end();
      }
      // A standby stuck longer than REPLICA_MAX_LAG_MS (4 s here) is no longer used: the primary answers.
      await eventually(async () => (await found(reader, family)) === 1, 15_000);
    } finally {
      await onStandby('SELECT pg_wal_replay_resume()');
    }
    await eventually(async () => (await found(reader, family)) === 1, 10_000);
    // Row-level security holds on the replica: another tenant never sees the patient.
    expect(await found(otherTenant, family)).toBe(0);
  });

  it('searches fall back to the primary when the replica stops, and use it again when it is back', async () => {
    const family = `Failover${Date.now()}`;
    expect((await writer.post('Patient', { resourceType: 'Patient', name: [{ family }] })).status).toBe(201);
    await eventually(async () => (await found(reader, family)) === 1, 10_000);
    await standby.ctl('stop', '-m', 'immediate');
    try {
      // Every search still answers, from the primary, while the standby is down.
      for (let i = 0; i < 5; i++) expect(await found(reader, family)).toBe(1);
    } finally {
      await standby.ctl('start');
    }
    const second = `Back${Date.now()}`;
    expect((await writer.post('Patient', { resourceType: 'Patient', name: [{ family: second }] })).status).toBe(201);
    await eventually(async () => (await found(reader, second)) === 1, 15_000);
    // The standby serves again: pausing it hides a new patient from the reader.
    await eventually(async () => (await onStandby('SELECT pg_is_in_recovery() AS r'))[0].r === true, 10_000);
    await onStandby('SELECT pg_wal_replay_pause()');
    try {
      const third = `Paused${Date.now()}`;
      expect((await writer.post('Patient', { resourceType: 'Patient', name: [{ family: third }] })).status).toBe(201);
      await eventually(async () => (await found(writer, third)) === 1, 5_000);
      // Once the router polls the standby again, the reader is served by it (and sees nothing yet).
      await eventually(async () => (await found(reader, third)) === 0, 10_000);
    } finally {
      await onStandby('SELECT pg_wal_replay_resume()');
    }
  });
});
