import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import smart from 'fhirclient';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../src/auth/store.ts';
import { FormBrowser } from './helpers/browser.ts';
import { fhirClient, startTestServer, TENANT_A, type TestServer } from './helpers/server.ts';
import { createStaff, type Staff, userToken } from './helpers/staff.ts';

/**
 * SMART App Launch driven by SMART's own JavaScript client (fhirclient, its Node entry) inside a
 * small app server, with a form-filling browser clicking through our sign-in and consent pages.
 */
let t: TestServer;
let app: Server;
let appUrl: string;
let doctor: Staff;
let patientP: string;
let patientQ: string;
const sessions = new Map<string, Map<string, unknown>>();

function storageFor(sid: string) {
  const store = sessions.get(sid) ?? new Map<string, unknown>();
  sessions.set(sid, store);
  return {
    get: async (k: string) => store.get(k),
    set: async (k: string, v: unknown) => {
      store.set(k, v);
      return v;
    },
    unset: async (k: string) => store.delete(k),
  };
}

/** The SMART app: /launch starts authorization, /redirect completes it and reads the patient's data. */
function startApp(): Promise<void> {
  app = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', appUrl);
    // One browser's session: fhirclient keys its state by the OAuth state parameter.
    const storage = storageFor('browser');
    try {
      if (url.pathname === '/launch') {
        await smart(req, res, storage).authorize({
          clientId: 'opd-test-app',
          scope: url.searchParams.get('scope') ?? 'openid fhirUser launch/patient patient/*.rs offline_access',
          redirectUri: `${appUrl}/redirect`,
          iss: url.searchParams.get('iss') ?? undefined,
          launch: url.searchParams.get('launch') ?? undefined,
          pkceMode: 'required',
        });
        return;
      }
      if (url.pathname === '/redirect') {
        const client = await smart(req, res, storage).ready();
        const observations = await client.request(`Observation?patient=${client.patient.id}`, { flat: true });
        const refreshed = await client.refresh();
        const again = await client.request(`Patient/${client.patient.id}`);
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            patient: client.patient.id,
            user: client.user.fhirUser,
            banner: client.state.tokenResponse?.need_patient_banner,
            observations: (observations as { id: string }[]).map((o) => o.id),
            refreshedToken: refreshed.tokenResponse?.access_token !== undefined,
            afterRefresh: (again as { id: string }).id,
            idToken: Boolean(client.state.tokenResponse?.id_token),
          }),
        );
        return;
      }
      res.statusCode = 404;
      res.end();
    } catch (err) {
      res.statusCode = 500;
      res.end(String((err as Error).stack ?? err));
    }
  });
  return new Promise((resolve) =>
    app.listen(0, '127.0.0.1', () => {
      appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
      resolve();
    }),
  );
}

beforeAll(async () => {
  t = await startTestServer();
  await startApp();
  const system = fhirClient(t.base, TENANT_A);
  const branch = await system.post('Organization', { resourceType: 'Organization', name: 'OPD Branch' });
  doctor = await createStaff(t, TENANT_A, 'doctor', [branch.body.id]);
  patientP = (await system.post('Patient', { resourceType: 'Patient', name: [{ family: 'Menon', given: ['Lakshmi'] }] })).body.id;
  patientQ = (await system.post('Patient', { resourceType: 'Patient', name: [{ family: 'Menezes', given: ['Rohan'] }] })).body.id;
  for (const p of [patientP, patientQ]) {
    await system.post('Observation', {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'Pulse' },
      subject: { reference: `Patient/${p}` },
    });
  }
  await createClient(t.server.db, TENANT_A, {
    clientId: 'opd-test-app',
    name: 'OPD test app',
    type: 'public',
    redirectUris: [`${appUrl}/redirect`],
    scope: 'openid fhirUser profile launch launch/patient patient/*.rs user/*.rs offline_access',
  });
});
afterAll(async () => {
  await new Promise((r) => app?.close(r));
  await t?.stop();
});

describe('discovery', () => {
  it('publishes the SMART configuration, the JWKS and OAuth URIs in the CapabilityStatement', async () => {
    const conf = await (await fetch(`${t.base}/.well-known/smart-configuration`)).json();
    expect(conf.authorization_endpoint).toBe(`${t.server.url}/oauth2/authorize`);
    expect(conf.token_endpoint).toBe(`${t.server.url}/oauth2/token`);
    expect(conf.code_challenge_methods_supported).toEqual(['S256']);
    expect(conf.capabilities).toEqual(
      expect.arrayContaining(['launch-ehr', 'launch-standalone', 'client-confidential-asymmetric', 'permission-v2']),
    );
    const jwks = await (await fetch(conf.jwks_uri)).json();
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', alg: 'ES256', use: 'sig' });
    expect(jwks.keys[0].d).toBeUndefined();
    const cs = await (await fetch(`${t.base}/metadata`)).json();
    const uris = cs.rest[0].security.extension[0].extension;
    expect(uris).toContainEqual({ url: 'token', valueUri: conf.token_endpoint });
  });
});

