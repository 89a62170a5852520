import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertBatch, move, reconcile } from '../../src/features/pharmacy/ledger.ts';
import { registerWriteHook } from '../../src/repo/write-hooks.ts';
import { fhirClient, startTestServer, TENANT_A, TENANT_B, type TestServer } from '../helpers/server.ts';
import { staff } from '../opd/fixtures.ts';
import {
  createPharmacy,
  dispenseBody,
  dispensesOf,
  HSN,
  ITEM_SYSTEM,
  inDays,
  outputOf,
  type Pharmacy,
  prescribe,
  receipt,
  receive,
  stockOf,
  storeParam,
  UNIT_PRICE,
} from './fixtures.ts';

let t: TestServer;
let p: Pharmacy;

beforeAll(async () => {
  t = await startTestServer();
  p = await createPharmacy(t, fhirClient(t.base, TENANT_A), TENANT_A, 3);
});
afterAll(() => t?.stop());

const businessCode = (body: any) => body.issue?.[0]?.details?.coding?.[0]?.code;
const ledgerCount = () =>
  t.server.db.transaction({ tenantId: TENANT_A }, async (sql) =>
    Number((await sql.query<{ n: string }>('SELECT count(*) AS n FROM pharmacy_ledger')).rows[0].n),
  );
const reconciled = () => t.server.db.transaction({ tenantId: TENANT_A }, (sql) => reconcile(sql));

describe('goods receipt', () => {
  it('refuses an expired batch, a near-expiry one without a reason and a negative quantity, writing nothing', async () => {
    const before = await ledgerCount();
    const expired = await p.pharmacist.post(
      'SupplyDelivery/$receive-goods',
      receipt(p.store, [{ code: 'GR1', lot: 'E1', expiry: inDays(-1), quantity: 10 }]),
    );
    expect(expired.status).toBe(422);
    expect(businessCode(expired.body)).toBe('EXPIRED_BATCH');
    const near = await p.pharmacist.post(
      'SupplyDelivery/$receive-goods',
      receipt(p.store, [
        { code: 'GR1', lot: 'OK1', expiry: inDays(400), quantity: 10 },
        { code: 'GR1', lot: 'N1', expiry: inDays(45), quantity: 10 },
      ]),
    );
    expect(near.status).toBe(422);
    expect(businessCode(near.body)).toBe('NEAR_EXPIRY_BATCH');
    expect(near.body.issue[0].expression).toEqual(['line[1].nearExpiryReason']);
    const negative = await p.pharmacist.post(
      'SupplyDelivery/$receive-goods',
      receipt(p.store, [{ code: 'GR1', lot: 'X1', expiry: inDays(400), quantity: -5 }]),
    );
    expect(negative.status).toBe(400);
    expect(negative.body.issue[0].details.text).toContain('line[0].quantity');
    expect(await ledgerCount()).toBe(before);
    // The first line of the refused note was not kept either.
    expect(Object.keys(await stockOf(p.pharmacist, p.store))).toHaveLength(0);
  });

  it('receives a note: Medication per batch with lot, expiry, HSN and MRP; SupplyDelivery per line; quantity plus free', async () => {
    const [med] = await receive(p.pharmacist, p.store, [
      { code: 'GR2', display: 'Paracetamol 500 mg tablet', lot: 'P-01', expiry: inDays(300), quantity: 100, free: 10, mrp: 2.1 },
    ]);
    const medication = (await p.pharmacist.get(`Medication/${med}`)).body;
    expect(medication.batch).toEqual({ lotNumber: 'P-01', expirationDate: inDays(300) });
    // One code coding (the ABDM Medication profile allows no second); the HSN is an identifier of type HSN.
    expect(medication.code.coding).toEqual([{ system: ITEM_SYSTEM, code: 'GR2', display: 'Paracetamol 500 mg tablet' }]);
    expect(medication.identifier).toEqual([
      {
        type: {
          coding: [
            {
              system: 'https://nrces.in/ndhm/fhir/r4/CodeSystem/ndhm-identifier-type-code',
              code: 'HSN',
              display: 'Harmonized System of Nomenclature',
            },
          ],
        },
        system: HSN,
        value: '30049099',
      },
    ]);
    expect(medication.extension.find((e: any) => e.url === UNIT_PRICE).valueMoney).toEqual({ value: 2.1, currency: 'INR' });
    expect((await stockOf(p.pharmacist, p.store))[med]).toBe(110);
    const deliveries = (await p.pharmacist.get('SupplyDelivery?status=completed&_count=100')).body.entry.map((e: any) => e.resource);
    expect(deliveries.find((d: any) => d.suppliedItem.itemReference.reference === `Medication/${med}`).suppliedItem.quantity.value).toBe(
      110,
    );
    // The same lot again adds to the same batch.
    const [again] = await receive(p.pharmacist, p.store, [{ code: 'GR2', lot: 'P-01', expiry: inDays(300), quantity: 5 }]);
    expect(again).toBe(med);
    expect((await stockOf(p.pharmacist, p.store))[med]).toBe(115);
  });

  it('two notes bringing the same new lot at once make one batch holding both', async () => {
    const results = await Promise.all(
      [1, 2, 3].map(() =>
        p.pharmacist.post(
          'SupplyDelivery/$receive-goods',
          receipt(p.store, [{ code: 'RACE', lot: 'R-1', expiry: inDays(300), quantity: 5 }]),
        ),
      ),
    );
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    const meds = new Set(results.map((r) => r.body.parameter[0].part[0].valueReference.reference));
    expect(meds.size).toBe(1);
    expect((await stockOf(p.pharmacist, p.store))[[...meds][0].split('/')[1]]).toBe(15);
  });

  it('accepts a near-expiry batch with a reason', async () => {
    const res = await p.pharmacist.post(
      'SupplyDelivery/$receive-goods',
      receipt(p.store, [{ code: 'GR3', lot: 'N2', expiry: inDays(60), quantity: 4, nearExpiryReason: 'Short-dated stock, fast mover' }]),
    );
    expect(res.status).toBe(200);
  });
});

