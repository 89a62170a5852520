import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/auth/store.ts';
import { fhirClient, startTestServer, systemToken, TENANT_A, type TestServer } from '../helpers/server.ts';

// Issue 16, REST and output rules a third-party client meets on day one.

let t: TestServer;
let fhir: ReturnType<typeof fhirClient>;
let token: string;

beforeAll(async () => {
  t = await startTestServer({ CORS_ORIGINS: 'https://partner.example, https://lab.example:8443' });
  fhir = fhirClient(t.base);
  token = await systemToken(t.base, TENANT_A);
  await createClient(t.server.db, TENANT_A, {
    clientId: 'conf-web',
    name: 'A registered browser app',
    type: 'public',
    redirectUris: ['https://app.registered.example/callback'],
    scope: 'user/*.rs',
  });
});
afterAll(() => t?.stop());

const patient = () => ({ resourceType: 'Patient', name: [{ family: 'Iyer', given: ['Meena'] }], gender: 'female' });
const raw = (path: string, init: RequestInit & { headers?: Record<string, string> } = {}) =>
  fetch(`${t.base}/${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...init.headers } });

function expectOutcome(body: any, text?: RegExp) {
  expect(body.resourceType).toBe('OperationOutcome');
  if (text) expect(body.issue[0].details.text).toMatch(text);
}

describe('HEAD answers as GET without a body', () => {
  it('read, vread, search, history and metadata', async () => {
    const { body: p } = await fhir.post('Patient', patient());
    for (const path of [`Patient/${p.id}`, `Patient/${p.id}/_history/1`, 'Patient?family=Iyer', `Patient/${p.id}/_history`, 'metadata']) {
      const get = await raw(path);
      const head = await raw(path, { method: 'HEAD' });
      expect(head.status, path).toBe(get.status);
      expect(head.status, path).toBe(200);
      expect(head.headers.get('content-type')).toBe(get.headers.get('content-type'));
      expect(await head.text()).toBe('');
    }
    const read = await raw(`Patient/${p.id}`, { method: 'HEAD' });
    expect(read.headers.get('etag')).toBe('W/"1"');
    expect((await raw('Patient/no-such-id', { method: 'HEAD' })).status).toBe(404);
    expect((await raw(`Patient/${p.id}`, { method: 'HEAD', headers: { 'if-none-match': 'W/"1"' } })).status).toBe(304);
  });
});

describe('Accept negotiation', () => {
  it('answers JSON for */*, application/json and application/fhir+json with fhirVersion=4.0', async () => {
    for (const accept of [
      '*/*',
      'application/json',
      'application/fhir+json',
      'application/fhir+json; fhirVersion=4.0',
      'application/fhir+xml;q=0.9, application/fhir+json',
      'text/html, application/*;q=0.1',
    ]) {
      const res = await raw('Patient?_count=1', { headers: { accept } });
      expect(res.status, accept).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/fhir+json; charset=utf-8');
    }
    expect((await raw('metadata', { headers: { accept: 'application/fhir+json; fhirVersion=4.0' } })).status).toBe(200);
  });

  it('answers 406 with an OperationOutcome for XML, Turtle, unknown types and other FHIR versions', async () => {
    for (const accept of [
      'application/fhir+xml',
      'application/xml',
      'text/turtle',
      'application/x-unknown',
      'application/fhir+json; fhirVersion=5.0',
      'application/json;q=0',
    ]) {
      const res = await raw('Patient?_count=1', { headers: { accept } });
      expect(res.status, accept).toBe(406);
      expect(res.headers.get('content-type')).toBe('application/fhir+json; charset=utf-8');
      expectOutcome(await res.json(), /json/i);
    }
    expect((await raw('metadata', { headers: { accept: 'application/fhir+xml' } })).status).toBe(406);
  });

  it('takes _format over Accept: json forms answer JSON, others 406', async () => {
    for (const f of ['json', 'application/json', 'application/fhir+json']) {
      expect((await raw(`Patient?_count=1&_format=${encodeURIComponent(f)}`, { headers: { accept: 'application/fhir+xml' } })).status).toBe(
        200,
      );
    }
    for (const f of ['xml', 'application/fhir+xml', 'ttl']) {
      const res = await raw(`Patient?_count=1&_format=${encodeURIComponent(f)}`);
      expect(res.status, f).toBe(406);
      expectOutcome(await res.json(), /_format/);
    }
  });
});

describe('CORS', () => {
  const preflight = (path: string, origin: string) =>
    fetch(`${t.server.url}${path}`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization, content-type' },
    });

  it('answers preflights without authentication, allowing registered and configured origins', async () => {
    for (const origin of ['https://app.registered.example', 'https://partner.example', 'https://lab.example:8443']) {
      const res = await preflight('/fhir/R4/Patient', origin);
      expect(res.status, origin).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe(origin);
      expect(res.headers.get('access-control-allow-methods')).toMatch(/GET/);
      expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toMatch(/authorization/);
      expect(res.headers.get('vary')).toMatch(/Origin/i);
    }
    const other = await preflight('/fhir/R4/Patient', 'https://evil.example');
    expect(other.status).toBe(204);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('lets any origin read the discovery endpoints', async () => {
    for (const path of ['/.well-known/smart-configuration', '/fhir/R4/.well-known/smart-configuration', '/fhir/R4/metadata']) {
      const pre = await preflight(path, 'https://any.example');
      expect(pre.status, path).toBe(204);
      expect(pre.headers.get('access-control-allow-origin'), path).toBe('*');
      const res = await fetch(`${t.server.url}${path}`, { headers: { origin: 'https://any.example' } });
      expect(res.status, path).toBe(200);
      expect(res.headers.get('access-control-allow-origin'), path).toBe('*');
    }
  });

  it('marks API answers for allowed origins, and only them', async () => {
    const ok = await raw('Patient?_count=1', { headers: { origin: 'https://partner.example' } });
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://partner.example');
    expect(ok.headers.get('access-control-expose-headers')).toMatch(/ETag/);
    expect(ok.headers.get('vary')).toMatch(/Origin/i);
    const other = await raw('Patient?_count=1', { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('DELETE of what does not exist', () => {
  it('answers 200 with an OperationOutcome', async () => {
    const res = await fhir.delete('Patient/never-existed');
    expect(res.status).toBe(200);
    expectOutcome(res.body);
  });

  it('does not fail a transaction', async () => {
    const { body: p } = await fhir.post('Patient', patient());
    const res = await fhir.post('', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { request: { method: 'DELETE', url: 'Patient/never-existed-either' } },
        { request: { method: 'DELETE', url: `Patient/${p.id}` } },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.entry.map((e: any) => e.response.status.slice(0, 3))).toEqual(['200', '200']);
    expect((await fhir.get(`Patient/${p.id}`)).status).toBe(410);
  });
});

describe('ETags', () => {
  it('only resource versions carry one, as W/"<versionId>"', async () => {
    const created = await fhir.post('Patient', patient());
    expect(created.headers.get('etag')).toBe('W/"1"');
    expect((await fhir.get('Patient?_count=1')).headers.get('etag')).toBeNull();
    expect((await fhir.get('Patient/missing')).headers.get('etag')).toBeNull();
    expect((await fhir.post('Observation', { resourceType: 'Observation' })).headers.get('etag')).toBeNull();
    expect((await fhir.get(`Patient/${created.body.id}/_history`)).headers.get('etag')).toBeNull();
    expect((await fetch(`${t.base}/metadata`)).headers.get('etag')).toBeNull();
  });
});

/** Every array and object in a JSON value has content. */
function empties(value: unknown, path = '$'): string[] {
  if (Array.isArray(value)) return value.length === 0 ? [path] : value.flatMap((v, i) => empties(v, `${path}[${i}]`));
  if (value && typeof value === 'object') {
    const entries = Object.entries(value);
    return entries.length === 0 ? [path] : entries.flatMap(([k, v]) => empties(v, `${path}.${k}`));
  }
  return [];
}

describe('no empty arrays or objects in output', () => {
  it('an empty search, history and transaction answer have none', async () => {
    const search = await fhir.get('Patient?family=NobodyHasThisName');
    expect(search.status).toBe(200);
    expect(search.body.total ?? 0).toBe(0);
    expect(search.body.entry).toBeUndefined();
    expect(empties(search.body)).toEqual([]);
    const total = await fhir.get('Patient?family=NobodyHasThisName&_total=accurate');
    expect(empties(total.body)).toEqual([]);
    const history = await fhir.get('Patient/_history?_since=2999-01-01T00:00:00Z');
    expect(history.status).toBe(200);
    expect(empties(history.body)).toEqual([]);
    const elements = await fhir.get('Patient?family=NobodyHasThisName&_elements=gender');
    expect(empties(elements.body)).toEqual([]);
    const metadata = await fhir.get('metadata');
    expect(empties(metadata.body)).toEqual([]);
  });
});

describe('invalid control parameter values get 400 naming the parameter', () => {
  const cases: [string, string][] = [
    ['Patient?_total=invalid', '_total'],
    ['Patient?_summary=bad', '_summary'],
    ['Patient?given:missing=invalid', 'given:missing'],
    ['Patient?_count=-1', '_count'],
    ['Patient?_count=abc', '_count'],
    ['Patient?_offset=-5', '_offset'],
    ['Patient?_sort=nosuchparam', '_sort'],
    ['Patient?_sort=-', '_sort'],
    ['Patient?_pretty=maybe', '_pretty'],
    ['Patient?_elements=na%20me', '_elements'],
  ];
  for (const [path, param] of cases) {
    it(path, async () => {
      const res = await fhir.get(path);
      expect(res.status).toBe(400);
      expectOutcome(res.body, new RegExp(param.replace(/[$?]/g, '\\$&')));
    });
  }

  it('a read with a bad _summary is refused too; good values pass', async () => {
    const { body: p } = await fhir.post('Patient', patient());
    expect((await fhir.get(`Patient/${p.id}?_summary=bad`)).status).toBe(400);
    for (const q of [
      '_total=accurate',
      '_total=none',
      '_summary=count',
      '_summary=true',
      '_count=0',
      '_sort=-birthdate,family',
      '_sort=_lastUpdated',
      'given:missing=false',
      '_pretty=true',
    ]) {
      expect((await fhir.get(`Patient?${q}`)).status, q).toBe(200);
    }
  });
});
