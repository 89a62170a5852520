import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../src/auth/store.ts';
import { APP_ROLE } from '../src/db/database.ts';
import { ensureTenant } from '../src/tenancy/tenants.ts';
import { fhirClient, startTestServer, TENANT_A, TENANT_B, type TestServer } from './helpers/server.ts';

let t: TestServer;
let a: ReturnType<typeof fhirClient>;
let b: ReturnType<typeof fhirClient>;
let secretId: string;

beforeAll(async () => {
  t = await startTestServer();
  a = fhirClient(t.base, TENANT_A);
  b = fhirClient(t.base, TENANT_B);
  const created = await a.post('Patient', {
    resourceType: 'Patient',
    name: [{ family: 'Kapoor', given: ['Ritu'] }],
    identifier: [{ system: 'https://healthid.ndhm.gov.in', value: '91-1234-5678-9012' }],
  });
  secretId = created.body.id;
  await a.put(`Patient/${secretId}`, { ...created.body, gender: 'female' });
});
afterAll(() => t?.stop());

describe('row-level security in the database', () => {
  it('a transaction without tenant context sees no rows', async () => {
    const rows = await t.server.db.transaction(undefined, async (sql) => ({
      patients: (await sql.query('SELECT * FROM "Patient"')).rows.length,
      history: (await sql.query('SELECT * FROM "Patient_History"')).rows.length,
      tokens: (await sql.query('SELECT * FROM sp_token')).rows.length,
      tenants: (await sql.query('SELECT * FROM tenant')).rows.length,
    }));
    expect(rows).toEqual({ patients: 0, history: 0, tokens: 0, tenants: 0 });
    // ...while the rows are there for their tenant.
    const mine = await t.server.db.transaction({ tenantId: TENANT_A }, (sql) => sql.query('SELECT id FROM "Patient"'));
    expect(mine.rows.map((r) => r.id)).toContain(secretId);
  });

  it('the runtime role owns no table, cannot bypass RLS, and cannot rewrite history', async () => {
    const role = await t.server.db.transaction({ tenantId: TENANT_A }, async (sql) => {
      const r = await sql.query<{ current_user: string; rolbypassrls: boolean; rolsuper: boolean }>(
        'SELECT current_user, rolbypassrls, rolsuper FROM pg_roles WHERE rolname = current_user',
      );
      const owned = await sql.query("SELECT 1 FROM pg_tables WHERE tableowner = current_user AND schemaname = 'public'");
      return { ...r.rows[0], owned: owned.rowCount };
    });
    expect(role).toEqual({ current_user: APP_ROLE, rolbypassrls: false, rolsuper: false, owned: 0 });
    await expect(
      t.server.db.transaction({ tenantId: TENANT_A }, (sql) => sql.query('UPDATE "Patient_History" SET deleted = true')),
    ).rejects.toThrow(/permission denied/);
    await expect(t.server.db.transaction({ tenantId: TENANT_A }, (sql) => sql.query('DELETE FROM "Patient"'))).rejects.toThrow(
      /permission denied/,
    );
  });

  it('cannot write a row for another tenant', async () => {
    await expect(
      t.server.db.transaction({ tenantId: TENANT_A }, (sql) =>
        sql.query(`INSERT INTO "Patient" (tenant_id, id, version_id, last_updated, content) VALUES ($1, 'sneaky', 1, now(), '{}')`, [
          TENANT_B,
        ]),
      ),
    ).rejects.toThrow(/row-level security/);
  });

  // PGlite has no second connection to make; on PostgreSQL, log in as the runtime role directly.
  if (process.env.TEST_DB === 'postgres') {
    it('a direct connection as the runtime role sees nothing without context', async () => {
      const u = new URL(t.databaseUrl as string);
      u.username = APP_ROLE;
      u.password = 'hospital_ops_app';
      const client = new pg.Client({ connectionString: u.toString() });
      await client.connect();
      try {
        expect((await client.query('SELECT count(*)::int AS n FROM "Patient"')).rows[0].n).toBe(0);
        await client.query(`SELECT set_config('app.current_tenant_id', $1, false)`, [TENANT_B]);
        expect((await client.query('SELECT count(*)::int AS n FROM "Patient"')).rows[0].n).toBe(0);
        await client.query(`SELECT set_config('app.current_tenant_id', $1, false)`, [TENANT_A]);
        expect((await client.query('SELECT count(*)::int AS n FROM "Patient"')).rows[0].n).toBeGreaterThan(0);
      } finally {
        await client.end();
      }
    });
  }
});

