import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../src/auth/store.ts';
import { FormBrowser, pkcePair } from './helpers/browser.ts';
import { startTestServer, TENANT_A, type TestServer } from './helpers/server.ts';
import { createStaff, type Staff, userToken } from './helpers/staff.ts';

/**
 * The consent page: never for the platform's own apps; for a third-party app once per user and
 * app, for the scopes allowed, until the user or an admin revokes it.
 */
let t: TestServer;
let doctor: Staff;
let nurse: Staff;
let superAdmin: Staff;
const REDIRECT = 'https://thirdparty.example/cb';

function authorizeUrl(clientId: string, redirectUri: string, scope: string): string {
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    scope,
    aud: t.base,
    state: 's1',
    code_challenge: pkcePair().challenge,
    code_challenge_method: 'S256',
  });
  return `${t.server.url}/oauth2/authorize?${q}`;
}

/** A fresh browser (no single sign-on): sign in and return what the sign-in answered. */
async function signIn(
  staff: Staff,
  clientId: string,
  redirectUri: string,
  scope: string,
): Promise<{ browser: FormBrowser; res: Response }> {
  const browser = new FormBrowser();
  await browser.get(authorizeUrl(clientId, redirectUri, scope));
  const res = await browser.post(`${t.server.url}/oauth2/authorize/login`, {
    pending: browser.field('pending'),
    login: staff.user.email as string,
    password: staff.password,
  });
  return { browser, res };
}

function codeOf(res: Response, redirectUri: string): string | null {
  expect(res.status).toBe(302);
  const url = new URL(res.headers.get('location') as string);
  expect(`${url.origin}${url.pathname}`).toBe(redirectUri);
  return url.searchParams.get('code');
}

beforeAll(async () => {
  t = await startTestServer();
  doctor = await createStaff(t, TENANT_A, 'doctor');
  nurse = await createStaff(t, TENANT_A, 'nurse');
  superAdmin = await createStaff(t, TENANT_A, 'super_admin');
  await createClient(t.server.db, TENANT_A, {
    clientId: 'third-party-app',
    name: 'Third-party app',
    type: 'public',
    redirectUris: [REDIRECT],
    scope: 'openid fhirUser user/*.rs user/*.cruds',
  });
});
afterAll(async () => {
  await t?.stop();
});

describe('consent', () => {
  it("the platform's own app is pre-approved: sign-in goes straight back with a code", async () => {
    const opd = `${t.server.url}/apps/opd/`;
    const { res } = await signIn(doctor, 'opd', opd, 'openid fhirUser online_access user/*.cruds');
    expect(codeOf(res, opd)).toBeTruthy();
  });

  it("a third-party app's consent is asked once, remembered per user and app, and asked again for wider scopes", async () => {
    const first = await signIn(doctor, 'third-party-app', REDIRECT, 'openid user/*.rs');
    expect(first.res.status).toBe(200);
    expect(first.browser.lastHtml).toContain('name="decision" value="allow"');
    expect(codeOf(await first.browser.allow(t.server.url), REDIRECT)).toBeTruthy();

    // The same user, a new browser, the same or fewer scopes: no consent page.
    const again = await signIn(doctor, 'third-party-app', REDIRECT, 'user/*.rs');
    expect(codeOf(again.res, REDIRECT)).toBeTruthy();

    // Another user has not allowed it.
    const other = await signIn(nurse, 'third-party-app', REDIRECT, 'openid user/*.rs');
    expect(other.res.status).toBe(200);
    expect(other.browser.lastHtml).toContain('name="decision" value="allow"');

    // Wider scopes ask again; once allowed, both sets are remembered.
    const wider = await signIn(doctor, 'third-party-app', REDIRECT, 'openid user/*.cruds');
    expect(wider.res.status).toBe(200);
    expect(wider.browser.lastHtml).toContain('name="decision" value="allow"');
    await wider.browser.allow(t.server.url);
    expect(codeOf((await signIn(doctor, 'third-party-app', REDIRECT, 'openid user/*.rs user/*.cruds')).res, REDIRECT)).toBeTruthy();

    // A denial remembers nothing.
    const denied = await signIn(nurse, 'third-party-app', REDIRECT, 'openid user/*.rs');
    await denied.browser.post(`${t.server.url}/oauth2/authorize/consent`, { pending: denied.browser.field('pending'), decision: 'deny' });
    expect((await signIn(nurse, 'third-party-app', REDIRECT, 'openid user/*.rs')).res.status).toBe(200);
  });

  it('the user revokes their own consent, and the app asks again', async () => {
    const token = await userToken(t, doctor.user, 'openid');
    const auth = { authorization: `Bearer ${token}` };
    const list = await (await fetch(`${t.server.url}/oauth2/consents`, { headers: auth })).json();
    expect(list.consents).toEqual([expect.objectContaining({ client: 'third-party-app', scope: 'openid user/*.rs user/*.cruds' })]);
    expect((await fetch(`${t.server.url}/oauth2/consents/third-party-app`, { method: 'DELETE', headers: auth })).status).toBe(204);
    const gone = await fetch(`${t.server.url}/oauth2/consents/third-party-app`, { method: 'DELETE', headers: auth });
    expect(gone.status).toBe(404);
    expect((await gone.json()).resourceType).toBe('OperationOutcome');
    const asked = await signIn(doctor, 'third-party-app', REDIRECT, 'user/*.rs');
    expect(asked.res.status).toBe(200);
    expect(asked.browser.lastHtml).toContain('name="decision" value="allow"');
  });

  it("an admin revokes a staff member's consent, and the app asks again", async () => {
    const first = await signIn(nurse, 'third-party-app', REDIRECT, 'openid user/*.rs');
    expect(codeOf(await first.browser.allow(t.server.url), REDIRECT)).toBeTruthy();
    expect((await signIn(nurse, 'third-party-app', REDIRECT, 'user/*.rs')).res.status).toBe(302);

    const adminAuth = { authorization: `Bearer ${await userToken(t, superAdmin.user)}` };
    const path = `${t.server.url}/admin/staff/${nurse.user.id}/app-consents`;
    const list = await (await fetch(path, { headers: adminAuth })).json();
    expect(list.consents.map((c: { client: string }) => c.client)).toEqual(['third-party-app']);
    expect((await fetch(`${path}/third-party-app`, { method: 'DELETE', headers: adminAuth })).status).toBe(204);
    const none = await fetch(`${path}/third-party-app`, { method: 'DELETE', headers: adminAuth });
    expect(none.status).toBe(404);
    expect((await none.json()).resourceType).toBe('OperationOutcome');
    // A doctor is no admin.
    const doctorAuth = { authorization: `Bearer ${await userToken(t, doctor.user)}` };
    expect((await fetch(path, { headers: doctorAuth })).status).toBe(403);

    expect((await signIn(nurse, 'third-party-app', REDIRECT, 'user/*.rs')).res.status).toBe(200);
  });
});
