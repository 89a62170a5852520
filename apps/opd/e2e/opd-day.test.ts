import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Bundle, PractitionerRole } from '@medplum/fhirtypes';
import type { BrowserContext, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { allowIfAsked, notTooCloseToMidnightIST, platformForSuite, SCREENSHOTS, screenshot, signIn } from './harness.ts';

const DESK = 'desk.pune@sanjeevani.demo';
const DOCTOR = 'anand-joshi@sanjeevani.demo';
const DOCTOR_ROLE = 'demo-dr-anand-joshi-role';

// Registered first, so it runs before the platform starts and the day's slots are made.
beforeAll(() => notTooCloseToMidnightIST(10), 11 * 60_000);

const suite = platformForSuite(async (p) => {
  // The clinic runs every day and all day in this test, so the flow does not depend on the weekday or
  // the hour CI runs at (slots that have started cannot be booked).
  const role = await p.fhir<PractitionerRole>(`PractitionerRole/${DOCTOR_ROLE}`);
  role.availableTime = [
    { daysOfWeek: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], availableStartTime: '00:00:00', availableEndTime: '23:59:00' },
  ];
  await p.fhir(`PractitionerRole/${DOCTOR_ROLE}`, { method: 'PUT', body: JSON.stringify(role) });
  // Five-minute slots, so one that has not started exists until 23:50 IST; the desk's button then
  // adds no overlapping ones.
  const today = new Date(Date.now() + 330 * 60_000).toISOString().slice(0, 10);
  await p.fhir(`PractitionerRole/${DOCTOR_ROLE}/$generate-slots`, {
    method: 'POST',
    body: JSON.stringify({
      resourceType: 'Parameters',
      parameter: [
        { name: 'start', valueDate: today },
        { name: 'end', valueDate: today },
        { name: 'slot-minutes', valueInteger: 5 },
      ],
    }),
  });
});

async function choose(page: Page, testId: string, option: string | RegExp): Promise<void> {
  await page.click(`[data-testid=${testId}]`);
  await page.getByRole('option', { name: option }).first().click();
}

async function notification(page: Page, text: string | RegExp): Promise<void> {
  await page.getByText(text).first().waitFor({ timeout: 15_000 });
}

describe('a clinic day in the OPD app', () => {
  it('registers, books, checks in, consults, prescribes, prints and switches to Hindi', async () => {
    const context = await suite.browser().newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await clinicDay(page, context, errors);
    } catch (err) {
      await page.screenshot({ path: `${tmpdir()}/opd-e2e-failure.png`, fullPage: true });
      console.error('alerts on the page:', await page.locator('[role=alert]').allTextContents());
      throw err;
    } finally {
      await context.close();
    }
  });
});

