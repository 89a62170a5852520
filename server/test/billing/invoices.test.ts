import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirClient, startTestServer, TENANT_A, TENANT_B, type TestServer } from '../helpers/server.ts';
import { type Fhir, params, staff } from '../opd/fixtures.ts';
import { account, billedPatient, charge, create, gstBranch, HOPS } from './fixtures.ts';

// Numbering under concurrency, GST on whole invoices (intra/inter state, room rent), bad input and
// the last payment taken by two cashiers at once.
let t: TestServer;
let fhir: Fhir;
let branchId: string;
let mhPatient: string;
let kaPatient: string;
const GSTIN = '27AABCH5678K1Z2';

const money = (v: any) => Math.round(v.value * 100);
const component = (line: any, code: string) => line.priceComponent.find((p: any) => p.code.coding[0].code === code);
const seqOf = (invoice: any) => Number(invoice.identifier[0].value.split('/')[2]);
const medicineLine = (accountId: string, patient: string, unitRupees: number, quantity: number) =>
  charge(accountId, patient, unitRupees, '999312', {
    extension: [
      { url: `${HOPS}/StructureDefinition/hsn-sac`, valueCoding: { system: `${HOPS}/sid/hsn`, code: '30049099' } },
      { url: `${HOPS}/StructureDefinition/price-includes-tax`, valueBoolean: true },
    ],
    code: { coding: [{ system: 'https://nrces.in/ndhm/fhir/r4/CodeSystem/ndhm-billing-codes', code: '05', display: 'Medicines' }] },
    quantity: { value: quantity },
  });

async function newAccount(patient: string, branch = branchId): Promise<string> {
  // Each test account is its own (the identifier is per patient and branch, so vary the patient).
  return create(
    fhir,
    account(patient, branch, { identifier: [{ system: `${HOPS}/sid/billing-account`, value: `${branch}/${patient}/${Math.random()}` }] }),
  );
}

beforeAll(async () => {
  t = await startTestServer();
  fhir = fhirClient(t.base, TENANT_A);
  branchId = await create(fhir, gstBranch('Sanjeevani Kothrud', GSTIN, 'KTD'));
  mhPatient = await create(fhir, billedPatient('Rohan Patil', 'Maharashtra'));
  kaPatient = await create(fhir, billedPatient('Kavya Rao', 'Karnataka'));
}, 120_000);
afterAll(() => t?.stop());

describe('invoice numbers', () => {
  it('20 concurrent issues on 20 accounts take 20 consecutive numbers, none twice, none skipped', async () => {
    const accounts: string[] = [];
    for (let i = 0; i < 20; i++) {
      const a = await newAccount(mhPatient);
      await create(fhir, charge(a, mhPatient, 300 + i));
      accounts.push(a);
    }
    const results = await Promise.all(accounts.map((a) => fhir.post(`Account/${a}/$issue-invoice`, {})));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(201));
    const seqs = results.map((r) => seqOf(r.body)).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    for (const r of results) expect(r.body.identifier[0].value).toMatch(/^KTDI\/\d{4}\/\d{5}$/);
  });

  it('two desks issuing the same account at once make one invoice; the other is told nothing is left', async () => {
    const a = await newAccount(mhPatient);
    await create(fhir, charge(a, mhPatient, 450));
    const [x, y] = await Promise.all([fhir.post(`Account/${a}/$issue-invoice`, {}), fhir.post(`Account/${a}/$issue-invoice`, {})]);
    expect([x.status, y.status].sort()).toEqual([201, 422]);
    const invoices = await fhir.get(`Invoice?account=Account/${a}`);
    expect(invoices.body.entry).toHaveLength(1);
    // The failed issue gave no number away: the next one follows on.
    expect(seqOf((x.status === 201 ? x : y).body)).toBe(21);
    const b = await newAccount(mhPatient);
    await create(fhir, charge(b, mhPatient, 10));
    expect(seqOf((await fhir.post(`Account/${b}/$issue-invoice`, {})).body)).toBe(22);
  });

  it('another tenant has its own series and cannot touch these accounts', async () => {
    const other = fhirClient(t.base, TENANT_B);
    const branch = await create(other, gstBranch('Other Hospital', '27AAACO9999Q1Z9', 'KTD'));
    const patient = await create(other, billedPatient('Sunil Joshi', 'Maharashtra'));
    const a = await create(other, account(patient, branch));
    await create(other, charge(a, patient, 100));
    const first = await other.post(`Account/${a}/$issue-invoice`, {});
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(seqOf(first.body)).toBe(1);
    // A charge tenant B writes naming tenant A's Account id stays in tenant B: A's Account never sees it.
    const target = (await fhir.get('Account?_count=1')).body.entry[0].resource.id;
    const before = (await fhir.get(`ChargeItem?account=Account/${target}`)).body.entry?.length ?? 0;
    await other.post('ChargeItem', charge(target, patient, 1));
    expect((await fhir.get(`ChargeItem?account=Account/${target}`)).body.entry?.length ?? 0).toBe(before);
    expect((await other.post(`Account/${target}/$issue-invoice`, {})).status).toBe(404);
    expect(
      (await other.get(`Invoice?_count=100`)).body.entry.every((e: any) => e.resource.identifier[0].system.endsWith('27AAACO9999Q1Z9')),
    ).toBe(true);
  });
});

