import { afterEach, describe, expect, it, vi } from 'vitest';
import { medplumForSession } from './medplum.ts';
import type { SmartSession } from './smart.ts';

function session(): { s: SmartSession; refreshIfNeeded: ReturnType<typeof vi.fn> } {
  const state = { tokenResponse: { access_token: 'old-token' } };
  // What fhirclient does when the token is near expiry: swaps in a fresh one from the token endpoint.
  const refreshIfNeeded = vi.fn(async () => {
    state.tokenResponse.access_token = 'fresh-token';
    return state;
  });
  const s = {
    client: { state, refreshIfNeeded },
    config: { clientId: 'opd', fhirBaseUrl: 'https://hospital.test/fhir/R4', appUrl: 'https://hospital.test/apps/opd/' },
    branches: [],
  } as unknown as SmartSession;
  return { s, refreshIfNeeded };
}

afterEach(() => vi.unstubAllGlobals());

describe('the MedplumClient of a SMART session', () => {
  it('refreshes the token if needed before every request and sends the current one', async () => {
    const seen: { url: string; auth: string | null }[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init: RequestInit) => {
        seen.push({ url, auth: new Headers(init.headers).get('authorization') });
        return new Response(JSON.stringify({ resourceType: 'Patient', id: 'p1' }), {
          headers: { 'content-type': 'application/fhir+json' },
        });
      }),
    );
    const { s, refreshIfNeeded } = session();
    const medplum = medplumForSession(s, vi.fn());
    await medplum.readResource('Patient', 'p1');
    expect(refreshIfNeeded).toHaveBeenCalledTimes(1);
    expect(seen).toEqual([{ url: 'https://hospital.test/fhir/R4/Patient/p1', auth: 'Bearer fresh-token' }]);
  });

  it('sends the user to sign in again when the server says the session is over', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(
        async () =>
          new Response(JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login' }] }), {
            status: 401,
            headers: { 'content-type': 'application/fhir+json' },
          }),
      ),
    );
    const onUnauthenticated = vi.fn();
    const medplum = medplumForSession(session().s, onUnauthenticated);
    await expect(medplum.readResource('Patient', 'p1')).rejects.toBeDefined();
    expect(onUnauthenticated).toHaveBeenCalled();
  });
});
