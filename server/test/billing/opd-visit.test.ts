import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryJobQueue } from '../bots/helpers.ts';
import { fhirClient, startTestServer, systemToken, TENANT_A, TENANT_B, type TestServer } from '../helpers/server.ts';
import { createStaff, userToken } from '../helpers/staff.ts';
import { appointment, building, doctor, type Fhir, params, ref, staff } from '../opd/fixtures.ts';
import {
  account,
  billedPatient,
  CBC,
  CHARGE_SYSTEM,
  create,
  dispense,
  gstBranch,
  HOPS,
  LIPID,
  labOrder,
  medication,
  tariff,
} from './fixtures.ts';

// A whole OPD visit billed by the bot from its events, invoiced, validated for ABDM and paid.
const QUEUE = 'bot-billing';
const GSTIN = '27AAACS1234F1Z5';
const jobs = new MemoryJobQueue({ backoffMs: 20, attempts: 2 });
let t: TestServer;
let fhir: Fhir;
let branchId: string;
let doctorId: string;
let locationId: string;

function fyNow(): string {
  const d = new Date(Date.now() + 330 * 60_000);
  const start = d.getUTCMonth() >= 3 ? d.getUTCFullYear() : d.getUTCFullYear() - 1;
  return `${start % 100}${(start + 1) % 100}`;
}

/** Runs the event pipeline until the bot's queue is quiet and every job settled. */
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

const chargesOf = async (patient: string) =>
  ((await fhir.get(`ChargeItem?subject=Patient/${patient}&_count=100`)).body.entry ?? []).map((e: any) => e.resource);
const money = (v: any) => Math.round(v.value * 100);
const component = (line: any, code: string) => line.priceComponent.find((p: any) => p.code.coding[0].code === code);

