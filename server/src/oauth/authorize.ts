import { randomUUID } from 'node:crypto';
import type { Patient } from '@medplum/fhirtypes';
import express, { type Request, type Response } from 'express';
import { accessControlFor } from '../auth/access.ts';
import { checkOtp, startOtp } from '../auth/otp.ts';
import { verifyPassword } from '../auth/passwords.ts';
import { grantScopes, parseResourceScope, type ResourceScope, splitScopes } from '../auth/scopes.ts';
import type { AuthService } from '../auth/service.ts';
import {
  type ClientRow,
  findClient,
  findUserByLogin,
  getUser,
  isLocked,
  LOCKOUT_MINUTES,
  recordLoginFailure,
  recordLoginSuccess,
  type UserRow,
} from '../auth/store.ts';
import { readCookie } from '../http/cookies.ts';
import { PostgresRepository } from '../repo/postgres-repository.ts';
import { consentCovers, rememberConsent } from './consents.ts';
import { createCode } from './grants.ts';
import { type Lang, pickLang, t } from './i18n.ts';
import { consentPage, errorPage, loginPage, otpPage } from './pages.ts';

/** The authorization request, carried between pages as a note signed by the server. */
interface Pending {
  cid: string;
  tid: string;
  ru: string;
  sc: string;
  st?: string;
  cc?: string;
  nn?: string;
  pt?: string;
  en?: string;
  /** Set once the user has signed in. */
  uid?: string;
}

const PENDING_TYP = 'authz-request+jwt';
const SSO_TYP = 'sso+jwt';
const SSO_COOKIE = 'hops_sso';
const PENDING_SECONDS = 15 * 60;
const SSO_SECONDS = 8 * 60 * 60;

type Params = Record<string, string | undefined>;

function params(req: Request): Params {
  const src = req.method === 'POST' ? { ...req.query, ...req.body } : req.query;
  return Object.fromEntries(
    Object.entries(src).map(([k, v]) => [k, Array.isArray(v) ? String(v[0]) : v === undefined ? undefined : String(v)]),
  );
}

function redirectWith(res: Response, redirectUri: string, values: Record<string, string | undefined>): void {
  const url = new URL(redirectUri);
  for (const [k, v] of Object.entries(values)) if (v !== undefined) url.searchParams.set(k, v);
  res.redirect(302, url.toString());
}

function sendHtml(res: Response, status: number, html: string): void {
  // Sign-in pages must never be framed (clickjacking) or cached.
  res.status(status).set('Cache-Control', 'no-store').set('X-Frame-Options', 'DENY').type('html').send(html);
}

/**
 * SMART App Launch: `/oauth2/authorize` and its sign-in, one-time-code and consent pages.
 * Checks in the order the spec needs: client and exact redirect URI first (errors before them are
 * shown, never redirected), then response type, audience, PKCE, scopes and launch context.
 */
