import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirClient, startTestServer, TENANT_A, TENANT_B, type TestServer } from '../helpers/server.ts';
import { ASYNC, type Client, clientWithScope, download, exportAll, keys, kickOff, relative, searchAll, waitFor } from './helpers.ts';

/** Bulk Data $export (docs/bulk-data.md): the three levels, every parameter, and each export equal to a search. */

let t: TestServer;
let a: Client;
let b: Client;
const ids: Record<string, string> = {};
let between = '';

async function create(client: Client, resource: Record<string, unknown>): Promise<string> {
  const res = await client.post(resource.resourceType as string, resource);
  if (res.status !== 201) throw new Error(`${resource.resourceType} not created: ${JSON.stringify(res.body)}`);
  return res.body.id;
}

const observation = (patient: string | undefined, code: string, status = 'final') => ({
  resourceType: 'Observation',
  status,
  code: { coding: [{ system: 'http://loinc.org', code }], text: code },
  ...(patient ? { subject: { reference: `Patient/${patient}` } } : {}),
});

beforeAll(async () => {
  // Three resources a file, so types with more resources are split over several files.
  t = await startTestServer({ BULK_EXPORT_FILE_RESOURCES: '3' });
  a = fhirClient(t.base, TENANT_A);
  b = fhirClient(t.base, TENANT_B);
  ids.p1 = await create(a, { resourceType: 'Patient', name: [{ family: 'Kulkarni', given: ['Asha'] }], gender: 'female' });
  ids.p2 = await create(a, { resourceType: 'Patient', name: [{ family: 'Deshpande' }], gender: 'male' });
  ids.p3 = await create(a, { resourceType: 'Patient', name: [{ family: 'Iyer' }], gender: 'female' });
  for (const code of ['8867-4', '8480-6', '8310-5']) await create(a, observation(ids.p1, code));
  for (const code of ['8867-4', '29463-7']) await create(a, observation(ids.p2, code, 'preliminary'));
  ids.orphan = await create(a, observation(undefined, '2339-0'));
  ids.org = await create(a, { resourceType: 'Organization', name: 'Pune branch' });
  ids.group = await create(a, {
    resourceType: 'Group',
    type: 'person',
    actual: true,
    member: [{ entity: { reference: `Patient/${ids.p1}` } }, { entity: { reference: `Patient/${ids.p3}` } }],
  });
  await new Promise((r) => setTimeout(r, 20));
  between = new Date().toISOString();
  await new Promise((r) => setTimeout(r, 20));
  ids.late = await create(a, observation(ids.p3, '718-7'));
  ids.gone = await create(a, { resourceType: 'Organization', name: 'Closed clinic' });
  expect((await a.delete(`Organization/${ids.gone}`)).status).toBeLessThan(300);
  // The other tenant: a patient, an observation and a Group of its own.
  ids.bPatient = await create(b, { resourceType: 'Patient', name: [{ family: 'Other' }] });
  await create(b, observation(ids.bPatient, '8867-4'));
  ids.bGroup = await create(b, {
    resourceType: 'Group',
    type: 'person',
    actual: true,
    member: [{ entity: { reference: `Patient/${ids.bPatient}` } }],
  });
});

afterAll(async () => {
  await t?.stop();
});