beforeAll(async () => {
  t = await startTestServer({ EVENTS_POLL_MS: '3600000' }, { jobs });
  fhir = fhirClient(t.base, TENANT_A);
  branchId = await create(fhir, gstBranch('Sanjeevani Pune', GSTIN, 'PUN'));
  locationId = await create(fhir, building(branchId, 'OPD block'));
  doctorId = await create(fhir, doctor('Dr. Meera Kulkarni'));
  for (const def of [
    tariff(branchId, 'consultation', 'OPD consultation', '999312', { general: 500, staff: 250 }),
    tariff(branchId, CBC, 'Complete blood count', '999316', { general: 350 }),
    tariff(branchId, LIPID, 'Lipid profile', '999316', { general: 799.45 }),
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

describe('an OPD visit billed from its events', () => {
  let patient: string;
  let encounter: string;
  let accountId: string;
  let invoice: any;

  it('check-in, two lab orders and a pharmacy dispense become four charges at the tariff, on one Account', async () => {
    patient = await create(fhir, billedPatient('Anjali Deshpande', 'Maharashtra'));
    const checkIn = await fhir.post(
      'Encounter/$check-in',
      params({
        patient: ref(`Patient/${patient}`),
        practitioner: ref(`Practitioner/${doctorId}`),
        branch: ref(`Organization/${branchId}`),
      }),
    );
    expect(checkIn.status, JSON.stringify(checkIn.body)).toBe(201);
    encounter = checkIn.body.id;
    await create(fhir, labOrder(patient, encounter, CBC, 'Complete blood count'));
    await create(fhir, labOrder(patient, encounter, LIPID, 'Lipid panel'));
    const med = await create(fhir, medication('30049099', 'Paracetamol 500 mg oral tablet'));
    await create(fhir, dispense(patient, encounter, med, 10, 2.35));
    await drain();

    const charges = await chargesOf(patient);
    expect(charges).toHaveLength(4);
    const byCode = (c: any) =>
      c.productCodeableConcept?.coding.find((x: any) => x.system === `${HOPS}/CodeSystem/tariff`)?.code ?? 'medicine';
    const prices = Object.fromEntries(charges.map((c: any) => [byCode(c), [c.priceOverride.value, c.quantity.value, c.status]]));
    expect(prices).toEqual({
      consultation: [500, 1, 'billable'],
      [CBC]: [350, 1, 'billable'],
      [LIPID]: [799.45, 1, 'billable'],
      medicine: [2.35, 10, 'billable'],
    });
    // Each tariff charge records the tariff version it used.
    const consult = charges.find((c: any) => byCode(c) === 'consultation');
    expect(consult.definitionCanonical).toEqual([`${HOPS}/tariff/${branchId}/consultation|1`]);
    const accounts = new Set<string>(charges.map((c: any) => c.account[0].reference));
    expect(accounts.size).toBe(1);
    accountId = [...accounts][0].split('/')[1];
    const account = (await fhir.get(`Account/${accountId}`)).body;
    expect(account).toMatchObject({
      status: 'active',
      owner: { reference: `Organization/${branchId}` },
      subject: [{ reference: `Patient/${patient}` }],
    });
  });

  it('replaying every event twice changes nothing', async () => {
    const before = await chargesOf(patient);
    const done = await jobs.list({ queue: QUEUE });
    for (const round of [1, 2]) {
      for (const j of done) await jobs.add(QUEUE, j.name, j.data, { jobId: `${j.id}-replay-${round}` });
      for (const j of done) expect((await jobs.settled(QUEUE, `${j.id}-replay-${round}`)).state).toBe('completed');
    }
    const after = await chargesOf(patient);
    expect(after.map((c: any) => `${c.id}@${c.meta.versionId}`).sort()).toEqual(
      before.map((c: any) => `${c.id}@${c.meta.versionId}`).sort(),
    );
    const accounts = await fhir.get(`Account?identifier=${HOPS}/sid/billing-account|${branchId}/${patient}`);
    expect(accounts.body.entry).toHaveLength(1);
  });

  it('the draft invoice follows the live charges and is stored nowhere', async () => {
    const draft = await fhir.get(`Account/${accountId}/$draft-invoice`);
    expect(draft.status, JSON.stringify(draft.body)).toBe(200);
    expect(draft.body).toMatchObject({ resourceType: 'Invoice', status: 'draft' });
    expect(draft.body.id).toBeUndefined();
    expect(draft.body.lineItem).toHaveLength(4);
    expect((await fhir.get(`Invoice?account=Account/${accountId}`)).body.entry ?? []).toHaveLength(0);
  });

  it('issuing gives the right invoice to the paisa, numbered in the branch series', async () => {
    const res = await fhir.post(`Account/${accountId}/$issue-invoice`, {});
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    invoice = res.body;
    // Hand-computed (paise): services exempt (SAC 9993, entry 74); paracetamol HSN 3004 at 5%
    // from 22 Sep 2025, MRP inclusive: 10 x 235 = 2350; 2350/1.05 = 2238.1 -> 2238; 2.5% = 55.95 -> 56 each.
    const expected = [
      { item: 'consultation', rate: 50_000, cgst: 0, sgst: 0 },
      { item: 'CBC', rate: 35_000, cgst: 0, sgst: 0 },
      { item: 'lipid', rate: 79_945, cgst: 0, sgst: 0 },
      { item: 'paracetamol', mrp: 2350, rate: 2238, cgst: 56, sgst: 56 },
    ];
    const lines = invoice.lineItem.map((l: any) => ({
      rate: money(component(l, '01').amount),
      cgst: component(l, '03') ? money(component(l, '03').amount) : 0,
      sgst: component(l, '04') ? money(component(l, '04').amount) : 0,
      mrp: component(l, '00') ? money(component(l, '00').amount) : undefined,
    }));
    expect(lines.sort((a: any, b: any) => b.rate - a.rate)).toEqual(
      expected.map(({ item: _, ...rest }) => ({ mrp: undefined, ...rest })).sort((a, b) => b.rate - a.rate),
    );
    // Net 167,183; taxes 112; exact 167,295 paise -> Rs 1,673 with a round-off of +5 paise.
    expect(money(invoice.totalNet)).toBe(167_183);
    expect(money(invoice.totalGross)).toBe(167_300);
    expect(invoice.totalPriceComponent).toEqual([
      {
        type: 'surcharge',
        code: { coding: [{ system: `${HOPS}/CodeSystem/price-component`, code: 'round-off', display: 'Round off' }] },
        amount: { value: 0.05, currency: 'INR' },
      },
    ]);
    expect(invoice.status).toBe('issued');
    expect(invoice.identifier[0]).toMatchObject({ system: `${HOPS}/sid/invoice-number/${GSTIN}`, value: `PUNI/${fyNow()}/00001` });
    expect(invoice.identifier[0].value.length).toBeLessThanOrEqual(16);
    expect(invoice.type.coding[0].code).toBe('03');
    // The tariff version and the GST rule are on each line.
    const consultLine = invoice.lineItem.find((l: any) => money(component(l, '01').amount) === 50_000);
    expect(consultLine.extension).toContainEqual({
      url: `${HOPS}/StructureDefinition/tariff-version`,
      valueCanonical: `${HOPS}/tariff/${branchId}/consultation|1`,
    });
    for (const c of await chargesOf(patient)) expect(c.status).toBe('billed');
    // Nothing left to bill.
    expect((await fhir.post(`Account/${accountId}/$issue-invoice`, {})).status).toBe(422);
  });

  it('the invoice gives an ABDM InvoiceRecord that validates against the IG', async () => {
    const res = await fhir.post(`Invoice/${invoice.id}/$abdm-document?type=InvoiceRecord`, {});
    expect(res.status, JSON.stringify(res.body).slice(0, 2000)).toBe(200);
    expect(res.body.entry[0].resource.title).toBe(`Invoice PUNI/${fyNow()}/00001`);
  });

  it('prints as a PDF bill (A4, bilingual, amount in words, UPI QR)', async () => {
    const res = await fetch(`${t.base}/Invoice/${invoice.id}/$invoice-pdf`, {
      headers: { authorization: `Bearer ${await systemToken(t.base, TENANT_A)}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/pdf/);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(bytes.length).toBeGreaterThan(5000);
    expect((await fhirClient(t.base, TENANT_B).get(`Invoice/${invoice.id}/$invoice-pdf`)).status).toBe(404);
  });

  it('an issued invoice cannot be changed or deleted, and no one mints an issued Invoice by REST', async () => {
    const put = await fhir.put(`Invoice/${invoice.id}`, { ...invoice, totalGross: { value: 1, currency: 'INR' } });
    expect(put.status).toBe(409);
    expect(put.body.issue[0].details.text).toMatch(/cannot be changed.*credit note/);
    expect(put.body.issue[0].details.coding[0].code).toBe('CONFLICT');
    expect((await fhir.delete(`Invoice/${invoice.id}`)).status).toBe(409);
    const { id: _id, meta: _meta, ...copy } = invoice;
    const minted = await fhir.post('Invoice', { ...copy, identifier: [{ ...copy.identifier[0], value: 'PUNI/2627/99999' }] });
    expect(minted.status).toBe(422);
    expect(minted.body.issue[0].details.text).toMatch(/series is issued only by Account\/\$issue-invoice/);
    const charge = (await chargesOf(patient))[0];
    expect((await fhir.put(`ChargeItem/${charge.id}`, { ...charge, priceOverride: { value: 1, currency: 'INR' } })).status).toBe(409);
    expect((await fhir.get(`Invoice/${invoice.id}`)).body.meta.versionId).toBe('1');
  });

  it('payments: more than due only as advance, said clearly; cash with change; balance = charges - payments + refunds', async () => {
    const pay = (body: Record<string, any>) => fhir.post(`Account/${accountId}/$pay`, params(body));
    const value = (res: any, name: string) => res.body.parameter.find((p: any) => p.name === name)?.valueMoney?.value;
    const over = await pay({ method: { valueCode: 'cash' }, amount: { valueMoney: { value: 2000, currency: 'INR' } } });
    expect(over.status).toBe(422);
    expect(over.body.issue[0].details.text).toBe(
      'Only ₹1,673.00 is due; ₹327.00 more would be held as advance. Pay ₹1,673.00, or send advance=true to hold the excess as advance',
    );
    expect(value(await fhir.get(`Account/${accountId}/$balance`), 'balance')).toBe(1673);
    const negative = await pay({ method: { valueCode: 'upi' }, amount: { valueMoney: { value: -5, currency: 'INR' } } });
    expect(negative.status).toBe(400);
    const part = await pay({
      method: { valueCode: 'upi' },
      amount: { valueMoney: { value: 673, currency: 'INR' } },
      reference: { valueString: 'UPI-1234' },
    });
    expect(part.status, JSON.stringify(part.body)).toBe(201);
    expect(value(part, 'balance')).toBe(1000);
    const cash = await pay({
      method: { valueCode: 'cash' },
      amount: { valueMoney: { value: 1200, currency: 'INR' } },
      tendered: { valueMoney: { value: 1500, currency: 'INR' } },
      advance: { valueBoolean: true },
    });
    expect(cash.status).toBe(201);
    expect(value(cash, 'change')).toBe(300);
    expect(value(cash, 'held-as-advance')).toBe(200);
    expect(value(cash, 'balance')).toBe(-200);
    const tooMuch = await fhir.post(
      `Account/${accountId}/$refund`,
      params({ method: { valueCode: 'cash' }, amount: { valueMoney: { value: 250, currency: 'INR' } }, reason: { valueString: 'excess' } }),
    );
    expect(tooMuch.status).toBe(422);
    const refund = await fhir.post(
      `Account/${accountId}/$refund`,
      params({
        method: { valueCode: 'cash' },
        amount: { valueMoney: { value: 200, currency: 'INR' } },
        reason: { valueString: 'Advance returned' },
      }),
    );
    expect(refund.status).toBe(201);
    const b = await fhir.get(`Account/${accountId}/$balance`);
    expect({
      charges: value(b, 'charges'),
      payments: value(b, 'payments'),
      refunds: value(b, 'refunds'),
      balance: value(b, 'balance'),
    }).toEqual({
      charges: 1673,
      payments: 1873,
      refunds: 200,
      balance: 0,
    });
    const records = await fhir.get(`PaymentReconciliation?_count=50`);
    expect(records.body.entry.length).toBeGreaterThanOrEqual(3);
  });

  it('a cancelled order before billing is not billed; after billing it is reversed by a credit note in its own series', async () => {
    const lab = await create(fhir, labOrder(patient, encounter, CBC, 'Complete blood count'));
    await drain();
    const key = `service:ServiceRequest/${lab}`;
    const find = async (k: string) => (await fhir.get(`ChargeItem?identifier=${CHARGE_SYSTEM}|${k}`)).body.entry?.[0]?.resource;
    expect((await find(key)).status).toBe('billable');
    const issued = await fhir.post(`Account/${accountId}/$issue-invoice`, {});
    expect(issued.status).toBe(201);
    expect(issued.body.identifier[0].value).toBe(`PUNI/${fyNow()}/00002`);
    const sr = (await fhir.get(`ServiceRequest/${lab}`)).body;
    await fhir.put(`ServiceRequest/${lab}`, { ...sr, status: 'revoked' });
    await drain();
    const reversal = await find(`reversal:${key}`);
    expect(reversal).toMatchObject({ status: 'billable', priceOverride: { value: 350 } });
    const note = await fhir.post(`Account/${accountId}/$issue-credit-note`, {});
    expect(note.status, JSON.stringify(note.body)).toBe(201);
    expect(note.body.identifier[0].value).toBe(`PUNC/${fyNow()}/00001`);
    expect(note.body.extension).toContainEqual({
      url: `${HOPS}/StructureDefinition/corrects-invoice`,
      valueReference: { reference: `Invoice/${issued.body.id}` },
    });
    expect(money(note.body.totalGross)).toBe(35_000);
    const b = await fhir.get(`Account/${accountId}/$balance`);
    expect(b.body.parameter.find((p: any) => p.name === 'balance').valueMoney.value).toBe(0);

    // A revoke before billing: the charge becomes not-billable, nothing to credit.
    const lab2 = await create(fhir, labOrder(patient, encounter, LIPID, 'Lipid panel'));
    await drain();
    const sr2 = (await fhir.get(`ServiceRequest/${lab2}`)).body;
    await fhir.put(`ServiceRequest/${lab2}`, { ...sr2, status: 'entered-in-error' });
    await drain();
    expect((await find(`service:ServiceRequest/${lab2}`)).status).toBe('not-billable');
    expect(await find(`reversal:service:ServiceRequest/${lab2}`)).toBeUndefined();
  });

  it('an accountant reads invoices but cannot issue or take payments', async () => {
    const accountant = await staff(t, TENANT_A, 'accountant', [branchId]);
    expect((await accountant.get(`Invoice/${invoice.id}`)).status).toBe(200);
    expect((await accountant.post(`Account/${accountId}/$issue-invoice`, {})).status).toBe(403);
    const pay = await accountant.post(
      `Account/${accountId}/$deposit`,
      params({ method: { valueCode: 'cash' }, amount: { valueMoney: { value: 10, currency: 'INR' } } }),
    );
    expect(pay.status).toBe(403);
  });

  it('another tenant cannot issue, pay, read the balance or see the invoice of this Account', async () => {
    const other = fhirClient(t.base, TENANT_B);
    expect((await other.post(`Account/${accountId}/$issue-invoice`, {})).status).toBe(404);
    expect((await other.get(`Account/${accountId}/$balance`)).status).toBe(404);
    expect((await other.get(`Account/${accountId}/$draft-invoice`)).status).toBe(404);
    const pay = await other.post(
      `Account/${accountId}/$deposit`,
      params({ method: { valueCode: 'cash' }, amount: { valueMoney: { value: 10, currency: 'INR' } } }),
    );
    expect(pay.status).toBe(404);
    expect((await other.get(`Invoice/${invoice.id}`)).status).toBe(404);
    expect((await other.get(`Invoice?identifier=${HOPS}/sid/invoice-number/${GSTIN}|PUNI/${fyNow()}/00001`)).body.entry ?? []).toHaveLength(
      0,
    );
    const b = await fhir.get(`Account/${accountId}/$balance`);
    expect(b.body.parameter.find((p: any) => p.name === 'balance').valueMoney.value).toBe(0);
  });
});

describe('tariff versions, rate plans and booked visits', () => {
  it('a booked visit is charged once (booking and check-in share the key), at the rate plan and tariff version then current', async () => {
    const defs = await fhir.get(`ChargeItemDefinition?url=${HOPS}/tariff/${branchId}/consultation`);
    const def = defs.body.entry[0].resource;
    // The tariff changes: general Rs 600, staff Rs 300. The repository keeps version 1 in its history.
    const changed = await fhir.put(`ChargeItemDefinition/${def.id}`, {
      ...def,
      version: '2',
      propertyGroup: [
        { ...def.propertyGroup[0], priceComponent: [{ type: 'base', amount: { value: 600, currency: 'INR' } }] },
        { ...def.propertyGroup[1], priceComponent: [{ type: 'base', amount: { value: 300, currency: 'INR' } }] },
      ],
    });
    expect(changed.body.meta.versionId).toBe('2');
    expect((await fhir.get(`ChargeItemDefinition/${def.id}/_history/1`)).body.propertyGroup[0].priceComponent[0].amount.value).toBe(500);

    const staffPatient = await create(fhir, billedPatient('Sneha Joshi', 'Maharashtra'));
    await create(
      fhir,
      account(staffPatient, branchId, { extension: [{ url: `${HOPS}/StructureDefinition/rate-plan`, valueCode: 'staff' }] }),
    );
    const booked = await create(fhir, appointment({ patient: staffPatient, practitioner: doctorId, location: locationId }));
    await drain();
    const checkIn = await fhir.post('Encounter/$check-in', params({ appointment: ref(`Appointment/${booked}`) }));
    expect(checkIn.status, JSON.stringify(checkIn.body)).toBe(201);
    await drain();
    const charges = await chargesOf(staffPatient);
    expect(charges).toHaveLength(1);
    expect(charges[0]).toMatchObject({
      priceOverride: { value: 300 },
      definitionCanonical: [`${HOPS}/tariff/${branchId}/consultation|2`],
      identifier: [{ system: CHARGE_SYSTEM, value: `consultation:Appointment/${booked}` }],
    });

    const general = await create(fhir, billedPatient('Vikram Rane', 'Maharashtra'));
    const walkIn = await fhir.post(
      'Encounter/$check-in',
      params({
        patient: ref(`Patient/${general}`),
        practitioner: ref(`Practitioner/${doctorId}`),
        branch: ref(`Organization/${branchId}`),
      }),
    );
    await drain();
    const [c] = await chargesOf(general);
    expect(c).toMatchObject({ priceOverride: { value: 600 }, identifier: [{ value: `consultation:Encounter/${walkIn.body.id}` }] });
    const inv = await fhir.post(`${c.account[0].reference}/$issue-invoice`, {});
    expect(inv.body.lineItem[0].extension).toContainEqual({
      url: `${HOPS}/StructureDefinition/tariff-version`,
      valueCanonical: `${HOPS}/tariff/${branchId}/consultation|2`,
    });
  });

  it('a second visit within the follow-up days is charged at the follow-up tariff (free here)', async () => {
    await create(fhir, tariff(branchId, 'consultation-follow-up', 'Follow-up consultation', '999312', { general: 0 }));
    const p = await create(fhir, billedPatient('Nikhil Bhosale', 'Maharashtra'));
    const visit = () =>
      fhir.post(
        'Encounter/$check-in',
        params({ patient: ref(`Patient/${p}`), practitioner: ref(`Practitioner/${doctorId}`), branch: ref(`Organization/${branchId}`) }),
      );
    expect((await visit()).status).toBe(201);
    await drain();
    expect((await visit()).status).toBe(201);
    await drain();
    // The first visit at the full price, the second (same day) at the follow-up tariff.
    const charges = (await chargesOf(p)).sort((a: any, b: any) => a.meta.lastUpdated.localeCompare(b.meta.lastUpdated));
    expect(charges.map((c: any) => [c.productCodeableConcept.coding[0].code, c.priceOverride.value])).toEqual([
      ['consultation', 600],
      ['consultation-follow-up', 0],
    ]);
  });

  it('a cancelled booking takes back its consultation charge', async () => {
    const p = await create(fhir, billedPatient('Ritu Sawant', 'Maharashtra'));
    const booked = await create(fhir, appointment({ patient: p, practitioner: doctorId, location: locationId }));
    await drain();
    expect((await chargesOf(p)).map((c: any) => c.status)).toEqual(['billable']);
    const a = (await fhir.get(`Appointment/${booked}`)).body;
    expect((await fhir.put(`Appointment/${booked}`, { ...a, status: 'cancelled' })).status).toBe(200);
    await drain();
    expect((await chargesOf(p)).map((c: any) => c.status)).toEqual(['not-billable']);
  });

  it('a dispense entered in error before billing stops its line; an order with no tariff is not charged', async () => {
    const p = await create(fhir, billedPatient('Farah Shaikh', 'Maharashtra'));
    const enc = (
      await fhir.post(
        'Encounter/$check-in',
        params({ patient: ref(`Patient/${p}`), practitioner: ref(`Practitioner/${doctorId}`), branch: ref(`Organization/${branchId}`) }),
      )
    ).body.id;
    const med = await create(fhir, medication('30049099', 'Cetirizine 10 mg tablet'));
    const d = await create(fhir, dispense(p, enc, med, 5, 3.1));
    await create(fhir, labOrder(p, enc, '252275004', 'Haematology test with no tariff'));
    await drain();
    const dispensed = (await fhir.get(`MedicationDispense/${d}`)).body;
    await fhir.put(`MedicationDispense/${d}`, { ...dispensed, status: 'entered-in-error' });
    await drain();
    const charges = await chargesOf(p);
    const statuses = Object.fromEntries(charges.map((c: any) => [c.identifier[0].value.split(':')[0], c.status]));
    expect(statuses).toEqual({ consultation: 'billable', dispense: 'not-billable' });
  });
});