describe('GST on an invoice', () => {
  it('a walk-in sale to a Maharashtra patient is CGST + SGST; to a Karnataka patient IGST', async () => {
    const intraAccount = await newAccount(mhPatient);
    await create(fhir, medicineLine(intraAccount, mhPatient, 100, 3));
    const intra = (await fhir.post(`Account/${intraAccount}/$issue-invoice`, {})).body;
    // 30000 / 1.05 = 28571.4 -> 28571; 2.5% = 714.3 -> 714 each; taxable 30000 - 1428 = 28572.
    expect(money(component(intra.lineItem[0], '01').amount)).toBe(28_572);
    expect(money(component(intra.lineItem[0], '03').amount)).toBe(714);
    expect(money(component(intra.lineItem[0], '04').amount)).toBe(714);
    expect(money(intra.totalGross)).toBe(30_000);

    const interAccount = await newAccount(kaPatient);
    await create(fhir, medicineLine(interAccount, kaPatient, 100, 3));
    const res = await fhir.post(`Account/${interAccount}/$issue-invoice`, {});
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const line = res.body.lineItem[0];
    // 5% of 28571 = 1428.55 -> 1429 IGST; taxable 30000 - 1429 = 28571.
    expect(component(line, 'IGST')).toMatchObject({ type: 'tax', amount: { value: 14.29, currency: 'INR' } });
    expect(component(line, '03')).toBeUndefined();
    expect(money(component(line, '01').amount)).toBe(28_571);
    expect(money(res.body.totalGross)).toBe(30_000);
    // The IG has no IGST price component code; ours still makes a valid InvoiceRecord.
    const record = await fhir.post(`Invoice/${res.body.id}/$abdm-document?type=InvoiceRecord`, {});
    expect(record.status, JSON.stringify(record.body).slice(0, 1500)).toBe(200);
  });

  it('room rent for an admitted patient: Rs 4,999 a day exempt, Rs 5,001 a day at 5%, ICU exempt', async () => {
    const ipd = await create(fhir, {
      resourceType: 'Encounter',
      status: 'in-progress',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP', display: 'inpatient encounter' },
      subject: { reference: `Patient/${mhPatient}` },
      period: { start: new Date().toISOString() },
      serviceProvider: { reference: `Organization/${branchId}` },
    });
    const room = (a: string, rupees: number, icu = false) =>
      charge(a, mhPatient, rupees, '999311', {
        extension: [
          { url: `${HOPS}/StructureDefinition/hsn-sac`, valueCoding: { system: `${HOPS}/sid/sac`, code: '999311' } },
          { url: `${HOPS}/StructureDefinition/tax-category`, valueCode: 'room-rent' },
          ...(icu ? [{ url: `${HOPS}/StructureDefinition/icu`, valueBoolean: true }] : []),
        ],
        code: { coding: [{ system: 'https://nrces.in/ndhm/fhir/r4/CodeSystem/ndhm-billing-codes', code: '02', display: 'IPD' }] },
        context: { reference: `Encounter/${ipd}` },
        quantity: { value: 2 },
      });
    const a = await newAccount(mhPatient);
    await create(fhir, room(a, 4999));
    await create(fhir, room(a, 5001));
    await create(fhir, room(a, 9000, true));
    const inv = (await fhir.post(`Account/${a}/$issue-invoice`, {})).body;
    expect(inv.type.coding[0].code).toBe('02');
    const rows = inv.lineItem.map((l: any) => [
      money(component(l, '01').amount),
      component(l, '03') ? money(component(l, '03').amount) : 0,
    ]);
    // 2 days x 500100 = 1000200; 2.5% = 25005 each half.
    expect(rows).toEqual([
      [999_800, 0],
      [1_000_200, 25_005],
      [1_800_000, 0],
    ]);
    // 999800 + 1000200 + 1800000 + 50010 = 3850010 -> Rs 38,500 with -10 paise round-off.
    expect(money(inv.totalGross)).toBe(3_850_000);
    expect(inv.totalPriceComponent[0]).toMatchObject({ type: 'discount', amount: { value: 0.1 } });
  });
});

