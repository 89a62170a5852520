import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirClient, startTestServer, TENANT_A, TENANT_B, type TestServer } from '../helpers/server.ts';
import { type Fhir, params, staff } from '../opd/fixtures.ts';
import { account, billedPatient, charge, create, gstBranch, HOPS } from './fixtures.ts';

// Discounts on charges: at once up to the branch's threshold, above it only once an approver says so.
let t: TestServer;
let fhir: Fhir;
let branchId: string;
let patient: string;
let desk: Fhir;
let admin: Fhir;
let otherAdmin: Fhir;

const paise = (m: any) => Math.round(m.value * 100);
const discountState = (c: any) =>
  c.extension.find((e: any) => e.url === `${HOPS}/StructureDefinition/discount`)?.extension.find((x: any) => x.url === 'state')?.valueCode;
const ask = (who: Fhir, id: string, percent: number, reason = 'Senior citizen') =>
  who.post(`ChargeItem/${id}/$discount`, params({ percent: { valueDecimal: percent }, reason: { valueString: reason } }));
const decide = (who: Fhir, id: string, op: 'approve' | 'reject', reason?: string) =>
  who.post(`ChargeItem/${id}/$${op}-discount`, params(reason ? { reason: { valueString: reason } } : {}));

async function newCharge(rupees: number): Promise<{ id: string; accountId: string }> {
  const accountId = await create(
    fhir,
    account(patient, branchId, {
      identifier: [{ system: `${HOPS}/sid/billing-account`, value: `${branchId}/${patient}/${Math.random()}` }],
    }),
  );
  return { id: await create(fhir, charge(accountId, patient, rupees)), accountId };
}

beforeAll(async () => {
  t = await startTestServer();
  fhir = fhirClient(t.base, TENANT_A);
  // This branch lets the desk give up to 15% on its own; above that needs an approver.
  const branch = gstBranch('Sanjeevani Baner', '27AABCB4444D1Z4', 'BNR');
  branch.extension.push({ url: `${HOPS}/StructureDefinition/discount-approval-threshold`, valueDecimal: 15 });
  branchId = await create(fhir, branch);
  patient = await create(fhir, billedPatient('Vandana Kulkarni', 'Maharashtra'));
  desk = await staff(t, TENANT_A, 'receptionist', [branchId]);
  admin = await staff(t, TENANT_A, 'branch_admin', [branchId]);
  otherAdmin = await staff(t, TENANT_A, 'branch_admin', [branchId]);
}, 120_000);
afterAll(() => t?.stop());

describe('discounts with an approver', () => {
  it('up to the threshold the desk’s discount applies at once and reaches the invoice', async () => {
    const { id, accountId } = await newCharge(1234.55);
    const res = await ask(desk, id, 15);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(discountState(res.body)).toBe('applied');
    // 15% off ₹1,234.55: 123455 × 0.85 = 104936.75 → 104937 paise.
    expect(paise(res.body.priceOverride)).toBe(104937);
    const inv = await fhir.post(`Account/${accountId}/$issue-invoice`, {});
    expect(inv.status).toBe(201);
    expect(paise(inv.body.totalNet)).toBe(104937);
    expect(paise(inv.body.totalGross)).toBe(104900);
  });

  it('above the threshold it waits, the invoice at the list price, until an approver applies it', async () => {
    const { id, accountId } = await newCharge(2000);
    const res = await ask(desk, id, 25, 'Staff relative');
    expect(res.status).toBe(200);
    expect(discountState(res.body)).toBe('pending');
    expect(paise(res.body.priceOverride)).toBe(200000);
    const draft = await fhir.get(`Account/${accountId}/$draft-invoice`);
    expect(paise(draft.body.totalNet)).toBe(200000);
    // The desk cannot approve it (not an approver), nor a second request replace it.
    const byDesk = await decide(desk, id, 'approve');
    expect(byDesk.status).toBe(403);
    expect((await ask(desk, id, 5)).status).toBe(409);
    const ok = await decide(admin, id, 'approve', 'Checked with the medical superintendent');
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(discountState(ok.body)).toBe('approved');
    expect(paise(ok.body.priceOverride)).toBe(150000);
    const d = ok.body.extension.find((e: any) => e.url === `${HOPS}/StructureDefinition/discount`).extension;
    expect(d.find((x: any) => x.url === 'decision-reason').valueString).toBe('Checked with the medical superintendent');
    // Decided once: a second approval finds nothing waiting.
    expect((await decide(otherAdmin, id, 'approve')).status).toBe(409);
    const inv = await fhir.post(`Account/${accountId}/$issue-invoice`, {});
    expect(paise(inv.body.totalNet)).toBe(150000);
  });

  it('an approver cannot approve a discount they asked for themselves', async () => {
    const { id } = await newCharge(900);
    expect(discountState((await ask(admin, id, 40)).body)).toBe('pending');
    const own = await decide(admin, id, 'approve');
    expect(own.status).toBe(403);
    expect(own.body.issue[0].details.text).toMatch(/person who asked for it/);
    expect(paise((await fhir.get(`ChargeItem/${id}`)).body.priceOverride)).toBe(90000);
  });

  it('a refusal needs a reason and leaves the price unchanged', async () => {
    const { id } = await newCharge(750.5);
    await ask(desk, id, 50);
    expect((await decide(admin, id, 'reject')).status).toBe(400);
    const no = await decide(admin, id, 'reject', 'Not within policy');
    expect(no.status).toBe(200);
    expect(discountState(no.body)).toBe('rejected');
    expect(paise(no.body.priceOverride)).toBe(75050);
    // Its history keeps the request and the refusal.
    const history = await fhir.get(`ChargeItem/${id}/_history`);
    expect(history.body.entry.map((e: any) => discountState(e.resource) ?? 'none')).toEqual(['rejected', 'pending', 'none']);
  });

  it('bad input is refused and another tenant cannot reach the charge', async () => {
    const { id } = await newCharge(100);
    expect((await ask(desk, id, 0)).status).toBe(400);
    expect((await ask(desk, id, 120)).status).toBe(400);
    expect((await desk.post(`ChargeItem/${id}/$discount`, params({ percent: { valueDecimal: 5 } }))).status).toBe(400);
    await ask(desk, id, 60);
    const other = fhirClient(t.base, TENANT_B);
    expect((await ask(other, id, 5)).status).toBe(404);
    expect((await decide(other, id, 'approve')).status).toBe(404);
    expect(paise((await fhir.get(`ChargeItem/${id}`)).body.priceOverride)).toBe(10000);
  });
});
