import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWhatsAppSimulator, type WhatsAppSimulator } from '../../../simulators/whatsapp-cloud/src/index.ts';
import { CONSENT_CATEGORY, CONSENT_SCOPE, OPT_IN_RULE, WAMID_SYSTEM } from '../../src/features/messaging/whatsapp/fhir.ts';
import { registerWhatsAppNumber } from '../../src/features/messaging/whatsapp/numbers.ts';
import { fhirClient, startTestServer, systemToken, TENANT_A, type TestServer } from '../helpers/server.ts';

// The whole path, nothing stood in: a booking commits, its event reaches the WhatsApp bot's
// Subscription, the platform's job queue runs the bot in its sandbox with its own token, the bot
// sends through the Cloud API simulator, and the simulator's signed status webhooks update the
// Communication. The Cloud API token comes from the server's configuration, never the tenant's settings.
const APP_SECRET = 'e2e-app-secret-0123';
const CLOUD_TOKEN = 'e2e-cloud-api-token-0123';
const NUMBER = '444444444444444';

// On PostgreSQL the jobs also run on BullMQ (Redis), as in server mode; on PGlite on the database, as embedded.
const backends =
  process.env.TEST_DB === 'postgres'
    ? [{ jobs: 'database' }, { jobs: 'redis', REDIS_URL: 'redis://127.0.0.1:6379' }]
    : [{ jobs: 'database' }];

describe.each(backends)('a booking reaches the patient on WhatsApp (jobs on the $jobs)', ({ REDIS_URL }) => {
  let t: TestServer;
  let sim: WhatsAppSimulator;
  const fhir = () => fhirClient(t.base, TENANT_A);

  beforeAll(async () => {
    sim = await startWhatsAppSimulator({
      accessToken: CLOUD_TOKEN,
      appSecret: APP_SECRET,
      phoneNumbers: [{ phoneNumberId: NUMBER, displayPhoneNumber: '912040000001', wabaId: '5000' }],
      statusDelayMs: 5,
    });
    t = await startTestServer({
      WHATSAPP_APP_SECRET: APP_SECRET,
      WHATSAPP_VERIFY_TOKEN: 'e2e-verify-token',
      WHATSAPP_API_BASE: sim.apiBase,
      WHATSAPP_TOKEN: CLOUD_TOKEN,
      JOBS_POLL_MS: '100',
      ...(REDIS_URL ? { REDIS_URL } : {}),
    });
    sim.setWebhookUrl(`${t.server.url}/webhooks/whatsapp`);
    await registerWhatsAppNumber(t.server.db, TENANT_A, NUMBER);
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
    await sim?.stop();
  });

  async function until<T>(what: () => Promise<T | undefined> | T | undefined, ms = 30_000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = await what();
      if (v) return v;
      if (Date.now() > end) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it('through the event, the job queue, the sandboxed bot and the Cloud API, with statuses back on the Communication', async () => {
    const admin = await fetch(`${t.server.url}/admin/bots/whatsapp`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${await systemToken(t.base, TENANT_A)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ enabled: true, settings: { phoneNumberId: NUMBER, hospitalName: 'Sanjeevani Hospital' } }),
    });
    expect(admin.status).toBe(200);
    // The secret the bot sends with is the server's, and no admin answer carries it.
    expect(JSON.stringify(await admin.json())).not.toContain(CLOUD_TOKEN);

    const patient = await fhir().post('Patient', {
      resourceType: 'Patient',
      name: [{ given: ['Meena'], family: 'Joshi' }],
      telecom: [{ system: 'phone', use: 'mobile', value: '+91 98220 11223' }],
      communication: [{ language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'hi' }] }, preferred: true }],
    });
    await fhir().post('Consent', {
      resourceType: 'Consent',
      status: 'active',
      scope: CONSENT_SCOPE,
      category: [CONSENT_CATEGORY],
      patient: { reference: `Patient/${patient.body.id}` },
      policyRule: OPT_IN_RULE,
      provision: { type: 'permit' },
    });
    const start = new Date(Date.now() + 3 * 86_400_000).toISOString();
    const appointment = await fhir().post('Appointment', {
      resourceType: 'Appointment',
      status: 'booked',
      start,
      end: new Date(Date.parse(start) + 15 * 60_000).toISOString(),
      participant: [
        { actor: { reference: `Patient/${patient.body.id}` }, status: 'accepted' },
        { actor: { reference: 'Practitioner/dr-joshi', display: 'Dr Anand Joshi' }, status: 'accepted' },
      ],
    });
    expect(appointment.status).toBe(201);

    const [message] = await until(() => {
      const m = sim.messages({ to: '919822011223' });
      return m.length ? m : undefined;
    });
    expect(message.template).toMatchObject({ name: 'appointment_booked', language: 'hi' });
    const communication = await until(async () => {
      const found = await fhir().get(`Communication?subject=Patient/${patient.body.id}&_count=10`);
      const c = found.body.entry?.map((e: { resource: any }) => e.resource).find((r: any) => r.status === 'completed');
      return c;
    });
    expect(communication.about[0].reference).toBe(`Appointment/${appointment.body.id}`);
    expect(communication.identifier).toContainEqual({ system: WAMID_SYSTEM, value: message.id });

    // The same event delivered again (a redelivery) sends nothing more.
    await t.server.events.runNow();
    await new Promise((r) => setTimeout(r, 1500));
    expect(sim.messages({ to: '919822011223' })).toHaveLength(1);
  }, 120_000);
});
