import { tmpdir } from 'node:os';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { platformForSuite, screenshot, signIn } from '../../opd/e2e/harness.ts';

// The admission desk is a doctor (admission and discharge are the doctor's, docs/ipd.md); the ward
// nurse watches the same branch's board in another browser and turns the bed over after cleaning.
const DESK = 'anand-joshi@sanjeevani.demo';
const NURSE = 'nurse.pune@sanjeevani.demo';
const DOCTOR = 'demo-dr-anand-joshi';

const suite = platformForSuite();

const bedCard = (page: Page, name: string) => page.getByTestId(`bed-${name}`);

describe('the IPD admission desk', () => {
  it('admits to a free bed (another desk took the first choice), the nurse’s board follows live, vitals with NEWS2, an ICU transfer, discharge and bed ready', async () => {
    const p = suite.platform();
    const desk = await (await suite.browser().newContext({ viewport: { width: 1366, height: 900 } })).newPage();
    const ward = await (await suite.browser().newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    try {
      await signIn(desk, p.url, DESK, 'ipd');
      await signIn(ward, p.url, NURSE, 'ipd');
      for (const page of [desk, ward]) await bedCard(page, 'PUN-G1-1').waitFor();
      // The nurse's board follows the websocket (it polls only while that is down); a marker shows it is never reloaded.
      await ward.locator('[data-testid=live-state][data-live=true]').waitFor({ timeout: 15_000 });
      await ward.evaluate(() => {
        (window as unknown as { notReloaded: boolean }).notReloaded = true;
      });

      // The desk opens the admission for PUN-G1-1 and fills it in.
      await bedCard(desk, 'PUN-G1-1').getByRole('button', { name: 'Admit' }).click();
      const dialog = desk.getByTestId('admit-dialog');
      await dialog.getByTestId('admit-patient').fill('Rajesh');
      await dialog.getByTestId('admit-patient-option').filter({ hasText: 'Rajesh Patil' }).click();
      await dialog.getByTestId('admit-doctor').fill('Anand');
      await desk.getByRole('option', { name: 'Dr. Anand Joshi' }).click();
      await dialog.getByTestId('admit-reason').fill('Dengue fever with low platelets');

      // Meanwhile another desk admits someone else to that very bed.
      const [other] = (await p.fhir<{ entry: { resource: { id: string } }[] }>('Patient?name=Priya&address-city=Pune')).entry;
      await p.fhir('Encounter/$admit', {
        method: 'POST',
        body: JSON.stringify({
          resourceType: 'Parameters',
          parameter: [
            { name: 'patient', valueReference: { reference: `Patient/${other.resource.id}` } },
            { name: 'bed', valueReference: { reference: `Location/demo-pun-bed-g1-1` } },
            { name: 'attending', valueReference: { reference: `Practitioner/${DOCTOR}` } },
          ],
        }),
      });
      await dialog.getByTestId('admit-submit').click();
      // A plain sentence, and the free beds offered; picking one and admitting again succeeds.
      await expect.poll(() => dialog.getByTestId('dialog-error').textContent()).toContain('Someone else has just taken bed PUN-G1-1.');
      await screenshot(desk, 'ipd-bed-taken');
      await dialog.getByTestId('offer-PUN-G1-2').click();
      await desk.getByText('Admit to bed PUN-G1-2').waitFor();
      await dialog.getByTestId('admit-submit').click();
      await dialog.waitFor({ state: 'detached' });

      // The nurse's board shows the bed occupied without a reload, pushed over the websocket.
      const admitted = bedCard(ward, 'PUN-G1-2');
      await admitted.and(ward.locator('[data-status=O]')).waitFor({ timeout: 5_000 });
      await expect.poll(() => admitted.textContent()).toContain('Rajesh Patil');
      expect(await admitted.textContent()).toContain('Dr. Anand Joshi');
      expect(await admitted.getByTestId('bed-status').textContent()).toContain('Occupied');
      expect(await ward.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
      await screenshot(ward, 'ipd-bed-board');

      // The nurse charts a round of vitals: NEWS2 as she types, saved as Observations of the stay.
      await admitted.getByRole('button', { name: 'Vitals' }).click();
      const vitals = { respiration: '22', spo2: '94', systolic: '104', diastolic: '66', pulse: '112', temperatureF: '101.3' };
      for (const [field, value] of Object.entries(vitals)) await ward.getByTestId(`vitals-${field}`).fill(value);
      await ward.getByText('On oxygen', { exact: true }).click();
      await expect.poll(() => ward.getByTestId('news2-score').textContent()).toContain('NEWS2 9');
      expect(await ward.getByTestId('news2-score').textContent()).toContain('High risk');
      await screenshot(ward, 'ipd-vitals-news2');
      await ward.getByTestId('vitals-save').click();
      await ward.getByTestId('vitals-history').getByText('NEWS2 9').waitFor();
      await ward.getByRole('button', { name: 'Back to the bed board' }).click();

      // The nurse steps him up to the ICU: the ICU bed is occupied and his old bed goes to cleaning, on the desk's board too.
      await bedCard(ward, 'PUN-G1-2').getByRole('button', { name: 'Transfer' }).click();
      await ward.getByTestId('transfer-to').fill('ICU-1');
      await ward.getByRole('option', { name: 'PUN-ICU-1' }).click();
      await ward.getByTestId('transfer-submit').click();
      await bedCard(desk, 'PUN-ICU-1').and(desk.locator('[data-status=O]')).waitFor({ timeout: 5_000 });
      await bedCard(desk, 'PUN-G1-2').and(desk.locator('[data-status=H]')).waitFor({ timeout: 5_000 });

      // Discharge home: the ICU bed goes to cleaning, on both screens.
      await bedCard(desk, 'PUN-ICU-1').getByRole('button', { name: 'Discharge' }).click();
      await desk.getByTestId('discharge-submit').click();
      // The discharge summary opens next (discharge-summary.test.ts writes one); back to the board.
      await desk.getByRole('button', { name: 'Back to the bed board' }).click();
      await bedCard(desk, 'PUN-ICU-1').and(desk.locator('[data-status=H]')).waitFor();
      await bedCard(ward, 'PUN-ICU-1').and(ward.locator('[data-status=H]')).waitFor({ timeout: 5_000 });

      // The nurse marks the ward bed ready after cleaning: free again, and the desk sees it.
      await bedCard(ward, 'PUN-G1-2').getByRole('button', { name: 'Mark ready' }).click();
      await ward.getByTestId('ready-submit').click();
      await bedCard(ward, 'PUN-G1-2').and(ward.locator('[data-status=U]')).waitFor();
      await bedCard(desk, 'PUN-G1-2').and(desk.locator('[data-status=U]')).waitFor({ timeout: 5_000 });

      // The night nurse reads it in Hindi.
      await ward.getByText('हिंदी').click();
      await expect.poll(() => bedCard(ward, 'PUN-G1-2').getByTestId('bed-status').textContent()).toContain('खाली');
      await screenshot(ward, 'ipd-bed-board-hindi');
    } catch (err) {
      await desk.screenshot({ path: `${tmpdir()}/ipd-desk-failure.png`, fullPage: true });
      await ward.screenshot({ path: `${tmpdir()}/ipd-ward-failure.png`, fullPage: true });
      throw err;
    } finally {
      await desk.context().close();
      await ward.context().close();
    }
  });
});
