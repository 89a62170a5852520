import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirClient, startTestServer, type TestServer } from './helpers/server.ts';

const patient = (family = 'Sharma', given = 'Asha') => ({
  resourceType: 'Patient',
  name: [{ family, given: [given] }],
  gender: 'female',
  birthDate: '1988-04-12',
  telecom: [{ system: 'phone', value: '+919812345678' }],
});

let t: TestServer;
let fhir: ReturnType<typeof fhirClient>;

beforeAll(async () => {
  t = await startTestServer();
  fhir = fhirClient(t.base);
});
afterAll(() => t?.stop());

describe('create, read, vread', () => {
  it('creates with a server-assigned id and answers with Location, ETag and Last-Modified', async () => {
    const res = await fhir.post('Patient', { ...patient(), id: 'client-chosen' });
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toBe('application/fhir+json; charset=utf-8');
    expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body.id).not.toBe('client-chosen');
    expect(res.body.meta.versionId).toBe('1');
    expect(res.headers.get('etag')).toBe('W/"1"');
    expect(res.headers.get('location')).toBe(`${t.base}/Patient/${res.body.id}/_history/1`);
    expect(new Date(res.headers.get('last-modified') as string).getTime()).toBeGreaterThan(0);

    const read = await fhir.get(`Patient/${res.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body.name[0].family).toBe('Sharma');
    expect(read.headers.get('etag')).toBe('W/"1"');
    expect(Object.keys(read.body).slice(0, 3)).toEqual(['resourceType', 'id', 'meta']);

    const vread = await fhir.get(`Patient/${res.body.id}/_history/1`);
    expect(vread.status).toBe(200);
    expect(vread.body).toEqual(read.body);
  });

  it('answers 404 for an unknown id, an unknown version and an unknown type', async () => {
    expect((await fhir.get('Patient/does-not-exist')).status).toBe(404);
    const created = await fhir.post('Patient', patient());
    expect((await fhir.get(`Patient/${created.body.id}/_history/7`)).status).toBe(404);
    const unknown = await fhir.get('Spaceship/1');
    expect(unknown.status).toBe(404);
    expect(unknown.body.resourceType).toBe('OperationOutcome');
    expect(unknown.body.issue[0].details.text).toContain('Spaceship');
  });

  it('honours If-None-Match and If-Modified-Since on read with 304', async () => {
    const created = await fhir.post('Patient', patient());
    const path = `Patient/${created.body.id}`;
    expect((await fhir.get(path, { 'if-none-match': 'W/"1"' })).status).toBe(304);
    expect((await fhir.get(path, { 'if-none-match': 'W/"2"' })).status).toBe(200);
    const lm = created.headers.get('last-modified') as string;
    expect((await fhir.get(path, { 'if-modified-since': lm })).status).toBe(304);
    expect((await fhir.get(path, { 'if-modified-since': 'Mon, 01 Jan 2001 00:00:00 GMT' })).status).toBe(200);
  });

  it('accepts _format=json and refuses _format=xml with 406', async () => {
    const created = await fhir.post('Patient', patient());
    expect((await fhir.get(`Patient/${created.body.id}?_format=json`)).status).toBe(200);
    expect((await fhir.get(`Patient/${created.body.id}?_format=xml`)).status).toBe(406);
  });

  it('applies _summary and _elements to a read', async () => {
    const created = await fhir.post('Patient', {
      ...patient(),
      text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Asha</div>' },
    });
    const elements = await fhir.get(`Patient/${created.body.id}?_elements=gender`);
    expect(Object.keys(elements.body).sort()).toEqual(['gender', 'id', 'meta', 'resourceType']);
    expect(elements.body.meta.tag).toContainEqual(expect.objectContaining({ code: 'SUBSETTED' }));
    const summary = await fhir.get(`Patient/${created.body.id}?_summary=true`);
    expect(summary.body.name).toBeDefined();
    expect(summary.body.text).toBeUndefined();
    const text = await fhir.get(`Patient/${created.body.id}?_summary=text`);
    expect(text.body.text).toBeDefined();
    expect(text.body.name).toBeUndefined();
  });
});

describe('update, patch, delete', () => {
  it('updates to a new version, keeps the old one readable, and skips no-op updates', async () => {
    const created = await fhir.post('Patient', patient());
    const id = created.body.id;
    const updated = await fhir.put(`Patient/${id}`, { ...created.body, gender: 'other' });
    expect(updated.status).toBe(200);
    expect(updated.body.meta.versionId).toBe('2');
    expect(updated.headers.get('etag')).toBe('W/"2"');
    expect((await fhir.get(`Patient/${id}/_history/1`)).body.gender).toBe('female');
    const same = await fhir.put(`Patient/${id}`, updated.body);
    expect(same.body.meta.versionId).toBe('2');
  });

  it('rejects a stale If-Match with 412 and accepts the current one', async () => {
    const created = await fhir.post('Patient', patient());
    const id = created.body.id;
    const stale = await fhir.put(`Patient/${id}`, { ...created.body, gender: 'male' }, { 'if-match': 'W/"9"' });
    expect(stale.status).toBe(412);
    expect(stale.body.resourceType).toBe('OperationOutcome');
    const ok = await fhir.put(`Patient/${id}`, { ...created.body, gender: 'male' }, { 'if-match': 'W/"1"' });
    expect(ok.status).toBe(200);
  });

  it('creates on update with a client id when allowed', async () => {
    const res = await fhir.put('Patient/mrn-000123', { ...patient(), id: 'mrn-000123' });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toContain('/Patient/mrn-000123/_history/1');
    expect((await fhir.get('Patient/mrn-000123')).status).toBe(200);
  });

  it('refuses an update whose body id or type does not match the URL', async () => {
    const created = await fhir.post('Patient', patient());
    expect((await fhir.put(`Patient/${created.body.id}`, { ...created.body, id: 'other' })).status).toBe(400);
    expect((await fhir.put(`Patient/${created.body.id}`, { ...created.body, resourceType: 'Practitioner' })).status).toBe(400);
  });

  it('applies a JSON Patch as a new version and rejects a failing test op', async () => {
    const created = await fhir.post('Patient', patient());
    const id = created.body.id;
    const patched = await fhir.patch(`Patient/${id}`, [
      { op: 'replace', path: '/gender', value: 'male' },
      { op: 'add', path: '/active', value: true },
    ]);
    expect(patched.status).toBe(200);
    expect(patched.body.gender).toBe('male');
    expect(patched.body.active).toBe(true);
    expect(patched.body.meta.versionId).toBe('2');
    const failing = await fhir.patch(`Patient/${id}`, [{ op: 'test', path: '/gender', value: 'female' }]);
    expect(failing.status).toBe(400);
    const invalid = await fhir.patch(`Patient/${id}`, [{ op: 'replace', path: '/gender', value: 42 }]);
    expect(invalid.status).toBe(422);
    expect((await fhir.get(`Patient/${id}`)).body.meta.versionId).toBe('2');
  });

  it('applies a FHIRPath Patch (Parameters)', async () => {
    const created = await fhir.post('Patient', patient());
    const res = await fhir.call(
      'PATCH',
      `Patient/${created.body.id}`,
      {
        resourceType: 'Parameters',
        parameter: [
          {
            name: 'operation',
            part: [
              { name: 'type', valueCode: 'replace' },
              { name: 'path', valueString: 'Patient.birthDate' },
              { name: 'value', valueDate: '1988-04-13' },
            ],
          },
        ],
      },
      { 'content-type': 'application/fhir+json' },
    );
    expect(res.status).toBe(200);
    expect(res.body.birthDate).toBe('1988-04-13');
    expect(res.body.meta.versionId).toBe('2');
  });

  it('deletes as a tombstone: read answers 410, history keeps every version', async () => {
    const created = await fhir.post('Patient', patient());
    const id = created.body.id;
    expect((await fhir.delete(`Patient/${id}`)).status).toBe(200);
    const gone = await fhir.get(`Patient/${id}`);
    expect(gone.status).toBe(410);
    expect(gone.body.resourceType).toBe('OperationOutcome');
    expect((await fhir.get(`Patient/${id}/_history/1`)).status).toBe(200);
    expect((await fhir.get(`Patient/${id}/_history/2`)).status).toBe(410);
    const history = await fhir.get(`Patient/${id}/_history`);
    expect(history.body.type).toBe('history');
    expect(history.body.entry.map((e: any) => e.request.method)).toEqual(['DELETE', 'POST']);
    expect((await fhir.delete(`Patient/${id}`)).status).toBe(200);
    expect((await fhir.delete('Patient/never-was')).status).toBe(200);
  });

  it('honours Prefer return=minimal and return=OperationOutcome', async () => {
    const minimal = await fhir.post('Patient', patient(), { prefer: 'return=minimal' });
    expect(minimal.status).toBe(201);
    expect(minimal.body).toBeUndefined();
    expect(minimal.headers.get('location')).toMatch(/\/Patient\/[0-9a-f-]+\/_history\/1$/);
    const oo = await fhir.post('Patient', patient(), { prefer: 'return=OperationOutcome' });
    expect(oo.status).toBe(201);
    expect(oo.body.resourceType).toBe('OperationOutcome');
  });
});

describe('conditional interactions', () => {
  const identifier = (v: string) => ({ ...patient(), identifier: [{ system: 'https://healthid.ndhm.gov.in', value: v }] });

  it('conditional create makes one resource and then finds it', async () => {
    const headers = { 'if-none-exist': 'identifier=https://healthid.ndhm.gov.in|91-1111-2222-3333' };
    const first = await fhir.post('Patient', identifier('91-1111-2222-3333'), headers);
    expect(first.status).toBe(201);
    const second = await fhir.post('Patient', identifier('91-1111-2222-3333'), headers);
    expect(second.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);
  });

  it('conditional update updates the one match, creates when none, 412 when several', async () => {
    const created = await fhir.post('Patient', identifier('91-4444-5555-6666'));
    const upd = await fhir.put('Patient?identifier=https://healthid.ndhm.gov.in|91-4444-5555-6666', {
      ...identifier('91-4444-5555-6666'),
      gender: 'male',
    });
    expect(upd.status).toBe(200);
    expect(upd.body.id).toBe(created.body.id);
    expect(upd.body.meta.versionId).toBe('2');
    const made = await fhir.put('Patient?identifier=https://healthid.ndhm.gov.in|91-7777-7777-7777', identifier('91-7777-7777-7777'));
    expect(made.status).toBe(201);
    await fhir.post('Patient', { ...patient('Twin'), identifier: [{ system: 'urn:test', value: 'dup' }] });
    await fhir.post('Patient', { ...patient('Twin'), identifier: [{ system: 'urn:test', value: 'dup' }] });
    expect((await fhir.put('Patient?identifier=urn:test|dup', patient('Twin'))).status).toBe(412);
  });

  it('conditional delete removes the single match', async () => {
    const created = await fhir.post('Patient', identifier('91-8888-8888-8888'));
    expect((await fhir.delete('Patient?identifier=https://healthid.ndhm.gov.in|91-8888-8888-8888')).status).toBe(200);
    expect((await fhir.get(`Patient/${created.body.id}`)).status).toBe(410);
  });
});