describe('stock valuation', () => {
  it('values a store at purchase price and MRP, per item and in total, in Indian format', async () => {
    const store = (await p.system.post('Location', { resourceType: 'Location', status: 'active', name: 'Valuation store' })).body.id;
    await receive(p.pharmacist, store, [
      { code: 'VAL1', lot: 'V-1', expiry: inDays(300), quantity: 40000, mrp: 12.5, purchasePrice: 9.25 },
      { code: 'VAL1', lot: 'V-2', expiry: inDays(350), quantity: 10, mrp: 12.5, purchasePrice: 9.25 },
      { code: 'VAL2', lot: 'V-3', expiry: inDays(300), quantity: 3, mrp: 100, purchasePrice: 80 },
    ]);
    const res = await p.pharmacist.get(`Location/$stock-valuation?store=Location/${store}`);
    expect(res.status).toBe(200);
    const item = (code: string) =>
      Object.fromEntries(
        res.body.parameter
          .find((x: any) => x.name === 'item' && x.part[0].valueString.endsWith(`|${code}`))
          .part.map((y: any) => [y.name, y.valueInteger ?? y.valueMoney?.value ?? y.valueString]),
      );
    expect(item('VAL1')).toMatchObject({ units: 40010, atCost: 370092.5, atMrp: 500125 });
    expect(item('VAL2')).toMatchObject({ units: 3, atCost: 240, atMrp: 300 });
    const total = (n: string) => res.body.parameter.find((x: any) => x.name === n);
    expect(total('totalAtMrp').valueMoney).toEqual({ value: 500425, currency: 'INR' });
    expect(total('totalAtMrpText').valueString).toBe('₹5,00,425.00');
    expect(total('totalAtCostText').valueString).toBe('₹3,70,332.50');
  });
});

