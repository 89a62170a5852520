import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { fhirClient, startTestServer, systemToken, TENANT_A, TENANT_B, type TestServer } from '../helpers/server.ts';
import { createStaff, staffClient, userToken } from '../helpers/staff.ts';

let t: TestServer;
const sockets: WebSocket[] = [];

beforeAll(async () => {
  t = await startTestServer({ EVENTS_POLL_MS: '50' });
}, 120_000);
afterAll(async () => {
  for (const s of sockets) s.terminate();
  await t?.stop();
});

/** A socket on the R4 websocket channel that keeps every message it receives. */
async function open(): Promise<{ socket: WebSocket; messages: string[]; next: () => Promise<string> }> {
  const socket = new WebSocket(`${t.server.url.replace(/^http/, 'ws')}/ws/subscriptions`);
  sockets.push(socket);
  const messages: string[] = [];
  const waiting: ((m: string) => void)[] = [];
  socket.on('message', (data) => {
    const m = String(data);
    messages.push(m);
    waiting.shift()?.(m);
  });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const next = () => new Promise<string>((resolve) => waiting.push(resolve));
  return { socket, messages, next };
}

/** A system client token with only the scopes given. */
async function narrowToken(scope: string): Promise<string> {
  const res = await fetch(`${t.server.url}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: 'test-system-a',
      client_secret: 'test-system-secret-0123456789',
      scope,
    }),
  });
  return (await res.json()).access_token;
}

const websocketSubscription = (criteria: string) => ({
  resourceType: 'Subscription',
  status: 'requested',
  reason: 'Live queue screen',
  criteria,
  channel: { type: 'websocket' },
});

const encounter = (status: string) => ({ resourceType: 'Encounter', status, class: { code: 'AMB' } });
const settle = () => new Promise((r) => setTimeout(r, 800));

describe('Subscriptions over the R4 websocket channel', () => {
  it('binds with a token, pings for each matching change, and not for others', async () => {
    const a = fhirClient(t.base);
    const sub = await a.post('Subscription', websocketSubscription('Encounter?status=arrived'));
    expect(sub.status).toBe(201);
    expect(sub.body.status).toBe('active');
    const ws = await open();
    ws.socket.send(`bind ${sub.body.id} ${await systemToken(t.base, TENANT_A)}`);
    expect(await ws.next()).toBe(`bound ${sub.body.id}`);

    expect((await a.post('Encounter', encounter('planned'))).status).toBe(201);
    const arrived = await a.post('Encounter', encounter('arrived'));
    expect(await ws.next()).toBe(`ping ${sub.body.id}`);
    await a.put(`Encounter/${arrived.body.id}`, { ...arrived.body, status: 'in-progress' }); // no longer matches
    await settle();
    expect(ws.messages).toEqual([`bound ${sub.body.id}`, `ping ${sub.body.id}`]);

    ws.socket.send(`unbind ${sub.body.id}`);
    expect(await ws.next()).toBe(`unbound ${sub.body.id}`);
    await a.post('Encounter', encounter('arrived'));
    await settle();
    expect(ws.messages).toHaveLength(3);
  }, 60_000);

  it("never pings one tenant's socket for another tenant's changes, nor lets it bind another tenant's Subscription", async () => {
    const a = fhirClient(t.base);
    const b = fhirClient(t.base, TENANT_B);
    const subA = await a.post('Subscription', websocketSubscription('Encounter?status=triaged'));
    const subB = await b.post('Subscription', websocketSubscription('Encounter?status=triaged'));
    const tokenB = await systemToken(t.base, TENANT_B);

    const intruder = await open();
    intruder.socket.send(`bind ${subA.body.id} ${tokenB}`);
    expect(await intruder.next()).toMatch(new RegExp(`^error ${subA.body.id} No active websocket Subscription`));

    const own = await open();
    own.socket.send(`bind ${subB.body.id} ${tokenB}`);
    expect(await own.next()).toBe(`bound ${subB.body.id}`);
    await a.post('Encounter', encounter('triaged'));
    await settle();
    expect(own.messages).toEqual([`bound ${subB.body.id}`]);
    expect(intruder.messages).toHaveLength(1);
    await b.post('Encounter', encounter('triaged'));
    expect(await own.next()).toBe(`ping ${subB.body.id}`);
  }, 60_000);

  it('sends no ping for a change the bound token may not read, and refuses a bad token', async () => {
    const a = fhirClient(t.base);
    const sub = await a.post('Subscription', websocketSubscription('Encounter?status=onleave'));
    // Allowed to read Subscriptions, not Encounters.
    const narrow = await narrowToken('system/Subscription.rs');
    expect(narrow).toBeTruthy();
    const ws = await open();
    ws.socket.send(`bind ${sub.body.id} ${narrow}`);
    expect(await ws.next()).toBe(`bound ${sub.body.id}`);
    await a.post('Encounter', encounter('onleave'));
    await settle();
    expect(ws.messages).toEqual([`bound ${sub.body.id}`]);

    const bad = await open();
    bad.socket.send(`bind ${sub.body.id} not-a-token`);
    expect(await bad.next()).toMatch(new RegExp(`^error ${sub.body.id} Invalid access token`));
    bad.socket.send('hello');
    expect(await bad.next()).toBe('error Send "bind <Subscription id> <access token>".');
  }, 60_000);

  it("lets front-desk staff follow changes live, only their own branch's, and never over rest-hook", async () => {
    const system = fhirClient(t.base);
    const pune = await system.post('Organization', { resourceType: 'Organization', name: 'Pune branch' });
    const nashik = await system.post('Organization', { resourceType: 'Organization', name: 'Nashik branch' });
    const desk = await createStaff(t, TENANT_A, 'receptionist', [pune.body.id]);
    const receptionist = await staffClient(t, desk);
    const sub = await receptionist.post('Subscription', websocketSubscription('Encounter?status=arrived'));
    expect(sub.status).toBe(201);
    const hook = await receptionist.post('Subscription', {
      ...websocketSubscription('Encounter?status=arrived'),
      channel: { type: 'rest-hook', endpoint: 'https://example.org/hook' },
    });
    expect(hook.status).toBe(403);

    const ws = await open();
    ws.socket.send(`bind ${sub.body.id} ${await userToken(t, desk.user)}`);
    expect(await ws.next()).toBe(`bound ${sub.body.id}`);
    await system.post('Encounter', { ...encounter('arrived'), serviceProvider: { reference: `Organization/${nashik.body.id}` } });
    await settle();
    expect(ws.messages).toEqual([`bound ${sub.body.id}`]);
    await system.post('Encounter', { ...encounter('arrived'), serviceProvider: { reference: `Organization/${pune.body.id}` } });
    expect(await ws.next()).toBe(`ping ${sub.body.id}`);
  }, 60_000);
});
