import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scheduleName } from '../../src/bots/runtime.ts';
import { MemoryJobQueue } from '../bots/helpers.ts';
import { fhirClient, startTestServer, TENANT_A, type TestServer } from '../helpers/server.ts';
import { createStaff, userToken } from '../helpers/staff.ts';
import { type Fhir, params } from '../opd/fixtures.ts';
import { account, billedPatient, create, dispense, gstBranch, HOPS, medication, tariff } from './fixtures.ts';

// A whole IPD stay: deposit at admission, three nights across a transfer from a private room to
// the ICU, dispenses (one returned), discharge, the invoice to the paisa, the excess deposit refunded.
const QUEUE = 'bot-billing';
const jobs = new MemoryJobQueue({ backoffMs: 20, attempts: 2 });
const DAY = 86_400_000;
const IST = 330 * 60_000;
let t: TestServer;
let fhir: Fhir;
let branchId: string;

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

const wardClass = (code: string) => [{ coding: [{ system: `${HOPS}/CodeSystem/ward-class`, code, display: code }] }];
const money = (v: any) => Math.round(v.value * 100);
const value = (res: any, name: string) => res.body.parameter.find((p: any) => p.name === name)?.valueMoney?.value;
const roomRent = [{ url: `${HOPS}/StructureDefinition/tax-category`, valueCode: 'room-rent' }];

