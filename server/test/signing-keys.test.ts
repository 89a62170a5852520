import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirClient, startTestServer, TENANT_A, type TestServer } from './helpers/server.ts';

// Issue 13 item 7: what request handling runs as (the runtime role, under RLS) can never read a
// private signing key, so an SQL injection anywhere could not forge tokens for every tenant.
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
}, 120_000);
afterAll(async () => {
  await t?.stop();
});

describe('signing keys and the runtime role', () => {
  it('reads the public half only; the private key is refused', async () => {
    const asRuntime = (text: string) => t.server.db.transaction({ tenantId: TENANT_A }, (sql) => sql.query(text));
    const published = await asRuntime('SELECT kid, alg, public_jwk FROM signing_key');
    expect(published.rows.length).toBeGreaterThan(0);
    await expect(asRuntime('SELECT private_jwk FROM signing_key')).rejects.toThrow(/permission denied/);
    await expect(asRuntime('SELECT * FROM signing_key')).rejects.toThrow(/permission denied/);
    await expect(asRuntime('SELECT count(*) FROM signing_key WHERE private_jwk IS NOT NULL')).rejects.toThrow(/permission denied/);
  });

  it('still signs tokens that the API accepts, and publishes the public keys', async () => {
    const res = await fhirClient(t.base).get('Patient?_count=1');
    expect(res.status).toBe(200);
    const jwks = await (await fetch(`${t.server.url}/oauth2/jwks`)).json();
    expect(jwks.keys.length).toBeGreaterThan(0);
    for (const k of jwks.keys) expect(k.d).toBeUndefined();
  });
});
