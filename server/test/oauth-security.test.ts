import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rotateSigningKey } from '../src/auth/keys.ts';
import { createClient } from '../src/auth/store.ts';
import { FormBrowser, pkcePair } from './helpers/browser.ts';
import { fhirClient, startTestServer, TENANT_A, type TestServer } from './helpers/server.ts';
import { createStaff, type Staff, userToken } from './helpers/staff.ts';

let t: TestServer;
let origin: string;
let doctor: Staff;
const REDIRECT = 'https://app.example/callback';
let backendKeys: Awaited<ReturnType<typeof generateKeyPair>>;

const form = (url: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields),
  });

function authorizeUrl(extra: Record<string, string | undefined> = {}): string {
  const { challenge } = pkcePair();
  const p: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: 'public-app',
    redirect_uri: REDIRECT,
    scope: 'user/*.rs offline_access',
    state: 'st-123',
    aud: t.base,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...extra,
  };
  const q = new URLSearchParams(Object.entries(p).filter((e): e is [string, string] => e[1] !== undefined));
  return `${origin}/oauth2/authorize?${q}`;
}

/** Runs a public-client authorization with PKCE and returns the code and the verifier that goes with it. */
async function authorize(scope = 'user/*.rs offline_access'): Promise<{ code: string; verifier: string }> {
  const { verifier, challenge } = pkcePair();
  const browser = new FormBrowser();
  await browser.get(authorizeUrl({ scope, code_challenge: challenge }));
  const back = await browser.signInAndAllow(origin, doctor.user.email as string, doctor.password);
  const url = new URL(back.headers.get('location') as string);
  expect(url.searchParams.get('state')).toBe('st-123');
  return { code: url.searchParams.get('code') as string, verifier };
}

async function tokenFor(code: string, verifier: string) {
  const res = await form(`${origin}/oauth2/token`, {
    grant_type: 'authorization_code',
    code,
    code_verifier: verifier,
    redirect_uri: REDIRECT,
    client_id: 'public-app',
  });
  return { status: res.status, body: await res.json() };
}

beforeAll(async () => {
  t = await startTestServer({ RATE_LIMIT_LOGIN: '0' });
  origin = t.server.url;
  doctor = await createStaff(t, TENANT_A, 'doctor');
  await createClient(t.server.db, TENANT_A, {
    clientId: 'public-app',
    name: 'Public app',
    type: 'public',
    redirectUris: [REDIRECT],
    scope: 'openid fhirUser user/*.rs offline_access',
  });
  backendKeys = await generateKeyPair('RS384', { extractable: true });
  await createClient(t.server.db, TENANT_A, {
    clientId: 'backend-service',
    name: 'Bulk export service',
    type: 'confidential',
    secret: false,
    scope: 'system/*.rs',
    jwks: { keys: [{ ...(await exportJWK(backendKeys.publicKey)), kid: 'k1', alg: 'RS384' }] },
  });
});
afterAll(() => t?.stop());

async function assertion(overrides: { aud?: string; jti?: string; key?: CryptoKey; exp?: string } = {}): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'RS384', kid: 'k1', typ: 'JWT' })
    .setIssuer('backend-service')
    .setSubject('backend-service')
    .setAudience(overrides.aud ?? `${origin}/oauth2/token`)
    .setJti(overrides.jti ?? randomUUID())
    .setExpirationTime(overrides.exp ?? '4m')
    .sign(overrides.key ?? backendKeys.privateKey);
}

const backendToken = (clientAssertion: string) =>
  form(`${origin}/oauth2/token`, {
    grant_type: 'client_credentials',
    scope: 'system/Patient.rs',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: clientAssertion,
  });

describe('Backend Services (private_key_jwt)', () => {
  it('issues a system token for a signed assertion, and refuses a replayed jti, a wrong audience or a wrong key', async () => {
    const jti = randomUUID();
    const ok = await backendToken(await assertion({ jti }));
    const body = await ok.json();
    expect(ok.status).toBe(200);
    expect(body).toMatchObject({ token_type: 'Bearer', scope: 'system/Patient.rs', expires_in: 900 });
    expect((await fhirClient(t.base, TENANT_A, body.access_token).get('Patient')).status).toBe(200);
    expect((await fhirClient(t.base, TENANT_A, body.access_token).get('Observation')).status).toBe(403);

    const replay = await backendToken(await assertion({ jti }));
    expect(replay.status).toBe(401);
    expect((await replay.json()).error_description).toMatch(/jti/);
    expect((await backendToken(await assertion({ aud: `${origin}/elsewhere` }))).status).toBe(401);
    const stranger = await generateKeyPair('RS384');
    expect((await backendToken(await assertion({ key: stranger.privateKey }))).status).toBe(401);
    expect((await backendToken(await assertion({ exp: '2h' }))).status).toBe(401);
  });

  it('refuses client_credentials to a public client and a wrong secret', async () => {
    const pub = await form(`${origin}/oauth2/token`, { grant_type: 'client_credentials', client_id: 'public-app' });
    expect(pub.status).toBe(400);
    expect((await pub.json()).error).toBe('unauthorized_client');
    const wrong = await form(`${origin}/oauth2/token`, {
      grant_type: 'client_credentials',
      client_id: 'test-system-a',
      client_secret: 'nope',
    });
    expect(wrong.status).toBe(401);
    expect((await wrong.json()).error).toBe('invalid_client');
  });
});