describe('one tenant cannot reach another tenant through the API', () => {
  it('read, vread and history of A’s resource answer 404 to B', async () => {
    expect((await a.get(`Patient/${secretId}`)).status).toBe(200);
    expect((await b.get(`Patient/${secretId}`)).status).toBe(404);
    expect((await b.get(`Patient/${secretId}/_history/1`)).status).toBe(404);
    expect((await b.get(`Patient/${secretId}/_history`)).status).toBe(404);
  });

  it('type and system history and search of B show none of A’s data', async () => {
    const typeHistory = await b.get('Patient/_history');
    expect(typeHistory.body.total).toBe(0);
    const systemHistory = await b.get('_history');
    expect(JSON.stringify(systemHistory.body)).not.toContain(secretId);
    expect((await b.get('Patient?family=Kapoor')).body.entry).toBeUndefined();
    expect((await b.get(`Patient?_id=${secretId}`)).body.entry).toBeUndefined();
    expect((await b.get('Patient?identifier=91-1234-5678-9012')).body.entry).toBeUndefined();
  });

  it('B cannot update, patch or delete A’s resource; conditional writes never match A’s data', async () => {
    // Update-as-create by B makes B's own resource with that id; A's stays untouched.
    const put = await b.put(`Patient/${secretId}`, { resourceType: 'Patient', id: secretId, name: [{ family: 'Hijack' }] });
    expect(put.status).toBe(201);
    expect((await a.get(`Patient/${secretId}`)).body.name[0].family).toBe('Kapoor');
    expect((await b.patch(`Patient/${secretId}-x`, [{ op: 'replace', path: '/gender', value: 'male' }])).status).toBe(404);
    const condDelete = await b.delete('Patient?identifier=https://healthid.ndhm.gov.in|91-1234-5678-9012');
    expect(condDelete.status).toBe(200);
    expect((await a.get(`Patient/${secretId}`)).status).toBe(200);
    const condUpdate = await b.put('Patient?identifier=https://healthid.ndhm.gov.in|91-1234-5678-9012', {
      resourceType: 'Patient',
      identifier: [{ system: 'https://healthid.ndhm.gov.in', value: '91-1234-5678-9012' }],
    });
    expect(condUpdate.status).toBe(201);
    expect((await a.get(`Patient/${secretId}`)).body.meta.versionId).toBe('2');
  });

  it('a transaction entry of B cannot read A’s resource', async () => {
    const res = await b.post('', {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [{ request: { method: 'GET', url: `Patient/${secretId}-nope` } }],
    });
    expect(res.body.entry[0].response.status).toMatch(/^404/);
  });

  it('GraphQL answers A with A’s data and B with none of it', async () => {
    const query = { query: '{ PatientList(family: "Kapoor") { id name { family } } }' };
    const mine = await a.post('$graphql', query, { 'content-type': 'application/json' });
    expect(mine.body.data.PatientList.map((p: any) => p.id)).toContain(secretId);
    const theirs = await b.post('$graphql', query, { 'content-type': 'application/json' });
    expect(JSON.stringify(theirs.body)).not.toContain(secretId);
    const byId = await b.post('$graphql', { query: `{ Patient(id: "${secretId}") { id } }` }, { 'content-type': 'application/json' });
    expect(JSON.stringify(byId.body)).not.toContain('Kapoor');
  });

  it('no token, a garbage token, or a deactivated tenant gets nothing', async () => {
    const bare = await fetch(`${t.base}/Patient`);
    expect(bare.status).toBe(401);
    expect(bare.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
    expect((await fhirClient(t.base, TENANT_A, 'not.a.jwt').get('Patient')).status).toBe(401);
    // A tenant switched off cannot obtain tokens any more.
    const c = '0c0c0c0c-0000-4000-8000-00000000000c';
    await ensureTenant(t.server.db, c, 'Closed Clinic');
    await createClient(t.server.db, c, {
      clientId: 'closed-clinic',
      name: 'x',
      type: 'confidential',
      scope: 'system/*.rs',
      secret: 'closed-clinic-secret-123',
    });
    await t.server.db.asOwner((sql) => sql.query('UPDATE tenant SET active = false WHERE id = $1', [c]));
    const res = await fetch(`${t.server.url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: 'closed-clinic',
        client_secret: 'closed-clinic-secret-123',
      }),
    });
    expect(res.status).toBe(401);
    expect((await res.json()).error).toBe('invalid_client');
  });
});
