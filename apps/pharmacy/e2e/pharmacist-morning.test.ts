import { tmpdir } from 'node:os';
import type { MedicationRequest, Patient, Task } from '@medplum/fhirtypes';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { allowIfAsked, DEMO_PASSWORD, platformForSuite, screenshot } from '../../opd/e2e/harness.ts';

// The Pune pharmacist's demo sign-in and store (seed/src/demo-tenant.ts).
const PHARMACIST = 'pharmacist.pune@sanjeevani.demo';
const STORE = 'demo-branch-pune-pharmacy';
const SNOMED = 'http://snomed.info/sct';
// Formulary entries with SNOMED CT codes (terminology/formulary/formulary.csv), as the OPD prescribes them.
const PARACETAMOL = { code: '322236009', display: 'Acetaminophen 500 mg oral tablet', text: 'Paracetamol 500 mg tablet' };
const TRAMADOL = {
  code: '377441009',
  display: 'Acetaminophen 325 mg and tramadol 37.5 mg oral tablet',
  text: 'Paracetamol + Tramadol hydrochloride 325 mg + 37.5 mg tablet',
};

/** A date `days` from today in India, as typed: DD/MM/YYYY. */
function typedDate(days: number): string {
  const d = new Date(Date.now() + 330 * 60_000 + days * 86_400_000).toISOString().slice(0, 10);
  return `${d.slice(8, 10)}/${d.slice(5, 7)}/${d.slice(0, 4)}`;
}

let ravi: Patient;
let meera: Patient;

/** Two patients with a prescription each from a Pune OPD doctor, and a stock alert the morning check raised. */
const suite = platformForSuite(async (p) => {
  const patient = (given: string, family: string, uhid: string) =>
    p.fhir<Patient>('Patient', {
      method: 'POST',
      body: JSON.stringify({
        resourceType: 'Patient',
        name: [{ text: `${given} ${family}`, given: [given], family }],
        gender: 'female',
        birthDate: '1975-06-01',
        identifier: [
          {
            type: {
              coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR', display: 'Medical record number' }],
              text: 'UHID',
            },
            system: 'https://hospital-ops.in/fhir/sid/uhid',
            value: uhid,
          },
        ],
      }),
    });
  ravi = await patient('Ravi', 'Kulkarni', 'SH-PUN-PH-0001');
  meera = await patient('Meera', 'Iyer', 'SH-PUN-PH-0002');
  const prescribe = (who: Patient, drug: typeof PARACETAMOL, quantity: number) =>
    p.fhir<MedicationRequest>('MedicationRequest', {
      method: 'POST',
      body: JSON.stringify({
        resourceType: 'MedicationRequest',
        status: 'active',
        intent: 'order',
        subject: { reference: `Patient/${who.id}` },
        requester: { reference: 'Practitioner/demo-dr-anand-joshi', display: 'Dr. Anand Joshi' },
        authoredOn: new Date().toISOString(),
        medicationCodeableConcept: { coding: [{ system: SNOMED, code: drug.code, display: drug.display }], text: drug.text },
        dosageInstruction: [{ text: '1-0-1 after food' }],
        dispenseRequest: { quantity: { value: quantity, unit: 'tablet' } },
      } satisfies MedicationRequest),
    });
  await prescribe(ravi, PARACETAMOL, 15);
  await prescribe(meera, TRAMADOL, 10);
  // As bots/pharmacy-alerts raises it at 08:00 (its own tests run the bot; here the screen is under test).
  await p.fhir<Task>('Task', {
    method: 'POST',
    body: JSON.stringify({
      resourceType: 'Task',
      identifier: [{ system: 'https://hospital-ops.in/fhir/sid/pharmacy-alert', value: 'e2e/low-stock' }],
      status: 'requested',
      intent: 'order',
      priority: 'asap',
      code: {
        coding: [{ system: 'https://hospital-ops.in/fhir/CodeSystem/pharmacy-alert', code: 'low-stock' }],
        text: 'Pharmacy stock alert',
      },
      description: 'Amoxicillin 500 mg capsule: 12 usable units, below the reorder level of 100',
      location: { reference: `Location/${STORE}` },
      performerType: [{ coding: [{ system: 'https://hospital-ops.in/fhir/CodeSystem/staff-role', code: 'pharmacist' }] }],
      authoredOn: new Date().toISOString(),
    } satisfies Task),
  });
});

