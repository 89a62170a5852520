import { expect } from 'vitest';
import { createClient } from '../../src/auth/store.ts';
import { type FhirResponseData, fhirClient, type TestServer } from '../helpers/server.ts';

export type Client = ReturnType<typeof fhirClient>;
export const ASYNC = { prefer: 'respond-async', accept: 'application/fhir+json' };

export interface Manifest {
  transactionTime: string;
  request: string;
  requiresAccessToken: boolean;
  output: { type: string; url: string; count?: number }[];
  error: { type: string; url: string }[];
  deleted?: { type: string; url: string }[];
}

/** A confidential client of the tenant with these scopes, and a Backend Services token for it. */
export async function clientWithScope(
  t: TestServer,
  tenant: string,
  clientId: string,
  scope: string,
): Promise<{ client: Client; token: string }> {
  const secret = 'bulk-test-secret-0123456789';
  await createClient(t.server.db, tenant, { clientId, name: clientId, type: 'confidential', scope, secret });
  const res = await fetch(t.base.replace(/\/fhir\/R4$/, '/oauth2/token'), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret, scope }),
  });
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`no token: ${JSON.stringify(body)}`);
  return { client: fhirClient(t.base, tenant, body.access_token), token: body.access_token };
}

/** The path of a full URL of this server, relative to the FHIR base (what the test client takes). */
export const relative = (url: string) => url.slice(url.indexOf('/fhir/R4/') + '/fhir/R4/'.length);

/** Kicks off an export and expects 202; returns the status path. */
export async function kickOff(client: Client, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<string> {
  const res =
    body === undefined ? await client.get(path, { ...ASYNC, ...headers }) : await client.post(path, body, { ...ASYNC, ...headers });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  const location = res.headers.get('content-location');
  expect(location).toMatch(/\/fhir\/R4\/\$export-status\/[0-9a-f-]{36}$/);
  return relative(location as string);
}

/** Polls the status path until the export finishes; the final answer. */
export async function waitFor(client: Client, statusPath: string, timeoutMs = 20_000): Promise<FhirResponseData> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await client.get(statusPath);
    if (res.status !== 202) return res;
    expect(res.headers.get('x-progress')).toBeTruthy();
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    if (Date.now() > until) throw new Error(`export still running: ${res.headers.get('x-progress')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Kicks off, waits, and expects a manifest. */
export async function exportAll(client: Client, path: string, body?: unknown, headers?: Record<string, string>): Promise<Manifest> {
  const status = await kickOff(client, path, body, headers);
  const res = await waitFor(client, status);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as Manifest;
}

/** Every resource of the manifest's files of one kind, downloaded with the client's token. */
export async function download(client: Client, files: { type: string; url: string }[]): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (const f of files) {
    const res = await client.get(relative(f.url));
    expect(res.status, String(res.body)).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/fhir\+ndjson/);
    const text = typeof res.body === 'string' ? res.body : `${JSON.stringify(res.body)}\n`;
    for (const line of text.split('\n').filter(Boolean)) {
      const r = JSON.parse(line);
      expect(r.resourceType).toBe(f.type);
      out.push(r);
    }
  }
  return out;
}

export const keys = (rs: Record<string, unknown>[]) => rs.map((r) => `${r.resourceType}/${r.id}`).sort();

/** Every match of a search, all pages. */
export async function searchAll(client: Client, path: string): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  let next: string | undefined = `${path}${path.includes('?') ? '&' : '?'}_count=1000`;
  while (next) {
    const res: { status: number; body: any } = await client.get(next);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    for (const e of res.body.entry ?? []) if (e.search?.mode === 'match') out.push(e.resource);
    const url: string | undefined = res.body.link?.find((l: { relation: string }) => l.relation === 'next')?.url;
    next = url ? relative(url) : undefined;
  }
  return out;
}