describe('kick-off, status and manifest', () => {
  it('a system export equals a search of every type, resource by resource, split into files', async () => {
    const status = await kickOff(a, '$export');
    const done = await waitFor(a, status);
    expect(done.status).toBe(200);
    expect(done.headers.get('content-type')).toMatch(/^application\/json/);
    const m = done.body;
    expect(m.requiresAccessToken).toBe(true);
    expect(m.request).toMatch(/\/fhir\/R4\/\$export$/);
    expect(Date.parse(m.transactionTime)).toBeGreaterThan(0);
    expect(m.error).toEqual([]);
    expect(m.deleted).toBeUndefined();
    for (const type of ['Patient', 'Observation', 'Organization', 'Group']) {
      const files = m.output.filter((f: { type: string }) => f.type === type);
      const exported = await download(a, files);
      expect(keys(exported), type).toEqual(keys(await searchAll(a, type)));
      // Each file holds at most BULK_EXPORT_FILE_RESOURCES resources.
      for (const f of files) expect(f.count).toBeLessThanOrEqual(3);
    }
    expect(m.output.filter((f: { type: string }) => f.type === 'Observation').length).toBe(3); // 7 observations, 3 a file
    // The other tenant's data is nowhere.
    const all = await download(a, m.output);
    expect(all.map((r) => r.id)).not.toContain(ids.bPatient);
    expect(all.map((r) => r.id)).not.toContain(ids.bGroup);
  });

  it('POST with a Parameters body, and the _outputFormat aliases', async () => {
    for (const format of ['application/fhir+ndjson', 'application/ndjson', 'ndjson']) {
      const m = await exportAll(a, '$export', {
        resourceType: 'Parameters',
        parameter: [
          { name: '_outputFormat', valueString: format },
          { name: '_type', valueString: 'Patient' },
        ],
      });
      expect(keys(await download(a, m.output))).toEqual(keys(await searchAll(a, 'Patient')));
    }
  });

  it('without Prefer: respond-async the kick-off is refused', async () => {
    const res = await a.get('$export');
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue[0].details.text).toMatch(/Prefer: respond-async/);
  });

  it('the CapabilityStatement declares the operations', async () => {
    const res = await a.get('metadata');
    expect(res.body.instantiates).toContain('http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data');
    expect(res.body.rest[0].operation.map((o: { name: string }) => o.name)).toContain('export');
    const group = res.body.rest[0].resource.find((r: { type: string }) => r.type === 'Group');
    expect(group.operation.map((o: { name: string }) => o.name)).toContain('export');
  });
});

describe('parameters', () => {
  it('_type exports only the types named', async () => {
    const m = await exportAll(a, '$export?_type=Observation,Organization');
    expect([...new Set(m.output.map((f) => f.type))].sort()).toEqual(['Observation', 'Organization']);
  });

  it('_since and _until equal a search on _lastUpdated, and _since lists deletions', async () => {
    const m = await exportAll(a, `$export?_type=Observation,Organization&_since=${encodeURIComponent(between)}`);
    const exported = await download(a, m.output);
    const searched = [
      ...(await searchAll(a, `Observation?_lastUpdated=ge${encodeURIComponent(between)}`)),
      ...(await searchAll(a, `Organization?_lastUpdated=ge${encodeURIComponent(between)}`)),
    ];
    expect(keys(exported)).toEqual(keys(searched));
    expect(keys(exported)).toEqual([`Observation/${ids.late}`]);
    // Both bounds at once, as the export applies them (they once merged into a lookup _lastUpdated has not).
    const both = `Observation?_lastUpdated=ge${encodeURIComponent(between)}&_lastUpdated=le${encodeURIComponent(m.transactionTime)}`;
    expect(keys(await searchAll(a, both))).toEqual([`Observation/${ids.late}`]);
    expect(m.deleted?.length).toBe(1);
    const gone = await download(a, m.deleted ?? []);
    expect(gone).toEqual([
      { resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'DELETE', url: `Organization/${ids.gone}` } }] },
    ]);

    const until = await exportAll(a, `$export?_type=Observation&_until=${encodeURIComponent(between)}`);
    const before = await download(a, until.output);
    expect(keys(before)).toEqual(keys(await searchAll(a, `Observation?_lastUpdated=le${encodeURIComponent(between)}`)));
    expect(before.map((r) => r.id)).not.toContain(ids.late);
  });

  it('_typeFilter: any search the server runs; several for one type are alternatives, none repeated', async () => {
    const one = await exportAll(a, `$export?_type=Observation&_typeFilter=${encodeURIComponent('Observation?status=preliminary')}`);
    expect(keys(await download(a, one.output))).toEqual(keys(await searchAll(a, 'Observation?status=preliminary')));

    // Overlapping alternatives: code 8867-4 is in both (one preliminary, one final).
    const q1 = 'Observation?status=preliminary';
    const q2 = 'Observation?code=http://loinc.org|8867-4';
    const two = await exportAll(a, `$export?_type=Observation&_typeFilter=${encodeURIComponent(q1)}&_typeFilter=${encodeURIComponent(q2)}`);
    const exported = await download(a, two.output);
    const union = new Set([...keys(await searchAll(a, q1)), ...keys(await searchAll(a, q2))]);
    expect(keys(exported)).toEqual([...union].sort());
    expect(new Set(keys(exported)).size).toBe(exported.length);

    // A chained search and a comma-joined pair in one value.
    const chained = await exportAll(
      a,
      `$export?_typeFilter=${encodeURIComponent('Observation?subject:Patient.gender=female,Patient?gender=male')}`,
    );
    const got = await download(a, chained.output);
    expect(keys(got.filter((r) => r.resourceType === 'Observation'))).toEqual(
      keys(await searchAll(a, 'Observation?subject:Patient.gender=female')),
    );
    expect(keys(got.filter((r) => r.resourceType === 'Patient'))).toEqual(keys(await searchAll(a, 'Patient?gender=male')));
  });

  it('_elements keeps the elements asked for (and the mandatory ones), marked SUBSETTED', async () => {
    const m = await exportAll(a, '$export?_type=Patient,Observation&_elements=Patient.gender,status');
    for (const r of await download(a, m.output)) {
      const allowed =
        r.resourceType === 'Patient' ? ['resourceType', 'id', 'meta', 'gender'] : ['resourceType', 'id', 'meta', 'status', 'code'];
      for (const k of Object.keys(r)) expect(allowed, `${r.resourceType}.${k}`).toContain(k);
      expect(JSON.stringify((r.meta as { tag?: unknown }).tag)).toContain('SUBSETTED');
    }
  });

  it('Patient-level: the Patient compartment only, and patient (POST) narrows it', async () => {
    const m = await exportAll(a, 'Patient/$export');
    const exported = await download(a, m.output);
    expect(exported.map((r) => r.resourceType)).not.toContain('Organization');
    expect(exported.map((r) => r.id)).not.toContain(ids.orphan); // an observation of no patient
    expect(keys(exported.filter((r) => r.resourceType === 'Observation'))).toEqual(
      keys((await searchAll(a, 'Observation')).filter((r) => r.id !== ids.orphan)),
    );

    const narrowed = await exportAll(a, 'Patient/$export', {
      resourceType: 'Parameters',
      parameter: [{ name: 'patient', valueReference: { reference: `Patient/${ids.p2}` } }],
    });
    const got = await download(a, narrowed.output);
    const compartment = [...(await searchAll(a, `Patient/${ids.p2}/Observation`)), ...(await searchAll(a, `Patient?_id=${ids.p2}`))];
    expect(keys(got)).toEqual(keys(compartment));
  });

  it('Group-level: only the members’ data; patient must be a member', async () => {
    const m = await exportAll(a, `Group/${ids.group}/$export?_type=Patient,Observation`);
    const got = await download(a, m.output);
    const expected = [
      ...(await searchAll(a, `Patient?_id=${ids.p1},${ids.p3}`)),
      ...(await searchAll(a, `Patient/${ids.p1}/Observation`)),
      ...(await searchAll(a, `Patient/${ids.p3}/Observation`)),
    ];
    expect(keys(got)).toEqual(keys(expected));

    const res = await a.post(
      `Group/${ids.group}/$export`,
      { resourceType: 'Parameters', parameter: [{ name: 'patient', valueReference: { reference: `Patient/${ids.p2}` } }] },
      ASYNC,
    );
    expect(res.status).toBe(400);
    expect(res.body.issue[0].details.text).toMatch(/not a member/);
  });
});