describe('token attacks', () => {
  let good: string;
  beforeAll(async () => {
    good = await userToken(t, doctor.user, 'user/*.rs');
  });
  const api = (token: string) => fetch(`${t.base}/Patient`, { headers: { authorization: `Bearer ${token}` } });

  it('accepts a good token', async () => {
    expect((await api(good)).status).toBe(200);
  });

  it("refuses alg 'none', a foreign key, an expired token, a wrong audience and a tampered scope", async () => {
    const [header, payload] = good.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${payload}.`;
    expect((await api(none)).status).toBe(401);

    const foreign = await generateKeyPair('ES256');
    const signWith = (c: Record<string, unknown>, key: CryptoKey) =>
      new SignJWT(c)
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: JSON.parse(Buffer.from(header, 'base64url').toString()).kid })
        .sign(key);
    expect((await api(await signWith(claims, foreign.privateKey))).status).toBe(401);

    const tampered = Buffer.from(JSON.stringify({ ...claims, scope: 'user/*.cruds', role: 'super_admin' })).toString('base64url');
    expect((await api(`${header}.${tampered}.${good.split('.')[2]}`)).status).toBe(401);

    const issuer = t.server.auth.tokens;
    const base = { sub: doctor.user.id, client_id: 'x', tid: TENANT_A, scope: 'user/*.rs', role: 'doctor' as const };
    const expired = await issuer.accessToken(base);
    // Re-sign the same claims with an exp in the past using our own key: only expiry is wrong.
    const { key, kid } = await t.server.auth.keys.signingKey();
    const past = Math.floor(Date.now() / 1000) - 60;
    const old = await new SignJWT({ ...JSON.parse(Buffer.from(expired.split('.')[1], 'base64url').toString()), exp: past })
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' })
      .sign(key);
    const oldRes = await api(old);
    expect(oldRes.status).toBe(401);
    expect(oldRes.headers.get('www-authenticate')).toContain('invalid_token');
    const wrongAud = await new SignJWT({ ...claims, aud: 'https://other.example/fhir' })
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' })
      .sign(key);
    expect((await api(wrongAud)).status).toBe(401);
  });

  it('revoked access tokens stop working and introspect as inactive', async () => {
    const basic = { authorization: `Basic ${Buffer.from('test-system-a:test-system-secret-0123456789').toString('base64')}` };
    const issued = await (
      await form(`${origin}/oauth2/token`, { grant_type: 'client_credentials', scope: 'system/Patient.rs' }, basic)
    ).json();
    const token = issued.access_token as string;
    expect((await api(token)).status).toBe(200);
    const before = await (await form(`${origin}/oauth2/introspect`, { token }, basic)).json();
    expect(before).toMatchObject({ active: true, sub: 'test-system-a', scope: 'system/Patient.rs' });
    expect((await form(`${origin}/oauth2/revoke`, { token }, basic)).status).toBe(200);
    expect((await api(token)).status).toBe(401);
    expect(await (await form(`${origin}/oauth2/introspect`, { token }, basic)).json()).toEqual({ active: false });
  });
});

describe('authorization code flow', () => {
  it('exchanges a code once, with PKCE, for tokens; a reused code fails', async () => {
    const { code, verifier } = await authorize();
    const first = await tokenFor(code, verifier);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ token_type: 'Bearer', scope: 'user/*.rs offline_access' });
    expect(first.body.refresh_token).toBeTruthy();
    const second = await tokenFor(code, verifier);
    expect(second.body.error).toBe('invalid_grant');
  });

  it('refuses a wrong PKCE verifier and a different redirect_uri', async () => {
    const a = await authorize();
    expect((await tokenFor(a.code, pkcePair().verifier)).body.error).toBe('invalid_grant');
    const b = await authorize();
    const res = await form(`${origin}/oauth2/token`, {
      grant_type: 'authorization_code',
      code: b.code,
      code_verifier: b.verifier,
      redirect_uri: 'https://app.example/other',
      client_id: 'public-app',
    });
    expect((await res.json()).error).toBe('invalid_grant');
  });

  it('rotates refresh tokens and revokes the whole family when an old one is replayed', async () => {
    const { code, verifier } = await authorize();
    const { body } = await tokenFor(code, verifier);
    const refresh = (token: string) =>
      form(`${origin}/oauth2/token`, { grant_type: 'refresh_token', refresh_token: token, client_id: 'public-app' });
    const r1 = await refresh(body.refresh_token);
    const next = await r1.json();
    expect(r1.status).toBe(200);
    expect(next.refresh_token).not.toBe(body.refresh_token);
    const replay = await refresh(body.refresh_token);
    expect((await replay.json()).error).toBe('invalid_grant');
    // The thief's replay also kills the legitimate successor.
    expect((await (await refresh(next.refresh_token)).json()).error).toBe('invalid_grant');
  });

  it('a replayed code voids the access and refresh tokens its first use issued (RFC 6749 4.1.2)', async () => {
    const { code, verifier } = await authorize();
    const first = await tokenFor(code, verifier);
    expect(first.status).toBe(200);
    const read = () => fetch(`${t.base}/Patient?_count=1`, { headers: { authorization: `Bearer ${first.body.access_token}` } });
    expect((await read()).status).toBe(200);
    expect((await tokenFor(code, verifier)).body.error).toBe('invalid_grant');
    expect((await read()).status).toBe(401);
    const refreshed = await form(`${origin}/oauth2/token`, {
      grant_type: 'refresh_token',
      refresh_token: first.body.refresh_token,
      client_id: 'public-app',
    });
    expect((await refreshed.json()).error).toBe('invalid_grant');
  });

  it('a refresh refused for a wider scope leaves the token usable for a plain refresh', async () => {
    const { code, verifier } = await authorize();
    const { body } = await tokenFor(code, verifier);
    const refresh = (fields: Record<string, string>) =>
      form(`${origin}/oauth2/token`, {
        grant_type: 'refresh_token',
        refresh_token: body.refresh_token,
        client_id: 'public-app',
        ...fields,
      });
    const wider = await refresh({ scope: 'user/*.cruds offline_access' });
    expect(wider.status).toBe(400);
    expect((await wider.json()).error).toBe('invalid_scope');
    const plain = await refresh({});
    expect(plain.status).toBe(200);
    const next = await plain.json();
    expect(next.scope).toBe('user/*.rs offline_access');
    const again = await fetch(`${t.base}/Patient?_count=1`, { headers: { authorization: `Bearer ${next.access_token}` } });
    expect(again.status).toBe(200);
  });

  it('shows an error page, never a redirect, for an unregistered redirect_uri; redirects errors for missing PKCE and wrong aud', async () => {
    const bad = await fetch(authorizeUrl({ redirect_uri: 'https://evil.example/cb' }), { redirect: 'manual' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('location')).toBeNull();
    const noPkce = await fetch(authorizeUrl({ code_challenge: undefined, code_challenge_method: undefined }), { redirect: 'manual' });
    expect(noPkce.status).toBe(302);
    const loc = new URL(noPkce.headers.get('location') as string);
    expect(loc.origin + loc.pathname).toBe(REDIRECT);
    expect(loc.searchParams.get('error')).toBe('invalid_request');
    expect(loc.searchParams.get('state')).toBe('st-123');
    const plain = await fetch(authorizeUrl({ code_challenge_method: 'plain' }), { redirect: 'manual' });
    expect(new URL(plain.headers.get('location') as string).searchParams.get('error')).toBe('invalid_request');
    const aud = await fetch(authorizeUrl({ aud: 'https://other.example/fhir' }), { redirect: 'manual' });
    expect(new URL(aud.headers.get('location') as string).searchParams.get('error_description')).toMatch(/aud/);
  });

  it('a user who denies consent sends the app access_denied', async () => {
    // Someone who has not allowed this app before (a consent is remembered).
    const newcomer = await createStaff(t, TENANT_A, 'doctor');
    const browser = new FormBrowser();
    await browser.get(authorizeUrl());
    await browser.post(`${origin}/oauth2/authorize/login`, {
      pending: browser.field('pending'),
      login: newcomer.user.email as string,
      password: newcomer.password,
    });
    const denied = await browser.post(`${origin}/oauth2/authorize/consent`, { pending: browser.field('pending'), decision: 'deny' });
    expect(new URL(denied.headers.get('location') as string).searchParams.get('error')).toBe('access_denied');
  });

  it('asks for a new sign-in when the pending request is forged', async () => {
    const res = await form(`${origin}/oauth2/authorize/consent`, { pending: 'eyJhbGciOiJub25lIn0.e30.', decision: 'allow' });
    expect(res.status).toBe(400);
  });
});

describe('keys and cookies', () => {
  it('rotates the signing key without invalidating tokens already issued', async () => {
    const before = await userToken(t, doctor.user, 'user/*.rs');
    const oldKid = JSON.parse(Buffer.from(before.split('.')[0], 'base64url').toString()).kid;
    const newKid = await rotateSigningKey(t.server.db);
    await t.server.auth.keys.reload();
    const after = await userToken(t, doctor.user, 'user/*.rs');
    expect(JSON.parse(Buffer.from(after.split('.')[0], 'base64url').toString()).kid).toBe(newKid);
    const jwks = await (await fetch(`${origin}/oauth2/jwks`)).json();
    expect(jwks.keys.map((k: any) => k.kid)).toEqual(expect.arrayContaining([oldKid, newKid]));
    for (const token of [before, after]) {
      expect((await fetch(`${t.base}/Patient`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    }
  });

  it('gives a browser app its refresh token in an httpOnly cookie that the refresh grant accepts', async () => {
    const { code, verifier } = await authorize();
    const res = await form(`${origin}/oauth2/token`, {
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: REDIRECT,
      client_id: 'public-app',
    });
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('hops_rt='));
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).toMatch(/Path=\/oauth2\/token/);
    const refreshed = await form(
      `${origin}/oauth2/token`,
      { grant_type: 'refresh_token', client_id: 'public-app' },
      { cookie: (cookie as string).split(';')[0] },
    );
    expect(refreshed.status).toBe(200);
    expect((await refreshed.json()).access_token).toBeTruthy();
  });
});

describe('sign-in', () => {
  it('locks an account after five wrong passwords, even for the right one', async () => {
    const victim = await createStaff(t, TENANT_A, 'nurse');
    const browser = new FormBrowser();
    await browser.get(authorizeUrl());
    for (let i = 0; i < 5; i++) {
      await browser.post(`${origin}/oauth2/authorize/login`, {
        pending: browser.field('pending'),
        login: victim.user.email as string,
        password: 'wrong',
      });
    }
    await browser.post(`${origin}/oauth2/authorize/login`, {
      pending: browser.field('pending'),
      login: victim.user.email as string,
      password: victim.password,
    });
    expect(browser.lastHtml).toMatch(/Too many failed attempts/);
    const failures = await t.server.db.transaction({ tenantId: TENANT_A }, (sql) =>
      sql.query("SELECT count(*)::int AS n FROM audit_log WHERE user_id = $1 AND event->'type'->>'code' = '110114' AND outcome = '4'", [
        victim.user.id,
      ]),
    );
    expect(failures.rows[0]).toEqual({ n: 5 });
  });

  it('signs in with a one-time code sent by SMS', async () => {
    const { createUser } = await import('../src/auth/store.ts');
    const user = await createUser(t.server.db, TENANT_A, { phone: '98765 43210', name: 'Front desk', role: 'receptionist' });
    expect(user.phone).toBe('+919876543210');
    const browser = new FormBrowser();
    await browser.get(authorizeUrl());
    await browser.post(`${origin}/oauth2/authorize/otp`, { pending: browser.field('pending'), phone: '+91 98765 43210' });
    const sms = (t.server.auth.sms as import('../src/auth/sms.ts').RecordingSmsSender).lastTo('+919876543210');
    const code = /(\d{6})/.exec(sms?.text ?? '')?.[1] as string;
    expect(code).toMatch(/^\d{6}$/);
    const wrong = code === '000000' ? '111111' : '000000';
    await browser.post(`${origin}/oauth2/authorize/otp/verify`, {
      pending: browser.field('pending'),
      challenge: browser.field('challenge'),
      phone: '+919876543210',
      code: wrong,
    });
    expect(browser.lastHtml).toMatch(/wrong or has expired/);
    await browser.post(`${origin}/oauth2/authorize/otp/verify`, {
      pending: browser.field('pending'),
      challenge: browser.field('challenge'),
      phone: '+919876543210',
      code,
    });
    expect(browser.lastHtml).toContain('decision');
    // Single use.
    await browser.post(`${origin}/oauth2/authorize/otp/verify`, {
      pending: browser.field('pending'),
      challenge: `${TENANT_A}.${randomUUID()}`,
      phone: '+919876543210',
      code,
    });
    expect(browser.lastHtml).toMatch(/wrong or has expired/);
  });

  it('speaks Hindi when asked', async () => {
    const browser = new FormBrowser();
    await browser.get(authorizeUrl({ ui_locales: 'hi' }));
    expect(browser.lastHtml).toContain('lang="hi"');
    expect(browser.lastHtml).toContain('साइन इन करें');
    await browser.get(authorizeUrl(), { 'accept-language': 'hi-IN,hi;q=0.9,en;q=0.8' });
    expect(browser.lastHtml).toContain('पासवर्ड');
  });
});
