import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureAppClients } from '../src/apps/clients.ts';
import { findClient } from '../src/auth/store.ts';
import { startTestServer, TENANT_A, TENANT_B, type TestServer } from './helpers/server.ts';

let t: TestServer;
let origin: string;

beforeAll(async () => {
  t = await startTestServer();
  origin = t.base.replace(/\/fhir\/R4$/, '');
});
afterAll(() => t?.stop());

describe('built-in SMART apps', () => {
  it('registers the OPD app as a public PKCE client of the bootstrap tenant, redirecting to the app', async () => {
    const client = await findClient(t.server.db, 'opd');
    expect(client).toMatchObject({ tenant_id: TENANT_A, client_type: 'public', secret_hash: null, active: true });
    expect(client?.redirect_uris).toEqual([`${origin}/apps/opd/`]);
    expect(client?.launch_uri).toBe(`${origin}/apps/opd/launch`);
    expect(client?.scope.split(' ')).toEqual(expect.arrayContaining(['openid', 'fhirUser', 'launch', 'user/*.cruds']));
  });

  it('serves /favicon.ico, which browsers ask for on every page', async () => {
    const res = await fetch(`${origin}/favicon.ico`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/x-icon');
    const icon = Buffer.from(await res.arrayBuffer());
    expect([...icon.subarray(0, 6)]).toEqual([0, 0, 1, 0, 1, 0]);
    expect(icon.readUInt32LE(14) + icon.readUInt32LE(18)).toBe(icon.length);
  });

  it('registers the Lab app beside it, without encounter context', async () => {
    const client = await findClient(t.server.db, 'lab');
    expect(client).toMatchObject({ tenant_id: TENANT_A, client_type: 'public', active: true });
    expect(client?.redirect_uris).toEqual([`${origin}/apps/lab/`]);
    expect(client?.scope.split(' ')).toEqual(expect.arrayContaining(['openid', 'fhirUser', 'launch/patient', 'user/*.cruds']));
    expect(client?.scope.split(' ')).not.toContain('launch/encounter');
    const config = await fetch(`${origin}/apps/lab/config.json`);
    expect(await config.json()).toEqual({ clientId: 'lab', fhirBaseUrl: `${origin}/fhir/R4`, appUrl: `${origin}/apps/lab/` });
  });

  it('registers the Pharmacy app, without encounter context', async () => {
    const client = await findClient(t.server.db, 'pharmacy');
    expect(client?.redirect_uris).toEqual([`${origin}/apps/pharmacy/`]);
    expect(client?.scope.split(' ')).not.toContain('launch/encounter');
    const config = await fetch(`${origin}/apps/pharmacy/config.json`);
    expect(await config.json()).toEqual({ clientId: 'pharmacy', fhirBaseUrl: `${origin}/fhir/R4`, appUrl: `${origin}/apps/pharmacy/` });
  });

  it('tells the app its client and FHIR base', async () => {
    const res = await fetch(`${origin}/apps/opd/config.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(await res.json()).toEqual({ clientId: 'opd', fhirBaseUrl: `${origin}/fhir/R4`, appUrl: `${origin}/apps/opd/` });
  });

  it('follows a moved base URL and gives other tenants their own client id', async () => {
    const changed = await ensureAppClients(t.server.db, TENANT_A, TENANT_A, 'https://opd.example.in');
    expect(changed).toEqual(['opd', 'ipd', 'lab', 'pharmacy']);
    expect((await findClient(t.server.db, 'opd'))?.redirect_uris).toEqual([`${origin}/apps/opd/`, 'https://opd.example.in/apps/opd/']);
    expect(await ensureAppClients(t.server.db, TENANT_A, TENANT_A, 'https://opd.example.in')).toEqual([]);

    expect(await ensureAppClients(t.server.db, TENANT_B, TENANT_A, 'https://opd.example.in')).toEqual([
      `opd-${TENANT_B}`,
      `ipd-${TENANT_B}`,
      `lab-${TENANT_B}`,
      `pharmacy-${TENANT_B}`,
    ]);
    expect((await findClient(t.server.db, `opd-${TENANT_B}`))?.tenant_id).toBe(TENANT_B);
  });

  it('starts authorization for the app only at its registered address', async () => {
    const authorize = (redirect: string) =>
      fetch(
        `${origin}/oauth2/authorize?${new URLSearchParams({
          response_type: 'code',
          client_id: 'opd',
          redirect_uri: redirect,
          scope: 'openid fhirUser user/*.rs',
          state: 'x',
          aud: `${origin}/fhir/R4`,
          code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
          code_challenge_method: 'S256',
        })}`,
        { redirect: 'manual' },
      );
    expect((await authorize(`${origin}/apps/opd/`)).status).toBe(200);
    const elsewhere = await authorize('https://evil.example/apps/opd/');
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.headers.get('location')).toBeNull();
  });
});