describe('bad input: a clear OperationOutcome each', () => {
  const cases: [string, RegExp][] = [
    ['$export?_type=Observation,Dragon', /Dragon cannot be exported/],
    ['$export?_type=AuditEvent', /AuditEvent cannot be exported/],
    ['Patient/$export?_type=Organization', /Patient compartment/],
    ['$export?_since=yesterday', /_since must be an instant/],
    ['$export?_since=2025-01-31', /_since must be an instant/],
    ['$export?_until=2025-13-45T99:00:00Z', /_until must be an instant/],
    ['$export?_outputFormat=text/csv', /_outputFormat text\/csv is not offered/],
    [`$export?_typeFilter=${encodeURIComponent('Observation?colour=blue')}`, /not a search this server can run/],
    [`$export?_typeFilter=${encodeURIComponent('Observation?date=notadate')}`, /not a search this server can run/],
    [`$export?_typeFilter=${encodeURIComponent('Observation?_count=5')}`, /_count cannot be used/],
    [`$export?_type=Patient&_typeFilter=${encodeURIComponent('Observation?status=final')}`, /which _type leaves out/],
    ['$export?_typeFilter=Observation', /must be <resource type>\?<search>/],
    ['$export?includeAssociatedData=LatestProvenanceResources', /does not support includeAssociatedData/],
    ['$export?colour=blue', /has no parameter colour/],
    ['$export?_elements=1bad', /not an element name/],
    ['$export?_since=2026-01-01T00:00:00Z&_until=2025-01-01T00:00:00Z', /_since is after _until/],
  ];
  for (const [path, text] of cases) {
    it(path, async () => {
      const res = await a.get(path, ASYNC);
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.resourceType).toBe('OperationOutcome');
      expect(res.body.issue[0].details.text).toMatch(text);
    });
  }

  it('patient on GET, or naming a patient of another tenant, is refused', async () => {
    expect((await a.get(`Patient/$export?patient=Patient/${ids.p1}`, ASYNC)).status).toBe(400);
    const res = await a.post(
      'Patient/$export',
      { resourceType: 'Parameters', parameter: [{ name: 'patient', valueReference: { reference: `Patient/${ids.bPatient}` } }] },
      ASYNC,
    );
    expect(res.status).toBe(400);
    expect(res.body.issue[0].details.text).toMatch(/was not found, or this client may not read it/);
  });

  it('Prefer: handling=lenient ignores an unsupported parameter and says so in the error file', async () => {
    const m = await exportAll(a, '$export?_type=Patient&includeAssociatedData=LatestProvenanceResources', undefined, {
      prefer: 'respond-async, handling=lenient',
    });
    const errors = await download(a, m.error);
    expect(JSON.stringify(errors)).toMatch(/includeAssociatedData was ignored/);
    expect(keys(await download(a, m.output))).toEqual(keys(await searchAll(a, 'Patient')));
  });
});

