import type { Bundle, Invoice, Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { platformForSuite, signIn } from './harness.ts';

// The cashier's day in a browser: a bill issued at the demo Pune branch (which has a GSTIN and the
// starter tariff), found on the billing screen, paid in cash with change, then shown as paid.
const DESK = 'desk.pune@sanjeevani.demo';
const BRANCH = 'demo-branch-pune';
const HOPS = 'https://hospital-ops.in/fhir';
const suite = platformForSuite();

describe('the cashier’s day', () => {
  it('finds today’s bill, takes cash with change, and the bill shows paid', async () => {
    const p = suite.platform();
    const patient = (await p.fhir<Bundle<Patient>>('Patient?address-city=Pune&_count=1&_sort=_id')).entry?.[0]?.resource as Patient;
    const post = <T>(path: string, body: unknown) => p.fhir<T>(path, { method: 'POST', body: JSON.stringify(body) });
    const account = await post<{ id: string }>('Account', {
      resourceType: 'Account',
      status: 'active',
      subject: [{ reference: `Patient/${patient.id}` }],
      owner: { reference: `Organization/${BRANCH}` },
    });
    await post('ChargeItem', {
      resourceType: 'ChargeItem',
      extension: [{ url: `${HOPS}/StructureDefinition/hsn-sac`, valueCoding: { system: `${HOPS}/sid/sac`, code: '999312' } }],
      status: 'billable',
      code: { coding: [{ system: 'https://nrces.in/ndhm/fhir/r4/CodeSystem/ndhm-billing-codes', code: '00', display: 'Consultation' }] },
      subject: { reference: `Patient/${patient.id}` },
      quantity: { value: 1 },
      priceOverride: { value: 500, currency: 'INR' },
      account: [{ reference: `Account/${account.id}` }],
      productCodeableConcept: { coding: [{ system: `${HOPS}/CodeSystem/tariff`, code: 'consultation', display: 'OPD consultation' }] },
    });
    const invoice = await post<Invoice>(`Account/${account.id}/$issue-invoice`, {});
    const number = invoice.identifier?.[0]?.value as string;
    expect(number).toMatch(/^PUNI\/\d{4}\/00001$/);

    const page = await (await suite.browser().newContext()).newPage();
    await signIn(page, p.url, DESK);
    await page.goto(`${p.url}/apps/opd/billing`);
    const row = page.getByTestId(`bill-${number}`);
    await row.getByText('₹500.00').first().waitFor();
    await row.getByRole('button', { name: 'Take payment' }).click();
    await page.getByLabel('Cash received (₹)').fill('2000');
    await page.getByTestId('change').getByText('Change to return: ₹1,500.00').waitFor();
    await page.getByRole('button', { name: 'Record payment' }).click();
    await row.getByText('Paid').waitFor();
    const balance = await p.fhir<{ parameter: { name: string; valueMoney?: { value: number } }[] }>(`Account/${account.id}/$balance`);
    expect(balance.parameter.find((x) => x.name === 'balance')?.valueMoney?.value).toBe(0);
  });
});
