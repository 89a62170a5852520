import { readFileSync } from 'node:fs';
import { MedplumClient } from '@medplum/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BotEvent, BotInput, BotManifest } from '../../../bots/contract.ts';
import handler from '../../../bots/whatsapp/src/index.ts';
import { startWhatsAppSimulator, type WhatsAppSimulator } from '../../../simulators/whatsapp-cloud/src/index.ts';
import { createClient } from '../../src/auth/store.ts';
import {
  CONSENT_CATEGORY,
  CONSENT_SCOPE,
  DELIVERY_STATE_URL,
  OPT_IN_RULE,
  WAMID_SYSTEM,
} from '../../src/features/messaging/whatsapp/fhir.ts';
import { registerWhatsAppNumber } from '../../src/features/messaging/whatsapp/numbers.ts';
import { fhirClient, startTestServer, systemToken, TENANT_A, type TestServer } from '../helpers/server.ts';

const manifest = JSON.parse(readFileSync(new URL('../../../bots/whatsapp/bot.json', import.meta.url), 'utf8')) as BotManifest;
const APP_SECRET = 'bot-test-app-secret';
const SIM_TOKEN = 'bot-test-cloud-api-token';
const NUMBER = '333333333333333';
const BOT_SECRET = 'bot-client-secret-0123456789';

let t: TestServer;
let sim: WhatsAppSimulator;
let medplum: MedplumClient;
let settings: BotInput['settings'];
let seq = 1000;
let phoneCounter = 0;
const system = () => fhirClient(t.base, TENANT_A);

