import { get, type IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../src/auth/store.ts';
import { startTestServer, systemToken, TENANT_A, type TestServer } from './helpers/server.ts';

let t: TestServer;

beforeAll(async () => {
  // The seed's limits for sign-in and one-time codes; the API limit lowered so a test can reach it.
  // A TLS proxy on this machine would connect from loopback.
  t = await startTestServer({ RATE_LIMIT_LOGIN: '5', RATE_LIMIT_OTP: '3', RATE_LIMIT_API: '30', TRUST_PROXY: 'loopback' });
  await createClient(t.server.db, TENANT_A, {
    clientId: 'opd-web',
    name: 'OPD',
    type: 'public',
    redirectUris: ['https://opd.sanjeevani.example/callback'],
    scope: 'user/*.rs',
  });
});
afterAll(() => t?.stop());

/** Response headers for a GET with these request headers (node:http, so Host can be set). */
function headersOf(url: string, headers: Record<string, string>): Promise<IncomingHttpHeaders> {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (res) => {
      res.resume();
      resolve(res.headers);
    }).on('error', reject);
  });
}

describe('security basics', () => {
  it('sends the security headers', async () => {
    const res = await fetch(`${t.base}/metadata`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('asks for HTTPS (HSTS, upgrade-insecure-requests) only on requests that came over HTTPS', async () => {
    // A desk PC opening the app by the server's LAN name over plain HTTP: upgrading would leave a blank page.
    const lan = await headersOf(`${t.server.url}/apps/opd/`, { host: 'clinic.lan:8080' });
    expect(lan['content-security-policy']).toMatch(/default-src 'self'/);
    expect(lan['content-security-policy']).not.toMatch(/upgrade-insecure-requests/);
    expect(lan['strict-transport-security']).toBeUndefined();
    const tls = await headersOf(`${t.server.url}/apps/opd/`, { host: 'opd.sanjeevani.example', 'x-forwarded-proto': 'https' });
    expect(tls['content-security-policy']).toMatch(/upgrade-insecure-requests/);
    expect(tls['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
  });

  it('allows CORS only for registered app origins', async () => {
    const preflight = (origin: string) =>
      fetch(`${t.base}/Patient`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
      });
    const ok = await preflight('https://opd.sanjeevani.example');
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://opd.sanjeevani.example');
    const evil = await preflight('https://evil.example');
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('limits sign-in attempts per minute', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await fetch(`${t.server.url}/oauth2/authorize/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'pending=x&login=a&password=b',
      });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 5).every((s) => s !== 429)).toBe(true);
    expect(statuses.slice(5)).toEqual([429, 429]);
  });

  it('limits the API per client, answering 429 with an OperationOutcome and Retry-After', async () => {
    const token = await systemToken(t.base, TENANT_A);
    const get = () => fetch(`${t.base}/Patient?_count=1`, { headers: { authorization: `Bearer ${token}` } });
    for (let i = 0; i < 30; i++) expect((await get()).status).toBe(200);
    const last = await get();
    expect(last.status).toBe(429);
    expect(last.headers.get('retry-after')).toBeTruthy();
    expect((await last.json()).issue[0].code).toBe('throttled');
  });
});
