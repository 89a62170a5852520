import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, revokeClient, updateUser } from '../../src/auth/store.ts';
import { type RunningServer, startServer } from '../../src/server.ts';
import { startTestServer, TENANT_A, type TestServer } from '../helpers/server.ts';
import { createStaff, type Staff, userToken } from '../helpers/staff.ts';

// Deactivating a user, changing their role or revoking a client voids the access tokens already
// issued to them at once in the process that made the change, within one poll in every other
// process, and for good after a restart; nobody waits out the 15-minute token lifetime.
const onPostgres = process.env.TEST_DB === 'postgres';

let t: TestServer;
let superAdmin: Staff;

const read = (base: string, token: string) => fetch(`${base}/Patient?_count=1`, { headers: { authorization: `Bearer ${token}` } });

async function adminPatch(userId: string, body: unknown): Promise<number> {
  const res = await fetch(`${t.server.url}/admin/staff/${userId}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${await userToken(t, superAdmin.user)}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return res.status;
}

async function clientToken(origin: string, clientId: string, secret: string): Promise<string> {
  const res = await fetch(`${origin}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret, scope: 'system/Patient.rs' }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

/** Waits for a condition that another process's poll makes true (the poll runs every 5 s). */
async function eventually(check: () => Promise<boolean>, ms = 8_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

beforeAll(async () => {
  t = await startTestServer();
  superAdmin = await createStaff(t, TENANT_A, 'super_admin');
});
afterAll(() => t?.stop());

describe('revoking a user or client revokes its tokens', () => {
  it('a deactivated user is refused at once, and a token issued after reactivation works', async () => {
    const nurse = await createStaff(t, TENANT_A, 'nurse');
    const token = await userToken(t, nurse.user, 'user/Patient.rs');
    expect((await read(t.base, token)).status).toBe(200);
    expect(await adminPatch(nurse.user.id, { active: false })).toBe(200);
    const refused = await read(t.base, token);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/invalid_token/);
    expect(await adminPatch(nurse.user.id, { active: true })).toBe(200);
    // A new token must come from a later second than the revocation (iat has whole seconds).
    await new Promise((r) => setTimeout(r, 1_100));
    const fresh = await userToken(t, nurse.user, 'user/Patient.rs');
    expect((await read(t.base, fresh)).status).toBe(200);
    expect((await read(t.base, token)).status).toBe(401);
  });

  it("a role change voids the tokens that carry the old role, and only that user's", async () => {
    const doctor = await createStaff(t, TENANT_A, 'doctor');
    const colleague = await createStaff(t, TENANT_A, 'doctor');
    const token = await userToken(t, doctor.user, 'user/Patient.rs');
    const other = await userToken(t, colleague.user, 'user/Patient.rs');
    expect(await adminPatch(doctor.user.id, { role: 'receptionist' })).toBe(200);
    expect((await read(t.base, token)).status).toBe(401);
    expect((await read(t.base, other)).status).toBe(200);
  });

  it('a revoked client is refused, and its token introspects as inactive', async () => {
    await createClient(t.server.db, TENANT_A, {
      clientId: 'lab-integration',
      name: 'Lab integration',
      type: 'confidential',
      scope: 'system/Patient.rs',
      secret: 'lab-integration-secret-0123456789',
    });
    const token = await clientToken(t.server.url, 'lab-integration', 'lab-integration-secret-0123456789');
    expect((await read(t.base, token)).status).toBe(200);
    expect(await revokeClient(t.server.db, TENANT_A, 'lab-integration')).toBe(true);
    // Revoked by the admin CLI (another process): this server sees it on its next poll.
    expect(await eventually(async () => (await read(t.base, token)).status === 401)).toBe(true);
  });

  it('a user deactivated by the admin CLI (no server involved) is refused after the next poll', async () => {
    const nurse = await createStaff(t, TENANT_A, 'nurse');
    const token = await userToken(t, nurse.user, 'user/Patient.rs');
    expect((await read(t.base, token)).status).toBe(200);
    await updateUser(t.server.db, TENANT_A, nurse.user.id, { active: false });
    expect(await eventually(async () => (await read(t.base, token)).status === 401)).toBe(true);
  });
});

describe.runIf(onPostgres)('across processes and restarts', () => {
  let second: RunningServer | undefined;
  afterAll(() => second?.stop());

  it("a second server process refuses a user deactivated through the first, and one started later refuses a revoked client's token", async () => {
    const env = {
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      DATABASE_URL: t.databaseUrl as string,
      // Behind one load balancer every process has the same public base, the tokens' audience.
      BASE_URL: t.server.url,
      SEED_DEMO: 'false',
      TENANT_ID: TENANT_A,
      ADMIN_PASSWORD: 'admin-password-for-tests',
      SYSTEM_CLIENT_ID: 'test-system-a',
      SYSTEM_CLIENT_SECRET: 'test-system-secret-0123456789',
      RATE_LIMIT_API: '0',
      RATE_LIMIT_TOKEN: '0',
      PROFILE_ENFORCEMENT: 'claimed',
    };
    second = await startServer(env);
    const secondBase = `${second.url}/fhir/R4`;
    // Both processes share the signing keys and the base, so either accepts the other's tokens.
    const pharmacist = await createStaff(t, TENANT_A, 'pharmacist');
    const token = await userToken(t, pharmacist.user, 'user/Patient.rs');
    expect((await read(secondBase, token)).status).toBe(200);
    expect(await adminPatch(pharmacist.user.id, { active: false })).toBe(200);
    expect((await read(t.base, token)).status).toBe(401);
    expect(await eventually(async () => (await read(secondBase, token)).status === 401)).toBe(true);

    await createClient(t.server.db, TENANT_A, {
      clientId: 'billing-integration',
      name: 'Billing integration',
      type: 'confidential',
      scope: 'system/Patient.rs',
      secret: 'billing-integration-secret-012345',
    });
    const clientTok = await clientToken(t.server.url, 'billing-integration', 'billing-integration-secret-012345');
    expect((await read(secondBase, clientTok)).status).toBe(200);
    await revokeClient(t.server.db, TENANT_A, 'billing-integration');
    await second.stop();
    second = await startServer(env);
    expect((await read(`${second.url}/fhir/R4`, clientTok)).status).toBe(401);
  });
});
