import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, findClient, findUserByLogin } from '../src/auth/store.ts';
import { startTestServer, TENANT_A, TENANT_B, type TestServer } from './helpers/server.ts';
import { createStaff, type Staff } from './helpers/staff.ts';

// The login and client directories answer one exact key each; the runtime role cannot list them.
let t: TestServer;
let inA: Staff;
let inB: Staff;

beforeAll(async () => {
  t = await startTestServer();
  inA = await createStaff(t, TENANT_A, 'doctor');
  inB = await createStaff(t, TENANT_B, 'doctor');
  await createClient(t.server.db, TENANT_B, {
    clientId: 'tenant-b-reporting',
    name: 'Reports',
    type: 'confidential',
    scope: 'system/*.rs',
  });
}, 120_000);
afterAll(() => t?.stop());

describe('the login and client directories', () => {
  it('still find the tenant of an exact login or client id before any tenant is known', async () => {
    expect((await findUserByLogin(t.server.db, inB.user.email as string))?.tenant_id).toBe(TENANT_B);
    expect((await findClient(t.server.db, 'tenant-b-reporting'))?.tenant_id).toBe(TENANT_B);
    expect(await findUserByLogin(t.server.db, 'nobody@nowhere.example')).toBeUndefined();
    expect(await findClient(t.server.db, 'no-such-client')).toBeUndefined();
  });

  it("cannot be listed by the runtime role: without a tenant nothing, with one only that tenant's rows", async () => {
    const count = (tenantId: string | undefined, table: string) =>
      t.server.db.transaction(tenantId ? { tenantId } : undefined, async (sql) =>
        Number((await sql.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0].n),
      );
    expect(await count(undefined, 'login_directory')).toBe(0);
    expect(await count(undefined, 'client_directory')).toBe(0);
    const logins = await t.server.db.transaction({ tenantId: TENANT_A }, (sql) =>
      sql.query<{ tenant_id: string; login: string }>('SELECT tenant_id, login FROM login_directory'),
    );
    expect(logins.rows.length).toBeGreaterThan(0);
    expect(logins.rows.every((r) => r.tenant_id === TENANT_A)).toBe(true);
    expect(logins.rows.map((r) => r.login)).toContain(inA.user.email);
    expect(logins.rows.map((r) => r.login)).not.toContain(inB.user.email);
    const clients = await t.server.db.transaction({ tenantId: TENANT_A }, (sql) =>
      sql.query<{ client_id: string }>('SELECT client_id FROM client_directory'),
    );
    expect(clients.rows.map((r) => r.client_id)).not.toContain('tenant-b-reporting');
  });
});
