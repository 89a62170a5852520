import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientLimits } from '../src/auth/client-limits.ts';
import { createClient } from '../src/auth/store.ts';
import { runCli } from './helpers/cli.ts';
import { startTestServer, systemToken, TENANT_A, TENANT_B, type TestServer } from './helpers/server.ts';

// The default API limit is a person's: 5 a minute here so a test reaches it; an integration gets its own.
let t: TestServer;
const SECRET = 'integration-secret-0123456789';
beforeAll(async () => {
  t = await startTestServer({ RATE_LIMIT_API: '5' });
  for (const clientId of ['lab-integration', 'reporting-app'])
    await createClient(t.server.db, TENANT_A, { clientId, name: clientId, type: 'confidential', scope: 'system/*.rs', secret: SECRET });
});
afterAll(() => t?.stop());

async function tokenOf(clientId: string): Promise<string> {
  const res = await fetch(`${t.server.url}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: SECRET, scope: 'system/*.rs' }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

async function statuses(token: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++)
    out.push((await fetch(`${t.base}/Patient?_count=1`, { headers: { authorization: `Bearer ${token}` } })).status);
  return out;
}

const setLimit = async (clientId: string, body: unknown, tenant = TENANT_A) =>
  fetch(`${t.server.url}/admin/clients/${clientId}/rate-limit`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${await systemToken(t.base, tenant)}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe("a client's own API rate limit", () => {
  it('keeps the default for clients without one, and lets an admin raise one client above it', async () => {
    const raised = await setLimit('lab-integration', { perMinute: 12 });
    expect(raised.status).toBe(200);
    expect(await raised.json()).toEqual({ clientId: 'lab-integration', perMinute: 12, default: 5 });

    const lab = await statuses(await tokenOf('lab-integration'), 13);
    expect(lab.slice(0, 12).every((s) => s === 200)).toBe(true);
    expect(lab[12]).toBe(429);
    // Another client of the same tenant keeps the default.
    expect(await statuses(await tokenOf('reporting-app'), 6)).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it('0 means no limit; the CLI sets it too', async () => {
    if (t.databaseUrl) {
      // The CLI writes the limit; a process without the 30-second cache reads it at once.
      const cli = await runCli(
        'src/admin/cli.ts',
        { DATABASE_URL: t.databaseUrl, DATA_DIR: '' },
        ...['client', 'rate-limit', '--tenant', TENANT_A, '--client-id', 'reporting-app', '--per-minute', '0'],
      );
      expect(cli.out).toEqual({ clientId: 'reporting-app', perMinute: 0 });
      expect(await new ClientLimits(t.server.db).perMinute(TENANT_A, 'reporting-app')).toBe(0);
    }
    // Through the API the serving process applies it at once.
    expect((await setLimit('reporting-app', { perMinute: 0 })).status).toBe(200);
    expect((await statuses(await tokenOf('reporting-app'), 8)).every((s) => s === 200)).toBe(true);
  });

  it("refuses bad values, and another tenant's client is not found", async () => {
    for (const body of [{ perMinute: -1 }, { perMinute: 1.5 }, { perMinute: '100' }, {}]) {
      const res = await setLimit('lab-integration', body);
      expect(res.status).toBe(400);
      expect((await res.json()).issue[0].details.text).toContain('perMinute');
    }
    expect((await setLimit('lab-integration', { perMinute: 100 }, TENANT_B)).status).toBe(404);
  });
});
