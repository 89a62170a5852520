import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scheduleName } from '../../src/bots/runtime.ts';
import { gstBranch, HOPS, tariff } from '../billing/fixtures.ts';
import { MemoryJobQueue } from '../bots/helpers.ts';
import { fhirClient, startTestServer, TENANT_A, type TestServer } from '../helpers/server.ts';
import { createStaff, type Staff, staffClient, userToken } from '../helpers/staff.ts';
import { create, type Fhir } from '../opd/fixtures.ts';
import { admitParams, bedParams, patient, type Wards, wards } from './fixtures.ts';

// A stay made through $admit, $transfer and $discharge, billed by the billing bot: each IST
// midnight is one bed-day at the class of the bed the patient slept in (docs/billing.md).
const QUEUE = 'bot-billing';
const jobs = new MemoryJobQueue({ backoffMs: 20, attempts: 2 });
const DAY = 86_400_000;
const IST = 330 * 60_000;
let t: TestServer;
let fhir: Fhir;
let ward: Wards;
let doctor: Staff;

async function drain(): Promise<void> {
  let seen = -1;
  for (let i = 0; i < 40; i++) {
    await t.server.events.runNow();
    await t.server.bots?.forwardNow();
    const all = await jobs.list({ queue: QUEUE, limit: 1000 });
    for (const j of all) await jobs.settled(QUEUE, j.id);
    if (all.length === seen) break;
    seen = all.length;
  }
  const failed = await jobs.list({ queue: QUEUE, state: 'failed' });
  if (failed.length) throw new Error(`bot jobs failed: ${failed.map((j) => j.lastError ?? j.id).join('; ')}`);
}

async function bedDays(patientId: string): Promise<unknown[][]> {
  const charges = ((await fhir.get(`ChargeItem?patient=Patient/${patientId}&_count=50`)).body.entry ?? []).map((e: any) => e.resource);
  return charges
    .filter((c: any) => c.identifier[0].value.startsWith('bed-day:') && c.status === 'billable')
    .map((c: any) => [
      c.identifier[0].value.slice(-10),
      c.productCodeableConcept.coding[0].code,
      c.context.reference,
      c.priceOverride.value,
    ])
    .sort();
}

const roomRent = [{ url: `${HOPS}/StructureDefinition/tax-category`, valueCode: 'room-rent' }];

beforeAll(async () => {
  t = await startTestServer({ EVENTS_POLL_MS: '3600000' }, { jobs });
  fhir = fhirClient(t.base, TENANT_A);
  const branchId = await create(fhir, gstBranch('Sanjeevani Baner', '27AAGCS2222A1Z2', 'BAN'));
  ward = await wards(fhir, 'unused', branchId);
  await create(fhir, tariff(branchId, 'bed-day-general', 'General ward bed-day', '999311', { general: 1500 }, roomRent));
  await create(
    fhir,
    tariff(branchId, 'bed-day-icu', 'ICU bed-day', '999311', { general: 9000 }, [
      ...roomRent,
      { url: `${HOPS}/StructureDefinition/icu`, valueBoolean: true },
    ]),
  );
  doctor = await createStaff(t, TENANT_A, 'doctor', [branchId]);
  const admin = await userToken(t, (await createStaff(t, TENANT_A, 'super_admin')).user);
  const res = await fetch(`${t.server.url}/admin/bots/billing`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ enabled: true }),
  });
  if (res.status !== 200) throw new Error(`billing bot not enabled: ${await res.text()}`);
}, 120_000);
afterAll(async () => {
  await jobs.close();
  await t?.stop();
});

describe('bed-days of a stay made by the IPD operations', () => {
  it('charges the general ward for the first night and the ICU for the two after the transfer, once each', async () => {
    const asDoctor = await staffClient(t, doctor);
    const p = await patient(fhir, 'Kavita Shinde');
    // Recorded after the fact: admitted 10:00 IST three days ago, to the ICU at 12:00 two days ago.
    const todayMidnight = Math.floor((Date.now() + IST) / DAY) * DAY - IST;
    const admitted = new Date(todayMidnight - 3 * DAY + 10 * 3_600_000).toISOString();
    const transferred = new Date(todayMidnight - 2 * DAY + 12 * 3_600_000).toISOString();
    const admit = await asDoctor.post(
      'Encounter/$admit',
      admitParams(p, ward.beds[0], doctor.practitionerId, { occurredAt: { valueDateTime: admitted } }),
    );
    expect(admit.status, JSON.stringify(admit.body)).toBe(201);
    expect(Date.parse(admit.body.period.start)).toBe(Date.parse(admitted));
    // Billed before the transfer is known: three general-ward nights.
    await drain();
    expect((await bedDays(p)).map((n) => n[1])).toEqual(['bed-day-general', 'bed-day-general', 'bed-day-general']);
    const early = await asDoctor.post(
      `Encounter/${admit.body.id}/$transfer`,
      bedParams(ward.icuBeds[0], { occurredAt: { valueDateTime: new Date(Date.parse(admitted) - 60_000).toISOString() } }),
    );
    expect(early.status).toBe(422);
    const moved = await asDoctor.post(
      `Encounter/${admit.body.id}/$transfer`,
      bedParams(ward.icuBeds[0], { occurredAt: { valueDateTime: transferred } }),
    );
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    await drain();
    for (const at of [1, 2]) {
      const id = await jobs.fire(scheduleName('billing', TENANT_A, 'midnight-census'), new Date(Date.now() + at));
      expect((await jobs.settled(QUEUE, id)).state).toBe('completed');
    }
    const out = await asDoctor.post(`Encounter/${admit.body.id}/$discharge`, {
      resourceType: 'Parameters',
      parameter: [{ name: 'disposition', valueCode: 'home' }],
    });
    expect(out.status).toBe(200);
    await drain();

    // The late transfer re-priced the two unbilled nights it moved to the ICU.
    const nights = await bedDays(p);
    const night = (k: number) => new Date(todayMidnight - k * DAY + IST).toISOString().slice(0, 10);
    const stay = `Encounter/${admit.body.id}`;
    expect(nights).toEqual([
      [night(3), 'bed-day-general', stay, 1500],
      [night(2), 'bed-day-icu', stay, 9000],
      [night(1), 'bed-day-icu', stay, 9000],
    ]);
  });
});
