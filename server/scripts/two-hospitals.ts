// What `npm run abdm:story` and `npm run bench:abdm` share: two hospitals (tenants) of one server
// talking through the local gateway need system clients, patients with an ABHA address, and a
// way to wait for the asynchronous exchange to land.

/** Polls `fn` until it returns something, or throws naming what did not happen. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A FHIR client for a system client (client credentials), the token asked for once. */
export function systemClient(base: string, clientId: string, secret: string) {
  let token: Promise<string> | undefined;
  const auth = () =>
    (token ??= fetch(base.replace(/\/fhir\/R4$/, '/oauth2/token'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret, scope: 'system/*.cruds' }),
    })
      .then((r) => r.json() as Promise<{ access_token: string }>)
      .then((b) => b.access_token));
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}/${path}`, {
      method,
      headers: { authorization: `Bearer ${await auth()}`, ...(body ? { 'content-type': 'application/fhir+json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  };
  return {
    get: (path: string) => call('GET', path),
    post: (path: string, body: unknown) => call('POST', path, body),
    put: (path: string, body: unknown) => call('PUT', path, body),
    patch: (path: string, body: unknown) => call('PATCH', path, body),
    delete: (path: string) => call('DELETE', path),
    call,
  };
}

export type SystemClient = ReturnType<typeof systemClient>;

/** Adds an ABHA address to a stored patient. */
export async function giveAbha(fhir: SystemClient, ref: string, address: string): Promise<void> {
  const p = (await fhir.get(ref)).body;
  p.identifier.push({
    type: {
      coding: [
        {
          system: 'https://nrces.in/ndhm/fhir/r4/CodeSystem/ndhm-identifier-type-code',
          code: 'ABHA',
          display: 'Ayushman Bharat Health Account (ABHA) ID',
        },
      ],
    },
    system: 'https://healthid.abdm.gov.in',
    value: address,
  });
  await fhir.put(ref, p);
}
