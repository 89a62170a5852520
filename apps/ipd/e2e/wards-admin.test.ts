import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { platformForSuite, screenshot, signIn } from '../../opd/e2e/harness.ts';

// The Pune branch administrator (seed/src/demo-tenant.ts) sets up a ward; its beds then appear on
// the bed board, a closed bed as closed, and a bed with a patient in it cannot be changed.
const ADMIN = 'admin.pune@sanjeevani.demo';
const DOCTOR = 'demo-dr-anand-joshi';

const suite = platformForSuite();

describe('wards and beds, the administrator’s screen', () => {
  it('adds a ward with 4 beds that appear on the bed board, closes one, and leaves an occupied one alone', async () => {
    const p = suite.platform();
    const page = await (await suite.browser().newContext({ viewport: { width: 1366, height: 900 } })).newPage();
    try {
      await signIn(page, p.url, ADMIN, 'ipd');
      await page.getByRole('link', { name: 'Wards and beds' }).click();
      await page.getByTestId('admin-ward-General ward').waitFor();

      // A new ward, with the keyboard: name, class, Enter.
      await page.getByTestId('ward-name').fill('General ward 2');
      await page.getByTestId('ward-class').selectOption('general');
      await page.getByTestId('ward-name').press('Enter');
      const ward = page.getByTestId('admin-ward-General ward 2');
      await ward.waitFor();

      // Four beds numbered from a prefix, one row of four.
      await ward.getByTestId('admin-add-beds').click();
      const dialog = page.getByTestId('add-beds-dialog');
      // The demo's General ward has PUN-G2-1..3 already: bed names are unique in the branch, so
      // a prefix in use continues its numbering rather than repeat a name.
      await dialog.getByTestId('beds-prefix').fill('PUN-G2');
      await expect.poll(() => dialog.getByTestId('beds-preview').textContent()).toBe('Beds PUN-G2-4 to PUN-G2-7, in 1 row(s) of 4.');
      await dialog.getByTestId('beds-prefix').fill('PUN-W2');
      await dialog.getByTestId('beds-count').fill('4');
      await dialog.getByTestId('beds-columns').fill('4');
      await expect.poll(() => dialog.getByTestId('beds-preview').textContent()).toBe('Beds PUN-W2-1 to PUN-W2-4, in 1 row(s) of 4.');
      await dialog.getByTestId('add-beds-submit').click();
      await dialog.waitFor({ state: 'detached' });
      for (let i = 1; i <= 4; i++) {
        const row = ward.getByTestId(`admin-bed-PUN-W2-${i}`);
        await row.and(page.locator('[data-status=U]')).waitFor();
        expect(await row.textContent()).toContain(`Row 1, column ${i}`);
      }

      // Close PUN-W2-3.
      await ward.getByRole('button', { name: 'Change bed PUN-W2-3' }).click();
      await page.getByTestId('bed-status-select').selectOption('C');
      await page.getByTestId('bed-status-submit').click();
      await ward.getByTestId('admin-bed-PUN-W2-3').and(page.locator('[data-status=C]')).waitFor();

      // A patient is admitted to PUN-W2-1 meanwhile: the row follows and says why it cannot be changed.
      const [patient] = (await p.fhir<{ entry: { resource: { id: string } }[] }>('Patient?name=Rajesh&address-city=Pune')).entry;
      const beds = await p.fhir<{ entry: { resource: { id: string } }[] }>('Location?name:exact=PUN-W2-1');
      await p.fhir('Encounter/$admit', {
        method: 'POST',
        body: JSON.stringify({
          resourceType: 'Parameters',
          parameter: [
            { name: 'patient', valueReference: { reference: `Patient/${patient.resource.id}` } },
            { name: 'bed', valueReference: { reference: `Location/${beds.entry[0].resource.id}` } },
            { name: 'attending', valueReference: { reference: `Practitioner/${DOCTOR}` } },
          ],
        }),
      });
      const occupied = ward.getByTestId('admin-bed-PUN-W2-1');
      await occupied.and(page.locator('[data-status=O]')).waitFor({ timeout: 10_000 });
      expect(await occupied.getByTestId('admin-bed-locked').textContent()).toBe(
        'A patient is in bed PUN-W2-1: it cannot be changed until the patient is moved or discharged.',
      );
      expect(await occupied.getByRole('button').count()).toBe(0);
      await screenshot(page, 'ipd-wards-admin');

      // The bed board has the new ward: four beds, one closed, one occupied.
      await page.getByRole('link', { name: 'Bed board' }).click();
      const board = page.getByTestId('ward-General ward 2');
      await board.waitFor();
      const statuses = [];
      for (let i = 1; i <= 4; i++) statuses.push(await board.getByTestId(`bed-PUN-W2-${i}`).getAttribute('data-status'));
      expect(statuses).toEqual(['O', 'U', 'C', 'U']);
      expect(await board.getByTestId('ward-occupancy').textContent()).toContain('1 of 4 beds occupied');
    } catch (err) {
      await page.screenshot({ path: `${tmpdir()}/ipd-wards-admin-failure.png`, fullPage: true });
      throw err;
    } finally {
      await page.context().close();
    }
  });
});
