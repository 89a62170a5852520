import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { platformForSuite, screenshot, signIn } from '../../opd/e2e/harness.ts';

// The ward nurse's MAR for an admitted patient: a dose given, one not given with its reason, and a
// dose nobody recorded flagged missed by the overdue-dose job (bots/mar-doses, docs/ipd.md "MAR").
const NURSE = 'nurse.pune@sanjeevani.demo';
const DOCTOR = 'demo-dr-anand-joshi';
const BED = 'demo-pun-bed-g2-1';
const IST_MS = 330 * 60_000;
const HOUR = 3_600_000;
const local = (ms: number) => new Date(ms + IST_MS).toISOString().slice(0, 16);
const istInstant = (ms: number) => `${local(ms)}:00+05:30`;
const minute = (ms: number) => Math.floor(ms / 60_000) * 60_000;

const suite = platformForSuite(async (p) => {
  // The demo does not run the job by itself: the tenant's administrator enables it (docs/bots.md).
  await p.server.bots?.change(p.server.config.TENANT_ID, 'mar-doses', { enabled: true });
});

describe('the MAR', () => {
  it('records a dose given and one not given, and shows a missed dose flagged by the job', async () => {
    const p = suite.platform();
    const now = Date.now();
    const [patient] = (await p.fhir<{ entry: { resource: { id: string } }[] }>('Patient?name=Rajesh&address-city=Pune')).entry;
    const stay = await p.fhir<{ id: string }>('Encounter/$admit', {
      method: 'POST',
      body: JSON.stringify({
        resourceType: 'Parameters',
        parameter: [
          { name: 'patient', valueReference: { reference: `Patient/${patient.resource.id}` } },
          { name: 'bed', valueReference: { reference: `Location/${BED}` } },
          { name: 'attending', valueReference: { reference: `Practitioner/${DOCTOR}` } },
          { name: 'occurredAt', valueDateTime: istInstant(now - 8 * HOUR) },
        ],
      }),
    });
    const order = (medication: string, at: number) =>
      p.fhir('MedicationRequest', {
        method: 'POST',
        body: JSON.stringify({
          resourceType: 'MedicationRequest',
          status: 'active',
          intent: 'order',
          medicationCodeableConcept: { text: medication },
          subject: { reference: `Patient/${patient.resource.id}` },
          requester: { reference: `Practitioner/${DOCTOR}` },
          encounter: { reference: `Encounter/${stay.id}` },
          authoredOn: istInstant(now - 7 * HOUR),
          dosageInstruction: [{ text: 'once a day', timing: { repeat: { timeOfDay: [`${local(at).slice(11)}:00`] } } }],
        }),
      });
    const given = minute(now - 10 * 60_000);
    const refused = minute(now - 20 * 60_000);
    const missed = minute(now - 5 * HOUR);
    await order('Insulin regular 6 U', given);
    await order('Ondansetron 4 mg', refused);
    await order('Ceftriaxone 1 g', missed);

    const page = await (await suite.browser().newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    try {
      await signIn(page, p.url, NURSE, 'ipd');
      await page.getByTestId('bed-PUN-G2-1').getByRole('button', { name: 'MAR' }).click();
      const row = (medication: string, at: number) => page.getByTestId(`dose-${medication}-${local(at).slice(11)}`);
      const goTo = async (at: number) => {
        await page.goto(`${p.url}/apps/ipd/mar/${stay.id}?date=${local(at).slice(0, 10)}`);
        await page.getByTestId('mar-doses').waitFor();
      };

      // Given in one click.
      await goTo(given);
      await row('Insulin regular 6 U', given).getByRole('button', { name: 'Given', exact: true }).click();
      await expect
        .poll(() => row('Insulin regular 6 U', given).getByTestId('dose-status').getAttribute('data-status'), { timeout: 10_000 })
        .toBe('given');

      // Not given, with the reason picked from the list (keyboard: N on the row opens it).
      await goTo(refused);
      await row('Ondansetron 4 mg', refused).focus();
      await page.keyboard.press('n');
      await page.getByTestId('mar-reason').click();
      await page.getByRole('option', { name: 'Patient refused' }).click();
      await page.getByTestId('mar-reason-submit').click();
      await expect
        .poll(() => row('Ondansetron 4 mg', refused).getByTestId('dose-status').getAttribute('data-status'), { timeout: 10_000 })
        .toBe('not-given');
      expect(await row('Ondansetron 4 mg', refused).textContent()).toContain('Patient refused');

      // The job runs (as its 15-minute schedule would) and flags the dose nobody recorded.
      const tenant = p.server.config.TENANT_ID;
      await p.server.jobs.add('bot-mar-doses', 'overdue', { bot: 'mar-doses', tenant, schedule: 'overdue' }, { jobId: `e2e-${now}` });
      await expect
        .poll(async () => (await p.fhir<{ total?: number; entry?: unknown[] }>(`Flag?encounter=Encounter/${stay.id}`)).entry?.length ?? 0, {
          timeout: 30_000,
        })
        .toBeGreaterThan(0);
      await goTo(missed);
      const missedRow = row('Ceftriaxone 1 g', missed);
      expect(await missedRow.getByTestId('dose-status').getAttribute('data-status')).toBe('missed');
      expect(await missedRow.getByTestId('dose-flag').textContent()).toBe('Flagged missed');
      await screenshot(page, 'ipd-mar');

      // The night nurse reads it in Hindi.
      await page.getByText('हिंदी').click();
      await expect.poll(() => missedRow.getByTestId('dose-status').textContent(), { timeout: 10_000 }).toContain('छूट गई');
    } catch (err) {
      await page.screenshot({ path: `${tmpdir()}/ipd-mar-failure.png`, fullPage: true });
      throw err;
    } finally {
      await page.context().close();
    }
  });
});