describe('SMART App Launch with fhirclient', () => {
  it('standalone launch: sign in, pick the patient, read only that patient, refresh', async () => {
    const browser = new FormBrowser();
    const start = await browser.get(`${appUrl}/launch?sid=standalone&iss=${encodeURIComponent(t.base)}`);
    expect(start.status).toBe(302);
    const login = await browser.get(start.headers.get('location') as string);
    expect(login.status).toBe(200);
    expect(browser.lastHtml).toContain('name="password"');
    const consent = await browser.post(`${t.server.url}/oauth2/authorize/login`, {
      pending: browser.field('pending'),
      login: doctor.user.email as string,
      password: doctor.password,
    });
    expect(consent.status).toBe(200);
    expect(browser.lastHtml).toContain('OPD test app');
    // The patient picker: search, then choose P.
    await browser.post(`${t.server.url}/oauth2/authorize/consent`, { pending: browser.field('pending'), decision: 'search', q: 'Menon' });
    expect(browser.lastHtml).toContain(`value="${patientP}"`);
    expect(browser.lastHtml).not.toContain(`value="${patientQ}"`);
    const back = await browser.allow(t.server.url, { patient: patientP });
    expect(back.status).toBe(302);
    const redirect = new URL(back.headers.get('location') as string);
    expect(redirect.searchParams.get('code')).toBeTruthy();
    const done = await fetch(redirect);
    const text = await done.text();
    if (done.status !== 200) throw new Error(text);
    const result = JSON.parse(text);
    expect(done.status).toBe(200);
    expect(result.patient).toBe(patientP);
    expect(result.user).toBe(`Practitioner/${doctor.practitionerId}`);
    expect(result.banner).toBe(true);
    expect(result.observations).toHaveLength(1);
    expect(result.refreshedToken).toBe(true);
    expect(result.afterRefresh).toBe(patientP);
    expect(result.idToken).toBe(true);
  });

  it('EHR launch: the launch value carries the patient, and single sign-on skips the login page', async () => {
    const launched = await fetch(`${t.server.url}/oauth2/launch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await userToken(t, doctor.user, 'user/*.rs')}` },
      body: JSON.stringify({ patient: patientQ }),
    });
    expect(launched.status).toBe(201);
    const { launch } = await launched.json();
    const browser = new FormBrowser();
    const start = await browser.get(
      `${appUrl}/launch?sid=ehr&iss=${encodeURIComponent(t.base)}&launch=${launch}&scope=${encodeURIComponent('openid fhirUser launch patient/*.rs offline_access')}`,
    );
    await browser.get(start.headers.get('location') as string);
    await browser.post(`${t.server.url}/oauth2/authorize/login`, {
      pending: browser.field('pending'),
      login: doctor.user.email as string,
      password: doctor.password,
    });
    const back = await browser.allow(t.server.url);
    const result = await (await fetch(back.headers.get('location') as string)).json();
    expect(result.patient).toBe(patientQ);
    expect(result.observations).toHaveLength(1);

    // Second launch in the same browser: the SSO cookie skips the login page and the remembered
    // consent (fewer scopes than allowed) the consent page: straight back to the app.
    const again = await browser.get(
      `${appUrl}/launch?sid=ehr2&iss=${encodeURIComponent(t.base)}&launch=${launch}&scope=${encodeURIComponent('launch patient/*.rs')}`,
    );
    const straight = await browser.get(again.headers.get('location') as string);
    expect(straight.status).toBe(302);
    expect(new URL(straight.headers.get('location') as string).searchParams.get('code')).toBeTruthy();
    // More than was allowed: the consent page, without the login page.
    const wider = await browser.get(
      `${appUrl}/launch?sid=ehr3&iss=${encodeURIComponent(t.base)}&launch=${launch}&scope=${encodeURIComponent('launch patient/*.rs profile')}`,
    );
    await browser.get(wider.headers.get('location') as string);
    expect(browser.lastHtml).not.toContain('name="password"');
    expect(browser.lastHtml).toContain('decision');
  });
});
