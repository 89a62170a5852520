import FHIR from 'fhirclient';
import type Client from 'fhirclient/lib/Client';

/** What an app tells the launcher about itself. */
export interface AppRegistration {
  /** The app's folder under /apps/ (opd, ipd, lab). */
  name: string;
  /** Scopes the app asks for; `launch` is added for EHR launches. */
  scope: string;
}

/** The deployment's answer to "which SMART client am I here?" (served by the platform at /apps/<name>/config.json). */
export interface AppConfig {
  clientId: string;
  fhirBaseUrl: string;
  /** The app's canonical address (its registered redirect URI). */
  appUrl: string;
}

/** Who is signed in and what the token allows, read from the access token the server issued. */
export interface SmartSession {
  client: Client;
  config: AppConfig;
  /** `Practitioner/<id>` (or another type) of the signed-in user. */
  fhirUser?: string;
  /** The signed-in person's name (OpenID Connect id_token), for the header. */
  userName?: string;
  /** The seed architecture's role (doctor, receptionist, ...), from the token. */
  role?: string;
  /** The user's branches as Organization ids. */
  branches: string[];
  /** EHR-launch context, when the launcher bound one. */
  patient?: string;
  encounter?: string;
}

export async function loadAppConfig(name: string): Promise<AppConfig> {
  const res = await fetch(`/apps/${name}/config.json`, { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`This app is not registered on the server (${res.status})`);
  return (await res.json()) as AppConfig;
}

/**
 * Starts SMART authorization (PKCE S256, which the server requires of browser apps). An EHR launch
 * arrives with `iss` and `launch` in the URL; a standalone launch (`/apps/<name>/launch`) uses this
 * server's FHIR base.
 */
export async function startLaunch(app: AppRegistration): Promise<void> {
  const config = await loadAppConfig(app.name);
  const params = new URLSearchParams(window.location.search);
  // Redirect URIs match exactly: a visit by another host name (127.0.0.1 for localhost) moves first.
  const canonical = new URL(config.appUrl);
  if (canonical.origin !== window.location.origin) {
    window.location.replace(`${canonical.origin}${window.location.pathname}${window.location.search}`);
    return;
  }
  const ehr = params.has('launch');
  await FHIR.oauth2.authorize({
    clientId: config.clientId,
    scope: ehr ? `${app.scope} launch` : app.scope,
    redirectUri: config.appUrl,
    ...(params.has('iss') ? {} : { iss: config.fhirBaseUrl }),
    pkceMode: 'required',
    completeInTarget: true,
  });
}

/** The authorization server refused to start the app (an expired launch, a denied consent...). */
export class LaunchError extends Error {}

/** Decodes (does not verify: the server does) the claims of our own access token. */
export function tokenClaims(accessToken: string): Record<string, unknown> {
  const payload = accessToken.split('.')[1] ?? '';
  const json = atob(payload.replaceAll('-', '+').replaceAll('_', '/'));
  const bytes = Uint8Array.from(json, (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
}

/**
 * Finishes the redirect back from /oauth2/authorize, or resumes the session kept in
 * sessionStorage. Returns undefined when there is no session (the caller starts a launch).
 */
export async function completeLaunch(): Promise<SmartSession | undefined> {
  const params = new URLSearchParams(window.location.search);
  const returning = params.has('code') || params.has('error');
  const hasState = sessionStorage.getItem('SMART_KEY') !== null;
  if (!returning && !hasState) return undefined;
  if (params.has('error')) {
    window.history.replaceState(null, '', window.location.pathname);
    throw new LaunchError(params.get('error_description') ?? params.get('error') ?? 'authorization failed');
  }
  let client: Client;
  try {
    client = await FHIR.oauth2.ready();
  } catch (err) {
    if (returning) throw err;
    return undefined;
  }
  if (returning) window.history.replaceState(null, '', window.location.pathname);
  const token = client.state.tokenResponse?.access_token;
  if (!token) return undefined;
  const claims = tokenClaims(token);
  const config = { clientId: client.state.clientId ?? '', fhirBaseUrl: client.state.serverUrl, appUrl: client.state.redirectUri ?? '' };
  return {
    client,
    config,
    fhirUser: typeof claims.fhirUser === 'string' ? claims.fhirUser.replace(/^.*\/(\w+\/[^/]+)$/, '$1') : undefined,
    userName: typeof client.getIdToken()?.name === 'string' ? (client.getIdToken()?.name as string) : undefined,
    role: typeof claims.role === 'string' ? claims.role : undefined,
    branches: Array.isArray(claims.branches) ? (claims.branches as string[]) : [],
    patient: client.patient.id ?? undefined,
    encounter: client.encounter.id ?? undefined,
  };
}

/** Revokes the refresh token, forgets the tab's session and signs out of the server; the next visit signs in again. */
export async function signOut(session: SmartSession, name: string): Promise<void> {
  const refresh = session.client.state.tokenResponse?.refresh_token;
  const base = new URL(session.config.fhirBaseUrl).origin;
  if (refresh) {
    await fetch(`${base}/oauth2/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: refresh, client_id: session.config.clientId }),
    }).catch(() => undefined);
  }
  sessionStorage.clear();
  // Ends the server's single sign-on too, so the next person at this desk signs in as themselves.
  const back = `${window.location.origin}/apps/${name}/launch`;
  window.location.assign(`${base}/oauth2/logout?post_logout_redirect_uri=${encodeURIComponent(back)}`);
}