export function authorizeRoutes(auth: AuthService): express.Router {
  const r = express.Router();
  r.use(express.urlencoded({ extended: false, limit: '32kb' }));
  const fhirBase = () => auth.tokens.audience;

  const lang = (req: Request, p: Params): Lang => pickLang(p.lang, p.ui_locales, req.get('accept-language'));

  async function pendingFrom(p: Params): Promise<Pending | undefined> {
    try {
      return await auth.tokens.verifyNote<Pending>(p.pending ?? '', PENDING_TYP);
    } catch {
      return undefined;
    }
  }

  /** The pending request a sign-in page posts back, or an error page when it is forged or expired. */
  async function resume(req: Request, res: Response): Promise<{ p: Params; l: Lang; pending: Pending; client: ClientRow } | undefined> {
    const p = params(req);
    const l = lang(req, p);
    const pending = await pendingFrom(p);
    const client = pending ? await findClient(auth.db, pending.cid) : undefined;
    if (pending && client?.active) return { p, l, pending, client };
    sendHtml(res, 400, errorPage(l, 'The sign-in request expired; start again from the app'));
    return undefined;
  }

  const note = (p: Pending) => auth.tokens.signNote({ ...p }, PENDING_TYP, PENDING_SECONDS);

  /** Issues the authorization code and sends the browser back to the app. */
  async function issue(res: Response, pending: Pending, user: UserRow, client: ClientRow, patient: string | undefined): Promise<void> {
    const code = await createCode(auth, {
      client,
      user,
      redirectUri: pending.ru,
      scope: pending.sc,
      codeChallenge: pending.cc,
      nonce: pending.nn,
      patient,
      encounter: pending.en,
    });
    redirectWith(res, pending.ru, { code, state: pending.st });
  }

  /**
   * The consent page, skipped when nothing is left to ask: the platform's own apps are
   * pre-approved, and a third-party app the user allowed these scopes before is remembered.
   * A patient still to be picked always shows the page (it holds the picker).
   */
  async function showConsent(res: Response, l: Lang, pending: Pending, user: UserRow, client: ClientRow, query?: string): Promise<void> {
    const scopes = splitScopes(pending.sc);
    const needsPicker = scopes.includes('launch/patient') && !pending.pt;
    if (query === undefined && !needsPicker) {
      if (client.first_party || (await consentCovers(auth.db, client.tenant_id, user.id, client.client_id, pending.sc))) {
        return issue(res, pending, user, client, pending.pt);
      }
    }
    const signed = await note({ ...pending, uid: user.id });
    let patientChoice: { query: string; patients: { id: string; label: string }[] } | undefined;
    let patientLabel: string | undefined;
    if (scopes.includes('launch/patient') && !pending.pt) {
      patientChoice = { query: query ?? '', patients: await findPatients(auth, user, query ?? '') };
    } else if (pending.pt) {
      patientLabel = pending.pt;
    }
    sendHtml(
      res,
      200,
      consentPage({ lang: l, pending: signed, appName: client.name, userName: user.name, scopes, patientChoice, patientLabel }),
    );
  }

  async function signedIn(res: Response, l: Lang, pending: Pending, user: UserRow, client: ClientRow): Promise<void> {
    const sso = await auth.tokens.signNote({ uid: user.id, tid: user.tenant_id }, SSO_TYP, SSO_SECONDS);
    res.cookie(SSO_COOKIE, sso, {
      httpOnly: true,
      secure: auth.config.baseUrl.startsWith('https:'),
      sameSite: 'lax',
      path: '/oauth2',
      maxAge: SSO_SECONDS * 1000,
    });
    await showConsent(res, l, pending, user, client);
  }

  r.get('/authorize', async (req, res) => {
    const p = params(req);
    const l = lang(req, p);
    const client = p.client_id ? await findClient(auth.db, p.client_id) : undefined;
    if (!client?.active) return sendHtml(res, 400, errorPage(l, 'Unknown client_id'));
    if (!p.redirect_uri || !client.redirect_uris.includes(p.redirect_uri)) {
      return sendHtml(res, 400, errorPage(l, 'redirect_uri is not registered for this client'));
    }
    const fail = (error: string, description: string) =>
      redirectWith(res, p.redirect_uri as string, { error, error_description: description, state: p.state });
    if (p.response_type !== 'code') return fail('unsupported_response_type', 'Only response_type=code is supported');
    if (p.aud?.replace(/\/+$/, '') !== fhirBase()) return fail('invalid_request', `aud must be this server's FHIR base URL: ${fhirBase()}`);
    if (p.code_challenge !== undefined || p.code_challenge_method !== undefined) {
      if (p.code_challenge_method !== 'S256') return fail('invalid_request', 'code_challenge_method must be S256');
      if (!/^[A-Za-z0-9\-_]{43}$/.test(p.code_challenge ?? '')) return fail('invalid_request', 'Malformed code_challenge');
    } else if (client.client_type === 'public') {
      return fail('invalid_request', 'PKCE (code_challenge with S256) is required for public clients');
    }
    const requested = splitScopes(p.scope);
    const granted = grantScopes(requested.join(' '), client.scope);
    if (granted.length === 0) return fail('invalid_scope', 'None of the requested scopes is allowed for this client');
    let pt: string | undefined;
    let en: string | undefined;
    if (p.launch !== undefined) {
      const ctx = await resolveLaunch(auth, client.tenant_id, p.launch);
      if (!ctx) return fail('invalid_request', 'Unknown or expired launch');
      pt = ctx.patient ?? undefined;
      en = ctx.encounter ?? undefined;
    } else if (granted.includes('launch')) {
      return fail('invalid_request', 'The launch scope needs a launch parameter (EHR launch)');
    }
    const pending: Pending = {
      cid: client.client_id,
      tid: client.tenant_id,
      ru: p.redirect_uri,
      sc: granted.join(' '),
      st: p.state,
      cc: p.code_challenge,
      nn: p.nonce,
      pt,
      en,
    };
    // Already signed in to this tenant (single sign-on cookie) and not asked to sign in again.
    const sso = readCookie(req, SSO_COOKIE);
    if (sso && p.prompt !== 'login') {
      const session = await auth.tokens.verifyNote<{ uid: string; tid: string }>(sso, SSO_TYP).catch(() => undefined);
      const user = session?.tid === client.tenant_id ? await getUser(auth.db, session.tid, session.uid) : undefined;
      if (user?.active && !isLocked(user)) return showConsent(res, l, pending, user, client);
    }
    const other: Lang = l === 'en' ? 'hi' : 'en';
    const langHref = `/oauth2/authorize?${new URLSearchParams({ ...(p as Record<string, string>), lang: other }).toString()}`;
    sendHtml(res, 200, loginPage({ lang: l, pending: await note(pending), langHref }));
  });

  r.post('/authorize/login', async (req, res) => {
    const step = await resume(req, res);
    if (!step) return;
    const { p, l, pending, client } = step;
    const again = (key: 'badLogin' | 'locked' | 'inactive') =>
      sendHtml(
        res,
        200,
        loginPage({ lang: l, pending: p.pending as string, login: p.login, error: t(l, key, { minutes: LOCKOUT_MINUTES }) }),
      );
    const user = p.login ? await findUserByLogin(auth.db, p.login) : undefined;
    if (!user || user.tenant_id !== client.tenant_id) {
      await verifyPassword(p.password ?? '', undefined); // same work as a real check
      return again('badLogin');
    }
    if (isLocked(user)) return again('locked');
    if (!(await verifyPassword(p.password ?? '', user.password_hash))) {
      await recordLoginFailure(auth.db, user);
      await auth.events.loginFailed(req, user, client.client_id, 'password');
      return again(user.failed_attempts + 1 >= 5 ? 'locked' : 'badLogin');
    }
    if (!user.active) return again('inactive');
    await recordLoginSuccess(auth.db, user);
    await auth.events.login(req, user, client.client_id, 'password');
    await signedIn(res, l, pending, user, client);
  });

  r.post('/authorize/otp', async (req, res) => {
    const step = await resume(req, res);
    if (!step) return;
    const { p, l, client } = step;
    const user = p.phone ? await findUserByLogin(auth.db, p.phone) : undefined;
    // The page looks the same whether or not the number has an account (no enumeration).
    let challenge = `${client.tenant_id}.${randomUUID()}`;
    if (user && user.tenant_id === client.tenant_id && user.active && !isLocked(user) && user.phone) {
      challenge = await startOtp(auth, user, 'login');
    }
    sendHtml(res, 200, otpPage({ lang: l, pending: p.pending as string, challenge, phone: p.phone ?? '' }));
  });

  r.post('/authorize/otp/verify', async (req, res) => {
    const step = await resume(req, res);
    if (!step) return;
    const { p, l, pending, client } = step;
    const user = await checkOtp(auth, p.challenge ?? '', p.code ?? '', 'login');
    if (!user || user.tenant_id !== client.tenant_id || !user.active) {
      return sendHtml(
        res,
        200,
        otpPage({ lang: l, pending: p.pending as string, challenge: p.challenge ?? '', phone: p.phone ?? '', error: t(l, 'badOtp') }),
      );
    }
    await recordLoginSuccess(auth.db, user);
    await auth.events.login(req, user, client.client_id, 'otp');
    await signedIn(res, l, pending, user, client);
  });

  r.post('/authorize/consent', async (req, res) => {
    const p = params(req);
    const l = lang(req, p);
    const pending = await pendingFrom(p);
    const client = pending ? await findClient(auth.db, pending.cid) : undefined;
    const user = pending?.uid ? await getUser(auth.db, pending.tid, pending.uid) : undefined;
    if (!pending || !client?.active || !user?.active) {
      return sendHtml(res, 400, errorPage(l, 'The sign-in request expired; start again from the app'));
    }
    if (p.decision === 'search') return showConsent(res, l, pending, user, client, p.q);
    if (p.decision !== 'allow')
      return redirectWith(res, pending.ru, { error: 'access_denied', error_description: 'The user denied access', state: pending.st });
    let patient = pending.pt;
    if (splitScopes(pending.sc).includes('launch/patient') && !patient) {
      if (!p.patient || !(await patientVisible(auth, user, p.patient))) return showConsent(res, l, pending, user, client, p.q);
      patient = p.patient;
    }
    if (!client.first_party) await rememberConsent(auth.db, client.tenant_id, user.id, client.client_id, pending.sc);
    await issue(res, pending, user, client, patient);
  });

  r.all('/logout', async (req, res) => {
    const sso = readCookie(req, SSO_COOKIE);
    const session = sso ? await auth.tokens.verifyNote<{ uid: string; tid: string }>(sso, SSO_TYP).catch(() => undefined) : undefined;
    if (session) {
      const user = await getUser(auth.db, session.tid, session.uid);
      if (user) await auth.events.logout(req, user);
    }
    res.clearCookie(SSO_COOKIE, { path: '/oauth2' });
    const back = params(req).post_logout_redirect_uri;
    if (back && URL.canParse(back) && new URL(back).origin === new URL(auth.config.baseUrl).origin) return res.redirect(302, back);
    res.status(204).end();
  });
  return r;
}

