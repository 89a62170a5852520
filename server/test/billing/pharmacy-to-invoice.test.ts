import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryJobQueue } from '../bots/helpers.ts';
import { fhirClient, startTestServer, TENANT_A, TENANT_B, type TestServer } from '../helpers/server.ts';
import { createStaff, userToken } from '../helpers/staff.ts';
import { building, doctor, type Fhir, staff } from '../opd/fixtures.ts';
import { dispenseBody, dispensesOf, ITEM_SYSTEM, inDays } from '../pharmacy/fixtures.ts';
import { billedPatient, CHARGE_SYSTEM, create, gstBranch, HOPS } from './fixtures.ts';

/**
 * The pharmacy and billing contract end to end (docs/pharmacy.md "For billing", docs/billing.md):
 * stock received and dispensed through the pharmacy's own operations, the billing bot (run by the
 * test server's bot runtime from the events) charging each dispense at its batch's MRP with its
 * HSN's GST, a return and a cancellation netted before billing and reversed after it, the invoice
 * and credit note checked to the paisa against a table computed by hand, and the ABDM
 * InvoiceRecord built from the invoice validating, the batch Medications included.
 */

const QUEUE = 'bot-billing';
const GSTIN = '27AAACP4321K1Z2';
const ABDM = 'https://nrces.in/ndhm/fhir/r4/StructureDefinition/';
const jobs = new MemoryJobQueue({ backoffMs: 20, attempts: 3 });
let t: TestServer;
let fhir: Fhir;
let pharmacist: Fhir;
let branchId: string;
let store: string;
let doctorId: string;
let patient: string;

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

const line = (
  code: string,
  display: string,
  hsn: string,
  lot: string,
  expiry: string,
  quantity: number,
  mrp: number,
  schedule = 'OTC',
) => ({
  name: 'line',
  part: [
    { name: 'item', valueCoding: { system: ITEM_SYSTEM, code, display } },
    { name: 'hsn', valueString: hsn },
    { name: 'lot', valueString: lot },
    { name: 'expiry', valueDate: expiry },
    { name: 'quantity', valueInteger: quantity },
    { name: 'mrp', valueDecimal: mrp },
    { name: 'purchasePrice', valueDecimal: Math.round(mrp * 70) / 100 },
    { name: 'gstPercent', valueDecimal: 5 },
    { name: 'packSize', valueInteger: 10 },
    { name: 'schedule', valueCode: schedule },
  ],
});

const prescription = (code: string, display: string, quantity: number) => ({
  resourceType: 'MedicationRequest',
  status: 'active',
  intent: 'order',
  medicationCodeableConcept: { coding: [{ system: ITEM_SYSTEM, code, display }], text: display },
  subject: { reference: `Patient/${patient}` },
  requester: { reference: `Practitioner/${doctorId}` },
  authoredOn: new Date().toISOString().slice(0, 10),
  dispenseRequest: { quantity: { value: quantity, unit: 'unit' } },
});

const chargeOf = async (key: string) => (await fhir.get(`ChargeItem?identifier=${CHARGE_SYSTEM}|${key}`)).body.entry?.[0]?.resource;
const paise = (m: { value: number }) => Math.round(m.value * 100);
const component = (l: any, code: string) => {
  const c = l.priceComponent.find((p: any) => p.code.coding[0].code === code);
  return c ? paise(c.amount) : 0;
};

/** Each invoice line as [charge id, MRP x quantity, taxable, CGST, SGST], in paise. */
const rowsOf = (invoice: any) =>
  invoice.lineItem.map((l: any) => [
    l.chargeItemReference.reference.split('/')[1],
    component(l, '00'),
    component(l, '01'),
    component(l, '03'),
    component(l, '04'),
  ]);