describe('purchase orders', () => {
  it('receives against an active SupplyRequest for the store and supplier, and refuses one that is not', async () => {
    const supplier = (
      await p.system.post('Organization', { resourceType: 'Organization', name: 'Mahalaxmi Pharma Distributors', active: true })
    ).body.id;
    const po = async (extra: Record<string, unknown>) => {
      const res = await p.pharmacist.post('SupplyRequest', {
        resourceType: 'SupplyRequest',
        status: 'active',
        category: { text: 'Purchase order' },
        itemCodeableConcept: { coding: [{ system: ITEM_SYSTEM, code: 'PO1' }] },
        quantity: { value: 100 },
        deliverFrom: { reference: `Organization/${supplier}` },
        deliverTo: { reference: `Location/${p.store}` },
        ...extra,
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.id as string;
    };
    const order = await po({});
    const extra = [
      { name: 'supplier', valueReference: { reference: `Organization/${supplier}` } },
      { name: 'order', valueReference: { reference: `SupplyRequest/${order}` } },
    ];
    const res = await p.pharmacist.post(
      'SupplyDelivery/$receive-goods',
      receipt(p.store, [{ code: 'PO1', lot: 'PO-1', expiry: inDays(300), quantity: 100 }], extra),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const sd = (await p.pharmacist.get(res.body.parameter[0].part[1].valueReference.reference)).body;
    expect(sd.basedOn).toEqual([{ reference: `SupplyRequest/${order}` }]);
    expect(sd.supplier).toEqual({ reference: `Organization/${supplier}` });
    const wrongStore = await p.pharmacist.post(
      'SupplyDelivery/$receive-goods',
      receipt(p.ward, [{ code: 'PO1', lot: 'PO-2', expiry: inDays(300), quantity: 1 }], extra),
    );
    expect(wrongStore.status).toBe(409);
    const closed = await po({ status: 'completed' });
    const late = await p.pharmacist.post(
      'SupplyDelivery/$receive-goods',
      receipt(
        p.store,
        [{ code: 'PO1', lot: 'PO-3', expiry: inDays(300), quantity: 1 }],
        [{ name: 'order', valueReference: { reference: `SupplyRequest/${closed}` } }],
      ),
    );
    expect(late.status).toBe(409);
    expect(late.body.issue[0].details.text).toContain('completed');
  });
});

describe('dispensing a prescription', () => {
  let near: string;
  let first: string;
  let second: string;

  beforeAll(async () => {
    [near, second, first] = await receive(p.pharmacist, p.store, [
      { code: 'AMOX', display: 'Amoxicillin 500 mg capsule', lot: 'A-NEAR', expiry: inDays(20), quantity: 50, nearExpiryReason: 'test' },
      { code: 'AMOX', display: 'Amoxicillin 500 mg capsule', lot: 'A-LATE', expiry: inDays(400), quantity: 10, mrp: 6 },
      { code: 'AMOX', display: 'Amoxicillin 500 mg capsule', lot: 'A-SOON', expiry: inDays(200), quantity: 5, mrp: 5.5 },
    ]);
  });

  it('picks first-expiry-first-out across batches, skipping one inside the 30-day safety window', async () => {
    const rx = await prescribe(p.system, p, 'AMOX', 8);
    const res = await p.pharmacist.post(`MedicationRequest/${rx}/$dispense`, dispenseBody(p.store));
    expect(res.status).toBe(200);
    const dispenses = dispensesOf(res.body);
    expect(dispenses.map((d: any) => [d.medicationReference.reference, d.quantity.value])).toEqual([
      [`Medication/${first}`, 5],
      [`Medication/${second}`, 3],
    ]);
    expect(dispenses[0]).toMatchObject({
      status: 'completed',
      subject: { reference: `Patient/${p.patients[0]}` },
      authorizingPrescription: [{ reference: `MedicationRequest/${rx}` }],
      location: { reference: `Location/${p.store}` },
    });
    expect(dispenses[0].extension).toContainEqual({ url: UNIT_PRICE, valueMoney: { value: 5.5, currency: 'INR' } });
    expect(dispenses[1].extension).toContainEqual({ url: UNIT_PRICE, valueMoney: { value: 6, currency: 'INR' } });
    expect(dispenses[0].performer[0].actor.reference).toMatch(/^Practitioner\//);
    expect(outputOf(res.body, 'pending')).toBe(0);
    const stock = await stockOf(p.pharmacist, p.store);
    expect([stock[near], stock[first], stock[second]]).toEqual([50, 0, 7]);
    // Fully dispensed: a second dispense has nothing left to give.
    const again = await p.pharmacist.post(
      `MedicationRequest/${rx}/$dispense`,
      dispenseBody(p.store, [{ name: 'quantity', valueInteger: 1 }]),
    );
    expect(again.status).toBe(422);
  });

  it('answers 409 INSUFFICIENT_STOCK with what is available, writing nothing', async () => {
    const rx = await prescribe(p.system, p, 'AMOX', 20, 1);
    const before = { ledger: await ledgerCount(), stock: await stockOf(p.pharmacist, p.store) };
    const res = await p.pharmacist.post(`MedicationRequest/${rx}/$dispense`, dispenseBody(p.store));
    expect(res.status).toBe(409);
    expect(businessCode(res.body)).toBe('INSUFFICIENT_STOCK');
    expect(JSON.parse(res.body.issue[0].diagnostics)).toEqual({ available: 7, wanted: 20 });
    expect(res.body.issue[0].details.text).toContain('Only 7 of 20');
    expect(await ledgerCount()).toBe(before.ledger);
    expect(await stockOf(p.pharmacist, p.store)).toEqual(before.stock);
    const written = await p.pharmacist.get(`MedicationDispense?prescription=MedicationRequest/${rx}`);
    expect(written.body.entry ?? []).toHaveLength(0);
  });

  it('dispenses what there is with partial=true and keeps the remainder pending; returns restock the same batch', async () => {
    const rx = await prescribe(p.system, p, 'AMOX', 20, 1);
    const res = await p.pharmacist.post(
      `MedicationRequest/${rx}/$dispense`,
      dispenseBody(p.store, [{ name: 'partial', valueBoolean: true }]),
    );
    expect(res.status).toBe(200);
    expect(outputOf(res.body, 'dispensed')).toBe(7);
    expect(outputOf(res.body, 'pending')).toBe(13);
    const [md] = dispensesOf(res.body);
    expect((await stockOf(p.pharmacist, p.store))[second]).toBe(0);

    const back = await p.pharmacist.post(`MedicationDispense/${md.id}/$return`, {
      resourceType: 'Parameters',
      parameter: [{ name: 'quantity', valueInteger: 2 }],
    });
    expect(back.status).toBe(200);
    expect((await stockOf(p.pharmacist, p.store))[second]).toBe(2);
    const tooMany = await p.pharmacist.post(`MedicationDispense/${md.id}/$return`, {
      resourceType: 'Parameters',
      parameter: [{ name: 'quantity', valueInteger: 6 }],
    });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.issue[0].details.text).toContain('5 of the 7');
    // Returned units count as not yet dispensed for the prescription.
    const more = await p.pharmacist.post(
      `MedicationRequest/${rx}/$dispense`,
      dispenseBody(p.store, [{ name: 'partial', valueBoolean: true }]),
    );
    expect(outputOf(more.body, 'dispensed')).toBe(2);
    expect(outputOf(more.body, 'pending')).toBe(13);
    expect((await reconciled()).discrepancies).toEqual([]);
  });

  it('refuses a negative quantity and a doctor dispensing', async () => {
    const rx = await prescribe(p.system, p, 'AMOX', 2);
    const negative = await p.pharmacist.post(
      `MedicationRequest/${rx}/$dispense`,
      dispenseBody(p.store, [{ name: 'quantity', valueInteger: -3 }]),
    );
    expect(negative.status).toBe(400);
    const doctor = await staff(t, TENANT_A, 'doctor', [p.branch]);
    const res = await doctor.post(`MedicationRequest/${rx}/$dispense`, dispenseBody(p.store));
    expect(res.status).toBe(403);
  });
});

describe('generic substitution', () => {
  it('dispenses a generic of the same composition with the pharmacist’s reason, and refuses a different one', async () => {
    const [, generic] = await receive(p.pharmacist, p.store, [
      { code: 'CROCIN', lot: 'CR-1', expiry: inDays(300), quantity: 1, composition: 'Paracetamol 500 mg' },
      { code: 'PCM-GEN', lot: 'PG-1', expiry: inDays(300), quantity: 20, composition: 'paracetamol  500 MG' },
      { code: 'IBU', lot: 'IB-1', expiry: inDays(300), quantity: 20, composition: 'ibuprofen 400 mg' },
    ]);
    const rx = await prescribe(p.system, p, 'CROCIN', 10);
    const substitute = (code: string, reason?: string) =>
      p.pharmacist.post(
        `MedicationRequest/${rx}/$dispense`,
        dispenseBody(p.store, [
          { name: 'substitute', valueCoding: { system: ITEM_SYSTEM, code } },
          ...(reason ? [{ name: 'substitutionReason', valueString: reason }] : []),
        ]),
      );
    expect((await substitute('PCM-GEN')).status).toBe(400);
    const wrong = await substitute('IBU', 'Brand out of stock');
    expect(wrong.status).toBe(422);
    expect(businessCode(wrong.body)).toBe('NOT_SAME_COMPOSITION');
    const res = await substitute('PCM-GEN', 'Brand out of stock; patient agreed');
    expect(res.status).toBe(200);
    const [md] = dispensesOf(res.body);
    expect(md.medicationReference.reference).toBe(`Medication/${generic}`);
    expect(md.quantity.value).toBe(10);
    expect(md.substitution).toMatchObject({
      wasSubstituted: true,
      type: { coding: [{ code: 'G' }] },
      reason: [{ text: 'Brand out of stock; patient agreed' }],
    });
    expect(outputOf(res.body, 'pending')).toBe(0);
    const medication = (await p.pharmacist.get(`Medication/${generic}`)).body;
    expect(medication.ingredient[0].itemCodeableConcept.text).toBe('paracetamol 500 mg');
  });
});

describe('MedicationDispense written outside the operations', () => {
  it('refuses a stocked dispense that took nothing from the shelf, or a changed one; cancelling puts the stock back once', async () => {
    const [med] = await receive(p.pharmacist, p.store, [{ code: 'HOOK', lot: 'H-1', expiry: inDays(300), quantity: 10 }]);
    const forged = await p.pharmacist.post('MedicationDispense', {
      resourceType: 'MedicationDispense',
      status: 'completed',
      medicationReference: { reference: `Medication/${med}` },
      quantity: { value: 3 },
    });
    expect(forged.status).toBe(422);
    expect(forged.body.issue[0].details.text).toContain('$dispense');
    // Not a stocked batch: an ordinary record (an outside pharmacy's dispense, say).
    const outside = await p.pharmacist.post('MedicationDispense', {
      resourceType: 'MedicationDispense',
      status: 'completed',
      medicationCodeableConcept: { coding: [{ system: ITEM_SYSTEM, code: 'HOOK' }] },
      quantity: { value: 3 },
    });
    expect(outside.status).toBe(201);

    const rx = await prescribe(p.system, p, 'HOOK', 6);
    const [md] = dispensesOf((await p.pharmacist.post(`MedicationRequest/${rx}/$dispense`, dispenseBody(p.store))).body);
    expect((await stockOf(p.pharmacist, p.store))[med]).toBe(4);
    expect((await p.pharmacist.put(`MedicationDispense/${md.id}`, { ...md, quantity: { value: 1, unit: 'unit' } })).status).toBe(422);
    expect((await p.pharmacist.delete(`MedicationDispense/${md.id}`)).status).toBe(409);
    await p.pharmacist.post(`MedicationDispense/${md.id}/$return`, {
      resourceType: 'Parameters',
      parameter: [{ name: 'quantity', valueInteger: 2 }],
    });
    expect((await stockOf(p.pharmacist, p.store))[med]).toBe(6);
    const current = (await p.pharmacist.get(`MedicationDispense/${md.id}`)).body;
    const cancelled = await p.pharmacist.put(`MedicationDispense/${md.id}`, { ...current, status: 'cancelled' });
    expect(cancelled.status).toBe(200);
    // The 4 not returned yet come back; the 2 returned are not counted twice.
    expect((await stockOf(p.pharmacist, p.store))[med]).toBe(10);
    expect((await p.pharmacist.put(`MedicationDispense/${md.id}`, { ...cancelled.body, status: 'completed' })).status).toBe(409);
    expect((await p.pharmacist.put(`MedicationDispense/${md.id}`, { ...cancelled.body, status: 'entered-in-error' })).status).toBe(200);
    expect((await stockOf(p.pharmacist, p.store))[med]).toBe(10);
    expect((await reconciled()).discrepancies).toEqual([]);
  });
});

describe('a scanned batch', () => {
  const otc = (code: string, batch: string, quantity = 1) =>
    p.pharmacist.post('MedicationDispense/$dispense-otc', {
      resourceType: 'Parameters',
      parameter: [
        storeParam(p.store),
        { name: 'item', valueCoding: { system: ITEM_SYSTEM, code } },
        { name: 'quantity', valueInteger: quantity },
        { name: 'batch', valueReference: { reference: `Medication/${batch}` } },
      ],
    });

  it('dispenses the batch scanned, and refuses an expired one or one inside the safety window, writing nothing', async () => {
    const [soon, late, near] = await receive(p.pharmacist, p.store, [
      { code: 'SCAN', lot: 'S-SOON', expiry: inDays(200), quantity: 5 },
      { code: 'SCAN', lot: 'S-LATE', expiry: inDays(400), quantity: 5 },
      { code: 'SCAN', lot: 'S-NEAR', expiry: inDays(10), quantity: 5, nearExpiryReason: 'test' },
    ]);
    const res = await otc('SCAN', late, 2);
    expect(res.status).toBe(200);
    expect(dispensesOf(res.body)[0].medicationReference.reference).toBe(`Medication/${late}`);

    // A strip that expired on the shelf (received before its expiry: the test writes it as time would have).
    const expired = (
      await p.system.post('Medication', {
        resourceType: 'Medication',
        code: { coding: [{ system: ITEM_SYSTEM, code: 'SCAN' }] },
        batch: { lotNumber: 'S-OLD', expirationDate: inDays(-3) },
      })
    ).body.id;
    await t.server.db.transaction({ tenantId: TENANT_A }, async (sql) => {
      await insertBatch(sql, {
        medicationId: expired,
        item: `${ITEM_SYSTEM}|SCAN`,
        itemDisplay: 'SCAN',
        lot: 'S-OLD',
        expiry: inDays(-3),
        mrpPaise: 100,
        purchasePaise: 80,
        packSize: 10,
        hsn: '30049099',
        schedule: 'OTC',
      });
      await move(sql, { store: p.store, medicationId: expired, kind: 'receipt', qty: 5 });
    });
    const before = { ledger: await ledgerCount(), stock: await stockOf(p.pharmacist, p.store) };
    const old = await otc('SCAN', expired);
    expect(old.status).toBe(422);
    expect(businessCode(old.body)).toBe('EXPIRED_BATCH');
    expect(old.body.issue[0].details.text).toContain(`expired on ${inDays(-3)}`);
    const inWindow = await otc('SCAN', near);
    expect(inWindow.status).toBe(422);
    expect(businessCode(inWindow.body)).toBe('BATCH_IN_SAFETY_WINDOW');
    const otherItem = await otc('AMOX', late);
    expect(otherItem.status).toBe(422);
    expect(await ledgerCount()).toBe(before.ledger);
    expect(await stockOf(p.pharmacist, p.store)).toEqual(before.stock);
    // FEFO never offers the expired or near batch: 5 from the soon one, then the late one.
    const fefo = await p.pharmacist.post('MedicationDispense/$dispense-otc', {
      resourceType: 'Parameters',
      parameter: [
        storeParam(p.store),
        { name: 'item', valueCoding: { system: ITEM_SYSTEM, code: 'SCAN' } },
        { name: 'quantity', valueInteger: 8 },
      ],
    });
    expect(dispensesOf(fefo.body).map((d: any) => [d.medicationReference.reference, d.quantity.value])).toEqual([
      [`Medication/${soon}`, 5],
      [`Medication/${late}`, 3],
    ]);
    // With only expired and near stock left, nothing is dispensable.
    const none = await p.pharmacist.post('MedicationDispense/$dispense-otc', {
      resourceType: 'Parameters',
      parameter: [
        storeParam(p.store),
        { name: 'item', valueCoding: { system: ITEM_SYSTEM, code: 'SCAN' } },
        { name: 'quantity', valueInteger: 1 },
      ],
    });
    expect(none.status).toBe(409);
    expect(JSON.parse(none.body.issue[0].diagnostics).available).toBe(0);
  });
});

describe('Schedule H1 and X', () => {
  it('writes H1 dispenses to the register and refuses them over the counter', async () => {
    const [med] = await receive(p.pharmacist, p.store, [
      { code: 'ALPZ', display: 'Alprazolam 0.5 mg tablet', lot: 'H1-01', expiry: inDays(500), quantity: 30, schedule: 'H1' },
    ]);
    const otc = await p.pharmacist.post('MedicationDispense/$dispense-otc', {
      resourceType: 'Parameters',
      parameter: [
        storeParam(p.store),
        { name: 'item', valueCoding: { system: ITEM_SYSTEM, code: 'ALPZ' } },
        { name: 'quantity', valueInteger: 2 },
      ],
    });
    expect(otc.status).toBe(422);
    expect(businessCode(otc.body)).toBe('PRESCRIPTION_REQUIRED');

    const rx = await prescribe(p.system, p, 'ALPZ', 10, 2);
    const res = await p.pharmacist.post(`MedicationRequest/${rx}/$dispense`, dispenseBody(p.store));
    expect(res.status).toBe(200);
    const [md] = dispensesOf(res.body);
    const register = await p.pharmacist.get(`MedicationDispense/$drug-register?schedule=H1`);
    expect(register.status).toBe(200);
    const entries = register.body.parameter.map((e: any) => Object.fromEntries(e.part.map((x: any) => [x.name, x])));
    expect(entries).toHaveLength(1);
    expect(entries[0].patient.valueReference).toEqual({ reference: `Patient/${p.patients[2]}`, display: 'Meera2 Kulkarni' });
    expect(entries[0].prescriber.valueReference).toEqual({ reference: `Practitioner/${p.doctor}`, display: 'Dr. Anand Joshi' });
    expect(entries[0].dispense.valueReference.reference).toBe(`MedicationDispense/${md.id}`);
    expect(entries[0].batch.valueString).toBe('H1-01');
    expect(entries[0].quantity.valueInteger).toBe(10);
    expect(entries[0].medication.valueString).toBe('Alprazolam 0.5 mg tablet');
    expect((await stockOf(p.pharmacist, p.store))[med]).toBe(20);
    // Printable: the same lines as a bilingual page.
    const page = await p.pharmacist.get('MedicationDispense/$drug-register?schedule=H1&format=html', { accept: 'text/html' });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.body).toContain('अनुसूची H1 रजिस्टर');
    expect(page.body).toContain(
      '<td>Meera2 Kulkarni</td><td>Dr. Anand Joshi</td><td>Alprazolam 0.5 mg tablet</td><td>H1-01</td><td>10</td>',
    );
    // The X register holds nothing of it; the register cannot be edited by the server's own role.
    expect((await p.pharmacist.get(`MedicationDispense/$drug-register?schedule=X`)).body.parameter ?? []).toHaveLength(0);
    await expect(
      t.server.db.transaction({ tenantId: TENANT_A }, (sql) => sql.query('UPDATE pharmacy_register SET qty = 1')),
    ).rejects.toThrow();
  });
});

describe('concurrency and atomicity', () => {
  it('30 counters dispensing one unit each from a batch holding 10: exactly 10 succeed, stock ends at 0', async () => {
    const [med] = await receive(p.pharmacist, p.store, [{ code: 'ORS', lot: 'ORS-1', expiry: inDays(365), quantity: 10 }]);
    const otc = () =>
      p.pharmacist.post('MedicationDispense/$dispense-otc', {
        resourceType: 'Parameters',
        parameter: [
          storeParam(p.store),
          { name: 'item', valueCoding: { system: ITEM_SYSTEM, code: 'ORS' } },
          { name: 'quantity', valueInteger: 1 },
        ],
      });
    const results = await Promise.all(Array.from({ length: 30 }, otc));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 409)).toHaveLength(20);
    for (const r of results.filter((x) => x.status === 409)) expect(businessCode(r.body)).toBe('INSUFFICIENT_STOCK');
    expect((await stockOf(p.pharmacist, p.store))[med]).toBe(0);
    expect((await reconciled()).discrepancies).toEqual([]);
  });

  it('a failure after the first of two batches leaves neither written', async () => {
    const [early, late] = await receive(p.pharmacist, p.store, [
      { code: 'CRASH', lot: 'C-1', expiry: inDays(200), quantity: 3 },
      { code: 'CRASH', lot: 'C-2', expiry: inDays(300), quantity: 3 },
    ]);
    registerWriteHook('MedicationDispense', 'test-crash', {
      async afterWrite(_ctx, _current, next) {
        if ((next as any)?.medicationReference?.reference === `Medication/${late}`) throw new Error('simulated crash mid-dispense');
      },
    });
    const before = await ledgerCount();
    try {
      const rx = await prescribe(p.system, p, 'CRASH', 5);
      const res = await p.pharmacist.post(`MedicationRequest/${rx}/$dispense`, dispenseBody(p.store));
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.body.issue[0].details.text).toBe('simulated crash mid-dispense');
      expect(await ledgerCount()).toBe(before);
      const stock = await stockOf(p.pharmacist, p.store);
      expect([stock[early], stock[late]]).toEqual([3, 3]);
      expect((await p.pharmacist.get(`MedicationDispense?prescription=MedicationRequest/${rx}`)).body.entry ?? []).toHaveLength(0);
    } finally {
      registerWriteHook('MedicationDispense', 'test-crash', {});
    }
  });
});