async function clinicDay(page: Page, context: BrowserContext, errors: string[]): Promise<void> {
  {
    // Front desk: search first, then register (the phone is a demo patient's: a duplicate warning).
    await signIn(page, suite.platform().url, DESK);
    // Type-ahead forgives a misspelt name; Sneha herself is new.
    await page.fill('[data-testid=patient-search]', 'priya kulkarnee');
    await page.getByTestId('patient-results').getByText('Priya Kulkarni').waitFor();
    await page.fill('[data-testid=patient-search]', 'Sneha Kulkarni');
    await page.getByTestId('patient-results').getByText('Priya Kulkarni').waitFor({ state: 'detached' });
    await page.click('[data-testid=register-new]');
    await expect.poll(() => page.inputValue('[data-testid=field-given]'), { timeout: 15_000 }).toBe('Sneha');
    await choose(page, 'field-gender', 'Female');
    await page.fill('[data-testid=field-birthDate]', '12/08/1994');
    await page.fill('[data-testid=field-phone]', '88065 43219');
    await page.fill('[data-testid=field-abhaNumber]', '12-3456');
    await page.fill('[data-testid=field-pin]', '411038');
    await page.click('[data-testid=save-patient]');
    await page.getByText('An ABHA number has 14 digits').waitFor();
    await page.fill('[data-testid=field-abhaNumber]', '');
    await page.fill('[data-testid=field-city]', 'Pune');
    await screenshot(page, 'registration');
    await page.click('[data-testid=save-patient]');
    await page.getByText('Mobile number already registered').waitFor();
    await page.getByText('Sunita Sharma').first().waitFor();
    await page.click('[data-testid=register-anyway]');
    await page.waitForURL(/\/apps\/opd\/patients\/[^/]+$/);
    await expect.poll(() => page.textContent('[data-testid=patient-name]'), { timeout: 15_000 }).toBe('Sneha Kulkarni');
    const patientId = page.url().split('/').pop() ?? '';

    // An allergy the prescription will be checked against.
    await page.getByPlaceholder('Drug, food or substance').fill('Penicillin');
    await page
      .getByRole('option', { name: /Penicillin/ })
      .first()
      .click();
    await notification(page, 'Allergy recorded');
    await page.getByTestId('allergy-list').getByText('Penicillin').waitFor();
    // The picker drew on the starter terminology: no server message reached the screen.
    expect(await page.textContent('body')).not.toMatch(/npm run|not loaded here|OperationOutcome/);

    // Book: open the doctor's slots from working hours, take the first one.
    await page.click('[data-testid=book-appointment]');
    await page.getByTestId('booking-for').waitFor();
    await choose(page, 'schedule-doctor', 'Dr. Anand Joshi');
    await page.click('[data-testid=generate-slots]');
    await page.locator('[data-testid^="slot-"]').first().waitFor();
    // The first slot that starts a minute or more from now: one starting this second is refused.
    const starts = await page.locator('[data-testid^="slot-"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid') ?? ''));
    const start = starts.find((id) => Date.parse(id.slice('slot-'.length)) > Date.now() + 60_000);
    expect(start, 'a slot later today').toBeDefined();
    const firstSlot = page.locator(`[data-testid="${start}"]`);
    await screenshot(page, 'schedule');
    await firstSlot.click();
    await page.waitForURL(new RegExp(`/patients/${patientId}$`));
    await notification(page, /Appointment booked for/);

    // Check in: the day's first token for the doctor.
    await page.click('[data-testid=check-in]');
    await notification(page, 'Checked in: token 1');
    // The token slip to print: bilingual, with the UHID's QR code.
    const slip = page.getByRole('dialog').getByTestId('token-slip');
    await slip.getByText('Token / टोकन').waitFor();
    await expect.poll(() => slip.getByTestId('slip-token').textContent()).toBe('1');
    await slip.getByText('Dr. Anand Joshi').waitFor();
    await slip.locator('[data-testid=slip-qr] svg').waitFor();
    await screenshot(page, 'token-slip');
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.token-slip-print').isVisible()).toBe(true);
    expect(await page.locator('#root').isVisible()).toBe(false);
    await page.emulateMedia({ media: 'screen' });
    await page.getByRole('button', { name: 'Close' }).click();
    await page.getByRole('link', { name: 'Queue' }).click();
    await page.getByTestId('queue-row-1').waitFor();
    await screenshot(page, 'queue');
    const display = await context.newPage();
    await display.goto(`${suite.platform().url}/apps/opd/queue/display`);
    await allowIfAsked(display);
    await display.getByText('Dr. Anand Joshi').waitFor();
    await screenshot(display, 'queue-display');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/launch|authorize/);

    // The doctor calls the next patient and consults.
    // A doctor opens on today's queue.
    await signIn(page, suite.platform().url, DOCTOR);
    await page.waitForURL(/\/apps\/opd\/queue$/);
    await page.getByRole('button', { name: 'Call next (token 1)' }).click();
    await page.waitForURL(/\/encounters\//);
    await page.getByTestId('consultation-patient').waitFor();
    await expect.poll(() => display.textContent('[data-testid=now-serving]'), { timeout: 15_000 }).toBe('1');

    await page.fill('[data-testid=vital-systolic] input, input[data-testid=vital-systolic]', '150');
    await page.fill('input[data-testid=vital-diastolic]', '96');
    await page.fill('input[data-testid=vital-pulse]', '84');
    await page.fill('input[data-testid=vital-temperature]', '99.1');
    await page.fill('input[data-testid=vital-spo2]', '98');
    await page.getByText('Above normal').first().waitFor();
    await page.click('[data-testid=save-vitals]');
    await notification(page, 'Vitals saved');
    await page.fill('[data-testid=note-complaints]', 'Fever and sore throat for 3 days');
    await page.fill('[data-testid=note-examination]', 'Throat congested, no exudate');
    await page.click('[data-testid=save-notes]');
    await notification(page, 'Notes saved');
    await page.getByPlaceholder('Type a diagnosis').fill('Acute pharyngitis');
    await page
      .getByRole('option', { name: /Acute pharyngitis/ })
      .first()
      .click();
    await page.getByTestId('diagnoses').getByText('Acute pharyngitis').waitFor();
    expect(await page.textContent('body')).not.toMatch(/npm run|not loaded here|OperationOutcome/);

    // Amoxicillin for a penicillin-allergic patient: warned, not added until acknowledged.
    await page.fill('[data-testid=medicine-input]', 'amoxi');
    await page
      .getByRole('option', { name: /Amoxicillin/ })
      .first()
      .click();
    await page.getByTestId('prescription-warnings').waitFor();
    await expect(page.isDisabled('[data-testid=add-medicine]')).resolves.toBe(true);
    await page.fill('[data-testid=medicine-input]', 'dolo');
    await page
      .getByRole('option', { name: /Dolo 650/ })
      .first()
      .click();
    await page.fill('[data-testid=frequency-input]', '1-0-1');
    await page.click('[data-testid=add-medicine]');
    await page
      .getByTestId('draft-medications')
      .getByText(/Paracetamol 650/)
      .waitFor();
    // A second line: the saved list and the PDF keep the order written (issue 14, item 12).
    await page.fill('[data-testid=medicine-input]', 'cetiri');
    await page
      .getByRole('option', { name: /Cetirizine/ })
      .first()
      .click();
    await page.fill('[data-testid=frequency-input]', '0-0-1');
    await page.click('[data-testid=add-medicine]');
    await page
      .getByTestId('draft-medications')
      .getByText(/Cetirizine/)
      .waitFor();
    await page.fill('[data-testid=lab-orders]', 'Complete blood count');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'In 7 days' }).click();
    await screenshot(page, 'consultation');
    await page.click('[data-testid=save-prescription]');
    await notification(page, 'Prescription and orders saved');
    await page
      .getByTestId('saved-medications')
      .getByText(/Paracetamol 650/)
      .waitFor();
    await page.getByTestId('saved-follow-up').waitFor();
    const savedList = (await page.getByTestId('saved-medications').textContent()) ?? '';
    expect(savedList.indexOf('Paracetamol 650')).toBeLessThan(savedList.indexOf('Cetirizine'));

    // Print: the server's bilingual PDF opens in a new tab.
    const [pdf] = await Promise.all([
      page.waitForResponse((r) => r.url().includes('$prescription-pdf')),
      page.click('[data-testid=print-prescription]'),
    ]);
    expect(pdf.status()).toBe(200);
    expect(pdf.headers()['content-type']).toContain('application/pdf');
    const encounterId = page.url().split('/').pop();
    const printed = await fetch(`${suite.platform().url}/fhir/R4/Encounter/${encounterId}/$prescription-pdf`, {
      headers: { authorization: `Bearer ${await suite.platform().systemToken()}`, accept: 'application/pdf' },
    });
    const pdfBytes = Buffer.from(await printed.arrayBuffer());
    expect(pdfBytes.subarray(0, 5).toString()).toBe('%PDF-');
    writeFileSync(`${SCREENSHOTS}prescription.pdf`, pdfBytes);

    await page.click('[data-testid=finish-consultation]');
    await notification(page, 'Visit finished');
    // Nobody else waits: back to the queue; the finished visit opens read-only.
    await page.waitForURL(/\/apps\/opd\/queue$/);
    await page.goto(`${suite.platform().url}/apps/opd/encounters/${encounterId}`);
    await page.getByTestId('visit-read-only').waitFor();
    // The API agrees: a finished visit's record takes no more writes (409).
    const late = await fetch(`${suite.platform().url}/fhir/R4/Condition`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await suite.platform().systemToken()}`, 'content-type': 'application/fhir+json' },
      body: JSON.stringify({
        resourceType: 'Condition',
        code: { text: 'Tonsillitis' },
        subject: { reference: `Patient/${patientId}` },
        encounter: { reference: `Encounter/${encounterId}` },
      }),
    });
    expect(late.status).toBe(409);

    // Hindi, remembered across a reload.
    await page.getByText('हिंदी').click();
    await page.getByText('पर्चा प्रिंट करें').waitFor();
    await page.reload();
    await page.getByText('पर्चा प्रिंट करें').waitFor();
    expect(await page.getAttribute('html', 'lang')).toBe('hi');
    await screenshot(page, 'consultation-hindi');
    expect(errors).toEqual([]);

    // What the flow stored, read back through the API.
    const requests = await suite.platform().fhir<Bundle>(`MedicationRequest?subject=Patient/${patientId}`);
    const lines = (requests.entry ?? []).map(
      (e) => e.resource as { extension?: { valuePositiveInt?: number }[]; medicationCodeableConcept?: { text?: string } },
    );
    // Each line stores its place on the prescription.
    expect(lines.map((r) => [r.extension?.[0]?.valuePositiveInt, r.medicationCodeableConcept?.text?.split(' ')[0]]).sort()).toEqual([
      [1, 'Paracetamol'],
      [2, 'Cetirizine'],
    ]);
    const observations = await suite.platform().fhir<Bundle>(`Observation?subject=Patient/${patientId}&_count=50`);
    const codes = observations.entry?.map((e) => (e.resource as { code: { coding?: { code?: string }[] } }).code.coding?.[0]?.code).sort();
    // Blood pressure panel, pulse, temperature, SpO2; complaints and examination notes.
    expect(codes).toEqual(['10154-3', '2708-6', '29545-1', '8310-5', '85354-9', '8867-4']);
    const conditions = await suite.platform().fhir<Bundle>(`Condition?subject=Patient/${patientId}`);
    expect(conditions.entry?.map((e) => (e.resource as { code: { text?: string } }).code.text)).toEqual(['Acute pharyngitis']);
    const encounters = await suite.platform().fhir<Bundle>(`Encounter?subject=Patient/${patientId}`);
    expect(encounters.entry?.map((e) => (e.resource as { status: string }).status)).toEqual(['finished']);
  }
}
