import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { type RunningServer, startServer } from '../../../server/src/server.ts';
import { scratchDatabase } from '../../../server/test/helpers/server.ts';

export const DEMO_PASSWORD = 'sanjeevani-demo';
// The README's screenshots are refreshed on request (UPDATE_SCREENSHOTS=1); an ordinary test run
// writes its pictures to a temporary folder, so it leaves the checkout as it was.
export const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS
  ? fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url))
  : join(tmpdir(), 'hospital-ops-screenshots/');
mkdirSync(SCREENSHOTS, { recursive: true });
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Builds the apps if their sources changed since the last build (the server serves dist/). */
export function buildApps(): void {
  execFileSync(process.execPath, ['apps/scripts/build-if-stale.ts'], { cwd: ROOT, stdio: 'inherit' });
}

export interface Platform {
  server: RunningServer;
  url: string;
  systemToken(): Promise<string>;
  fhir<T = unknown>(path: string, init?: RequestInit): Promise<T>;
  stop(): Promise<void>;
}

/** The whole platform as a user gets it: demo tenant, demo sign-ins, built apps, on a fresh PostgreSQL database. */
export async function startPlatform(env: Record<string, string> = {}): Promise<Platform> {
  const db = await scratchDatabase();
  const server = await startServer({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: db.url,
    SEED_DEMO: 'true',
    ADMIN_PASSWORD: 'admin-password-for-tests',
    SYSTEM_CLIENT_SECRET: 'e2e-system-secret-0123456789',
    RATE_LIMIT_API: '0',
    RATE_LIMIT_TOKEN: '0',
    RATE_LIMIT_LOGIN: '0',
    AUDIT_SEAL_INTERVAL_MS: '60000',
    ...env,
  });
  const url = server.config.baseUrl;
  let token: Promise<string> | undefined;
  const systemToken = () =>
    (token ??= fetch(`${url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: 'hospital-ops-system',
        client_secret: 'e2e-system-secret-0123456789',
        scope: 'system/*.cruds',
      }),
    })
      .then((r) => r.json() as Promise<{ access_token: string }>)
      .then((b) => b.access_token));
  const fhir = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
    const res = await fetch(`${url}/fhir/R4/${path}`, {
      ...init,
      headers: { authorization: `Bearer ${await systemToken()}`, 'content-type': 'application/fhir+json', ...init.headers },
    });
    const body = await res.json();
    if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${JSON.stringify(body)}`);
    return body as T;
  };
  return {
    server,
    url,
    systemToken,
    fhir,
    async stop() {
      await server.stop();
      await db.drop();
    },
  };
}

/** Debian's Chromium, headless, with nothing reaching out to the network. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Opens an app's standalone launch (the OPD's unless named) and signs in on the server's page (then allows, when asked). */
export async function signIn(page: Page, url: string, login: string, app = 'opd'): Promise<void> {
  await page.goto(`${url}/apps/${app}/launch`);
  await page.waitForSelector('input[name=login]');
  await page.fill('input[name=login]', login);
  await page.fill('input[name=password]', DEMO_PASSWORD);
  await page.click('button[type=submit]');
  await allowIfAsked(page);
  await page.waitForSelector('[data-testid=signed-in-user]', { timeout: 20_000 });
}

/** The consent page, when the server shows one (signed in already: single sign-on skips the password). */
export async function allowIfAsked(page: Page): Promise<void> {
  const allow = page.locator('button[name=decision][value=allow]');
  const app = page.locator('#root > :not(style)');
  // Whichever shows first; the other's wait must not fail the test later (the platform's own apps
  // are pre-approved, so the consent page usually never comes).
  await allow.or(app.first()).first().waitFor({ timeout: 20_000 });
  if (await allow.isVisible()) await allow.click();
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });
}

/**
 * One platform and one browser for a test file: built apps, started before the first test (after
 * `prepare`), stopped after the last.
 */
export function platformForSuite(
  prepare?: (p: Platform) => Promise<void>,
  /** More settings for the server, read when it starts (e.g. a simulator's URL started beforehand). */
  env: () => Record<string, string> = () => ({}),
): { platform: () => Platform; browser: () => Browser } {
  let platform: Platform | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    buildApps();
    platform = await startPlatform(env());
    await prepare?.(platform);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });
  const need = <T>(x: T | undefined): T => {
    if (!x) throw new Error('the platform is not started');
    return x;
  };
  return { platform: () => need(platform), browser: () => need(browser) };
}

/**
 * Waits out the last minutes of the day in India: a flow that books today's slot and checks the
 * patient in must not straddle midnight IST (the booking would be yesterday's by check-in).
 */
export async function notTooCloseToMidnightIST(minutes: number): Promise<void> {
  const sinceMidnight = (Date.now() + 330 * 60_000) % 86_400_000;
  const left = 86_400_000 - sinceMidnight;
  if (left < minutes * 60_000) await new Promise((resolve) => setTimeout(resolve, left + 30_000));
}