beforeAll(async () => {
  t = await startTestServer({ WHATSAPP_APP_SECRET: APP_SECRET, WHATSAPP_VERIFY_TOKEN: 'bot-test-verify-token' });
  await registerWhatsAppNumber(t.server.db, TENANT_A, NUMBER);
  sim = await startWhatsAppSimulator({
    accessToken: SIM_TOKEN,
    appSecret: APP_SECRET,
    webhookUrl: `${t.server.url}/webhooks/whatsapp`,
    phoneNumbers: [{ phoneNumberId: NUMBER, displayPhoneNumber: '911140000001', wabaId: '4000' }],
    statusDelayMs: 5,
  });
  // The bot's own client identity, with exactly the scopes its manifest asks for.
  const scope = manifest.scopes.join(' ');
  await createClient(t.server.db, TENANT_A, {
    clientId: 'bot-whatsapp',
    name: 'WhatsApp bot',
    type: 'confidential',
    scope,
    secret: BOT_SECRET,
  });
  const res = await fetch(`${t.server.url}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'bot-whatsapp', client_secret: BOT_SECRET, scope }),
  });
  const token = ((await res.json()) as { access_token: string }).access_token;
  expect(token).toBeTruthy();
  medplum = new MedplumClient({
    baseUrl: `${t.server.url}/`,
    fhirUrlPath: 'fhir/R4',
    accessToken: token,
    cacheTime: 0,
    fetch: (u: string, i: RequestInit) => fetch(u, i),
  });
  settings = {
    ...manifest.settings,
    apiBase: sim.apiBase,
    phoneNumberId: NUMBER,
    accessToken: SIM_TOKEN,
    hospitalName: 'Sanjeevani Hospital',
  };
});

afterAll(async () => {
  await sim?.stop();
  await t?.stop();
});

async function patient(opts: { optIn?: boolean; language?: string } = {}) {
  const phone = `98${String(7000000 + ++phoneCounter).padStart(8, '0')}`;
  const p = await system().post('Patient', {
    resourceType: 'Patient',
    name: [{ given: [opts.language === 'hi' ? 'रवि' : 'Ravi'], family: 'Kumar' }],
    telecom: [{ system: 'phone', use: 'mobile', value: `+91 ${phone}` }],
    ...(opts.language
      ? { communication: [{ language: { coding: [{ system: 'urn:ietf:bcp:47', code: opts.language }] }, preferred: true }] }
      : {}),
  });
  expect(p.status).toBe(201);
  if (opts.optIn !== false) await optIn(p.body.id);
  return { id: p.body.id as string, wa: `91${phone}` };
}

async function optIn(patientId: string) {
  const c = await system().post('Consent', {
    resourceType: 'Consent',
    status: 'active',
    scope: CONSENT_SCOPE,
    category: [CONSENT_CATEGORY],
    patient: { reference: `Patient/${patientId}` },
    policyRule: OPT_IN_RULE,
    provision: { type: 'permit' },
  });
  expect(c.status).toBe(201);
}

const appointmentBody = (patientId: string, start: string, status = 'booked') => ({
  resourceType: 'Appointment',
  status,
  start,
  end: new Date(Date.parse(start) + 15 * 60_000).toISOString(),
  participant: [
    { actor: { reference: `Patient/${patientId}` }, status: 'accepted' },
    { actor: { reference: 'Practitioner/dr-rao', display: 'Dr Rao' }, status: 'accepted' },
  ],
});

/** The event the runtime would hand the bot for a write the test just made. */
function eventFor(resource: { resourceType: string; id: string; meta: { versionId: string } }, action: BotEvent['action']): BotEvent {
  return {
    seq: String(++seq),
    subscription: 'sub-test',
    action,
    resourceType: resource.resourceType,
    id: resource.id,
    versionId: Number(resource.meta.versionId),
  };
}

const run = (input: Partial<BotInput>) => handler(medplum, { tenant: TENANT_A, settings, ...input });

async function communicationsAbout(ref: string, patientId: string) {
  const r = await system().get(`Communication?subject=Patient/${patientId}&_count=100`);
  return ((r.body.entry ?? []) as { resource: any }[]).map((e) => e.resource).filter((c) => c.about?.[0]?.reference === ref);
}

describe('opt-in', () => {
  it('sends nothing to a patient without an opt-in Consent, and sends once they opt in', async () => {
    const p = await patient({ optIn: false });
    const a = await system().post('Appointment', appointmentBody(p.id, '2028-01-10T05:00:00Z'));
    await run({ event: eventFor(a.body, 'create') });
    expect(sim.messages({ to: p.wa })).toHaveLength(0);
    expect(await communicationsAbout(`Appointment/${a.body.id}`, p.id)).toHaveLength(0);

    await optIn(p.id);
    await run({ event: eventFor(a.body, 'create') });
    expect(sim.messages({ to: p.wa })).toHaveLength(1);
    expect(sim.messages({ to: p.wa })[0].template?.name).toBe('appointment_booked');
  });
});

describe('language and delivery', () => {
  it('sends the Hindi template to a Hindi-preferring patient and records the statuses the webhook reports', async () => {
    const p = await patient({ language: 'hi' });
    const a = await system().post('Appointment', appointmentBody(p.id, '2028-01-11T05:00:00Z'));
    await run({ event: eventFor(a.body, 'create') });
    const [m] = sim.messages({ to: p.wa });
    expect(m.template).toMatchObject({ name: 'appointment_booked', language: 'hi' });
    expect(m.template?.parameters[0]).toBe('रवि');
    expect(m.text).toContain('बुक हो गया');
    expect(m.text).toContain('Dr Rao');

    await sim.idle();
    // Each status reached the server and was recorded (one that raced the send is delivered again).
    const accepted = sim
      .deliveries()
      .filter((d) => d.messageId === m.id && d.responseStatus === 200)
      .map((d) => JSON.parse(d.body).entry[0].changes[0].value.statuses[0].status);
    expect(accepted.sort()).toEqual(['delivered', 'read', 'sent']);
    const [c] = await communicationsAbout(`Appointment/${a.body.id}`, p.id);
    expect(c.identifier).toContainEqual({ system: WAMID_SYSTEM, value: m.id });
    expect(c.subject).toEqual({ reference: `Patient/${p.id}` });
    expect(c.status).toBe('completed');
    expect(c.extension.find((e: any) => e.url === DELIVERY_STATE_URL).valueCode).toBe('read');
  });

  it('sends English to a patient with no stated language', async () => {
    const p = await patient();
    const a = await system().post('Appointment', appointmentBody(p.id, '2028-01-12T05:00:00Z'));
    await run({ event: eventFor(a.body, 'create') });
    expect(sim.messages({ to: p.wa })[0].template?.language).toBe('en');
  });
});

describe('occasions', () => {
  it('tells a rescheduled and a cancelled appointment apart, and stays quiet for other edits', async () => {
    const p = await patient();
    const a = await system().post('Appointment', appointmentBody(p.id, '2028-01-13T05:00:00Z'));
    await run({ event: eventFor(a.body, 'create') });
    const moved = await system().put(`Appointment/${a.body.id}`, { ...a.body, start: '2028-01-14T06:30:00Z', end: '2028-01-14T06:45:00Z' });
    await run({ event: eventFor(moved.body, 'update') });
    const noted = await system().put(`Appointment/${a.body.id}`, { ...moved.body, comment: 'bring old reports' });
    await run({ event: eventFor(noted.body, 'update') });
    const cancelled = await system().put(`Appointment/${a.body.id}`, { ...noted.body, status: 'cancelled' });
    await run({ event: eventFor(cancelled.body, 'update') });
    const sent = sim.messages({ to: p.wa });
    expect(sent.map((m) => m.template?.name)).toEqual(['appointment_booked', 'appointment_rescheduled', 'appointment_cancelled']);
    expect(sent[1].text).toContain('14 Jan');
  });

  it('sends the prescription PDF as the template document, lab results and discharge', async () => {
    const p = await patient();
    const doc = await system().post('DocumentReference', {
      resourceType: 'DocumentReference',
      status: 'current',
      type: { coding: [{ system: 'http://loinc.org', code: '57833-6' }] },
      subject: { reference: `Patient/${p.id}` },
      content: [
        { attachment: { contentType: 'application/pdf', url: 'https://files.example.in/rx/123.pdf', title: 'Prescription 6 Dec' } },
      ],
    });
    await run({ event: eventFor(doc.body, 'create') });
    const report = await system().post('DiagnosticReport', {
      resourceType: 'DiagnosticReport',
      status: 'final',
      code: { text: 'CBC' },
      subject: { reference: `Patient/${p.id}` },
    });
    await run({ event: eventFor(report.body, 'create') });
    const stay = await system().post('Encounter', {
      resourceType: 'Encounter',
      status: 'in-progress',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' },
      subject: { reference: `Patient/${p.id}` },
    });
    await run({ event: eventFor(stay.body, 'create') });
    const discharged = await system().put(`Encounter/${stay.body.id}`, { ...stay.body, status: 'finished' });
    await run({ event: eventFor(discharged.body, 'update') });
    const sent = sim.messages({ to: p.wa });
    expect(sent.map((m) => m.template?.name)).toEqual(['prescription_ready', 'lab_results_ready', 'discharge_summary']);
    expect(sent[0].document).toEqual({ link: 'https://files.example.in/rx/123.pdf', filename: 'Prescription 6 Dec.pdf' });
    expect(sent[1].template?.parameters).toEqual(['Ravi', 'CBC']);
    expect(sent[2].template?.parameters).toEqual(['Ravi', 'Sanjeevani Hospital']);
  });
});

describe('idempotency and errors', () => {
  it('sends once when the same event is delivered again', async () => {
    const p = await patient();
    const a = await system().post('Appointment', appointmentBody(p.id, '2028-01-15T05:00:00Z'));
    const event = eventFor(a.body, 'create');
    await run({ event });
    await run({ event });
    expect(sim.messages({ to: p.wa })).toHaveLength(1);
    expect(await communicationsAbout(`Appointment/${a.body.id}`, p.id)).toHaveLength(1);
  });

  it('records a permanent error (template paused) as not-done with the reason, and completes the job', async () => {
    const p = await patient();
    const a = await system().post('Appointment', appointmentBody(p.id, '2028-01-16T05:00:00Z'));
    sim.failNext(132015, { to: p.wa });
    await expect(run({ event: eventFor(a.body, 'create') })).resolves.toBeUndefined();
    expect(sim.messages({ to: p.wa })).toHaveLength(0);
    const [c] = await communicationsAbout(`Appointment/${a.body.id}`, p.id);
    expect(c.status).toBe('not-done');
    expect(c.statusReason.coding[0].code).toBe('132015');
    expect(c.statusReason.text).toMatch(/paused/i);
  });

  it('throws on a rate limit so the job is retried, and the retry sends exactly once', async () => {
    const p = await patient();
    const a = await system().post('Appointment', appointmentBody(p.id, '2028-01-17T05:00:00Z'));
    const event = eventFor(a.body, 'create');
    sim.failNext(130429, { to: p.wa });
    await expect(run({ event })).rejects.toThrow(/130429/);
    expect((await communicationsAbout(`Appointment/${a.body.id}`, p.id))[0].status).toBe('preparation');
    await run({ event });
    await run({ event });
    expect(sim.messages({ to: p.wa })).toHaveLength(1);
    expect((await communicationsAbout(`Appointment/${a.body.id}`, p.id))[0].status).not.toBe('preparation');
  });

  it('fails the job, sending nothing, when the tenant has not configured the bot', async () => {
    const p = await patient();
    const a = await system().post('Appointment', appointmentBody(p.id, '2028-01-18T05:00:00Z'));
    await expect(
      handler(medplum, { tenant: TENANT_A, settings: { ...settings, accessToken: '' }, event: eventFor(a.body, 'create') }),
    ).rejects.toThrow(/not configured/);
    expect(sim.messages({ to: p.wa })).toHaveLength(0);
  });
});

describe('reminders', () => {
  it('sends the day-before and two-hour reminders once each, never in quiet hours', async () => {
    const p = await patient({ language: 'hi' });
    // 18:00 IST on 20 Mar 2029.
    const a = await system().post('Appointment', appointmentBody(p.id, '2029-03-20T12:30:00Z'));
    const at = (iso: string) => run({ schedule: { name: 'appointment-reminders', firedAt: iso } });
    await at('2029-03-19T16:30:00Z'); // 22:00 IST the day before: quiet hours
    await at('2029-03-20T02:00:00Z'); // 07:30 IST: still quiet
    expect(sim.messages({ to: p.wa })).toHaveLength(0);
    await at('2029-03-20T02:35:00Z'); // 08:05 IST: the day-before reminder
    await at('2029-03-20T02:40:00Z'); // 08:10 IST: already sent
    expect(sim.messages({ to: p.wa }).map((m) => m.template?.name)).toEqual(['appointment_reminder_day_before']);
    await at('2029-03-20T10:35:00Z'); // 16:05 IST: within two hours
    await at('2029-03-20T10:40:00Z');
    const sent = sim.messages({ to: p.wa });
    expect(sent.map((m) => m.template?.name)).toEqual(['appointment_reminder_day_before', 'appointment_reminder_two_hours']);
    expect(sent.every((m) => m.template?.language === 'hi')).toBe(true);
    expect(await communicationsAbout(`Appointment/${a.body.id}`, p.id)).toHaveLength(2);
  });

  it('skips patients without opt-in and cancelled appointments', async () => {
    const noConsent = await patient({ optIn: false });
    const cancelled = await patient();
    await system().post('Appointment', appointmentBody(noConsent.id, '2029-04-20T12:30:00Z'));
    await system().post('Appointment', appointmentBody(cancelled.id, '2029-04-20T12:30:00Z', 'cancelled'));
    await run({ schedule: { name: 'appointment-reminders', firedAt: '2029-04-20T04:30:00Z' } });
    expect(sim.messages({ to: noConsent.wa })).toHaveLength(0);
    expect(sim.messages({ to: cancelled.wa })).toHaveLength(0);
  });
});

describe('least privilege', () => {
  it("the bot's token cannot read what it has no scope for, nor delete a Communication", async () => {
    await expect(medplum.searchResources('Observation', '', { cache: 'no-cache' })).rejects.toThrow();
    const p = await patient();
    const a = await system().post('Appointment', appointmentBody(p.id, '2028-01-19T05:00:00Z'));
    await run({ event: eventFor(a.body, 'create') });
    const [c] = await communicationsAbout(`Appointment/${a.body.id}`, p.id);
    await expect(medplum.deleteResource('Communication', c.id)).rejects.toThrow();
  });
});

describe('profiles', () => {
  it('writes Communications that meet the ABDM Communication profile when the tenant requires it', async () => {
    const admin = async (method: string, body?: unknown) =>
      fetch(`${t.server.url}/admin/profile-requirements/Communication`, {
        method,
        headers: { authorization: `Bearer ${await systemToken(t.base, TENANT_A)}`, 'content-type': 'application/json' },
        body: body ? JSON.stringify(body) : undefined,
      });
    expect((await admin('PUT', { profiles: ['https://nrces.in/ndhm/fhir/r4/StructureDefinition/Communication'] })).status).toBe(200);
    try {
      const p = await patient();
      const a = await system().post('Appointment', appointmentBody(p.id, '2028-01-20T05:00:00Z'));
      await run({ event: eventFor(a.body, 'create') });
      expect(sim.messages({ to: p.wa })).toHaveLength(1);
      const [c] = await communicationsAbout(`Appointment/${a.body.id}`, p.id);
      expect(c.status).toBe('in-progress');
    } finally {
      expect((await admin('DELETE')).status).toBe(204);
    }
  });
});
