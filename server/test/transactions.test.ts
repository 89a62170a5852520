import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirClient, startTestServer, type TestServer } from './helpers/server.ts';

let t: TestServer;
let fhir: ReturnType<typeof fhirClient>;

beforeAll(async () => {
  t = await startTestServer();
  fhir = fhirClient(t.base);
});
afterAll(() => t?.stop());

const count = async (type: string) => (await fhir.get(`${type}?_total=accurate&_count=0`)).body.total as number;

describe('transaction bundles', () => {
  it('commits all entries and resolves urn:uuid references', async () => {
    const res = await fhir.post('', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: 'urn:uuid:6f1c7a8e-1111-4c3b-9a77-5d2a1f000001',
          resource: { resourceType: 'Patient', name: [{ family: 'Iyer', given: ['Meena'] }] },
          request: { method: 'POST', url: 'Patient' },
        },
        {
          fullUrl: 'urn:uuid:6f1c7a8e-1111-4c3b-9a77-5d2a1f000002',
          resource: {
            resourceType: 'Encounter',
            status: 'finished',
            class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
            subject: { reference: 'urn:uuid:6f1c7a8e-1111-4c3b-9a77-5d2a1f000001' },
          },
          request: { method: 'POST', url: 'Encounter' },
        },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.type).toBe('transaction-response');
    expect(res.body.entry.map((e: any) => e.response.status.slice(0, 3))).toEqual(['201', '201']);
    const encounterId = res.body.entry[1].response.location.match(/Encounter\/([^/]+)/)[1];
    const patientId = res.body.entry[0].response.location.match(/Patient\/([^/]+)/)[1];
    const encounter = await fhir.get(`Encounter/${encounterId}`);
    expect(encounter.body.subject.reference).toBe(`Patient/${patientId}`);
    const search = await fhir.get(`Encounter?subject=Patient/${patientId}`);
    expect(search.body.entry.map((e: any) => e.resource.id)).toEqual([encounterId]);
  });

  it('answers 201 with a versioned Location for an entry whose PUT created the resource, 200 for one that updated it', async () => {
    const existing = await fhir.post('Patient', { resourceType: 'Patient', name: [{ family: 'Existing' }] });
    const newId = `uhid-${Date.now()}`;
    for (const type of ['transaction', 'batch']) {
      const id = `${newId}-${type}`;
      const res = await fhir.post('', {
        resourceType: 'Bundle',
        type,
        entry: [
          { resource: { resourceType: 'Patient', id, name: [{ family: 'Fresh' }] }, request: { method: 'PUT', url: `Patient/${id}` } },
          { resource: { ...existing.body, gender: 'other' }, request: { method: 'PUT', url: `Patient/${existing.body.id}` } },
        ],
      });
      expect(res.status).toBe(200);
      const [made, updated] = res.body.entry.map((e: any) => e.response);
      expect(made.status).toBe('201');
      expect(made.location).toBe(`Patient/${id}/_history/1`);
      expect(updated.status.slice(0, 3)).toBe('200');
    }
  });

  it('rolls back every entry when one fails, leaving no trace', async () => {
    const patientsBefore = await count('Patient');
    const existing = await fhir.post('Patient', { resourceType: 'Patient', name: [{ family: 'Before' }] });
    const historyBefore = (await fhir.get('_history?_count=0')).body.total;
    const res = await fhir.post('', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: { resourceType: 'Patient', name: [{ family: 'Rollback' }] }, request: { method: 'POST', url: 'Patient' } },
        { resource: { ...existing.body, gender: 'male' }, request: { method: 'PUT', url: `Patient/${existing.body.id}` } },
        { resource: { resourceType: 'Observation', status: 'final' }, request: { method: 'POST', url: 'Observation' } },
      ],
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(await count('Patient')).toBe(patientsBefore + 1);
    expect((await fhir.get(`Patient/${existing.body.id}`)).body.meta.versionId).toBe('1');
    expect((await fhir.get('Patient?family=Rollback')).body.entry).toBeUndefined();
    expect((await fhir.get('_history?_count=0')).body.total).toBe(historyBefore);
  });

  it('runs a batch entry by entry: one failure does not undo the others', async () => {
    const res = await fhir.post('', {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { resource: { resourceType: 'Patient', name: [{ family: 'BatchOk' }] }, request: { method: 'POST', url: 'Patient' } },
        { request: { method: 'GET', url: 'Patient/not-there' } },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.type).toBe('batch-response');
    expect(res.body.entry[0].response.status).toMatch(/^201/);
    expect(res.body.entry[1].response.status).toMatch(/^404/);
    expect((await fhir.get('Patient?family=BatchOk')).body.entry).toHaveLength(1);
  });

  it('supports conditional create inside a transaction (idempotent loads)', async () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: 'urn:uuid:0b7f2d0c-2222-4d5e-8f00-000000000001',
          resource: { resourceType: 'Organization', name: 'Idempotent Clinic', identifier: [{ system: 'urn:test:org', value: 'idem-1' }] },
          request: { method: 'POST', url: 'Organization', ifNoneExist: 'identifier=urn:test:org|idem-1' },
        },
      ],
    };
    const first = await fhir.post('', bundle);
    const second = await fhir.post('', bundle);
    expect(first.body.entry[0].response.status).toMatch(/^201/);
    expect(second.body.entry[0].response.status).toMatch(/^200/);
    expect((await fhir.get('Organization?identifier=urn:test:org|idem-1')).body.entry).toHaveLength(1);
  });

  it('refuses a bundle that is neither batch nor transaction', async () => {
    const res = await fhir.post('', { resourceType: 'Bundle', type: 'collection', entry: [] });
    expect(res.status).toBe(400);
  });
});

describe('concurrency', () => {
  it('of many updates sent with the same If-Match, exactly one wins', async () => {
    const created = await fhir.post('Patient', { resourceType: 'Patient', name: [{ family: 'Race' }] });
    const id = created.body.id;
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        fhir.put(`Patient/${id}`, { ...created.body, name: [{ family: `Race${i}` }] }, { 'if-match': 'W/"1"' }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 412)).toHaveLength(11);
    const final = await fhir.get(`Patient/${id}`);
    expect(final.body.meta.versionId).toBe('2');
    expect((await fhir.get(`Patient/${id}/_history`)).body.total).toBe(2);
  });

  it('concurrent conditional creates make one resource', async () => {
    const body = { resourceType: 'Patient', identifier: [{ system: 'urn:test:mrn', value: 'same-person' }] };
    const results = await Promise.all(
      Array.from({ length: 6 }, () => fhir.post('Patient', body, { 'if-none-exist': 'identifier=urn:test:mrn|same-person' })),
    );
    expect(results.every((r) => r.status === 200 || r.status === 201 || r.status === 409)).toBe(true);
    expect((await fhir.get('Patient?identifier=urn:test:mrn|same-person')).body.entry).toHaveLength(1);
  });
});
