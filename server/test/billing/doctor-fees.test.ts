import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryJobQueue } from '../bots/helpers.ts';
import { fhirClient, startTestServer, TENANT_A, type TestServer } from '../helpers/server.ts';
import { createStaff, userToken } from '../helpers/staff.ts';
import { appointment, building, doctor, type Fhir, params, ref } from '../opd/fixtures.ts';
import { account, billedPatient, create, gstBranch, HOPS, tariff } from './fixtures.ts';

// Consultation fees per doctor: the doctor's own tariff for the visit type beats the branch's.
const QUEUE = 'bot-billing';
const jobs = new MemoryJobQueue({ backoffMs: 20, attempts: 2 });
let t: TestServer;
let fhir: Fhir;
let branchId: string;
let locationId: string;
let senior: string; // own fee ₹1,200.50 (staff ₹600.25), own follow-up ₹400.10
let junior: string; // own fee ₹850.75, no own follow-up
let visiting: string; // no tariff of their own: the branch's ₹500 / follow-up ₹200

async function drain(): Promise<void> {
  let seen = -1;
  for (let i = 0; i < 40; i++) {
    await t.server.events.runNow();
    await t.server.bots?.forwardNow();
    const all = await jobs.list({ queue: QUEUE });
    for (const j of all) await jobs.settled(QUEUE, j.id);
    if (all.length === seen) break;
    seen = all.length;
  }
  const failed = await jobs.list({ queue: QUEUE, state: 'failed' });
  if (failed.length) throw new Error(`bot jobs failed: ${failed.map((j) => j.lastError ?? j.id).join('; ')}`);
}

const paise = (m: any) => Math.round(m.value * 100);
const chargesOf = async (patient: string) =>
  ((await fhir.get(`ChargeItem?subject=Patient/${patient}&_count=100`)).body.entry ?? [])
    .map((e: any) => e.resource)
    .sort((a: any, b: any) => a.meta.lastUpdated.localeCompare(b.meta.lastUpdated));
const checkIn = async (patient: string, practitioner: string) => {
  const res = await fhir.post(
    'Encounter/$check-in',
    params({
      patient: ref(`Patient/${patient}`),
      practitioner: ref(`Practitioner/${practitioner}`),
      branch: ref(`Organization/${branchId}`),
    }),
  );
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  await drain();
};
/** A doctor's own tariff entry: the branch's url for the code, then `/Practitioner/<id>`. */
const doctorTariff = (code: string, practitioner: string, title: string, plans: Record<string, number>) => {
  const def = tariff(branchId, `${code}/Practitioner/${practitioner}`, title, '999312', plans);
  def.extension.push({
    url: `${HOPS}/StructureDefinition/tariff-practitioner`,
    valueReference: { reference: `Practitioner/${practitioner}` },
  });
  return def;
};

beforeAll(async () => {
  t = await startTestServer({ EVENTS_POLL_MS: '3600000' }, { jobs });
  fhir = fhirClient(t.base, TENANT_A);
  branchId = await create(fhir, gstBranch('Sanjeevani Pune', '27AAACS1234F1Z5', 'PUN'));
  locationId = await create(fhir, building(branchId, 'OPD block'));
  senior = await create(fhir, doctor('Dr. Vasant Joshi'));
  junior = await create(fhir, doctor('Dr. Kavya Nair'));
  visiting = await create(fhir, doctor('Dr. Imran Qureshi'));
  for (const def of [
    tariff(branchId, 'consultation', 'OPD consultation', '999312', { general: 500, staff: 250 }),
    tariff(branchId, 'consultation-follow-up', 'Follow-up consultation', '999312', { general: 200 }),
    doctorTariff('consultation', senior, 'Consultation, Dr. Vasant Joshi', { general: 1200.5, staff: 600.25 }),
    doctorTariff('consultation-follow-up', senior, 'Follow-up, Dr. Vasant Joshi', { general: 400.1 }),
    doctorTariff('consultation', junior, 'Consultation, Dr. Kavya Nair', { general: 850.75 }),
  ])
    await create(fhir, def);
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

describe('consultation fees per doctor', () => {
  it('each doctor is charged at their own fee; a doctor without one at the branch fee', async () => {
    const expected: [string, number, string][] = [
      [senior, 120050, `consultation/Practitioner/${senior}`],
      [junior, 85075, `consultation/Practitioner/${junior}`],
      [visiting, 50000, 'consultation'],
    ];
    for (const [doc, fee, url] of expected) {
      const p = await create(fhir, billedPatient('Sunita Pawar', 'Maharashtra'));
      await checkIn(p, doc);
      const [c] = await chargesOf(p);
      expect(paise(c.priceOverride)).toBe(fee);
      expect(c.definitionCanonical).toEqual([
        `${HOPS}/tariff/${branchId}/${url}|${(await fhir.get(`ChargeItemDefinition?url=${HOPS}/tariff/${branchId}/${url}`)).body.entry[0].resource.meta.versionId}`,
      ]);
      // The invoice bills it to the paisa (consultations are exempt: total = fee, rounded to the rupee).
      const inv = await fhir.post(`${c.account[0].reference}/$issue-invoice`, {});
      expect(inv.status).toBe(201);
      expect(paise(inv.body.lineItem[0].priceComponent.find((x: any) => x.type === 'base').amount)).toBe(fee);
      expect(paise(inv.body.totalGross)).toBe(Math.round(fee / 100) * 100);
    }
  });

  it('a booked appointment is charged at its doctor’s fee, under the patient’s rate plan', async () => {
    const p = await create(fhir, billedPatient('Rahul Kale', 'Maharashtra'));
    await create(fhir, account(p, branchId, { extension: [{ url: `${HOPS}/StructureDefinition/rate-plan`, valueCode: 'staff' }] }));
    await create(fhir, appointment({ patient: p, practitioner: senior, location: locationId }));
    await drain();
    const [c] = await chargesOf(p);
    expect(paise(c.priceOverride)).toBe(60025);
  });

  it('a follow-up takes the doctor’s own follow-up fee, else the branch’s follow-up fee', async () => {
    const a = await create(fhir, billedPatient('Meena Gokhale', 'Maharashtra'));
    await checkIn(a, senior);
    await checkIn(a, senior);
    expect((await chargesOf(a)).map((c: any) => paise(c.priceOverride))).toEqual([120050, 40010]);
    // The junior doctor has no follow-up fee of their own: the visit type wins over the doctor.
    const b = await create(fhir, billedPatient('Arjun Patil', 'Maharashtra'));
    await checkIn(b, junior);
    await checkIn(b, junior);
    expect((await chargesOf(b)).map((c: any) => paise(c.priceOverride))).toEqual([85075, 20000]);
  });
});
