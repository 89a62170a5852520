import { describe, expect, it } from 'vitest';
import { allowIfAsked, DEMO_PASSWORD, platformForSuite } from './harness.ts';

const suite = platformForSuite();

describe('EHR launch', () => {
  it('opens the OPD app on the patient the launcher bound to the launch', async () => {
    // What the platform's launcher does: ask for a launch value bound to a patient it can see.
    const res = await fetch(`${suite.platform().url}/oauth2/launch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await suite.platform().systemToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ patient: 'demo-pt-priya-kulkarni' }),
    });
    expect(res.status).toBe(201);
    const { launch } = (await res.json()) as { launch: string };

    const page = await (await suite.browser().newContext()).newPage();
    const iss = `${suite.platform().url}/fhir/R4`;
    await page.goto(`${suite.platform().url}/apps/opd/launch?iss=${encodeURIComponent(iss)}&launch=${launch}`);
    await page.waitForSelector('input[name=login]');
    await page.fill('input[name=login]', 'anand-joshi@sanjeevani.demo');
    await page.fill('input[name=password]', DEMO_PASSWORD);
    await page.click('button[type=submit]');
    await allowIfAsked(page);
    await page.waitForURL(/\/apps\/opd\/patients\/demo-pt-priya-kulkarni$/, { timeout: 20_000 });
    await expect.poll(() => page.textContent('[data-testid=patient-name]'), { timeout: 15_000 }).toBe('Priya Kulkarni');
  });

  it('refuses a launch value that was never issued, with a message instead of a blank page', async () => {
    const page = await (await suite.browser().newContext()).newPage();
    const iss = `${suite.platform().url}/fhir/R4`;
    await page.goto(`${suite.platform().url}/apps/opd/launch?iss=${encodeURIComponent(iss)}&launch=forged-launch-value`);
    const alert = page.getByRole('alert');
    await alert.waitFor({ timeout: 20_000 });
    expect(await alert.textContent()).toContain('The app could not be opened: Unknown or expired launch');
    expect(page.url()).not.toMatch(/\/patients\//);
  });
});
