import type { Bundle, Patient } from '@medplum/fhirtypes';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { platformForSuite, signIn } from './harness.ts';

const DESK = 'desk.pune@sanjeevani.demo';
const DOCTOR_ROLE = 'demo-dr-kavita-deshpande-role';

const suite = platformForSuite();

/** A desk's browser on the schedule page, booking for one patient, showing the same slot free. */
async function deskAt(patientId: string, day: string): Promise<Page> {
  const page = await (await suite.browser().newContext()).newPage();
  await signIn(page, suite.platform().url, DESK);
  await page.goto(`${suite.platform().url}/apps/opd/schedule?patient=${patientId}`);
  await page.getByTestId('booking-for').waitFor();
  await page.click('[data-testid=schedule-doctor]');
  await page.getByRole('option', { name: 'Dr. Kavita Deshpande' }).click();
  await page.fill('[data-testid=schedule-day]', day.split('-').reverse().join('/'));
  return page;
}

describe('two front desks, one slot', () => {
  it('books the slot for exactly one of them, and tells the other clearly', async () => {
    // Slots for next Monday (a working day) from the doctor's working hours.
    const monday = new Date();
    monday.setUTCDate(monday.getUTCDate() + ((8 - monday.getUTCDay()) % 7 || 7));
    const day = monday.toISOString().slice(0, 10);
    await suite.platform().fhir(`PractitionerRole/${DOCTOR_ROLE}/$generate-slots`, {
      method: 'POST',
      body: JSON.stringify({
        resourceType: 'Parameters',
        parameter: [
          { name: 'start', valueDate: day },
          { name: 'end', valueDate: day },
        ],
      }),
    });
    const patients = await suite.platform().fhir<Bundle<Patient>>('Patient?address-city=Pune&_count=2&_sort=_id');
    const [p1, p2] = patients.entry?.map((e) => e.resource?.id ?? '') ?? [];

    const [a, b] = await Promise.all([deskAt(p1, day), deskAt(p2, day)]);
    const slotA = a.locator('[data-testid^="slot-"]').first();
    const slotB = b.locator('[data-testid^="slot-"]').first();
    await Promise.all([slotA.waitFor(), slotB.waitFor()]);
    expect(await slotA.getAttribute('data-testid')).toBe(await slotB.getAttribute('data-testid'));
    const slotStart = (await slotA.getAttribute('data-testid'))?.replace('slot-', '');

    // Both desks click at the same moment.
    await Promise.all([slotA.click(), slotB.click()]);
    const outcome = async (page: Page) =>
      Promise.race([
        page
          .getByText(/Appointment booked for/)
          .waitFor({ timeout: 20_000 })
          .then(() => 'booked'),
        page
          .getByText('This slot was just booked by someone else. Pick another slot.')
          .waitFor({ timeout: 20_000 })
          .then(() => 'refused'),
      ]);
    const results = await Promise.all([outcome(a), outcome(b)]);
    expect(results.sort()).toEqual(['booked', 'refused']);

    // The server holds one appointment for that slot; the refused desk now sees it taken.
    const slots = await suite
      .platform()
      .fhir<Bundle>(`Slot?start=${encodeURIComponent(slotStart ?? '')}&schedule.actor=PractitionerRole/${DOCTOR_ROLE}`);
    const slotId = slots.entry?.[0]?.resource?.id;
    const booked = await suite.platform().fhir<Bundle>(`Appointment?slot=Slot/${slotId}&status=booked`);
    expect(booked.entry).toHaveLength(1);
    const refused = results[0] === 'refused' ? a : b;
    await expect.poll(() => refused.locator(`[data-testid="slot-${slotStart}"]`).count(), { timeout: 15_000 }).toBe(0);
  });
});