describe('transfers between stores', () => {
  const transfer = (medication: string, quantity: number, extra: any[] = []) =>
    p.pharmacist.post('Location/$transfer-stock', {
      resourceType: 'Parameters',
      parameter: [
        { name: 'from', valueReference: { reference: `Location/${p.store}` } },
        { name: 'to', valueReference: { reference: `Location/${p.ward}` } },
        { name: 'medication', valueReference: { reference: `Medication/${medication}` } },
        { name: 'quantity', valueInteger: quantity },
        ...extra,
      ],
    });

  it('issues an indent into transit, receives it at the ward once, and refuses a transfer beyond the stock', async () => {
    const [med] = await receive(p.pharmacist, p.store, [{ code: 'TRF', lot: 'T-1', expiry: inDays(300), quantity: 10 }]);
    const issued = await transfer(med, 4);
    expect(issued.status).toBe(200);
    const sd = issued.body.parameter[0].resource;
    expect(sd.status).toBe('in-progress');
    expect([(await stockOf(p.pharmacist, p.store))[med], (await stockOf(p.pharmacist, p.ward))[med]]).toEqual([6, undefined]);
    const all = (await p.pharmacist.get('Location/$stock')).body.parameter;
    const transit = all.filter((x: any) => x.name === 'inTransit').map((x: any) => Object.fromEntries(x.part.map((y: any) => [y.name, y])));
    expect(transit.find((x: any) => x.supplyDelivery.valueReference.reference === `SupplyDelivery/${sd.id}`).quantity.valueInteger).toBe(4);

    const received = await p.pharmacist.post(`SupplyDelivery/${sd.id}/$receive-transfer`, { resourceType: 'Parameters', parameter: [] });
    expect(received.status).toBe(200);
    expect(received.body.parameter[0].resource.status).toBe('completed');
    expect((await stockOf(p.pharmacist, p.ward))[med]).toBe(4);
    expect(
      (await p.pharmacist.post(`SupplyDelivery/${sd.id}/$receive-transfer`, { resourceType: 'Parameters', parameter: [] })).status,
    ).toBe(409);
    expect((await stockOf(p.pharmacist, p.ward))[med]).toBe(4);

    const before = await ledgerCount();
    const tooMuch = await transfer(med, 7);
    expect(tooMuch.status).toBe(409);
    expect(businessCode(tooMuch.body)).toBe('INSUFFICIENT_STOCK');
    expect(await ledgerCount()).toBe(before);
    const direct = await transfer(med, 6, [{ name: 'receive', valueBoolean: true }]);
    expect(direct.body.parameter[0].resource.status).toBe('completed');
    expect([(await stockOf(p.pharmacist, p.store))[med], (await stockOf(p.pharmacist, p.ward))[med]]).toEqual([0, 10]);
    expect((await reconciled()).discrepancies).toEqual([]);
  });
});

