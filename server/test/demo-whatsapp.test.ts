import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getInstallation } from '../src/bots/installations.ts';
import { loadConfig } from '../src/config.ts';
import { DEMO_WHATSAPP_NUMBER, type DemoWhatsApp, startDemoWhatsApp } from '../src/features/demo/whatsapp.ts';
import { CONSENT_CATEGORY, CONSENT_SCOPE, OPT_IN_RULE } from '../src/features/messaging/whatsapp/fhir.ts';
import { tenantForNumber } from '../src/features/messaging/whatsapp/numbers.ts';
import { fhirClient, startTestServer, TENANT_A, type TestServer } from './helpers/server.ts';

// `npm start` with the demo: the local Cloud API simulator stands in for Meta, so a booking reaches a phone.
const demoEnv = { SEED_DEMO: 'true', DEMO_WHATSAPP_PORT: '0', TENANT_ID: TENANT_A, DATA_DIR: ':memory:' };

describe('the demo’s WhatsApp', () => {
  let demo: DemoWhatsApp | undefined;
  let t: TestServer;

  beforeAll(async () => {
    demo = await startDemoWhatsApp(loadConfig(demoEnv));
    if (!demo) throw new Error('the demo WhatsApp did not start');
    // The server under test keeps its own database and tenant; the demo parts are what is tried here.
    t = await startTestServer({ ...demo.env, JOBS_POLL_MS: '100' });
    await demo.attach(t.server);
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
    await demo?.stop();
  });

  it('is not started when a real account is configured, the demo is off, or it is turned off', async () => {
    expect(await startDemoWhatsApp(loadConfig({ ...demoEnv, WHATSAPP_TOKEN: 'a-real-system-user-token' }))).toBeUndefined();
    expect(await startDemoWhatsApp(loadConfig({ ...demoEnv, SEED_DEMO: 'false' }))).toBeUndefined();
    expect(await startDemoWhatsApp(loadConfig({ ...demoEnv, DEMO_WHATSAPP: 'false' }))).toBeUndefined();
  });

  it('starts without it when its port is taken', async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = (busy.address() as { port: number }).port;
    try {
      expect(await startDemoWhatsApp(loadConfig({ ...demoEnv, DEMO_WHATSAPP_PORT: String(port) }))).toBeUndefined();
    } finally {
      busy.close();
    }
  });

  it('gives the demo tenant the number and enables the bot once, without overruling an administrator later', async () => {
    expect(await tenantForNumber(t.server.db, DEMO_WHATSAPP_NUMBER)).toBe(TENANT_A);
    expect(await getInstallation(t.server.db, TENANT_A, 'whatsapp')).toMatchObject({ enabled: true });
    await t.server.bots?.change(TENANT_A, 'whatsapp', { enabled: false });
    await demo?.attach(t.server);
    expect(await getInstallation(t.server.db, TENANT_A, 'whatsapp')).toMatchObject({ enabled: false });
    await t.server.bots?.change(TENANT_A, 'whatsapp', { enabled: true });
  });

  it('sends a booking to the simulated phone of a patient who opted in', async () => {
    const fhir = fhirClient(t.base, TENANT_A);
    const patient = await fhir.post('Patient', {
      resourceType: 'Patient',
      name: [{ given: ['Kavita'], family: 'Patil' }],
      telecom: [{ system: 'phone', use: 'mobile', value: '+91 98220 44556' }],
    });
    await fhir.post('Consent', {
      resourceType: 'Consent',
      status: 'active',
      scope: CONSENT_SCOPE,
      category: [CONSENT_CATEGORY],
      patient: { reference: `Patient/${patient.body.id}` },
      policyRule: OPT_IN_RULE,
      provision: { type: 'permit' },
    });
    const start = new Date(Date.now() + 2 * 86_400_000).toISOString();
    const booked = await fhir.post('Appointment', {
      resourceType: 'Appointment',
      status: 'booked',
      start,
      end: new Date(Date.parse(start) + 15 * 60_000).toISOString(),
      participant: [{ actor: { reference: `Patient/${patient.body.id}` }, status: 'accepted' }],
    });
    expect(booked.status).toBe(201);
    const deadline = Date.now() + 30_000;
    let received: { template?: { name: string } }[] = [];
    while (received.length === 0 && Date.now() < deadline) {
      const res = await fetch(`${demo?.url}/_sim/messages?to=919822044556`);
      received = (await res.json()) as typeof received;
      if (received.length === 0) await new Promise((r) => setTimeout(r, 200));
    }
    expect(received[0]?.template?.name).toBe('appointment_booked');
  });
});
