import { tmpdir } from 'node:os';
import type { Bundle, Patient, PractitionerRole, ServiceRequest } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { platformForSuite, screenshot, signIn } from './harness.ts';

const DOCTOR = 'anand-joshi@sanjeevani.demo';
const DOCTOR_ROLE = 'demo-dr-anand-joshi-role';
const SNOMED = 'http://snomed.info/sct';

const params = (parameter: unknown[]) => JSON.stringify({ resourceType: 'Parameters', parameter });
const result = (code: string, value: number) => ({
  name: 'result',
  part: [
    { name: 'code', valueCode: code },
    { name: 'value', valueDecimal: value },
  ],
});

/**
 * Dr. Anand Joshi ordered a CBC for a patient; the lab (through its FHIR operations) collects it and
 * enters a critical haemoglobin. The patient is then in the doctor's queue for a visit.
 */
const suite = platformForSuite(async (p) => {
  await p.fhir('ActivityDefinition/$load-lab-catalogue', { method: 'POST', body: params([]) });
  const role = await p.fhir<PractitionerRole>(`PractitionerRole/${DOCTOR_ROLE}`);
  const patient = await p.fhir<Patient>('Patient', {
    method: 'POST',
    body: JSON.stringify({
      resourceType: 'Patient',
      name: [{ text: 'Sunita Pawar', given: ['Sunita'], family: 'Pawar' }],
      gender: 'female',
      birthDate: '1975-08-20',
      identifier: [
        {
          type: {
            coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR', display: 'Medical record number' }],
            text: 'UHID',
          },
          system: 'https://hospital-ops.in/fhir/sid/uhid',
          value: 'SH-PUN-LABRES-01',
        },
      ],
    }),
  });
  const order = await p.fhir<ServiceRequest>('ServiceRequest', {
    method: 'POST',
    body: JSON.stringify({
      resourceType: 'ServiceRequest',
      status: 'active',
      intent: 'order',
      priority: 'stat',
      category: [{ coding: [{ system: SNOMED, code: '108252007', display: 'Laboratory procedure' }] }],
      code: { coding: [{ system: SNOMED, code: '26604007', display: 'Complete blood count' }], text: 'Complete blood count' },
      subject: { reference: `Patient/${patient.id}` },
      requester: role.practitioner,
      authoredOn: new Date().toISOString(),
    }),
  });
  await p.fhir('ServiceRequest/$collect', {
    method: 'POST',
    body: params([
      { name: 'request', valueReference: { reference: `ServiceRequest/${order.id}` } },
      { name: 'branch', valueReference: role.organization },
    ]),
  });
  // Haemoglobin 6.4 g/dL is critical low for a woman; leucocytes 12.5 are high, not critical.
  await p.fhir<Bundle>(`ServiceRequest/${order.id}/$enter-results`, {
    method: 'POST',
    body: params([result('718-7', 6.4), result('6690-2', 12.5)]),
  });
  await p.fhir('Encounter/$check-in', {
    method: 'POST',
    body: params([
      { name: 'patient', valueReference: { reference: `Patient/${patient.id}` } },
      { name: 'practitioner', valueReference: role.practitioner },
      { name: 'branch', valueReference: role.organization },
    ]),
  });
});

describe('lab results in the OPD', () => {
  it('alerts the ordering doctor of a critical value, shows the results in the visit, and acknowledging clears the alert', async () => {
    const page = await suite.browser().newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await signIn(page, suite.platform().url, DOCTOR);
      await page.waitForURL(/\/apps\/opd\/queue$/);
      const banner = page.getByTestId('critical-alerts');
      await banner.getByText('1 critical lab value to acknowledge').waitFor({ timeout: 15_000 });
      // Worded from the result itself, so that it reads in Hindi too.
      await banner.getByText('Sunita Pawar: Critical result: Haemoglobin 6.4 g/dL (Critical low)').waitFor();

      // The visit: the CBC, not yet verified, marked critical; opened, each result with its range and flag in words.
      await page.getByRole('button', { name: 'Call next (token 1)' }).click();
      await page.waitForURL(/\/encounters\//);
      const card = page.getByTestId('lab-results');
      await card.getByText('Complete blood count').waitFor({ timeout: 15_000 });
      await card.getByText('Preliminary: not verified').waitFor();
      await card.getByText('Critical', { exact: true }).waitFor();
      await card.getByTestId('toggle-results').click();
      const hb = card.getByRole('row', { name: /Haemoglobin/ });
      await hb.getByText('Critical low').waitFor();
      expect(await hb.textContent()).toMatch(/6\.4.*g\/dL.*12–15/);
      await card
        .getByRole('row', { name: /leucocyte/i })
        .getByText('High', { exact: true })
        .waitFor();
      await screenshot(page, 'opd-lab-results');

      // Acknowledged: the banner goes, and stays gone after a reload (it is stored, not just hidden).
      await banner.getByTestId('acknowledge-alert').click();
      await page.getByText('Alert acknowledged').waitFor();
      await expect.poll(() => page.getByTestId('critical-alerts').count()).toBe(0);
      await page.reload();
      await page.getByTestId('lab-results').getByText('Complete blood count').waitFor({ timeout: 15_000 });
      expect(await page.getByTestId('critical-alerts').count()).toBe(0);
      const comms = await suite.platform().fhir<Bundle>('Communication?category=alert');
      expect(comms.entry?.map((e) => (e.resource as { received?: string }).received)).toEqual([expect.any(String)]);
      expect(errors).toEqual([]);
    } catch (err) {
      await page.screenshot({ path: `${tmpdir()}/opd-lab-results-failure.png`, fullPage: true });
      console.error('page errors:', errors, 'url:', page.url());
      throw err;
    } finally {
      await page.close();
    }
  });
});
