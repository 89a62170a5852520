import { MedplumClient } from '@medplum/core';
import type { SmartSession } from './smart.ts';

/**
 * A MedplumClient for @medplum/react's components that talks to our FHIR base with the SMART
 * session's token. Authorization stays with fhirclient (it refreshes the token before it expires);
 * the MedplumClient itself never signs in, so it never calls Medplum-only endpoints such as /auth/me.
 */
/** The session's access token, refreshed first when it is about to run out (for fetches and the live websocket's bind). */
export async function sessionAccessToken(session: SmartSession): Promise<string> {
  await session.client.refreshIfNeeded();
  return session.client.state.tokenResponse?.access_token ?? '';
}

export function medplumForSession(session: SmartSession, onUnauthenticated: () => void): MedplumClient {
  const base = new URL(session.config.fhirBaseUrl);
  const authorizedFetch = async (url: string, init: RequestInit = {}): Promise<Response> => {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${await sessionAccessToken(session)}`);
    const res = await fetch(url, { ...init, headers });
    if (res.status === 401) onUnauthenticated();
    return res;
  };
  return new MedplumClient({
    baseUrl: `${base.origin}/`,
    fhirUrlPath: base.pathname.replace(/^\/|\/$/g, ''),
    fetch: authorizedFetch,
    cacheTime: 10_000,
    // Each tab has its own SMART session; nothing of Medplum's own login state is kept.
    storage: undefined,
  });
}