describe('bad input', () => {
  it('a negative or zero charge quantity is refused with the seed code, nothing written', async () => {
    const a = await newAccount(mhPatient);
    const res = await fhir.post('ChargeItem', { ...charge(a, mhPatient, 100), quantity: { value: -1 } });
    expect(res.status).toBe(422);
    expect(res.body.issue[0].details.coding[0].code).toBe('INVALID_INPUT');
    expect((await fhir.post('ChargeItem', { ...charge(a, mhPatient, 100), quantity: { value: 0 } })).status).toBe(422);
    expect((await fhir.get(`ChargeItem?account=Account/${a}`)).body.entry ?? []).toHaveLength(0);
  });

  it('a branch without a GSTIN cannot issue; an account with no owner neither', async () => {
    const withGst = gstBranch('No GST Clinic', 'x', 'NG');
    const noGst = await create(fhir, { ...withGst, identifier: withGst.identifier.slice(0, 1) });
    const a = await newAccount(mhPatient, noGst);
    await create(fhir, charge(a, mhPatient, 100));
    const res = await fhir.post(`Account/${a}/$issue-invoice`, {});
    expect(res.status).toBe(422);
    expect(res.body.issue[0].details.text).toMatch(/has no GSTIN/);
    expect((await fhir.post('Account/does-not-exist/$issue-invoice', {})).status).toBe(404);
  });

  it('payments on a closed account are refused; bad methods and amounts are 400', async () => {
    const a = await newAccount(mhPatient);
    const acc = (await fhir.get(`Account/${a}`)).body;
    expect(
      (
        await fhir.post(
          `Account/${a}/$pay`,
          params({ method: { valueCode: 'cheque' }, amount: { valueMoney: { value: 1, currency: 'INR' } } }),
        )
      ).status,
    ).toBe(400);
    expect(
      (
        await fhir.post(
          `Account/${a}/$pay`,
          params({ method: { valueCode: 'cash' }, amount: { valueMoney: { value: 1.005, currency: 'INR' } } }),
        )
      ).status,
    ).toBe(400);
    expect(
      (
        await fhir.post(
          `Account/${a}/$pay`,
          params({ method: { valueCode: 'card' }, amount: { valueMoney: { value: 1, currency: 'USD' } } }),
        )
      ).status,
    ).toBe(400);
    const short = await fhir.post(
      `Account/${a}/$deposit`,
      params({
        method: { valueCode: 'cash' },
        amount: { valueMoney: { value: 500, currency: 'INR' } },
        tendered: { valueMoney: { value: 200, currency: 'INR' } },
      }),
    );
    expect(short.status).toBe(422);
    await fhir.put(`Account/${a}`, { ...acc, status: 'inactive' });
    const closed = await fhir.post(
      `Account/${a}/$deposit`,
      params({ method: { valueCode: 'cash' }, amount: { valueMoney: { value: 5, currency: 'INR' } } }),
    );
    expect(closed.status).toBe(409);
  });
});

describe('the last payment', () => {
  it('two cashiers taking the last payment of an invoice at once: exactly one succeeds', async () => {
    const a = await newAccount(mhPatient);
    await create(fhir, charge(a, mhPatient, 750));
    expect((await fhir.post(`Account/${a}/$issue-invoice`, {})).status).toBe(201);
    const pay = () =>
      fhir.post(`Account/${a}/$pay`, params({ method: { valueCode: 'upi' }, amount: { valueMoney: { value: 750, currency: 'INR' } } }));
    const results = await Promise.all([pay(), pay()]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 422]);
    const loser = results.find((r) => r.status === 422);
    expect(loser?.body.issue[0].details.text).toMatch(/Nothing is due/);
    const b = await fhir.get(`Account/${a}/$balance`);
    expect(b.body.parameter.find((p: any) => p.name === 'balance').valueMoney.value).toBe(0);
    expect(b.body.parameter.find((p: any) => p.name === 'payments').valueMoney.value).toBe(750);
  });
});