beforeAll(async () => {
  t = await startTestServer({ EVENTS_POLL_MS: '3600000' }, { jobs });
  fhir = fhirClient(t.base, TENANT_A);
  branchId = await create(fhir, gstBranch('Sanjeevani Aundh', '27AAGCS1111A1Z1', 'AUN'));
  await create(fhir, tariff(branchId, 'bed-day-private', 'Private room bed-day', '999311', { general: 6000 }, roomRent));
  await create(
    fhir,
    tariff(branchId, 'bed-day-icu', 'ICU bed-day', '999311', { general: 9000 }, [
      ...roomRent,
      { url: `${HOPS}/StructureDefinition/icu`, valueBoolean: true },
    ]),
  );
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

describe('an IPD stay', () => {
  it('deposit, 3 bed-days across a transfer to the ICU, dispenses with a return, discharge, invoice to the paisa, excess refunded', async () => {
    const ward = await create(fhir, {
      resourceType: 'Location',
      status: 'active',
      name: 'Private wing',
      mode: 'instance',
      type: wardClass('private'),
    });
    const room = await create(fhir, {
      resourceType: 'Location',
      status: 'active',
      name: 'Room 204',
      mode: 'instance',
      partOf: { reference: `Location/${ward}` },
    });
    const icu = await create(fhir, {
      resourceType: 'Location',
      status: 'active',
      name: 'ICU bed 3',
      mode: 'instance',
      type: wardClass('icu'),
    });
    const patient = await create(fhir, billedPatient('Meena Kale', 'Maharashtra'));
    const accountId = await create(fhir, account(patient, branchId));
    const deposit = await fhir.post(
      `Account/${accountId}/$deposit`,
      params({
        method: { valueCode: 'card' },
        amount: { valueMoney: { value: 30_000, currency: 'INR' } },
        reference: { valueString: 'POS-778' },
      }),
    );
    expect(deposit.status).toBe(201);
    expect(value(deposit, 'advance')).toBe(30_000);

    // Admitted at 10:00 IST three days ago, moved to the ICU at 12:00 two days ago: the first
    // midnight in the private room, the next two in the ICU.
    const todayMidnight = Math.floor((Date.now() + IST) / DAY) * DAY - IST;
    const admitted = new Date(todayMidnight - 3 * DAY + 10 * 3_600_000).toISOString();
    const transferred = new Date(todayMidnight - 2 * DAY + 12 * 3_600_000).toISOString();
    const encounter = await create(fhir, {
      resourceType: 'Encounter',
      status: 'in-progress',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP', display: 'inpatient encounter' },
      subject: { reference: `Patient/${patient}` },
      period: { start: admitted },
      serviceProvider: { reference: `Organization/${branchId}` },
      location: [
        { location: { reference: `Location/${room}` }, status: 'completed', period: { start: admitted, end: transferred } },
        { location: { reference: `Location/${icu}` }, status: 'active', period: { start: transferred } },
      ],
    });
    const med = await create(fhir, medication('30049099', 'Ceftriaxone 1 g injection'));
    await create(fhir, dispense(patient, encounter, med, 7, 12.35));
    const returned = await create(fhir, dispense(patient, encounter, med, 2, 12.35));
    await drain();
    // The nightly census (run twice: the second adds nothing).
    for (const at of [1, 2]) {
      const id = await jobs.fire(scheduleName('billing', TENANT_A, 'midnight-census'), new Date(Date.now() + at));
      expect((await jobs.settled(QUEUE, id)).state).toBe('completed');
    }
    const back = (await fhir.get(`MedicationDispense/${returned}`)).body;
    await fhir.put(`MedicationDispense/${returned}`, { ...back, status: 'entered-in-error' });
    // Discharge now: no new midnight, nothing more to charge.
    const enc = (await fhir.get(`Encounter/${encounter}`)).body;
    await fhir.put(`Encounter/${encounter}`, { ...enc, status: 'finished', period: { ...enc.period, end: new Date().toISOString() } });
    await drain();

    const charges = ((await fhir.get(`ChargeItem?account=Account/${accountId}&_count=50`)).body.entry ?? []).map((e: any) => e.resource);
    const nights = charges
      .filter((c: any) => c.identifier[0].value.startsWith('bed-day:'))
      .map((c: any) => [c.identifier[0].value.slice(-10), c.productCodeableConcept.coding[0].code])
      .sort();
    const night = (k: number) => new Date(todayMidnight - k * DAY + IST).toISOString().slice(0, 10);
    expect(nights).toEqual([
      [night(3), 'bed-day-private'],
      [night(2), 'bed-day-icu'],
      [night(1), 'bed-day-icu'],
    ]);

    const invoice = await fhir.post(`Account/${accountId}/$issue-invoice`, {});
    expect(invoice.status, JSON.stringify(invoice.body)).toBe(201);
    expect(invoice.body.type.coding[0].code).toBe('02');
    const rows = invoice.body.lineItem
      .map((l: any) => {
        const c = (code: string) => l.priceComponent.find((p: any) => p.code.coding[0].code === code);
        return [money(c('01').amount), c('03') ? money(c('03').amount) : 0, c('04') ? money(c('04').amount) : 0];
      })
      .sort((a: number[], b: number[]) => b[0] - a[0]);
    // Hand-computed (paise): private room Rs 6,000 > Rs 5,000 (non-ICU) at 5%: 2.5% = 15,000 each;
    // ICU Rs 9,000 exempt; medicines to an in-patient exempt (composite): 7 x 1235 = 8,645.
    expect(rows).toEqual([
      [900_000, 0, 0],
      [900_000, 0, 0],
      [600_000, 15_000, 15_000],
      [8_645, 0, 0],
    ]);
    // 2,408,645 + 30,000 = 2,438,645 -> Rs 24,386 (round-off -45 paise).
    expect(money(invoice.body.totalNet)).toBe(2_408_645);
    expect(money(invoice.body.totalGross)).toBe(2_438_600);

    // Settlement: the deposit covers it; Rs 5,614 of it is refunded to the card.
    const settle = await fhir.get(`Account/${accountId}/$balance`);
    expect(value(settle, 'balance')).toBe(-5614);
    const refund = await fhir.post(
      `Account/${accountId}/$refund`,
      params({
        method: { valueCode: 'card' },
        amount: { valueMoney: { value: 5614, currency: 'INR' } },
        reason: { valueString: 'Excess deposit at discharge' },
      }),
    );
    expect(refund.status).toBe(201);
    expect({
      charges: value(refund, 'charges'),
      payments: value(refund, 'payments'),
      refunds: value(refund, 'refunds'),
      balance: value(refund, 'balance'),
    }).toEqual({
      charges: 24_386,
      payments: 30_000,
      refunds: 5614,
      balance: 0,
    });
  });
});
