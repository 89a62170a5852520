import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AbdmGateway, startAbdmGateway } from '../../../simulators/abdm-gateway/src/index.ts';
import { type GatewayCall, verifyGatewayCalls } from '../../src/features/abdm/gateway/verify.ts';
import { createLogger } from '../../src/logger.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// Inbound gateway calls checked against the local ABDM gateway: its JWKS, its tokens, its headers.
const HIP = 'IN2910000001';
const DISCOVER = '/api/v3/hip/patient/care-context/discover';

let server: TestServer;
let gw: AbdmGateway;
const bridges: Server[] = [];
let handled: GatewayCall[] = [];
let bridgeUrl = '';

async function startBridge(jwksCooldownMs = 0, jwksUrl = `${gw.url}/gateway/v3/certs`): Promise<string> {
  const app = express();
  app.use(
    '/api/v3',
    verifyGatewayCalls({
      jwksUrl,
      db: server.server.db,
      logger: createLogger('silent'),
      gatewayClientId: 'gateway',
      jwksCooldownMs,
    }),
  );
  app.use(express.json());
  app.post(DISCOVER, (_req, res) => {
    handled.push(res.locals.abdmCall);
    res.status(202).end();
  });
  const listening = app.listen(0, '127.0.0.1');
  await new Promise((r) => listening.once('listening', r));
  bridges.push(listening);
  return `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
}

async function gatewayCall(path: string, headers: Record<string, string>): Promise<Response> {
  return fetch(`${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{"transactionId":"x"}' });
}

async function registerBridge(url: string): Promise<void> {
  const h = () => ({
    'content-type': 'application/json',
    'REQUEST-ID': randomUUID(),
    TIMESTAMP: new Date().toISOString(),
    'X-CM-ID': 'sbx',
  });
  const session = await fetch(`${gw.url}/gateway/v3/sessions`, {
    method: 'POST',
    headers: h(),
    body: JSON.stringify({ clientId: 'SBX_HOSPITAL_OPS', clientSecret: 'test-secret', grantType: 'client_credentials' }),
  }).then((r) => r.json() as Promise<{ accessToken: string }>);
  const auth = { authorization: `Bearer ${session.accessToken}` };
  await fetch(`${gw.url}/gateway/v3/bridge/url`, { method: 'PATCH', headers: { ...h(), ...auth }, body: JSON.stringify({ url }) });
  await fetch(`${gw.url}/gateway/v3/bridge-service`, {
    method: 'PUT',
    headers: { ...h(), ...auth },
    body: JSON.stringify({ id: HIP, name: 'City Hospital', type: 'HIP', active: true }),
  });
}

beforeAll(async () => {
  server = await startTestServer();
  gw = await startAbdmGateway({ clients: [{ clientId: 'SBX_HOSPITAL_OPS', clientSecret: 'test-secret' }] });
  bridgeUrl = await startBridge();
  await registerBridge(bridgeUrl);
});
afterAll(async () => {
  for (const b of bridges) await new Promise((r) => b.close(r));
  await gw?.stop();
  await server?.stop();
});

const headers = async (overrides: Record<string, string> = {}) => ({
  authorization: `Bearer ${await gw.gatewayToken()}`,
  'REQUEST-ID': randomUUID(),
  TIMESTAMP: new Date().toISOString(),
  'X-HIP-ID': HIP,
  'X-CM-ID': 'sbx',
  ...overrides,
});

describe('inbound ABDM gateway calls', () => {
  it('accepts a call the gateway makes, exposing its REQUEST-ID, TIMESTAMP and HIP id to the handler', async () => {
    handled = [];
    const requestId = await gw.deliver(HIP, DISCOVER, { transactionId: randomUUID(), patient: { id: 'asha@sbx' } });
    expect(handled).toHaveLength(1);
    expect(handled[0].requestId).toBe(requestId);
    expect(handled[0].hipId).toBe(HIP);
    expect(handled[0].claims.clientId).toBe('gateway');
  });

  it('refuses a replayed REQUEST-ID (409), also when another server process receives it', async () => {
    handled = [];
    const h = await headers();
    expect((await gatewayCall(`${bridgeUrl}${DISCOVER}`, h)).status).toBe(202);
    const replay = await gatewayCall(`${bridgeUrl}${DISCOVER}`, h);
    expect(replay.status).toBe(409);
    expect(((await replay.json()) as { issue: { code: string }[] }).issue[0].code).toBe('duplicate');
    const otherProcess = await startBridge();
    expect((await gatewayCall(`${otherProcess}${DISCOVER}`, h)).status).toBe(409);
    expect((await gatewayCall(`${otherProcess}${DISCOVER}`, { ...h, 'REQUEST-ID': h['REQUEST-ID'].toUpperCase() })).status).toBe(409);
    expect(handled).toHaveLength(1);
  });

  it('refuses a TIMESTAMP outside the allowed skew, or malformed, and a REQUEST-ID that is not a UUID (400)', async () => {
    handled = [];
    const cases: Record<string, string>[] = [
      { TIMESTAMP: new Date(Date.now() - 6 * 60_000).toISOString() },
      { TIMESTAMP: new Date(Date.now() + 6 * 60_000).toISOString() },
      { TIMESTAMP: '06/12/2026 10:00' },
      { TIMESTAMP: '' },
      { 'REQUEST-ID': 'req-1' },
    ];
    for (const overrides of cases) {
      const r = await gatewayCall(`${bridgeUrl}${DISCOVER}`, await headers(overrides));
      expect(r.status, JSON.stringify(overrides)).toBe(400);
      expect(r.headers.get('content-type')).toMatch(/fhir\+json/);
    }
    expect(handled).toHaveLength(0);
  });

  it('refuses with 401 a missing, expired, forged or foreign-key token, and a bridge’s own session token', async () => {
    handled = [];
    const foreign = await generateKeyPair('RS256');
    const forged = await new SignJWT({ clientId: 'gateway' })
      .setProtectedHeader({ alg: 'RS256', kid: 'not-in-the-jwks' })
      .setExpirationTime('5m')
      .sign(foreign.privateKey);
    const good = await gw.gatewayToken();
    const [head, body] = good.split('.');
    const session = await fetch(`${gw.url}/gateway/v3/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'REQUEST-ID': randomUUID(), TIMESTAMP: new Date().toISOString(), 'X-CM-ID': 'sbx' },
      body: JSON.stringify({ clientId: 'SBX_HOSPITAL_OPS', clientSecret: 'test-secret', grantType: 'client_credentials' }),
    }).then((r) => r.json() as Promise<{ accessToken: string }>);
    for (const authorization of [
      '',
      `Bearer ${await gw.gatewayToken(-60)}`,
      `Bearer ${forged}`,
      `Bearer ${head}.${body}.${Buffer.from('not the signature').toString('base64url')}`,
      `Bearer ${session.accessToken}`,
      `Basic ${Buffer.from('gateway:x').toString('base64')}`,
    ]) {
      const r = await gatewayCall(`${bridgeUrl}${DISCOVER}`, await headers({ authorization }));
      expect(r.status, authorization.slice(0, 30)).toBe(401);
      expect(r.headers.get('www-authenticate')).toMatch(/invalid_token/);
    }
    expect(handled).toHaveLength(0);
  });

  it('answers 503 (to be retried) while the gateway JWKS cannot be fetched, and runs nothing', async () => {
    handled = [];
    const blind = await startBridge(0, 'http://127.0.0.1:9/gateway/v3/certs');
    const r = await gatewayCall(`${blind}${DISCOVER}`, await headers());
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBe('5');
    expect(handled).toHaveLength(0);
  });

  it('follows a gateway key rotation: new tokens verify, tokens of the old key no longer do', async () => {
    handled = [];
    const old = await gw.gatewayToken();
    await gw.rotateKey();
    expect((await gatewayCall(`${bridgeUrl}${DISCOVER}`, await headers())).status).toBe(202);
    expect((await gatewayCall(`${bridgeUrl}${DISCOVER}`, await headers({ authorization: `Bearer ${old}` }))).status).toBe(401);
    expect(handled).toHaveLength(1);
  });
});
