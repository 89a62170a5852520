import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AbdmGateway, startAbdmGateway } from '../../../simulators/abdm-gateway/src/index.ts';
import { cliRunner, runCli } from '../helpers/cli.ts';

// An administrator maps the hospital's HFR ids to tenants and registers the bridge with the
// gateway, from the admin CLI, as they would after deploying.
const ADMIN = 'src/admin/cli.ts';

let gw: AbdmGateway;
let cli: Awaited<ReturnType<typeof cliRunner>>;
let abdmEnv: Record<string, string>;
const run = (...args: string[]) => runCli(ADMIN, { DATA_DIR: cli.dir, DATABASE_URL: cli.databaseUrl ?? '', ...abdmEnv }, ...args);

beforeAll(async () => {
  gw = await startAbdmGateway({ clients: [{ clientId: 'SBX_HOSPITAL_OPS', clientSecret: 'hip-secret-1' }] });
  cli = await cliRunner(ADMIN);
  abdmEnv = { ABDM_GATEWAY_URL: gw.url, ABDM_CLIENT_ID: 'SBX_HOSPITAL_OPS', ABDM_CLIENT_SECRET: 'hip-secret-1' };
}, 120_000);
afterAll(async () => {
  await cli?.cleanup();
  await gw?.stop();
});

describe('npm run admin -- abdm', () => {
  it('maps HIP and HIU ids to tenants, refuses one id for two tenants, and registers the bridge and its services with the gateway', async () => {
    const pune = await run('tenant', 'create', '--name', 'Sanjeevani Hospitals');
    const clinic = await run('tenant', 'create', '--name', 'City Clinic');
    expect(pune.code).toBe(0);
    expect(clinic.code).toBe(0);
    expect((await run('abdm', 'service', '--tenant', pune.out.id, '--id', 'IN2710000101', '--type', 'HIP')).code).toBe(0);
    expect((await run('abdm', 'service', '--tenant', clinic.out.id, '--id', 'IN0810000999', '--type', 'HIU')).code).toBe(0);
    const taken = await run('abdm', 'service', '--tenant', clinic.out.id, '--id', 'IN2710000101', '--type', 'HIP');
    expect(taken.code).toBe(1);
    expect(JSON.parse(taken.err.split('\n')[0]).error).toMatch(/belongs to another tenant/);
    const wrongType = await run('abdm', 'service', '--tenant', clinic.out.id, '--id', 'IN0810000999', '--type', 'PHR');
    expect(wrongType.code).toBe(1);
    expect(wrongType.err).toMatch(/--type is HIP or HIU/);

    const listed = await run('abdm', 'services');
    expect(listed.out).toEqual([
      { serviceId: 'IN0810000999', type: 'HIU', tenantId: clinic.out.id, tenantName: 'City Clinic' },
      { serviceId: 'IN2710000101', type: 'HIP', tenantId: pune.out.id, tenantName: 'Sanjeevani Hospitals' },
    ]);

    const registered = await run('abdm', 'register-bridge', '--url', 'https://hospital.example.in/');
    expect(registered.code, registered.err).toBe(0);
    expect(gw.state.clients.get('SBX_HOSPITAL_OPS')?.bridgeUrl).toBe('https://hospital.example.in');
    expect(gw.state.services.get('IN2710000101')).toMatchObject({ name: 'Sanjeevani Hospitals', type: 'HIP', active: true });
    expect(gw.state.services.get('IN0810000999')).toMatchObject({ name: 'City Clinic', type: 'HIU', active: true });
    // Again: nothing changes, and nothing fails.
    expect((await run('abdm', 'register-bridge', '--url', 'https://hospital.example.in')).code).toBe(0);
    expect(gw.state.services.size).toBe(2);
  }, 240_000);

  it('says what is missing: no gateway settings, no public URL, a gateway that refuses the client', async () => {
    const noGateway = await runCli(
      ADMIN,
      { DATA_DIR: cli.dir, DATABASE_URL: cli.databaseUrl ?? '' },
      'abdm',
      'register-bridge',
      '--url',
      'https://x.example.in',
    );
    expect(noGateway.code).toBe(1);
    expect(JSON.parse(noGateway.err.split('\n')[0]).error).toMatch(/ABDM is not configured/);
    const noUrl = await run('abdm', 'register-bridge');
    expect(noUrl.code).toBe(1);
    expect(JSON.parse(noUrl.err.split('\n')[0]).error).toMatch(/public URL/);
    const refused = await runCli(
      ADMIN,
      { DATA_DIR: cli.dir, DATABASE_URL: cli.databaseUrl ?? '', ...abdmEnv, ABDM_CLIENT_SECRET: 'not-the-secret' },
      'abdm',
      'register-bridge',
      '--url',
      'https://x.example.in',
    );
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.err.split('\n')[0]).error).toMatch(/The gateway refused the registration/);
    expect(refused.err).not.toContain('not-the-secret');
  }, 240_000);
});
