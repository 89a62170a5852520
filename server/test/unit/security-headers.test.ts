import { get, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { securityHeaders } from '../../src/http/security.ts';

const servers: ReturnType<express.Express['listen']>[] = [];

/** A bare app with the security headers, as createApp sets them up from the configuration. */
async function serve(env: Record<string, string>): Promise<string> {
  const config = loadConfig(env);
  const app = express();
  app.set('trust proxy', config.TRUST_PROXY);
  app.use(securityHeaders(config.HTTPS_ONLY));
  app.get('/', (_req, res) => {
    res.send('ok');
  });
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((r) => server.once('listening', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

/** Response headers for a GET with these request headers (node:http, so Host can be set). */
function headersOf(url: string, headers: Record<string, string>): Promise<IncomingHttpHeaders> {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (res) => {
      res.resume();
      resolve(res.headers);
    }).on('error', reject);
  });
}

const upgrades = (h: IncomingHttpHeaders) => /upgrade-insecure-requests/.test(String(h['content-security-policy']));

afterAll(() => {
  for (const s of servers) s.close();
});

describe('HTTPS-only headers', () => {
  it('are left out over plain HTTP on a LAN host name, and a forwarded scheme from an untrusted client changes nothing', async () => {
    const url = await serve({});
    const plain = await headersOf(url, { host: 'clinic.lan:8080' });
    expect(plain['content-security-policy']).toMatch(/default-src 'self'/);
    expect(upgrades(plain)).toBe(false);
    expect(plain['strict-transport-security']).toBeUndefined();
    const spoofed = await headersOf(url, { host: 'clinic.lan:8080', 'x-forwarded-proto': 'https' });
    expect(upgrades(spoofed)).toBe(false);
    expect(spoofed['strict-transport-security']).toBeUndefined();
  });

  it('are sent when a trusted proxy says the request came over HTTPS', async () => {
    const url = await serve({ TRUST_PROXY: 'loopback' });
    const viaProxy = await headersOf(url, { host: 'clinic.example', 'x-forwarded-proto': 'https' });
    expect(upgrades(viaProxy)).toBe(true);
    expect(viaProxy['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    expect(upgrades(await headersOf(url, { host: 'clinic.lan:8080' }))).toBe(false);
  });

  it('are sent on every response with HTTPS_ONLY', async () => {
    const url = await serve({ HTTPS_ONLY: 'true' });
    const plain = await headersOf(url, { host: 'clinic.lan:8080' });
    expect(upgrades(plain)).toBe(true);
    expect(plain['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
  });
});

describe('TRUST_PROXY', () => {
  it('takes true/false, proxy hops, or addresses and subnets, and names a bad value', () => {
    expect(loadConfig({}).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '1' }).TRUST_PROXY).toBe(1);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8, fd00::1' }).TRUST_PROXY).toBe('loopback, 10.0.0.0/8, fd00::1');
    expect(() => loadConfig({ TRUST_PROXY: 'my-proxy.lan' })).toThrow(/TRUST_PROXY: must be true, false, a number of proxy hops/);
  });
});
