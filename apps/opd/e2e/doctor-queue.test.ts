import { tmpdir } from 'node:os';
import type { Bundle, Patient, PractitionerRole } from '@medplum/fhirtypes';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { platformForSuite, signIn } from './harness.ts';

const DOCTOR = 'anand-joshi@sanjeevani.demo';
const DOCTOR_ROLE = 'demo-dr-anand-joshi-role';

/** Two walk-ins for Dr. Anand Joshi today: tokens 1 and 2. */
const suite = platformForSuite(async (p) => {
  const role = await p.fhir<PractitionerRole>(`PractitionerRole/${DOCTOR_ROLE}`);
  const patients = await p.fhir<Bundle<Patient>>('Patient?_count=2&_sort=_id');
  for (const e of patients.entry ?? []) {
    await p.fhir('Encounter/$check-in', {
      method: 'POST',
      body: JSON.stringify({
        resourceType: 'Parameters',
        parameter: [
          { name: 'patient', valueReference: { reference: `Patient/${e.resource?.id}` } },
          { name: 'practitioner', valueReference: role.practitioner },
          { name: 'branch', valueReference: role.organization },
        ],
      }),
    });
  }
});

async function text(page: Page, t: string | RegExp): Promise<void> {
  await page.getByText(t).first().waitFor({ timeout: 15_000 });
}

describe("the doctor's day", () => {
  it('lands on their queue, finishes into the next token and back to the queue, and a finished visit is read-only', async () => {
    const page = await suite.browser().newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await signIn(page, suite.platform().url, DOCTOR);
      await page.waitForURL(/\/apps\/opd\/queue$/);
      await expect.poll(() => page.getByTestId('doctor-queue').count()).toBe(1);
      await page.getByRole('button', { name: 'Call next (token 1)' }).click();
      await page.waitForURL(/\/encounters\//);
      const first = page.url();
      await page.getByTestId('consultation-patient').waitFor();

      await page.click('[data-testid=finish-consultation]');
      await text(page, 'Visit finished. Token 2 called');
      await expect.poll(() => page.url()).not.toBe(first);
      await page.getByTestId('finish-consultation').waitFor();

      await page.click('[data-testid=finish-consultation]');
      await page.waitForURL(/\/apps\/opd\/queue$/);
      await text(page, 'Nobody waiting');

      await page.goto(first);
      await page.getByTestId('visit-read-only').waitFor();
      expect(await page.isDisabled('[data-testid=save-vitals]')).toBe(true);
      expect(await page.getByTestId('finish-consultation').count()).toBe(0);
      expect(errors).toEqual([]);
    } catch (err) {
      await page.screenshot({ path: `${tmpdir()}/opd-doctor-queue-failure.png`, fullPage: true });
      console.error('page errors:', errors, 'url:', page.url());
      throw err;
    } finally {
      await page.close();
    }
  });
});
