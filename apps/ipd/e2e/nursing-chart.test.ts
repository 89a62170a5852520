import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { platformForSuite, screenshot, signIn } from '../../opd/e2e/harness.ts';
import { nursingDayOf } from '../src/nursing/shifts.ts';
import { formatIstInput } from '../src/nursing/when.ts';

// The ward nurse's chart of a three-day stay: vitals on three days drawn as charts, intake/output
// with the 24-hour balance, and a nursing note that shows in the shift's handover (then in Hindi).
const NURSE = 'nurse.pune@sanjeevani.demo';
const DOCTOR = 'demo-dr-anand-joshi';
const BED = 'PUN-G1-3';
const DAY = 86_400_000;
// The machine is shared: a save and the page's re-read can take longer than expect.poll's 1 s default.
const WAIT = { timeout: 15_000 };

const suite = platformForSuite();

describe('the nursing chart', () => {
  it('charts vitals over three days, balances intake and output, and hands a note over', async () => {
    const p = suite.platform();
    const now = Date.now();
    // Admitted three days ago (recorded late through $admit's occurredAt), so rounds can be charted on three days.
    const [patient] = (await p.fhir<{ entry: { resource: { id: string } }[] }>('Patient?name=Rajesh&address-city=Pune')).entry;
    await p.fhir('Encounter/$admit', {
      method: 'POST',
      body: JSON.stringify({
        resourceType: 'Parameters',
        parameter: [
          { name: 'patient', valueReference: { reference: `Patient/${patient.resource.id}` } },
          { name: 'bed', valueReference: { reference: 'Location/demo-pun-bed-g1-3' } },
          { name: 'attending', valueReference: { reference: `Practitioner/${DOCTOR}` } },
          { name: 'occurredAt', valueDateTime: new Date(now - 3 * DAY).toISOString() },
        ],
      }),
    });

    const page = await (await suite.browser().newContext({ viewport: { width: 1366, height: 1000 } })).newPage();
    try {
      await signIn(page, p.url, NURSE, 'ipd');
      await page.getByTestId(`bed-${BED}`).getByRole('button', { name: 'Vitals' }).click();

      // Three rounds, two days apart, the first two typed in late with their time (IST).
      const rounds = [
        { at: now - 2 * DAY, pulse: '88', temperatureF: '99.1', pain: '4' },
        { at: now - DAY, pulse: '104', temperatureF: '100.8', pain: '6' },
        { at: now - 60_000, pulse: '80', temperatureF: '98.4', pain: '2' },
      ];
      for (const [i, r] of rounds.entries()) {
        const values = {
          respiration: '18',
          spo2: '97',
          systolic: '122',
          diastolic: '78',
          pulse: r.pulse,
          temperatureF: r.temperatureF,
          pain: r.pain,
        };
        for (const [field, value] of Object.entries(values)) await page.getByTestId(`vitals-${field}`).fill(value);
        await page.getByTestId('vitals-when').fill(formatIstInput(new Date(r.at)));
        await page.getByTestId('vitals-save').click();
        await expect.poll(() => page.getByTestId('vitals-history').locator('tr').count(), WAIT).toBe(i + 1);
      }

      // The charts draw one point per round (recharts' SVG dots), temperature and pain included.
      const charts = page.getByTestId('vitals-charts');
      await charts.getByTestId('chart-temperature').locator('svg .recharts-line-dot').first().waitFor();
      expect(await charts.getByTestId('chart-temperature').locator('svg .recharts-line-dot').count()).toBe(3);
      expect(await charts.getByTestId('chart-pr').locator('svg .recharts-line-dot').count()).toBe(6); // pulse and respiration
      expect(await charts.getByTestId('chart-news2').locator('svg .recharts-line-dot').count()).toBe(3);
      expect(await charts.getByTestId('chart-pain').locator('svg .recharts-line-dot').count()).toBe(3);
      await screenshot(page, 'ipd-vitals-charts');
      // The table view gives the same rounds to the keyboard and screen reader.
      await page.getByTestId('chart-view').getByText('Table').click();
      const table = page.getByTestId('vitals-table');
      expect(await table.locator('tbody tr').count()).toBe(3);
      expect(await table.locator('tbody tr').nth(1).textContent()).toContain('100.8');

      // Intake and output in today's nursing day (08:00–08:00 IST).
      await page.getByTestId('open-nursing').click();
      const dayStart = nursingDayOf(new Date()).start.getTime();
      const at = formatIstInput(new Date(Math.max(dayStart + 60_000, Date.now() - 10 * 60_000)));
      const entries: [string, string][] = [
        ['Oral', '350'],
        ['IV fluids', '500'],
        ['Urine', '400'],
      ];
      for (const [i, [route, ml]] of entries.entries()) {
        await page.getByTestId('io-route').click();
        await page.getByRole('option', { name: route, exact: true }).click();
        await page.getByTestId('io-volume').fill(ml);
        await page.getByTestId('io-when').fill(at);
        await page.getByTestId('io-add').click();
        await expect.poll(() => page.getByTestId('io-entries').locator('tbody tr').count(), WAIT).toBe(i + 1);
      }
      await expect.poll(() => page.getByTestId('io-total').textContent(), WAIT).toContain('850 mL');
      const total = await page.getByTestId('io-total').textContent();
      expect(total).toContain('400 mL');
      expect(total).toContain('+450 mL');
      await screenshot(page, 'ipd-intake-output');

      // A note with a concern for the next shift, then the handover of this shift.
      await page.getByTestId('tab-notes').click();
      await page.getByTestId('note-text').fill('Complains of headache; paracetamol given at 14:00 as ordered.');
      await page.getByTestId('note-concern').click();
      await page.getByTestId('note-save').click();
      await page.getByTestId('note-list').getByText('Complains of headache').waitFor();
      await page.getByTestId('tab-handover').click();
      const handover = page.getByTestId('handover');
      await expect.poll(() => handover.getByTestId('handover-notes').textContent(), WAIT).toContain('Complains of headache');
      expect(await handover.getByTestId('handover-concerns').textContent()).toContain('Complains of headache');
      expect(await handover.getByTestId('handover-vitals').textContent()).toContain('Pulse (/min)80');
      expect(await handover.getByTestId('handover-io').textContent()).toContain('+450 mL');
      await screenshot(page, 'ipd-handover');

      // The night nurse reads the handover in Hindi.
      await page.getByText('हिंदी').click();
      await expect.poll(() => page.getByTestId('tab-handover').textContent(), WAIT).toContain('हैंडओवर');
      expect(await handover.getByTestId('handover-concerns').textContent()).toContain('खुली चिंताएँ');
      expect(await handover.getByTestId('handover-io').textContent()).toContain('+450 मि.ली.');
      await screenshot(page, 'ipd-handover-hindi');
    } catch (err) {
      await page.screenshot({ path: `${tmpdir()}/ipd-nursing-failure.png`, fullPage: true });
      throw err;
    } finally {
      await page.context().close();
    }
  });
});
