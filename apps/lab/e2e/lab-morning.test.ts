import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { Bundle, DiagnosticReport, Observation, Patient, PractitionerRole, ServiceRequest } from '@medplum/fhirtypes';
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { allowIfAsked, DEMO_PASSWORD, platformForSuite, screenshot } from '../../opd/e2e/harness.ts';

// The lab's two demo sign-ins (seed/src/demo-tenant.ts): one enters, the other verifies.
const TECH = 'lab.pune@sanjeevani.demo';
const SECOND = 'lab2.pune@sanjeevani.demo';
const SNOMED = 'http://snomed.info/sct';

let cbc: ServiceRequest;
/** The CBC's sample, verified by the first test and amended by the second. */
let cbcAccession = '';

/** The catalogue loaded, a patient, and the OPD's orders for them: a routine LFT and a STAT CBC (as apps/opd orders them). */
const suite = platformForSuite(async (p) => {
  await p.fhir('ActivityDefinition/$load-lab-catalogue', { method: 'POST', body: JSON.stringify({ resourceType: 'Parameters' }) });
  const patient = await p.fhir<Patient>('Patient', {
    method: 'POST',
    body: JSON.stringify({
      resourceType: 'Patient',
      name: [{ text: 'Ravi Kulkarni', given: ['Ravi'], family: 'Kulkarni' }],
      gender: 'male',
      birthDate: '1980-03-15',
      identifier: [
        {
          type: {
            coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR', display: 'Medical record number' }],
            text: 'UHID',
          },
          system: 'https://hospital-ops.in/fhir/sid/uhid',
          value: 'SH-PUN-LAB-0001',
        },
      ],
    }),
  });
  // Ordered by a demo OPD doctor of the Pune branch.
  const doctor = await p.fhir<PractitionerRole>('PractitionerRole/demo-dr-anand-joshi-role');
  const order = (code: string, display: string, priority: string, authoredOn: string): ServiceRequest => ({
    resourceType: 'ServiceRequest',
    status: 'active',
    intent: 'order',
    priority: priority as ServiceRequest['priority'],
    category: [{ coding: [{ system: SNOMED, code: '108252007', display: 'Laboratory procedure' }] }],
    code: { coding: [{ system: SNOMED, code, display }], text: display },
    subject: { reference: `Patient/${patient.id}` },
    requester: doctor.practitioner,
    authoredOn,
  });
  const now = Date.now();
  await p.fhir<ServiceRequest>('ServiceRequest', {
    method: 'POST',
    body: JSON.stringify(order('26958001', 'Hepatic function panel', 'routine', new Date(now - 60 * 60_000).toISOString())),
  });
  cbc = await p.fhir<ServiceRequest>('ServiceRequest', {
    method: 'POST',
    body: JSON.stringify(order('26604007', 'Complete blood count', 'stat', new Date(now).toISOString())),
  });
});

async function signIn(browser: Browser, login: string): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await page.goto(`${suite.platform().url}/apps/lab/launch`);
  await page.waitForSelector('input[name=login]');
  await page.fill('input[name=login]', login);
  await page.fill('input[name=password]', DEMO_PASSWORD);
  await page.click('button[type=submit]');
  await allowIfAsked(page);
  await page.waitForSelector('[data-testid=signed-in-user]', { timeout: 20_000 });
  return page;
}

async function scan(page: Page, code: string): Promise<void> {
  const box = page.getByTestId('scan-box');
  await box.fill(code);
  await box.press('Enter');
}