async function signIn(): Promise<Page> {
  const page = await (await suite.browser().newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await page.goto(`${suite.platform().url}/apps/pharmacy/launch`);
  await page.waitForSelector('input[name=login]');
  await page.fill('input[name=login]', PHARMACIST);
  await page.fill('input[name=password]', DEMO_PASSWORD);
  await page.click('button[type=submit]');
  await allowIfAsked(page);
  await page.waitForSelector('[data-testid=signed-in-user]', { timeout: 20_000 });
  return page;
}

async function fillLine(page: Page, n: number, item: string, fields: Record<string, string>): Promise<void> {
  const select = page.getByTestId(`line-${n}-item`);
  await select.click();
  await select.fill(item.slice(0, 22));
  await page.getByRole('option', { name: item, exact: true }).click();
  for (const [field, value] of Object.entries(fields)) {
    if (field === 'schedule') {
      await page.getByTestId(`line-${n}-schedule`).click();
      await page.getByRole('option', { name: value, exact: true }).click();
    } else await page.getByTestId(`line-${n}-${field}`).fill(value);
  }
}

async function openPatient(page: Page, query: string): Promise<void> {
  const box = page.getByTestId('patient-search');
  await box.fill(query);
  await box.press('Enter');
  await page.getByTestId('rx-row').first().waitFor();
}

describe("a pharmacist's morning", () => {
  it('receives goods (a near-expiry line refused until a reason is given), dispenses two prescriptions, one short, handles an alert; then in Hindi', async () => {
    const page = await signIn();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      // Goods receipt: paracetamol for a year; the tramadol combination (Schedule H1) expires in 60 days.
      await page.getByRole('link', { name: 'Goods receipt' }).click();
      await page.getByTestId('invoice').fill('MED-SUP/2026/4471');
      await fillLine(page, 1, PARACETAMOL.text, {
        lot: 'pcm-24a',
        expiry: typedDate(365),
        quantity: '20',
        freeQuantity: '0',
        mrp: '2.50',
        purchasePrice: '1.20',
        discountPercent: '5',
      });
      await page.getByTestId('add-line').click();
      await fillLine(page, 2, TRAMADOL.text, {
        schedule: 'Schedule H1',
        lot: 'TRM-1',
        expiry: typedDate(60),
        quantity: '6',
        mrp: '12.00',
        purchasePrice: '7.50',
      });
      await page.getByTestId('line-2-warning').waitFor();
      // 20 × ₹1.20 less 5% plus 5% GST = ₹23.94; 6 × ₹7.50 plus 5% GST = ₹47.25.
      expect(await page.getByTestId('note-total').textContent()).toContain('₹71.19');
      await page.getByTestId('save-receipt').click();
      await expect
        .poll(() => page.getByTestId('receipt-error').textContent())
        .toBe(
          'Line 2: This batch expires within 90 days. Write why you accept it in “Reason for near expiry”, or return it to the supplier.',
        );
      await page.getByTestId('line-2-nearExpiryReason').fill('Short supply from the distributor; will be used within the month');
      await page.getByTestId('save-receipt').click();
      await expect.poll(() => page.getByTestId('receipt-saved').textContent()).toBe('Goods receipt saved: 2 lines added to stock.');

      // First prescription: paracetamol, FEFO's batch pre-selected, all 15 given.
      await page.getByRole('link', { name: 'Dispense' }).click();
      await openPatient(page, 'SH-PUN-PH-0001');
      expect(await page.getByTestId('rx-row').first().textContent()).toContain(PARACETAMOL.text);
      await page.getByTestId('rx-open').click();
      await page.getByTestId('fefo-first').waitFor();
      expect(await page.getByTestId('batch-PCM-24A').textContent()).toContain('FEFO');
      expect(await page.getByTestId('batch-fefo').isChecked()).toBe(true);
      expect(await page.getByTestId('dispense-quantity').inputValue()).toBe('15');
      await page.getByTestId('give').click();
      await expect.poll(() => page.getByTestId('dispense-result').textContent()).toContain('Given 15.');
      expect(await page.getByTestId('dispense-line').first().textContent()).toBe('15 × batch PCM-24A at ₹2.50 each');
      expect(await page.getByTestId('dispense-result').textContent()).toContain('Amount at MRP: ₹37.50');
      await expect.poll(() => page.getByTestId('rx-pending').first().textContent()).toBe('0');

      // Second: tramadol (H1), only 6 of 10 in stock: the server's 409 said as our sentence, then a partial dispense.
      await openPatient(page, 'SH-PUN-PH-0002');
      await page.getByTestId('rx-open').click();
      await page.getByTestId('schedule-warning').waitFor();
      expect(await page.getByTestId('schedule-warning').textContent()).toContain('H1 register');
      await page.getByTestId('dispense-quantity').press('Enter');
      await expect
        .poll(() => page.getByTestId('dispense-error').textContent())
        .toBe('Only 6 of 10 can be given from usable stock. Dispense what there is and keep the rest pending, or receive stock first.');
      await screenshot(page, 'pharmacy-dispense-short');
      await page.getByTestId('give-partial').click();
      await expect
        .poll(() => page.getByTestId('dispense-result').textContent())
        .toContain('Given 6; 4 still pending on this prescription.');
      await expect.poll(() => page.getByTestId('rx-pending').first().textContent()).toBe('4');
      expect(await page.getByTestId('rx-given').first().textContent()).toBe('6');

      // Stock: what is left, coloured by expiry.
      await page.getByRole('link', { name: 'Stock' }).click();
      await page.getByTestId('stock-batch-PCM-24A').waitFor();
      expect(await page.getByTestId('stock-batch-PCM-24A').getAttribute('data-band')).toBe('ok');
      expect(await page.getByTestId('stock-batch-PCM-24A').textContent()).toMatch(/5$/);
      expect(await page.getByTestId('stock-batch-TRM-1').getAttribute('data-band')).toBe('under90');
      expect(await page.getByTestId('stock-batch-TRM-1').textContent()).toMatch(/Under 90 days0$/);
      await screenshot(page, 'pharmacy-stock');

      // The H1 register has Meera's line with the prescriber and batch.
      await page.getByRole('link', { name: 'H1 register' }).click();
      await page.getByTestId('register-row').first().waitFor();
      const line = (await page.getByTestId('register-row').first().textContent()) ?? '';
      for (const part of ['Meera Iyer', 'Dr. Anand Joshi', 'TRM-1', TRAMADOL.text.split(' ')[0]]) expect(line).toContain(part);

      // The morning's alert: done, with a note.
      await page.getByRole('link', { name: 'Alerts' }).click();
      await page.getByTestId('alert').first().waitFor();
      expect(await page.getByTestId('alert').first().textContent()).toContain('Below reorder level');
      await screenshot(page, 'pharmacy-alerts');
      await page.getByTestId('alert-note').fill('Ordered 200 capsules from the distributor');
      await page.getByTestId('alert-note').press('Enter');
      await page.getByText('No alerts. The stock checks run at 08:00 and 09:00.').waitFor();
      const tasks = await suite
        .platform()
        .fhir<{ entry?: { resource: Task }[] }>('Task?identifier=https://hospital-ops.in/fhir/sid/pharmacy-alert|e2e/low-stock');
      expect(tasks.entry?.[0].resource.status).toBe('completed');
      expect(tasks.entry?.[0].resource.note?.[0].text).toBe('Ordered 200 capsules from the distributor');

      // In Hindi, and still in Hindi after a reload.
      await page.getByText('हिंदी').click();
      await page.getByRole('link', { name: 'स्टॉक' }).click();
      await page.reload();
      await page.getByTestId('stock-batch-TRM-1').waitFor();
      expect(await page.getByTestId('stock-batch-TRM-1').textContent()).toContain('90 दिन से कम');
      await page.getByRole('heading', { name: 'दवा और बैच के अनुसार स्टॉक' }).waitFor();
      await screenshot(page, 'pharmacy-stock-hi');
      expect(errors).toEqual([]);
    } catch (err) {
      await page.screenshot({ path: `${tmpdir()}/pharmacist-morning-failure.png`, fullPage: true });
      console.error('page errors:', errors, 'url:', page.url());
      throw err;
    } finally {
      await page.context().close();
    }
  });
});
