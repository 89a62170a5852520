import type { Bundle, Patient, PractitionerRole } from '@medplum/fhirtypes';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { platformForSuite, signIn } from './harness.ts';

const DESK = 'desk.pune@sanjeevani.demo';
const DOCTOR_ROLE = 'demo-dr-kavita-deshpande-role';
const ESTIMATED = 'https://hospital-ops.in/fhir/StructureDefinition/birth-date-estimated';

const suite = platformForSuite(async (p) => {
  // Every day, all day: yesterday has slots, all of them past.
  const role = await p.fhir<PractitionerRole>(`PractitionerRole/${DOCTOR_ROLE}`);
  role.availableTime = [
    { daysOfWeek: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], availableStartTime: '00:00:00', availableEndTime: '23:59:00' },
  ];
  await p.fhir(`PractitionerRole/${DOCTOR_ROLE}`, { method: 'PUT', body: JSON.stringify(role) });
});

const kolkataDay = (offsetDays: number) => new Date(Date.now() + 330 * 60_000 + offsetDays * 86_400_000).toISOString().slice(0, 10);

async function run(page: Page, steps: () => Promise<void>): Promise<void> {
  try {
    await steps();
  } catch (err) {
    console.error('alerts on the page:', await page.locator('[role=alert]').allTextContents());
    throw err;
  }
}

