import { afterAll, describe, expect, it } from 'vitest';
import { cliRunner } from './helpers/cli.ts';

const TENANT = '11111111-2222-4333-8444-555555555555';
const cli = await cliRunner('src/admin/cli.ts');
const admin = cli.run;

afterAll(() => cli.cleanup());

describe('npm run admin', () => {
  it('copies FHIR core code systems and value sets into a tenant on request, once', async () => {
    const id = '22222222-3333-4444-8555-666666666666';
    expect((await admin('tenant', 'create', '--name', 'Core Clinic', '--id', id)).code).toBe(0);
    const first = await admin('tenant', 'terminology', '--tenant', id, '--core');
    expect(first.code).toBe(0);
    expect(first.out.packageResources).toBe(0);
    expect(first.out.coreResources).toBeGreaterThan(2000);
    const again = await admin('tenant', 'terminology', '--tenant', id, '--core');
    expect(again.out).toEqual({ tenant: id, packageResources: 0, coreResources: 0 });
  }, 120_000);

  it('creates a tenant, a user and clients, lists and revokes them, rotates keys, all as JSON', async () => {
    const tenant = await admin('tenant', 'create', '--name', 'Apollo Clinic', '--id', TENANT);
    // A new tenant's store gets the profile packages' code systems and value sets, and the built-in apps their SMART clients.
    expect(tenant.out).toEqual({
      id: TENANT,
      name: 'Apollo Clinic',
      terminologyResources: expect.any(Number),
      appClients: [`opd-${TENANT}`, `ipd-${TENANT}`, `lab-${TENANT}`, `pharmacy-${TENANT}`],
      // and the starter lab catalogue (test/lab/catalogue-cli.test.ts checks what it holds).
      labCatalogue: { created: expect.any(Number), kept: 0 },
    });
    expect(tenant.out.terminologyResources).toBeGreaterThan(50);
    const user = await admin(
      'user',
      'create',
      '--tenant',
      TENANT,
      '--role',
      'doctor',
      '--name',
      'Dr. Rao',
      '--email',
      'rao@apollo.example',
    );
    expect(user.out).toMatchObject({ role: 'doctor', email: 'rao@apollo.example', active: true });
    expect(user.out.password).toHaveLength(16);
    const client = await admin(
      'client',
      'create',
      '--tenant',
      TENANT,
      '--name',
      'Lab bridge',
      '--type',
      'confidential',
      '--scope',
      'system/*.rs',
      '--client-id',
      'lab-bridge',
    );
    expect(client.out).toMatchObject({ clientId: 'lab-bridge', type: 'confidential', scope: 'system/*.rs' });
    expect(client.out.clientSecret).toBeTruthy();
    const app = await admin(
      'client',
      'create',
      '--tenant',
      TENANT,
      '--name',
      'OPD',
      '--type',
      'public',
      '--scope',
      'launch patient/*.rs',
      '--redirect-uri',
      'https://opd.example/cb',
    );
    expect(app.out.clientSecret).toBeUndefined();
    expect((await admin('client', 'revoke', '--tenant', TENANT, '--client-id', 'lab-bridge')).out).toEqual({ revoked: true });
    const list = await admin('client', 'list', '--tenant', TENANT);
    expect(list.out.map((c: any) => [c.clientId, c.active])).toEqual([
      [`opd-${TENANT}`, true],
      [`ipd-${TENANT}`, true],
      [`lab-${TENANT}`, true],
      [`pharmacy-${TENANT}`, true],
      ['lab-bridge', false],
      [app.out.clientId, true],
    ]);
    expect((await admin('keys', 'rotate')).out.kid).toMatch(/^[0-9a-f-]{36}$/);
    expect((await admin('audit', 'verify', '--tenant', TENANT)).out).toMatchObject({ ok: true });
  }, 120_000);

  it('fails with a JSON error and the usage for bad input', async () => {
    const bad = await admin('user', 'create', '--tenant', TENANT, '--role', 'wizard', '--name', 'X', '--email', 'x@y.example');
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.err.split('\n')[0])).toEqual({ error: 'Unknown role wizard' });
    expect((await admin('frobnicate')).code).toBe(1);
  }, 60_000);
});