/** The user's view of patients: their role and branches decide what the picker shows. */
function userPatientRepo(auth: AuthService, user: UserRow): PostgresRepository {
  const scope = parseResourceScope('user/Patient.rs') as ResourceScope;
  const access = accessControlFor({
    tenantId: user.tenant_id,
    clientId: 'authorize',
    userId: user.id,
    role: user.role,
    branchIds: user.branch_ids,
    scopes: [scope],
  });
  return new PostgresRepository({
    db: auth.db,
    tenant: { tenantId: user.tenant_id, userId: user.id },
    baseUrl: auth.config.baseUrl,
    updateCreate: false,
    access,
  });
}

function patientLabel(p: Patient): string {
  const n = p.name?.[0];
  const name = n?.text ?? [n?.given?.join(' '), n?.family].filter(Boolean).join(' ');
  return [name || p.id, p.birthDate, p.gender].filter(Boolean).join(', ');
}

async function findPatients(auth: AuthService, user: UserRow, query: string): Promise<{ id: string; label: string }[]> {
  const repo = userPatientRepo(auth, user);
  if (!repo) return [];
  try {
    const filters = query.trim() ? [{ code: 'name', operator: 'eq' as const, value: query.trim() }] : [];
    const found = await repo.searchResources<Patient>({
      resourceType: 'Patient',
      filters,
      count: 10,
      sortRules: [{ code: '_lastUpdated', descending: true }],
    });
    return found.map((x) => ({ id: x.id, label: patientLabel(x) }));
  } catch {
    return [];
  }
}

async function patientVisible(auth: AuthService, user: UserRow, id: string): Promise<boolean> {
  try {
    await userPatientRepo(auth, user).readResource('Patient', id);
    return true;
  } catch {
    return false;
  }
}

async function resolveLaunch(
  auth: AuthService,
  tenantId: string,
  launch: string,
): Promise<{ patient: string | null; encounter: string | null } | undefined> {
  const r = await auth.db.transaction({ tenantId }, (sql) =>
    sql.query<{ patient: string | null; encounter: string | null }>(
      'SELECT patient, encounter FROM launch_context WHERE id = $1 AND expires_at > now()',
      [launch],
    ),
  );
  return r.rows[0];
}
