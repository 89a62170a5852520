import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirClient, startTestServer, systemToken, TENANT_A, type TestServer } from '../helpers/server.ts';

// Issue 16, items 7 to 9: search and compartment routes, stored Bundles, unknown operations.
let t: TestServer;
let fhir: ReturnType<typeof fhirClient>;
let patientId: string;
let otherId: string;

beforeAll(async () => {
  t = await startTestServer();
  fhir = fhirClient(t.base);
  patientId = (await fhir.post('Patient', { resourceType: 'Patient', name: [{ family: 'Compartment' }] })).body.id;
  otherId = (await fhir.post('Patient', { resourceType: 'Patient', name: [{ family: 'Elsewhere' }] })).body.id;
  for (const [subject, code] of [
    [patientId, 'a'],
    [patientId, 'b'],
    [otherId, 'c'],
  ]) {
    await fhir.post('Observation', {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://example.org/codes', code }], text: code },
      subject: { reference: `Patient/${subject}` },
    });
  }
  await fhir.post('Condition', { resourceType: 'Condition', code: { text: 'x' }, subject: { reference: `Patient/${patientId}` } });
});
afterAll(() => t?.stop());

/** POST with a form-encoded body, as R4's search by POST is written. */
async function postForm(path: string, form: Record<string, string>) {
  const res = await fetch(`${t.base}/${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await systemToken(t.base, TENANT_A)}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  return { status: res.status, body: (await res.json()) as any };
}

const ids = (bundle: any) => (bundle.entry ?? []).map((e: any) => `${e.resource.resourceType}/${e.resource.id}`).sort();

describe('search routes (item 7)', () => {
  it('POST [base]/_search searches across types, with a form body', async () => {
    const res = await postForm('_search', { _type: 'Patient', _id: patientId });
    expect(res.status).toBe(200);
    expect(res.body.type).toBe('searchset');
    expect(ids(res.body)).toEqual([`Patient/${patientId}`]);
  });

  it('GET and POST Patient/<id>/* return every resource in the compartment, the patient included', async () => {
    const get = await fhir.get(`Patient/${patientId}/*`);
    expect(get.status).toBe(200);
    expect(get.body.entry).toHaveLength(4);
    expect(ids(get.body).filter((r: string) => r.startsWith('Patient/'))).toEqual([`Patient/${patientId}`]);
    expect(ids(get.body).filter((r: string) => r.startsWith('Condition/'))).toHaveLength(1);
    const self = new URL(get.body.link.find((l: any) => l.relation === 'self').url);
    expect(decodeURIComponent(self.pathname)).toBe(`/fhir/R4/Patient/${patientId}/*`);
    const post = await postForm(`Patient/${patientId}/*`, { _type: 'Observation' });
    expect(post.status).toBe(200);
    expect(post.body.entry).toHaveLength(2);
    expect(post.body.entry.every((e: any) => e.resource.resourceType === 'Observation')).toBe(true);
  });

  it('POST Patient/<id>/Observation/_search takes a form body', async () => {
    const res = await postForm(`Patient/${patientId}/Observation/_search`, { 'code:text': 'a' });
    expect(res.status).toBe(200);
    expect(res.body.entry).toHaveLength(1);
    expect(res.body.entry[0].resource.code.text).toBe('a');
  });

  it('refuses a _type outside the compartment', async () => {
    const res = await fhir.get(`Patient/${patientId}/*?_type=Organization`);
    expect(res.status).toBe(400);
    expect(res.body.issue[0].details.text).toContain('not in the Patient compartment');
  });
});

describe('stored Bundles (item 8)', () => {
  const document = (type: string) => ({
    resourceType: 'Bundle',
    type,
    ...(type === 'document' ? { identifier: { system: 'urn:ietf:rfc:3986', value: 'urn:uuid:0c3b0ad2-1d31-4bd6-8d5d-0d8c5d3f1a01' } } : {}),
    ...(type === 'document' ? { timestamp: '2026-01-01T10:00:00+05:30' } : {}),
    entry: [
      ...(type === 'document' ? [composition] : []),
      { fullUrl: 'urn:uuid:0c3b0ad2-1d31-4bd6-8d5d-0d8c5d3f1a02', resource: { resourceType: 'Patient', name: [{ family: 'Inside' }] } },
    ] as any[],
  });
  const composition = {
    fullUrl: 'urn:uuid:0c3b0ad2-1d31-4bd6-8d5d-0d8c5d3f1a04',
    resource: {
      resourceType: 'Composition',
      status: 'final',
      type: { text: 'Discharge summary' },
      date: '2026-01-01T10:00:00+05:30',
      title: 'Discharge summary',
      author: [{ display: 'Dr. Rao' }],
      subject: { reference: 'urn:uuid:0c3b0ad2-1d31-4bd6-8d5d-0d8c5d3f1a02' },
    },
  };

  for (const type of ['document', 'collection', 'message', 'history']) {
    it(`stores a ${type} Bundle posted to /Bundle, with an ETag and Location`, async () => {
      const body = document(type);
      if (type === 'message') {
        body.entry.unshift({
          fullUrl: 'urn:uuid:0c3b0ad2-1d31-4bd6-8d5d-0d8c5d3f1a03',
          resource: {
            resourceType: 'MessageHeader',
            eventCoding: { system: 'http://example.org/events', code: 'x' },
            source: { endpoint: 'urn:x' },
          },
        });
      }
      if (type === 'history') body.entry[0].request = { method: 'POST', url: 'Patient' };
      if (type === 'history') body.entry[0].response = { status: '201' };
      const res = await fhir.post('Bundle', body);
      expect(res.status).toBe(201);
      expect(res.headers.get('etag')).toBe('W/"1"');
      expect(res.headers.get('location')).toContain(`/Bundle/${res.body.id}/_history/1`);
      expect(res.body.type).toBe(type);
      const read = await fhir.get(`Bundle/${res.body.id}`);
      expect(read.status).toBe(200);
      expect(read.body.entry.map((e: any) => e.resource.resourceType)).toEqual(body.entry.map((e) => e.resource.resourceType));
    });
  }

  it('honours Prefer: return=minimal on a stored Bundle', async () => {
    const res = await fhir.post('Bundle', document('collection'), { prefer: 'return=minimal' });
    expect(res.status).toBe(201);
    expect(res.body).toBeUndefined();
    expect(res.headers.get('location')).toMatch(/\/Bundle\/[^/]+\/_history\/1$/);
  });

  it('answers 400 to a document Bundle posted to the base, saying where it belongs', async () => {
    const res = await fhir.post('', document('document'));
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue[0].details.text).toContain('batch and transaction Bundles only');
    expect(res.body.issue[0].details.text).toContain('/Bundle');
  });
});

describe('unknown operations (item 9)', () => {
  for (const path of [
    'Patient/$everything',
    'Encounter/$everything',
    'Observation/PID/$everything',
    '$nonsense',
    'Patient/PID/$nonsense',
  ]) {
    it(`GET ${path} answers 404 "unknown operation"`, async () => {
      const res = await fhir.get(path.replace('PID', patientId));
      expect(res.status).toBe(404);
      expect(res.body.resourceType).toBe('OperationOutcome');
      expect(res.body.issue[0].code).toBe('not-supported');
      expect(res.body.issue[0].details.text).toMatch(/^Unknown operation: \$/);
    });
  }

  it('POST to an unknown type-level operation is not mistaken for a create', async () => {
    const res = await fhir.post('Patient/$nonsense', { resourceType: 'Parameters' });
    expect(res.status).toBe(404);
    expect(res.body.issue[0].details.text).toBe('Unknown operation: $nonsense');
  });

  it('known operations still run', async () => {
    const res = await fhir.post('Patient/$validate', { resourceType: 'Patient' });
    expect(res.status).toBe(200);
  });
});
