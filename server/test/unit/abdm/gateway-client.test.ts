import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AbdmGateway, startAbdmGateway } from '../../../../simulators/abdm-gateway/src/index.ts';
import { AbdmGatewayError, GatewayClient } from '../../../src/features/abdm/gateway/client.ts';

// Outbound calls against the local ABDM gateway, which checks every header and token.
const HIP = 'IN2910000001';
const SECRET = 'client-secret-never-shown';
let gw: AbdmGateway;
let offset = 0;
const now = () => new Date(Date.now() + offset);

beforeAll(async () => {
  // One clock for both sides, as with NTP; moved by the renewal test.
  gw = await startAbdmGateway({ clients: [{ clientId: 'SBX_HOSPITAL_OPS', clientSecret: SECRET }], now });
});
afterAll(() => gw.stop());

const client = (over: Partial<ConstructorParameters<typeof GatewayClient>[0]> = {}) =>
  new GatewayClient({ baseUrl: gw.url, clientId: 'SBX_HOSPITAL_OPS', clientSecret: SECRET, cmId: 'sbx', now, ...over });
const sessions = () => gw.exchanges({ path: '/gateway/v3/sessions' }).filter((e) => e.status === 200).length;

describe('ABDM gateway client', () => {
  it('registers the bridge and its HIP service, sharing one session between concurrent calls', async () => {
    const c = client();
    const before = sessions();
    await c.registerBridge('http://127.0.0.1:9/abdm', [{ id: HIP, name: 'City Hospital', type: 'HIP' }]);
    await Promise.all(Array.from({ length: 5 }, () => c.call('GET', '/gateway/v3/bridge-services')));
    expect(sessions() - before).toBe(1);
    const listed = await c.call('GET', '/gateway/v3/bridge-services');
    expect(listed.body).toEqual([{ id: HIP, name: 'City Hospital', type: 'HIP', active: true }]);
    expect(gw.state.clients.get('SBX_HOSPITAL_OPS')?.bridgeUrl).toBe('http://127.0.0.1:9/abdm');
  });

  it('sends a fresh REQUEST-ID, TIMESTAMP, X-CM-ID and the flow headers on each call', async () => {
    const c = client();
    const a = await c.post(
      '/v3/token/generate-token',
      { abhaAddress: 'asha@sbx', name: 'Asha Verma', gender: 'F', yearOfBirth: 1988 },
      { hipId: HIP },
    );
    const b = await c.post(
      '/v3/token/generate-token',
      { abhaAddress: 'ravi@sbx', name: 'Ravi Kumar', gender: 'M', yearOfBirth: 1979 },
      { hipId: HIP },
    );
    expect(a.status).toBe(202);
    expect(a.requestId).not.toBe(b.requestId);
    const seen = gw.exchanges({ path: '/v3/token/generate-token' }).map((e) => [e.requestId, e.serviceId, e.status]);
    expect(seen).toEqual([
      [a.requestId, HIP, 202],
      [b.requestId, HIP, 202],
    ]);
  });

  it('renews the session before it expires', async () => {
    const c = client({ refreshMarginMs: 60_000 });
    await c.call('GET', '/gateway/v3/bridge-services');
    const before = sessions();
    offset = 1_150_000; // 1150 s into a 1200 s token: inside the 60 s margin
    try {
      await c.call('GET', '/gateway/v3/bridge-services');
      await c.call('GET', '/gateway/v3/bridge-services');
    } finally {
      offset = 0;
    }
    expect(sessions() - before).toBe(1);
  });

  it('renews a token the gateway stopped accepting, once', async () => {
    const c = client();
    await c.call('GET', '/gateway/v3/bridge-services');
    await gw.rotateKey();
    const before = sessions();
    expect((await c.call('GET', '/gateway/v3/bridge-services')).status).toBe(200);
    expect(sessions() - before).toBe(1);
  });

  it('turns refusals into AbdmGatewayError with the ABDM code, never quoting the secret', async () => {
    const refused = async (p: Promise<unknown>) => {
      try {
        await p;
      } catch (err) {
        expect(err).toBeInstanceOf(AbdmGatewayError);
        expect((err as Error).message).not.toContain(SECRET);
        return err as AbdmGatewayError;
      }
      throw new Error('not refused');
    };
    const link = await refused(
      client().post('/hip/v3/link/carecontext', { abhaAddress: 'asha@sbx', patient: [] }, { hipId: HIP, linkToken: 'forged' }),
    );
    expect([link.status, link.code]).toEqual([400, 'ABDM-1026']);
    const wrongCm = await refused(client({ cmId: 'abdm' }).call('GET', '/gateway/v3/bridge-services'));
    expect(wrongCm.code).toBe('ABDM-2403');
    const wrongSecret = await refused(client({ clientSecret: 'not-the-secret' }).call('GET', '/gateway/v3/bridge-services'));
    expect([wrongSecret.status, wrongSecret.code]).toEqual([401, '900901']);
    const unreachable = await refused(client({ baseUrl: 'http://127.0.0.1:9', timeoutMs: 500 }).call('GET', '/gateway/v3/bridge-services'));
    expect(unreachable.status).toBe(0);
  });
});
