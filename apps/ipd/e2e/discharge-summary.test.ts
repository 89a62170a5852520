import { tmpdir } from 'node:os';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { platformForSuite, screenshot, signIn } from '../../opd/e2e/harness.ts';

// The doctor discharges a patient, edits the summary drafted from the stay, signs it, amends it,
// prints the PDF, and reads the day on the census report.
const DOCTOR_LOGIN = 'anand-joshi@sanjeevani.demo';
const DOCTOR = 'demo-dr-anand-joshi';

const suite = platformForSuite();

const todayIst = () => {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Kolkata', day: '2-digit', month: '2-digit', year: 'numeric' })
      .formatToParts(new Date())
      .map((x) => [x.type, x.value]),
  );
  return `${p.day}/${p.month}/${p.year}`;
};

describe('the discharge summary and the census', () => {
  it('drafts the summary from the stay, the doctor edits and signs it, amends it, prints it, and the census counts the day', async () => {
    const p = suite.platform();
    const page: Page = await (await suite.browser().newContext({ viewport: { width: 1366, height: 900 } })).newPage();
    try {
      const [patient] = (await p.fhir<{ entry: { resource: { id: string } }[] }>('Patient?name=Rajesh&address-city=Pune')).entry;
      await p.fhir('Encounter/$admit', {
        method: 'POST',
        body: JSON.stringify({
          resourceType: 'Parameters',
          parameter: [
            { name: 'patient', valueReference: { reference: `Patient/${patient.resource.id}` } },
            { name: 'bed', valueReference: { reference: 'Location/demo-pun-bed-g1-3' } },
            { name: 'attending', valueReference: { reference: `Practitioner/${DOCTOR}` } },
            { name: 'reason', valueString: 'Dengue fever with low platelets' },
          ],
        }),
      });
      await signIn(page, p.url, DOCTOR_LOGIN, 'ipd');
      const bed = page.getByTestId('bed-PUN-G1-3');
      await bed.and(page.locator('[data-status=O]')).waitFor();

      // Discharge home: the summary opens next, drafted from the stay.
      await bed.getByRole('button', { name: 'Discharge' }).click();
      await page.getByTestId('discharge-submit').click();
      const diagnoses = page.getByTestId('summary-diagnoses');
      await diagnoses.waitFor();
      await expect.poll(() => diagnoses.inputValue()).toBe('Dengue fever with low platelets');
      expect(await page.getByTestId('summary-state').textContent()).toContain('Draft: not signed yet');

      // The doctor edits and signs.
      await diagnoses.fill('Dengue fever with thrombocytopenia\nDehydration, resolved');
      await page.getByTestId('summary-medications').fill('Paracetamol 650 mg 1-1-1 after food for 3 days');
      await page.getByTestId('summary-advice').fill('Drink plenty of fluids\nReturn at once if bleeding or black stools');
      await page.getByTestId('summary-followUp').fill('05/01/2027');
      await page.getByTestId('summary-sign').click();
      await expect.poll(() => page.getByTestId('summary-state').textContent()).toContain('Signed by');
      await screenshot(page, 'ipd-discharge-summary');

      // An edit after signing is an amendment.
      await page.getByTestId('summary-course').fill('Platelets 22,000 on admission; rose to 85,000 by day 3.');
      await page.getByRole('button', { name: 'Sign amended summary' }).click();
      await expect.poll(() => page.getByTestId('summary-state').textContent()).toContain('Amended');
      expect(await page.getByTestId('summary-diagnoses').inputValue()).toBe('Dengue fever with thrombocytopenia\nDehydration, resolved');

      // The PDF comes from the server with the session's token.
      const [pdf] = await Promise.all([
        page.waitForResponse((r) => r.url().includes('$discharge-summary-pdf')),
        page.getByTestId('summary-pdf').click(),
      ]);
      expect(pdf.status()).toBe(200);
      expect(pdf.headers()['content-type']).toMatch(/application\/pdf/);

      // The census: today's row of the general ward has the admission and the discharge.
      await page.getByRole('link', { name: 'Census' }).click();
      const general = page.getByTestId('census-General ward');
      const today = general.locator('tr', { hasText: todayIst() });
      await today.waitFor();
      const cells = await today.locator('td').allTextContents();
      expect(cells.slice(0, 3)).toEqual([todayIst(), '1', '1']);
      await screenshot(page, 'ipd-census');
    } catch (err) {
      await page.screenshot({ path: `${tmpdir()}/ipd-summary-failure.png`, fullPage: true });
      throw err;
    } finally {
      await page.context().close();
    }
  });
});