describe("a lab technician's morning", () => {
  it('collects a STAT CBC with a barcode label, enters results with a high flag, and a second person verifies: final', async () => {
    let page = await signIn(suite.browser(), TECH);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      // The worklist: both orders to collect, the STAT one first although it is the newer.
      await page.getByTestId('worklist-row').nth(1).waitFor();
      expect(await page.getByTestId('worklist-row').first().textContent()).toContain('Complete blood count');
      expect(await page.getByTestId('worklist-row').first().textContent()).toContain('STAT');
      expect(await page.getByTestId('worklist-row').nth(1).textContent()).toContain('Hepatic function panel');
      await screenshot(page, 'lab-worklist');

      // The order's barcode scanned: collect, and the label with the accession number's Code-128.
      await scan(page, cbc.id as string);
      await page.getByTestId('collect').click();
      const label = page.getByTestId('sample-label');
      await label.waitFor();
      const accession = (await page.getByTestId('label-barcode').getAttribute('aria-label')) ?? '';
      expect(accession).toMatch(/^[A-Z0-9]{2,6}\d{10}$/);
      cbcAccession = accession;
      expect(await page.locator('[data-testid=label-barcode] rect').count()).toBeGreaterThan(20);
      const text = (await label.textContent()) ?? '';
      for (const part of ['Ravi Kulkarni', 'SH-PUN-LAB-0001', 'Complete blood count', 'EDTA']) expect(text).toContain(part);
      expect(await page.getByTestId('order-stage').textContent()).toBe('Collected');
      // The print button has the focus: Enter prints.
      expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('print-label');
      await screenshot(page, 'lab-label');

      // In the lab: the tube's barcode scanned from the worklist, received.
      await page.getByRole('button', { name: /Back to worklist/ }).click();
      await scan(page, accession.toLowerCase());
      await page.getByTestId('receive').click();
      await page.getByTestId('result-grid').waitFor();

      // Results: the high leucocyte count is flagged as it is typed.
      await page.getByTestId('result-718-7').fill('13.5');
      await page.getByTestId('result-6690-2').fill('14.5');
      await page.getByTestId('result-777-3').fill('250');
      await page.getByTestId('result-row-6690-2').getByTestId('flag-H').waitFor();
      await page.getByTestId('result-row-718-7').getByTestId('flag-N').waitFor();
      expect(await page.getByTestId('result-row-718-7').textContent()).toContain('13–17');
      await screenshot(page, 'lab-results');
      await page.getByTestId('save-results').click();
      await page.getByTestId('verify').waitFor();
      expect(await page.getByTestId('report-status').textContent()).toBe('Preliminary');

      // The same person cannot verify: said as a plain sentence.
      await page.getByTestId('verify').click();
      await expect
        .poll(() => page.getByTestId('action-error').textContent(), { timeout: 15_000 })
        .toBe('You entered these results, so someone else must verify them.');
      expect(errors).toEqual([]);
      await page.context().close();

      // The second technician scans the tube and verifies; the report is final, the high value flagged.
      page = await signIn(suite.browser(), SECOND);
      await scan(page, accession);
      await page.getByTestId('verify').click();
      await expect.poll(() => page.getByTestId('report-status').textContent(), { timeout: 15_000 }).toBe('Final');
      expect(await page.getByTestId('report-row-6690-2').getByTestId('flag-H').count()).toBe(1);
      expect(await page.getByTestId('order-stage').textContent()).toBe('Verified');
      await screenshot(page, 'lab-report');
      // The printable report: a PDF from the server.
      const [pdf] = await Promise.all([page.waitForEvent('download'), page.getByTestId('report-pdf').click()]);
      expect(pdf.suggestedFilename()).toBe(`lab-report-${accession}.pdf`);
      const bytes = await readFile((await pdf.path()) as string);
      expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
      // The routine LFT still waits to be collected.
      await page.getByRole('button', { name: /Back to worklist/ }).click();
      await page.getByTestId('worklist-row').first().waitFor();
      expect(await page.getByTestId('worklist-row').count()).toBe(1);
      expect(await page.getByTestId('worklist-row').first().textContent()).toContain('Hepatic function panel');
      // In Hindi.
      await page.getByText('हिंदी').click();
      await page.getByText('सैंपल लेना है (1)').waitFor();
      await screenshot(page, 'lab-worklist-hi');
    } catch (err) {
      await page.screenshot({ path: `${tmpdir()}/lab-morning-failure.png`, fullPage: true });
      console.error('page errors:', errors, 'url:', page.url());
      throw err;
    } finally {
      await page.context().close();
    }
  });

  it('amends the final CBC: the reason is required, only the changed haemoglobin is sent, the report says amended', async () => {
    expect(cbcAccession).not.toBe('');
    const page = await signIn(suite.browser(), SECOND);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await scan(page, cbcAccession);
      await page.getByTestId('amend').click();
      // The grid starts from the report's values.
      expect(await page.getByTestId('result-718-7').inputValue()).toBe('13.5');
      await page.getByTestId('result-718-7').fill('12.5');
      await page.getByTestId('result-row-718-7').getByTestId('flag-L').waitFor();
      await page.getByTestId('save-amendment').click();
      await expect
        .poll(() => page.getByTestId('amend-problem').textContent(), { timeout: 15_000 })
        .toBe('Give the reason for the amendment.');
      await page.getByTestId('amend-reason').fill('Repeat run after re-mixing the sample');
      await screenshot(page, 'lab-amend');
      await page.getByTestId('save-amendment').click();
      await expect.poll(() => page.getByTestId('report-status').textContent(), { timeout: 15_000 }).toBe('Amended');
      // The amendment's time in Indian format, with its reason.
      expect(await page.getByTestId('report-conclusion').textContent()).toMatch(
        /^Note: Amended \d{2}\/\d{2}\/\d{4}, .+: Repeat run after re-mixing the sample$/,
      );
      expect(await page.getByTestId('report-row-718-7').textContent()).toContain('12.5');
      expect(await page.getByTestId('report-row-718-7').getByTestId('flag-L').count()).toBe(1);
      // The earlier value stays in the result's history on the server.
      const report = (await suite.platform().fhir<Bundle<DiagnosticReport>>(`DiagnosticReport?based-on=ServiceRequest/${cbc.id}`))
        .entry?.[0]?.resource;
      const hb = report?.result?.find((r) => r.display === 'Haemoglobin')?.reference ?? '';
      const history = await suite.platform().fhir<Bundle<Observation>>(`${hb}/_history`);
      expect(history.entry?.map((e) => e.resource?.valueQuantity?.value)).toEqual(expect.arrayContaining([13.5, 12.5]));
      // In Hindi, the amend button.
      await page.getByText('हिंदी').click();
      await page.getByText('नतीजा संशोधित करें').waitFor();
      expect(errors).toEqual([]);
    } catch (err) {
      await page.screenshot({ path: `${tmpdir()}/lab-amend-failure.png`, fullPage: true });
      console.error('page errors:', errors, 'url:', page.url());
      throw err;
    } finally {
      await page.context().close();
    }
  });
  it('shows the turnaround times: the CBC’s steps against its 4-hour target, in English and Hindi', async () => {
    const page = await signIn(suite.browser(), TECH);
    try {
      await page.getByRole('link', { name: 'Turnaround times' }).click();
      await page.getByTestId('tat-test-row').first().waitFor({ timeout: 15_000 });
      const cbcRow = page.getByTestId('tat-test-row').filter({ hasText: 'Complete blood count' });
      // One CBC ordered, collected and verified this morning; its target is the catalogue's 4 h.
      expect(await cbcRow.locator('td').nth(1).textContent()).toBe('1');
      expect(await cbcRow.locator('td').last().textContent()).toBe('4 h');
      await screenshot(page, 'lab-tat');
      await page.getByText('हिंदी').click();
      await page.getByText('टर्नअराउंड समय').first().waitFor();
      expect(await cbcRow.locator('td').last().textContent()).toBe('4 घंटे');
    } finally {
      await page.context().close();
    }
  });
});
