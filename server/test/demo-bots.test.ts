import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getInstallation } from '../src/bots/installations.ts';
import { DEMO_BOTS, enableDemoBots } from '../src/features/demo/bots.ts';
import { startTestServer, TENANT_A, type TestServer } from './helpers/server.ts';

describe('the demo tenant’s hospital bots', () => {
  let t: TestServer;

  beforeAll(async () => {
    t = await startTestServer();
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
  });

  it('are left alone when the demo is off', async () => {
    expect(await enableDemoBots({ ...t.server, config: { ...t.server.config, SEED_DEMO: false } })).toEqual([]);
    for (const bot of DEMO_BOTS) expect(await getInstallation(t.server.db, TENANT_A, bot)).toBeUndefined();
  });

  it('are enabled on the demo’s first start, once, and an administrator who disables one is not overruled', async () => {
    const demo = { ...t.server, config: { ...t.server.config, SEED_DEMO: true } };
    expect(await enableDemoBots(demo)).toEqual(['billing', 'pharmacy-alerts', 'mar-doses']);
    for (const bot of DEMO_BOTS) expect(await getInstallation(t.server.db, TENANT_A, bot)).toMatchObject({ enabled: true });
    await t.server.bots?.change(TENANT_A, 'billing', { enabled: false });
    expect(await enableDemoBots(demo)).toEqual([]);
    expect(await getInstallation(t.server.db, TENANT_A, 'billing')).toMatchObject({ enabled: false });
  });
});