beforeAll(async () => {
  t = await startTestServer({ EVENTS_POLL_MS: '3600000' }, { jobs });
  fhir = fhirClient(t.base, TENANT_A);
  branchId = await create(fhir, gstBranch('Sanjeevani Kothrud', GSTIN, 'KTH'));
  store = await create(fhir, building(branchId, 'Main pharmacy store'));
  doctorId = await create(fhir, doctor('Dr. Anand Joshi'));
  patient = await create(fhir, billedPatient('Savita Patwardhan', 'Maharashtra'));
  pharmacist = await staff(t, TENANT_A, 'pharmacist', [branchId]);
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

describe('pharmacy dispenses billed to the paisa', () => {
  const meds: Record<string, string> = {};
  const dispenses: Record<string, any> = {};
  let accountId: string;
  let invoice: any;

  it('goods received: one Medication per batch, one code coding with a display and the HSN as the ABDM HSN identifier', async () => {
    const res = await pharmacist.post('SupplyDelivery/$receive-goods', {
      resourceType: 'Parameters',
      parameter: [
        { name: 'store', valueReference: { reference: `Location/${store}` } },
        { name: 'invoice', valueString: 'MEDSUP/2026/4471' },
        line('AMOX500', 'Amoxicillin 500 mg capsule', '30041010', 'AMX-A1', inDays(200), 10, 11.37, 'H'),
        line('AMOX500', 'Amoxicillin 500 mg capsule', '30041010', 'AMX-A2', inDays(400), 20, 12.05, 'H'),
        line('PCM500', 'Paracetamol 500 mg tablet', '30049099', 'PCM-B1', inDays(300), 50, 2.13),
        line('CSYR100', 'Cough syrup 100 ml bottle', '30049011', 'CS-C1', inDays(300), 5, 98.5),
      ],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const ids = res.body.parameter.map((p: any) => p.part[0].valueReference.reference.split('/')[1]);
    [meds.A1, meds.A2, meds.B1, meds.C1] = ids;
    const a1 = (await pharmacist.get(`Medication/${meds.A1}`)).body;
    expect(a1.code.coding).toEqual([{ system: ITEM_SYSTEM, code: 'AMOX500', display: 'Amoxicillin 500 mg capsule' }]);
    expect(a1.identifier).toHaveLength(1);
    expect(a1.identifier[0]).toMatchObject({ type: { coding: [{ code: 'HSN' }] }, value: '30041010' });
    expect(a1.batch).toEqual({ lotNumber: 'AMX-A1', expirationDate: inDays(200) });
    // The batch Medication meets the ABDM Medication profile (one coding, with its display).
    const check = await fhir.post(`Medication/$validate?profile=${ABDM}Medication`, a1);
    expect(check.status, JSON.stringify(check.body)).toBe(200);
    expect((check.body.issue ?? []).filter((i: any) => i.severity === 'error')).toEqual([]);
    await drain();
    // Receipts are SupplyDeliveries too: the bot looks at them and charges nothing.
    expect((await fhir.get(`ChargeItem?patient=Patient/${patient}`)).body.entry ?? []).toEqual([]);
  });

  it('a prescription dispensed FEFO across two batches and an OTC sale become drug charges at each batch MRP', async () => {
    const rx = await create(fhir, prescription('AMOX500', 'Amoxicillin 500 mg capsule', 15));
    const res = await pharmacist.post(`MedicationRequest/${rx}/$dispense`, dispenseBody(store));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    for (const d of dispensesOf(res.body)) dispenses[d.medicationReference.reference === `Medication/${meds.A1}` ? 'A1' : 'A2'] = d;
    expect([dispenses.A1.quantity.value, dispenses.A2.quantity.value]).toEqual([10, 5]);

    const otc = await pharmacist.post('MedicationDispense/$dispense-otc', {
      resourceType: 'Parameters',
      parameter: [
        { name: 'store', valueReference: { reference: `Location/${store}` } },
        { name: 'item', valueCoding: { system: ITEM_SYSTEM, code: 'PCM500' } },
        { name: 'quantity', valueInteger: 12 },
        { name: 'patient', valueReference: { reference: `Patient/${patient}` } },
      ],
    });
    expect(otc.status, JSON.stringify(otc.body)).toBe(200);
    [dispenses.B1] = dispensesOf(otc.body);

    const syrup = await create(fhir, prescription('CSYR100', 'Cough syrup 100 ml bottle', 1));
    [dispenses.C1] = dispensesOf((await pharmacist.post(`MedicationRequest/${syrup}/$dispense`, dispenseBody(store))).body);
    await drain();

    const expected: Record<string, [number, number, string]> = {
      A1: [11.37, 10, '30041010'],
      A2: [12.05, 5, '30041010'],
      B1: [2.13, 12, '30049099'],
      C1: [98.5, 1, '30049011'],
    };
    for (const [batch, [mrp, quantity, hsn]] of Object.entries(expected)) {
      const c = await chargeOf(`dispense:MedicationDispense/${dispenses[batch].id}`);
      expect(c, batch).toBeDefined();
      expect([c.priceOverride.value, c.quantity.value, c.status]).toEqual([mrp, quantity, 'billable']);
      expect(c.extension).toContainEqual({
        url: `${HOPS}/StructureDefinition/hsn-sac`,
        valueCoding: { system: `${HOPS}/sid/hsn`, code: hsn },
      });
      expect(c.extension).toContainEqual({ url: `${HOPS}/StructureDefinition/price-includes-tax`, valueBoolean: true });
      expect(c.code.coding[0]).toMatchObject({ code: '05', display: 'Medicines' });
      expect(c.productReference.reference).toBe(`Medication/${meds[batch]}`);
      accountId = c.account[0].reference.split('/')[1];
    }
  });

  it('before billing, a return takes its units off the line (once) and a cancellation makes it not billable', async () => {
    const ret = await pharmacist.post(`MedicationDispense/${dispenses.B1.id}/$return`, {
      resourceType: 'Parameters',
      parameter: [{ name: 'quantity', valueInteger: 4 }],
    });
    expect(ret.status, JSON.stringify(ret.body)).toBe(200);
    const current = (await pharmacist.get(`MedicationDispense/${dispenses.C1.id}`)).body;
    expect((await pharmacist.put(`MedicationDispense/${dispenses.C1.id}`, { ...current, status: 'cancelled' })).status).toBe(200);
    await drain();
    // A replay of every job changes nothing: the return is recorded on the charge it netted.
    const versions = async () =>
      ((await fhir.get(`ChargeItem?patient=Patient/${patient}&_count=100`)).body.entry ?? [])
        .map((e: any) => `${e.resource.id}@${e.resource.meta.versionId}`)
        .sort();
    const before = await versions();
    for (const j of await jobs.list({ queue: QUEUE })) {
      await jobs.add(QUEUE, j.name, j.data, { jobId: `${j.id}-replay` });
      expect((await jobs.settled(QUEUE, `${j.id}-replay`)).state).toBe('completed');
    }
    expect(await versions()).toEqual(before);
    const b1 = await chargeOf(`dispense:MedicationDispense/${dispenses.B1.id}`);
    expect([b1.quantity.value, b1.status]).toEqual([8, 'billable']);
    expect((await chargeOf(`dispense:MedicationDispense/${dispenses.C1.id}`)).status).toBe('not-billable');
  });

  it('the invoice matches the hand-computed table to the paisa', async () => {
    const res = await fhir.post(`Account/${accountId}/$issue-invoice`, {});
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    invoice = res.body;
    const id = async (batch: string) => (await chargeOf(`dispense:MedicationDispense/${dispenses[batch].id}`)).id;
    // HSN 3004 at 5% from 2025-09-22, MRP inclusive of GST, intra-state (CGST = SGST = 2.5%):
    // taxable0 = round(gross x 100/105); each half = round(taxable0 x 2.5%); taxable = gross - both halves.
    //   A1 10 x 11.37 = 113.70: taxable0 108.29, CGST 2.71, SGST 2.71, taxable 108.28
    //   A2  5 x 12.05 =  60.25: taxable0  57.38, CGST 1.43, SGST 1.43, taxable  57.39
    //   B1  8 x  2.13 =  17.04: taxable0  16.23, CGST 0.41, SGST 0.41, taxable  16.22 (12 sold, 4 returned)
    //   C1 cancelled: not billed
    // Net 181.89 + CGST 4.55 + SGST 4.55 = 190.99, round-off +0.01, total 191.00
    const table = [
      [await id('A1'), 11_370, 10_828, 271, 271],
      [await id('A2'), 6_025, 5_739, 143, 143],
      [await id('B1'), 1_704, 1_622, 41, 41],
    ];
    const sort = (rows: any[]) => [...rows].sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    expect(sort(rowsOf(invoice))).toEqual(sort(table));
    expect(paise(invoice.totalNet)).toBe(18_189);
    expect(paise(invoice.totalGross)).toBe(19_100);
    expect(invoice.totalPriceComponent).toEqual([expect.objectContaining({ type: 'surcharge', amount: { value: 0.01, currency: 'INR' } })]);
    for (const l of invoice.lineItem) {
      expect(l.extension).toContainEqual(expect.objectContaining({ url: `${HOPS}/StructureDefinition/gst-rule` }));
      expect(l.extension.find((e: any) => e.url === `${HOPS}/StructureDefinition/gst-rule`).valueString).toMatch(/ 5%$/);
    }
  });

  it('the ABDM InvoiceRecord validates, its batch Medications meeting the ABDM Medication profile', async () => {
    const res = await fhir.post(`Invoice/${invoice.id}/$abdm-document?type=InvoiceRecord`, {});
    expect(res.status, JSON.stringify(res.body).slice(0, 2000)).toBe(200);
    const entries = res.body.entry.map((e: any) => e.resource);
    const medications = entries.filter((r: any) => r.resourceType === 'Medication');
    expect(medications.map((m: any) => m.batch.lotNumber).sort()).toEqual(['AMX-A1', 'AMX-A2', 'PCM-B1']);
    for (const m of medications) expect(m.meta.profile).toContain(`${ABDM}Medication`);
    const charges = entries.filter((r: any) => r.resourceType === 'ChargeItem');
    expect(charges).toHaveLength(3);
    for (const c of charges) expect(c.meta.profile).toContain(`${ABDM}ChargeItem`);
  });

  it('after billing, a return and then a cancellation are reversed for exactly the units, and credited', async () => {
    const ret = await pharmacist.post(`MedicationDispense/${dispenses.A2.id}/$return`, {
      resourceType: 'Parameters',
      parameter: [{ name: 'quantity', valueInteger: 2 }],
    });
    expect(ret.status, JSON.stringify(ret.body)).toBe(200);
    const returnId = ret.body.parameter.find((p: any) => p.name === 'supplyDelivery').resource.id;
    await drain();
    const current = (await pharmacist.get(`MedicationDispense/${dispenses.A2.id}`)).body;
    expect((await pharmacist.put(`MedicationDispense/${dispenses.A2.id}`, { ...current, status: 'stopped' })).status).toBe(200);
    await drain();
    const original = await chargeOf(`dispense:MedicationDispense/${dispenses.A2.id}`);
    expect(original.status).toBe('billed');
    const byReturn = await chargeOf(`reversal:return:SupplyDelivery/${returnId}`);
    const byCancel = await chargeOf(`reversal:dispense:MedicationDispense/${dispenses.A2.id}`);
    for (const r of [byReturn, byCancel])
      expect(r.extension).toContainEqual({
        url: `${HOPS}/StructureDefinition/reverses`,
        valueReference: { reference: `ChargeItem/${original.id}` },
      });
    // 5 dispensed = 2 returned + 3 given back on cancelling.
    expect([byReturn.quantity.value, byCancel.quantity.value]).toEqual([2, 3]);

    const note = await fhir.post(`Account/${accountId}/$issue-credit-note`, {});
    expect(note.status, JSON.stringify(note.body)).toBe(201);
    expect(note.body.extension).toContainEqual({
      url: `${HOPS}/StructureDefinition/corrects-invoice`,
      valueReference: { reference: `Invoice/${invoice.id}` },
    });
    //   2 x 12.05 = 24.10: taxable0 22.95, CGST 0.57, SGST 0.57, taxable 22.96
    //   3 x 12.05 = 36.15: taxable0 34.43, CGST 0.86, SGST 0.86, taxable 34.43
    // Net 57.39 + 1.43 + 1.43 = 60.25, to the rupee 60.00 (round-off -0.25): the A2 line credited in full.
    const sort = (rows: any[]) => [...rows].sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    expect(sort(rowsOf(note.body))).toEqual(
      sort([
        [byReturn.id, 2_410, 2_296, 57, 57],
        [byCancel.id, 3_615, 3_443, 86, 86],
      ]),
    );
    expect(paise(note.body.totalNet)).toBe(5_739);
    expect(paise(note.body.totalGross)).toBe(6_000);
  });

  it('another tenant sees neither the charges nor the invoice', async () => {
    const other = fhirClient(t.base, TENANT_B);
    expect((await other.get(`Invoice/${invoice.id}`)).status).toBe(404);
    expect(
      (await other.get(`ChargeItem?identifier=${CHARGE_SYSTEM}|dispense:MedicationDispense/${dispenses.A1.id}`)).body.entry ?? [],
    ).toEqual([]);
    expect(
      (
        await other.post(`MedicationDispense/${dispenses.A1.id}/$return`, {
          resourceType: 'Parameters',
          parameter: [{ name: 'quantity', valueInteger: 1 }],
        })
      ).status,
    ).toBe(404);
  });
});
