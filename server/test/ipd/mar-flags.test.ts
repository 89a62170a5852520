import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scheduleName } from '../../src/bots/runtime.ts';
import { MemoryJobQueue } from '../bots/helpers.ts';
import { fhirClient, startTestServer, TENANT_A, type TestServer } from '../helpers/server.ts';
import { createStaff, type Staff, staffClient, userToken } from '../helpers/staff.ts';
import type { Fhir } from '../opd/fixtures.ts';
import { admitParams, patient, wards } from './fixtures.ts';

// The real bot (bots/mar-doses) run by the runtime in its sandbox on its own client, fired as the
// queue fires its 15-minute schedule: one Flag per late or missed dose, raised once.
const BOT = 'mar-doses';
const QUEUE = `bot-${BOT}`;
const FLAG = 'https://hospital-ops.in/fhir/sid/mar-dose-flag';
const DOSE = 'https://hospital-ops.in/fhir/sid/mar-dose';
const IST_MS = 330 * 60_000;
const local = (ms: number) => new Date(ms + IST_MS).toISOString().slice(0, 16);
const istInstant = (ms: number) => `${local(ms)}:00+05:30`;
const minute = (ms: number) => Math.floor(ms / 60_000) * 60_000;

let t: TestServer;
let system: Fhir;
let nurse: Staff;
let asNurse: Fhir;
const jobs = new MemoryJobQueue({ backoffMs: 20 });
const now = Date.now();
const orders: Record<string, string> = {};
let encounter: string;
let patientId: string;

async function order(name: string, times: number[]) {
  const res = await system.post('MedicationRequest', {
    resourceType: 'MedicationRequest',
    status: 'active',
    intent: 'order',
    medicationCodeableConcept: { text: name },
    subject: { reference: `Patient/${patientId}` },
    encounter: { reference: `Encounter/${encounter}` },
    authoredOn: istInstant(now - 6 * 3_600_000),
    dosageInstruction: [{ timing: { repeat: { timeOfDay: times.map((ms) => `${local(ms).slice(11)}:00`) } } }],
  });
  expect(res.status).toBe(201);
  orders[name] = res.body.id;
}

beforeAll(async () => {
  t = await startTestServer({ EVENTS_POLL_MS: '3600000' }, { jobs });
  system = fhirClient(t.base, TENANT_A);
  const ward = await wards(system);
  const doctor = await createStaff(t, TENANT_A, 'doctor', [ward.branch]);
  nurse = await createStaff(t, TENANT_A, 'nurse', [ward.branch]);
  asNurse = await staffClient(t, nurse);
  patientId = await patient(system, 'Lata Deshmukh');
  const admitted = await (await staffClient(t, doctor)).post(
    'Encounter/$admit',
    admitParams(patientId, ward.beds[0], doctor.practitionerId, { occurredAt: { valueDateTime: istInstant(now - 7 * 3_600_000) } }),
  );
  expect(admitted.status).toBe(201);
  encounter = admitted.body.id;
  await order('Missed drug', [minute(now - 5 * 3_600_000)]);
  await order('Late drug', [minute(now - 2 * 3_600_000)]);
  await order('Due drug', [minute(now - 30 * 60_000)]);
  // Two doses 70 minutes apart: the first is missed once the second falls due.
  await order('Close drug', [minute(now - 100 * 60_000), minute(now - 30 * 60_000)]);
  const admin = await userToken(t, (await createStaff(t, TENANT_A, 'super_admin')).user);
  const enabled = await fetch(`${t.server.url}/admin/bots/${BOT}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ enabled: true }),
  });
  expect(enabled.status).toBe(200);
}, 120_000);
afterAll(async () => {
  await jobs.close();
  await t?.stop();
});

async function run() {
  const id = await jobs.fire(scheduleName(BOT, TENANT_A, 'overdue'), new Date(Date.now() + Math.random() * 1000));
  const settled = await jobs.settled(QUEUE, id);
  expect(settled.state, settled.lastError).toBe('completed');
}

const flags = async () =>
  ((await system.get(`Flag?identifier=${encodeURIComponent(`${FLAG}|`)}&_count=100`)).body.entry ?? []).map((e: any) => e.resource);
const byOrder = (all: any[]) =>
  Object.fromEntries(
    Object.entries(orders).map(([name, id]) => [
      name,
      all
        .filter((f) => f.identifier[0].value.startsWith(`${id}/`))
        .map((f) => `${f.identifier[0].value.slice(id.length + 1 + 11)} ${f.code.coding[0].code} ${f.status}`),
    ]),
  );

describe('late and missed doses flagged by the job', () => {
  it('registers the 15-minute schedule in Asia/Kolkata', () => {
    expect(jobs.schedules.get(scheduleName(BOT, TENANT_A, 'overdue'))).toMatchObject({ cron: '*/15 * * * *', timezone: 'Asia/Kolkata' });
  });

  it('flags each overdue dose once, however often it runs', async () => {
    await run();
    await run();
    const all = await flags();
    expect(byOrder(all)).toEqual({
      'Missed drug': [`${local(minute(now - 5 * 3_600_000)).slice(11)} missed active`],
      'Late drug': [`${local(minute(now - 2 * 3_600_000)).slice(11)} late active`],
      'Due drug': [],
      'Close drug': [`${local(minute(now - 100 * 60_000)).slice(11)} missed active`],
    });
    expect(all.every((f: any) => f.meta.versionId && f.subject.reference === `Patient/${patientId}`)).toBe(true);
    expect(all.map((f: any) => f.encounter.reference)).toEqual(all.map(() => `Encounter/${encounter}`));
    const versions = all.map((f: any) => f.meta.versionId);
    await run();
    expect((await flags()).map((f: any) => f.meta.versionId)).toEqual(versions);
    // The nurse's MAR shows the flag with the dose.
    const mar = await asNurse.get(`Encounter/${encounter}/$mar?date=${local(now - 5 * 3_600_000).slice(0, 10)}`);
    const missed = mar.body.parameter
      .filter((p: any) => p.name === 'order')
      .find((o: any) => o.part.find((x: any) => x.name === 'medication').valueString === 'Missed drug');
    const dose = Object.fromEntries(missed.part.find((x: any) => x.name === 'dose').part.map((x: any) => [x.name, x]));
    expect([dose.status.valueCode, dose.flag.valueCode]).toEqual(['missed', 'missed']);
  });

  it('closes the flag once the nurse records the dose', async () => {
    const slot = `${orders['Late drug']}/${local(minute(now - 2 * 3_600_000))}`;
    const res = await asNurse.post('MedicationAdministration', {
      resourceType: 'MedicationAdministration',
      status: 'completed',
      identifier: [{ system: DOSE, value: slot }],
      medicationCodeableConcept: { text: 'Late drug' },
      subject: { reference: `Patient/${patientId}` },
      context: { reference: `Encounter/${encounter}` },
      request: { reference: `MedicationRequest/${orders['Late drug']}` },
      effectiveDateTime: istInstant(Date.now()),
      performer: [{ actor: { reference: `Practitioner/${nurse.practitionerId}` } }],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    await run();
    expect(byOrder(await flags())['Late drug']).toEqual([`${local(minute(now - 2 * 3_600_000)).slice(11)} late inactive`]);
  });
});
