import { tmpdir } from 'node:os';
import type { Bundle, Patient, PractitionerRole } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { platformForSuite, signIn } from './harness.ts';

const DESK = 'desk.pune@sanjeevani.demo';
const DOCTOR_ROLE = 'demo-dr-anand-joshi-role';

const suite = platformForSuite();

describe('the front desk queue screen', () => {
  it('shows a check-in made elsewhere within a moment, pushed over the websocket, without polling', async () => {
    const page = await suite.browser().newPage({ viewport: { width: 1280, height: 800 } });
    const frames: string[] = [];
    page.on('websocket', (ws) => ws.on('framereceived', (f) => frames.push(String(f.payload))));
    const encounterSearches: number[] = [];
    page.on('request', (r) => {
      if (/\/fhir\/R4\/Encounter\?/.test(r.url())) encounterSearches.push(Date.now());
    });
    try {
      await signIn(page, suite.platform().url, DESK);
      await page.goto(`${suite.platform().url}/apps/opd/queue`);
      await page.getByText('Nobody has checked in yet today.').waitFor();
      // Bound: the socket is up once the server has answered the bind.
      await expect.poll(() => frames.some((f) => f.startsWith('bound')), { timeout: 15_000 }).toBe(true);

      // Ten quiet seconds: a polling screen would have asked for the queue two or three times (every 4 s).
      const quietFrom = Date.now();
      await page.waitForTimeout(10_000);
      expect(encounterSearches.filter((at) => at >= quietFrom).length).toBeLessThanOrEqual(1);

      // Another desk checks a patient in: the change is pushed, and this screen shows the token at once.
      const p = suite.platform();
      const role = await p.fhir<PractitionerRole>(`PractitionerRole/${DOCTOR_ROLE}`);
      const patients = await p.fhir<Bundle<Patient>>('Patient?address-city=Pune&_count=1&_sort=_id');
      const checkedInAt = Date.now();
      await p.fhir('Encounter/$check-in', {
        method: 'POST',
        body: JSON.stringify({
          resourceType: 'Parameters',
          parameter: [
            { name: 'patient', valueReference: { reference: `Patient/${patients.entry?.[0]?.resource?.id}` } },
            { name: 'practitioner', valueReference: role.practitioner },
            { name: 'branch', valueReference: role.organization },
          ],
        }),
      });
      await page.getByTestId('queue-row-1').waitFor({ timeout: 3_500 });
      expect(Date.now() - checkedInAt).toBeLessThan(3_500);
      expect(frames.some((f) => f.startsWith('ping'))).toBe(true);
    } catch (err) {
      await page.screenshot({ path: `${tmpdir()}/opd-live-queue-failure.png`, fullPage: true });
      console.error('frames:', frames);
      throw err;
    } finally {
      await page.close();
    }
  });
});