describe('isolation and access', () => {
  it("another tenant's Group is 404, and nothing is exported", async () => {
    const res = await a.get(`Group/${ids.bGroup}/$export`, ASYNC);
    expect(res.status).toBe(404);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });

  it("another client's (or tenant's) status URL and file URLs are 404", async () => {
    const status = await kickOff(a, '$export?_type=Patient');
    const m = (await waitFor(a, status)).body;
    const other = await clientWithScope(t, TENANT_A, 'bulk-other-client', 'system/*.rs');
    for (const client of [other.client, b]) {
      expect((await client.get(status)).status).toBe(404);
      expect((await client.delete(status)).status).toBe(404);
      for (const f of m.output) {
        const res = await client.get(relative(f.url));
        expect(res.status).toBe(404);
        expect(JSON.stringify(res.body)).not.toContain(ids.p1);
      }
    }
    // Still there for the client that asked.
    expect((await a.get(status)).status).toBe(200);
    // Without a token: 401.
    const anonymous = await fetch(m.output[0].url);
    expect(anonymous.status).toBe(401);
  });

  it('a client without read scope for a type gets none of it', async () => {
    const { client } = await clientWithScope(t, TENANT_A, 'bulk-patients-only', 'system/Patient.rs');
    const m = await exportAll(client, '$export');
    expect([...new Set(m.output.map((f) => f.type))]).toEqual(['Patient']);
    const named = await exportAll(client, '$export?_type=Patient,Observation');
    expect([...new Set(named.output.map((f) => f.type))]).toEqual(['Patient']);
    expect(JSON.stringify(await download(client, named.error))).toMatch(/Observation was left out/);
    const refused = await client.get('$export?_type=Observation', ASYNC);
    expect(refused.status).toBe(403);
    expect(refused.body.resourceType).toBe('OperationOutcome');
  });

  it('a scope with a query narrows the export as it narrows a search', async () => {
    const { client } = await clientWithScope(t, TENANT_A, 'bulk-final-only', 'system/Observation.rs?status=final');
    const m = await exportAll(client, '$export?_type=Observation');
    const got = await download(client, m.output);
    expect(got.length).toBeGreaterThan(0);
    expect(keys(got)).toEqual(keys(await searchAll(a, 'Observation?status=final')));
  });

  it('the kick-off and the completion are audited, with the parameters and the files', async () => {
    const status = await kickOff(a, '$export?_type=Organization');
    const m = (await waitFor(a, status)).body;
    const id = status.split('/').at(-1) as string;
    await t.server.sealer.sealNow();
    const events = await searchAll(a, `AuditEvent?entity=${encodeURIComponent(`$export/${id}`)}`);
    const text = JSON.stringify(events);
    expect(events.length).toBe(2);
    expect(text).toMatch(/Bulk export requested/);
    expect(text).toMatch(/Organization/);
    expect(text).toContain(m.output[0].url.split('/').at(-1));
  });
});
