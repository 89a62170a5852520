import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../src/auth/store.ts';
import { startTestServer, systemToken, TENANT_A, type TestServer } from './helpers/server.ts';

let t: TestServer;

beforeAll(async () => {
  // The seed's limits for sign-in and one-time codes; the API limit lowered so a test can reach it.
  t = await startTestServer({ RATE_LIMIT_LOGIN: '5', RATE_LIMIT_OTP: '3', RATE_LIMIT_API: '30' });
  await createClient(t.server.db, TENANT_A, {
    clientId: 'opd-web',
    name: 'OPD',
    type: 'public',
    redirectUris: ['https://opd.sanjeevani.example/callback'],
    scope: 'user/*.rs',
  });
});
afterAll(() => t?.stop());

describe('security basics', () => {
  it('sends the security headers', async () => {
    const res = await fetch(`${t.base}/metadata`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=31536000; includeSubDomains/);
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(res.headers.get('x-powered-by')).toBeNull();
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