describe('tenant isolation', () => {
  it("another tenant's pharmacist can neither see nor dispense this tenant's stock", async () => {
    const [med] = await receive(p.pharmacist, p.store, [{ code: 'ISO', lot: 'ISO-1', expiry: inDays(365), quantity: 10 }]);
    const rx = await prescribe(p.system, p, 'ISO', 4);
    const other = await createPharmacy(t, fhirClient(t.base, TENANT_B), TENANT_B, 1);
    const b = other.pharmacist;
    // Balances: B's view of A's store is empty, and B's own stock list holds none of A's batches.
    expect((await b.get(`Location/$stock?store=Location/${p.store}`)).body.parameter ?? []).toHaveLength(0);
    expect(Object.keys(await stockOf(b, other.store))).toHaveLength(0);
    // Dispensing A's prescription, OTC from A's store, moving A's batch: all refused, nothing moved.
    expect((await b.post(`MedicationRequest/${rx}/$dispense`, dispenseBody(p.store))).status).toBe(404);
    const otc = await b.post('MedicationDispense/$dispense-otc', {
      resourceType: 'Parameters',
      parameter: [
        storeParam(p.store),
        { name: 'item', valueCoding: { system: ITEM_SYSTEM, code: 'ISO' } },
        { name: 'quantity', valueInteger: 1 },
      ],
    });
    expect(otc.status).toBe(422);
    const moved = await b.post('Location/$transfer-stock', {
      resourceType: 'Parameters',
      parameter: [
        { name: 'from', valueReference: { reference: `Location/${p.store}` } },
        { name: 'to', valueReference: { reference: `Location/${other.store}` } },
        { name: 'medication', valueReference: { reference: `Medication/${med}` } },
        { name: 'quantity', valueInteger: 5 },
      ],
    });
    expect(moved.status).toBe(422);
    // Even B's own store cannot take A's batch: the batch does not exist for B.
    const adjust = await b.post('Location/$adjust-stock', {
      resourceType: 'Parameters',
      parameter: [
        storeParam(other.store),
        { name: 'medication', valueReference: { reference: `Medication/${med}` } },
        { name: 'quantity', valueInteger: 5 },
        { name: 'reason', valueCode: 'count-correction' },
      ],
    });
    expect(adjust.status).toBe(422);
    expect((await stockOf(p.pharmacist, p.store))[med]).toBe(10);
    // At the database: B's transaction sees none of A's ledger rows.
    const seen = await t.server.db.transaction({ tenantId: TENANT_B }, (sql) =>
      sql.query('SELECT 1 FROM pharmacy_ledger WHERE medication_id = $1', [med]),
    );
    expect(seen.rowCount).toBe(0);
  });
});