describe('end-of-day cash report', () => {
  it('per cashier and method: collections, deposits and refunds of the branch for the day; the accountant reads it', async () => {
    const branch = await create(fhir, gstBranch('Sanjeevani Wakad', '27AAJCS3333C1Z3', 'WKD'));
    const a = await newAccount(mhPatient, branch);
    await create(fhir, charge(a, mhPatient, 700));
    expect((await fhir.post(`Account/${a}/$issue-invoice`, {})).status).toBe(201);
    const desk1 = await staff(t, TENANT_A, 'receptionist', [branch]);
    const desk2 = await staff(t, TENANT_A, 'receptionist', [branch]);
    const money = (rupees: number) => ({ valueMoney: { value: rupees, currency: 'INR' } });
    const ok = async (p: Promise<any>) => expect((await p).status).toBe(201);
    await ok(desk1.post(`Account/${a}/$pay`, params({ method: { valueCode: 'cash' }, amount: money(500), tendered: money(500) })));
    await ok(desk1.post(`Account/${a}/$pay`, params({ method: { valueCode: 'upi' }, amount: money(200) })));
    await ok(desk2.post(`Account/${a}/$deposit`, params({ method: { valueCode: 'card' }, amount: money(1000) })));
    // The desk may not hand back cash; a branch administrator may.
    const refund = () => params({ method: { valueCode: 'cash' }, amount: money(300), reason: { valueString: 'Advance returned' } });
    const deskCash = await desk2.post(`Account/${a}/$refund`, refund());
    expect(deskCash.status).toBe(403);
    expect(deskCash.body.issue[0].details.text).toMatch(/cash refund needs a branch administrator/);
    const admin = await staff(t, TENANT_A, 'branch_admin', [branch]);
    await ok(admin.post(`Account/${a}/$refund`, refund()));
    const accountant = await staff(t, TENANT_A, 'accountant', [branch]);
    const today = new Date(Date.now() + 330 * 60_000).toISOString().slice(0, 10);
    const report = await accountant.get(`Organization/${branch}/$cash-report?date=${today}`);
    expect(report.status, JSON.stringify(report.body)).toBe(200);
    const total = (name: string) => report.body.parameter.find((p: any) => p.name === name).valueMoney.value;
    expect([total('collections'), total('deposits'), total('refunds'), total('net')]).toEqual([700, 1000, 300, 1400]);
    const lines = report.body.parameter
      .filter((p: any) => p.name === 'line')
      .map((l: any) =>
        Object.fromEntries(l.part.map((x: any) => [x.name, x.valueString ?? x.valueCode ?? x.valueInteger ?? x.valueMoney.value])),
      );
    const cashiers = [...new Set(lines.map((l: any) => l.cashier))];
    expect(cashiers).toHaveLength(3);
    const by = (kind: string, method: string) => lines.find((l: any) => l.kind === kind && l.method === method);
    expect(by('payment', 'cash')).toMatchObject({ count: 1, amount: 500 });
    expect(by('payment', 'upi')).toMatchObject({ count: 1, amount: 200 });
    expect(by('deposit', 'card')).toMatchObject({ count: 1, amount: 1000 });
    expect(by('refund', 'cash')).toMatchObject({ count: 1, amount: 300 });
    expect(by('payment', 'cash').cashier).toBe(by('payment', 'upi').cashier);
    expect(by('deposit', 'card').cashier).not.toBe(by('payment', 'cash').cashier);
    expect(by('refund', 'cash').cashier).not.toBe(by('deposit', 'card').cashier);
    // Another day is empty; the payment record names the cashier's Practitioner.
    const yesterday = await accountant.get(`Organization/${branch}/$cash-report?date=2020-01-01`);
    expect(yesterday.body.parameter.find((p: any) => p.name === 'net').valueMoney.value).toBe(0);
    expect((await accountant.get(`Organization/${branch}/$cash-report?date=31-12-2026`)).status).toBe(400);
    const recs = await fhir.get('PaymentReconciliation?_count=100&_sort=-_lastUpdated');
    expect(recs.body.entry[0].resource.requestor.reference).toMatch(/^Practitioner\//);
    // Another tenant sees nothing of this branch.
    expect((await fhirClient(t.base, TENANT_B).get(`Organization/${branch}/$cash-report`)).status).toBe(404);
  });
});