describe('the front desk', () => {
  it('finds a patient by UHID, says why Book is disabled, and offers no past slots', async () => {
    const page = await (await suite.browser().newContext()).newPage();
    await run(page, async () => {
      await signIn(page, suite.platform().url, DESK);
      const found = await suite.platform().fhir<Bundle<Patient>>('Patient?address-city=Pune&_count=1&_sort=_id');
      const patient = found.entry?.[0]?.resource as Patient;
      const uhid = patient.identifier?.find((i) => i.type?.coding?.some((c) => c.code === 'MR'))?.value ?? '';
      expect(uhid).toMatch(/[A-Z].*\d/);
      // Typed in lower case, as a desk does.
      await page.fill('[data-testid=patient-search]', uhid.toLowerCase());
      await page.getByTestId('patient-results').getByText(uhid).waitFor();

      // Appointments with no patient: a hint, and yesterday's slots are shown as past, not bookable.
      const yesterday = kolkataDay(-1);
      await suite.platform().fhir(`PractitionerRole/${DOCTOR_ROLE}/$generate-slots`, {
        method: 'POST',
        body: JSON.stringify({
          resourceType: 'Parameters',
          parameter: [
            { name: 'start', valueDate: yesterday },
            { name: 'end', valueDate: kolkataDay(1) },
          ],
        }),
      });
      await page.goto(`${suite.platform().url}/apps/opd/schedule`);
      await page.getByTestId('choose-patient-hint').getByText('Choose a patient first').waitFor();
      await page.click('[data-testid=schedule-doctor]');
      await page.getByRole('option', { name: 'Dr. Kavita Deshpande' }).click();
      await page.fill('[data-testid=schedule-day]', yesterday.split('-').reverse().join('/'));
      await page.locator(`[data-testid^="past-${yesterday}"]`).first().waitFor();
      await expect.poll(() => page.locator('[data-testid^="slot-"]').count(), { timeout: 15_000 }).toBe(0);
      // Tomorrow's are offered, disabled until a patient is chosen.
      await page.fill('[data-testid=schedule-day]', kolkataDay(1).split('-').reverse().join('/'));
      const book = page.locator(`[data-testid^="slot-${kolkataDay(1)}"]`).first();
      await book.waitFor();
      expect(await book.isDisabled()).toBe(true);
      expect(await book.getAttribute('title')).toBe('Choose a patient first');
    });
  });

  it('registers from a surname search with a draft kept across reload, an age, and an ABHA warning', async () => {
    const page = await (await suite.browser().newContext()).newPage();
    await run(page, async () => {
      await signIn(page, suite.platform().url, DESK);
      await page.fill('[data-testid=patient-search]', 'Gokhale');
      await page.click('[data-testid=register-new]');
      await page.getByTestId('field-family').waitFor();
      // One word may be a surname: it is not put into First name.
      expect(await page.inputValue('[data-testid=field-given]')).toBe('');
      await page.fill('[data-testid=field-given]', 'Meera');
      await page.fill('[data-testid=field-family]', 'Gokhale');
      await page.fill('[data-testid=field-age]', '42');
      // A made-up ABHA number: warned about, not refused.
      await page.fill('[data-testid=field-abhaNumber]', '12-3456-7890-1234');
      await page.getByTestId('abha-warning').waitFor();

      await page.reload();
      await page.getByTestId('draft-restored').waitFor();
      expect(await page.inputValue('[data-testid=field-given]')).toBe('Meera');
      expect(await page.inputValue('[data-testid=field-age]')).toBe('42');
      await page.click('[data-testid=field-gender]');
      await page.getByRole('option', { name: 'Female' }).click();
      await page.click('[data-testid=save-patient]');
      await page.waitForURL(/\/apps\/opd\/patients\/(?!new)[^/?]+$/);
      const id = page.url().split('/').pop();
      const saved = await suite.platform().fhir<Patient>(`Patient/${id}`);
      expect(saved.extension?.find((e) => e.url === ESTIMATED)?.valueBoolean).toBe(true);
      expect(Number(saved.birthDate?.slice(0, 4))).toBe(Number(kolkataDay(0).slice(0, 4)) - 42);
      expect(saved.identifier?.some((i) => i.value === '12345678901234')).toBe(true);
      // Saved: the draft is gone.
      await page.goto(`${suite.platform().url}/apps/opd/patients/new`);
      await page.getByTestId('field-given').waitFor();
      expect(await page.getByTestId('draft-restored').count()).toBe(0);
      expect(await page.inputValue('[data-testid=field-given]')).toBe('');
    });
  });

  it('records the WhatsApp opt-in with the registration, in Hindi, and withdraws it on edit', async () => {
    const context = await suite.browser().newContext();
    await context.addInitScript(() => localStorage.setItem('hops.lang', 'hi'));
    const page = await context.newPage();
    await run(page, async () => {
      await signIn(page, suite.platform().url, DESK);
      await page.goto(`${suite.platform().url}/apps/opd/patients/new`);
      await page.getByTestId('field-given').waitFor();
      // No mobile yet: nothing to send to, so it cannot be ticked.
      const whatsApp = page.getByLabel('अपॉइंटमेंट और रिपोर्ट की जानकारी WhatsApp पर भेजें');
      expect(await whatsApp.isDisabled()).toBe(true);
      await page.fill('[data-testid=field-given]', 'Sunita');
      await page.fill('[data-testid=field-family]', 'Bhosale');
      await page.fill('[data-testid=field-age]', '58');
      await page.click('[data-testid=field-gender]');
      await page.getByRole('option', { name: 'महिला' }).click();
      await page.fill('[data-testid=field-phone]', '98900 71234');
      await whatsApp.check();
      await page.click('[data-testid=save-patient]');
      await page.waitForURL(/\/apps\/opd\/patients\/(?!new)[^/?]+$/);
      const id = page.url().split('/').pop();
      const consents = () =>
        suite
          .platform()
          .fhir<Bundle>(
            `Consent?patient=Patient/${id}&category=https://hospital-ops.in/fhir/CodeSystem/consent-category|whatsapp-communications`,
          );
      const first = (await consents()).entry?.map((e) => e.resource) ?? [];
      expect(first).toHaveLength(1);
      expect(first[0]).toMatchObject({ status: 'active', provision: { type: 'permit' } });

      await page.goto(`${suite.platform().url}/apps/opd/patients/${id}/edit`);
      await expect.poll(() => whatsApp.isChecked(), { timeout: 15_000 }).toBe(true);
      await whatsApp.uncheck();
      await page.click('[data-testid=save-patient]');
      await page.waitForURL(/\/apps\/opd\/patients\/(?!new)[^/?]+$/);
      await expect
        .poll(async () => (await consents()).entry?.map((e) => (e.resource as { status: string }).status), { timeout: 15_000 })
        .toEqual(['inactive']);
    });
  });
});
