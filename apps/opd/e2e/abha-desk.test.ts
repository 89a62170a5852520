import type { Bundle, Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AbdmGateway, startAbdmGateway } from '../../../simulators/abdm-gateway/src/index.ts';
import { platformForSuite, screenshot, signIn } from './harness.ts';

// The registration desk creates a new patient's ABHA from their Aadhaar with the OTP the patient
// reads from their phone, picks the ABHA address, and registers them; then the same in Hindi,
// where ABDM's refusal is said in Hindi too.
const DESK = 'desk.pune@sanjeevani.demo';
const SAVITRI = { aadhaar: '499123456783', mobile: '9822012345' };

let gw: AbdmGateway;
beforeAll(async () => {
  gw = await startAbdmGateway({
    clients: [{ clientId: 'SBX_HOSPITAL_OPS', clientSecret: 'e2e-abdm-secret' }],
    residents: [
      {
        ...SAVITRI,
        name: 'Savitri Devi Kulkarni',
        gender: 'F',
        birthDate: '1961-08-14',
        address: '14 Shaniwar Peth',
        district: 'Pune',
        state: 'Maharashtra',
        pincode: '411030',
      },
    ],
  });
});
afterAll(async () => {
  await gw?.stop();
});

const suite = platformForSuite(undefined, () => ({
  ABDM_GATEWAY_URL: gw.url,
  ABDM_ABHA_URL: `${gw.url}/abha/api`,
  ABDM_CLIENT_ID: 'SBX_HOSPITAL_OPS',
  ABDM_CLIENT_SECRET: 'e2e-abdm-secret',
}));

describe('ABHA at the registration desk', () => {
  it('creates the ABHA with the Aadhaar OTP, fills the form from it and registers the patient', async () => {
    const page = await (await suite.browser().newContext()).newPage();
    const url = suite.platform().url;
    await signIn(page, url, DESK);
    await page.goto(`${url}/apps/opd/patients/new`);
    await page.click('[data-testid=open-abha]');
    await page.fill('[data-testid=abha-aadhaar]', '4991 2345 6783');
    await page.check('[data-testid=abha-consent]');
    await page.press('[data-testid=abha-aadhaar]', 'Enter');
    await page.getByTestId('abha-otp-sent').getByText('ending 2345').waitFor();
    // The Aadhaar is no longer on screen, only its last four digits.
    expect(await page.locator('body').textContent()).not.toMatch(/4991\s?2345/);
    await screenshot(page, 'abha-otp');

    // The patient reads the OTP from their phone; the desk types it and the mobile, then Enter.
    const otp = gw.abha.sentOtps(SAVITRI.mobile).at(-1)?.otp as string;
    await page.fill('[data-testid=abha-otp]', otp);
    await page.fill('[data-testid=abha-mobile]', '98220 12345');
    await page.press('[data-testid=abha-otp]', 'Enter');
    await page.getByTestId('abha-created').waitFor();
    // Enter in the dialog submits the dialog only, not the registration behind it.
    expect(await page.getByText('Enter the patient’s name').count()).toBe(0);
    await screenshot(page, 'abha-address');
    await page.fill('[data-testid=abha-address]', 'savitri.kulkarni61');
    await page.click('[data-testid=abha-create-address]');

    await page.getByText('From ABHA, verified with OTP').first().waitFor();
    expect(await page.inputValue('[data-testid=field-given]')).toBe('Savitri Devi');
    expect(await page.inputValue('[data-testid=field-birthDate]')).toBe('14/08/1961');
    expect(await page.inputValue('[data-testid=field-abhaAddress]')).toBe('savitri.kulkarni61@sbx');
    await screenshot(page, 'abha-form-filled');
    await page.click('[data-testid=save-patient]');
    await page.waitForURL(/\/patients\/[0-9a-f-]{36}$/);

    const abhaNumber = gw.abha.abhaFor(SAVITRI.aadhaar) as string;
    const found = await suite.platform().fhir<Bundle<Patient>>(`Patient?identifier=${abhaNumber}`);
    const patient = found.entry?.[0]?.resource as Patient;
    expect(patient.name?.[0]?.text ?? `${patient.name?.[0]?.given?.join(' ')} ${patient.name?.[0]?.family}`).toContain('Savitri');
    expect(patient.identifier?.map((i) => i.value)).toEqual(expect.arrayContaining([abhaNumber, 'savitri.kulkarni61@sbx']));
    expect(JSON.stringify(patient)).not.toContain(SAVITRI.aadhaar);
  });

  it('says in Hindi when UIDAI does not know the Aadhaar number', async () => {
    const context = await suite.browser().newContext();
    await context.addInitScript(() => localStorage.setItem('hops.lang', 'hi'));
    const page = await context.newPage();
    const url = suite.platform().url;
    await signIn(page, url, DESK);
    await page.goto(`${url}/apps/opd/patients/new`);
    await page.click('[data-testid=open-abha]');
    await page.getByText('आधार से ABHA बनाएँ').waitFor();
    await page.fill('[data-testid=abha-aadhaar]', '7345 6789 0125');
    await page.check('[data-testid=abha-consent]');
    await page.click('[data-testid=abha-send-otp]');
    await page.getByTestId('abha-problem').getByText('यह आधार नंबर UIDAI में नहीं मिला').waitFor();
    await screenshot(page, 'abha-hindi-refused');
  });
});
