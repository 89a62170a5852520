import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirClient, startTestServer, TENANT_A, TENANT_B, type TestServer } from '../helpers/server.ts';
import { ASYNC, type Client, clientWithScope, download, exportAll, relative, searchAll, waitFor } from './helpers.ts';

/** Bulk $import (docs/bulk-data.md): uploads and file inputs, both modes, rejects by line, the round trip from $export. */

let t: TestServer;
let a: Client;
let b: Client;
let dir: string;

const NDJSON = { ...ASYNC, 'content-type': 'application/fhir+ndjson' };
const lines = (...resources: unknown[]) => resources.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n');

const patient = (id: string, family: string, extra: Record<string, unknown> = {}) => ({
  resourceType: 'Patient',
  id,
  name: [{ family, given: ['Meera'] }],
  gender: 'female',
  ...extra,
});
const observation = (id: string, patientId: string, code: string) => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code }], text: code },
  subject: { reference: `Patient/${patientId}` },
});

interface ImportManifest {
  output: { type: string; inputUrl: string; count: number }[];
  error: { type: string; url: string; count: number }[];
}

/** Kicks off an import (an NDJSON body, or Parameters) and waits for its end; the final status answer. */
async function runImport(client: Client, body: string | object, query = '') {
  const res = typeof body === 'string' ? await client.post(`$import${query}`, body, NDJSON) : await client.post('$import', body, ASYNC);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  const location = res.headers.get('content-location') as string;
  expect(location).toMatch(/\/fhir\/R4\/\$import-status\/[0-9a-f-]{36}$/);
  const done = await waitFor(client, relative(location));
  return { ...done, status: done.status, statusPath: relative(location) };
}

async function errorsOf(client: Client, m: ImportManifest): Promise<string[]> {
  if (!m.error.length) return [];
  const rows = await download(client, m.error);
  return rows.map((o: any) => o.issue[0].details.text as string);
}

const counts = (m: ImportManifest) => Object.fromEntries(m.output.map((o) => [o.type, o.count]));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hops-import-'));
  t = await startTestServer({ BULK_IMPORT_DIR: dir, BULK_IMPORT_BATCH: '3' });
  a = fhirClient(t.base, TENANT_A);
  b = fhirClient(t.base, TENANT_B);
});

afterAll(async () => {
  await t?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('$import of an uploaded NDJSON body', () => {
  it('writes every valid resource under its own id, indexed for search, and reports each bad line by number', async () => {
    const body = lines(
      observation('imp-obs-1', 'imp-p1', '8867-4'), // before its patient: references need no order
      patient('imp-p1', 'Gokhale'),
      patient('imp-p2', 'Bhosale'),
      '{"resourceType": "Patient", "id": "imp-broken"', // line 4: not JSON
      patient('imp-p3', 'Invalid', { gender: 'robot' }), // line 5: not a gender R4 knows
      { resourceType: 'Patient', name: [{ family: 'NoId' }] }, // line 6: no id
      '',
      { resourceType: 'Spaceship', id: 'x1' }, // line 8
      observation('imp-obs-2', 'imp-p2', '8480-6'),
    );
    const done = await runImport(a, body);
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    const m = done.body as ImportManifest;
    expect(counts(m)).toEqual({ Observation: 2, Patient: 2 });
    expect(m.output.every((o) => o.inputUrl === 'upload')).toBe(true);
    const errors = await errorsOf(a, m);
    expect(errors).toHaveLength(4);
    expect(errors[0]).toMatch(/line 4: is not JSON/);
    expect(errors.find((e) => e.includes('line 5'))).toMatch(/gender|robot/i);
    expect(errors.find((e) => e.includes('line 6'))).toMatch(/no valid id/);
    expect(errors.find((e) => e.includes('line 8'))).toMatch(/Spaceship/);

    // Stored under the ids given, version 1, and found by search (the index rows were written).
    const p1 = await a.get('Patient/imp-p1');
    expect(p1.status).toBe(200);
    expect(p1.body.meta.versionId).toBe('1');
    expect((await a.get('Patient/imp-p3')).status).toBe(404);
    const found = await a.get('Observation?subject=Patient/imp-p1&code=8867-4');
    expect(found.body.entry.map((e: any) => e.resource.id)).toEqual(['imp-obs-1']);
    expect((await a.get('Patient?family=Bhosale')).body.entry.map((e: any) => e.resource.id)).toEqual(['imp-p2']);
    // An import is history brought in, not news: no subscription or bot hears of it.
    const events = await t.server.db.asOwner((sql) =>
      sql.query("SELECT 1 FROM resource_event WHERE resource_id IN ('imp-p1', 'imp-obs-1')"),
    );
    expect(events.rowCount).toBe(0);
    // The import is audited with what it took and refused.
    const audit = await t.server.db.transaction({ tenantId: TENANT_A }, (sql) =>
      sql.query<{ event: any }>("SELECT event FROM audit_log WHERE event->'type'->>'code' = '110107' ORDER BY recorded"),
    );
    expect(audit.rows.map((r) => r.event.outcomeDesc).join('\n')).toMatch(/upload 4 taken, 4 refused/);
  });

  it('importing the same lines again makes no new version, and changed content makes one', async () => {
    const again = await runImport(a, lines(patient('imp-p1', 'Gokhale'), patient('imp-p2', 'Bhosale-Patil')));
    expect(again.status).toBe(200);
    expect((await a.get('Patient/imp-p1')).body.meta.versionId).toBe('1');
    const p2 = (await a.get('Patient/imp-p2')).body;
    expect(p2.meta.versionId).toBe('2');
    expect(p2.name[0].family).toBe('Bhosale-Patil');
  });

  it('in file mode one bad line keeps the whole input out, and every bad line is still reported', async () => {
    const body = lines(
      patient('imp-f1', 'Kale'),
      patient('imp-f2', 'Kale', { birthDate: '31-12-1990' }), // line 2: not a FHIR date
      patient('imp-f3', 'Kale'),
      patient('imp-f4', 'Kale'),
      'not json at all', // line 5, in the second page
      patient('imp-f6', 'Kale', { gender: 'robot' }), // line 6: checked though nothing more is written
    );
    const done = await runImport(a, body, '?mode=file');
    expect(done.status).toBe(200);
    const m = done.body as ImportManifest;
    expect(m.output).toEqual([]);
    const errors = await errorsOf(a, m);
    expect(errors).toHaveLength(3);
    expect(errors[0]).toMatch(/line 2/);
    expect(errors.find((e) => e.includes('line 5'))).toMatch(/is not JSON/);
    expect(errors.find((e) => e.includes('line 6'))).toMatch(/gender|robot/i);
    for (const id of ['imp-f1', 'imp-f3', 'imp-f4', 'imp-f6']) expect((await a.get(`Patient/${id}`)).status).toBe(404);
    // The same input without its bad lines goes in whole.
    const good = await runImport(a, lines(patient('imp-f1', 'Kale'), patient('imp-f3', 'Kale'), patient('imp-f4', 'Kale')), '?mode=file');
    expect(counts(good.body)).toEqual({ Patient: 3 });
  });

  it('the input type, when named, is the only type taken', async () => {
    const done = await runImport(a, lines(patient('imp-t1', 'Joshi'), observation('imp-t2', 'imp-t1', '8310-5')), '?type=Patient');
    expect(counts(done.body)).toEqual({ Patient: 1 });
    expect((await errorsOf(a, done.body))[0]).toMatch(/line 2: is a Observation, but this input holds Patient/);
  });
});

describe('$import by URL', () => {
  it('reads file:// inputs inside BULK_IMPORT_DIR, in the Parameters the HL7 draft uses', async () => {
    const file = join(dir, 'patients.ndjson');
    writeFileSync(file, lines(patient('imp-u1', 'Pawar'), patient('imp-u2', 'Pawar')));
    const done = await runImport(a, {
      resourceType: 'Parameters',
      parameter: [
        { name: 'inputFormat', valueCode: 'application/fhir+ndjson' },
        { name: 'storageDetail', part: [{ name: 'type', valueCode: 'file' }] },
        {
          name: 'input',
          part: [
            { name: 'type', valueCode: 'Patient' },
            { name: 'url', valueUri: pathToFileURL(file).href },
          ],
        },
      ],
    });
    expect(done.status).toBe(200);
    expect(done.body.output).toEqual([{ type: 'Patient', inputUrl: pathToFileURL(file).href, count: 2 }]);
    expect((await searchAll(a, 'Patient?family=Pawar')).map((r) => r.id).sort()).toEqual(['imp-u1', 'imp-u2']);
  });

  it('refuses, at kick-off, URLs it may not read: outside the folder, another origin, another scheme; and a kick-off without Prefer', async () => {
    const input = (url: string) => ({ resourceType: 'Parameters', parameter: [{ name: 'input', part: [{ name: 'url', valueUri: url }] }] });
    const cases: [string, RegExp][] = [
      [pathToFileURL(join(dir, '..', 'elsewhere.ndjson')).href, /not found|outside/],
      [pathToFileURL('/etc/passwd').href, /outside/],
      ['http://169.254.169.254/latest/meta-data', /not an origin this server imports from/],
      ['ftp://example.org/data.ndjson', /cannot be imported/],
      ['not a url', /not a URL/],
    ];
    for (const [url, text] of cases) {
      const res = await a.post('$import', input(url), ASYNC);
      expect(res.status, url).toBe(400);
      expect(res.body.issue[0].details.text, url).toMatch(text);
    }
    const noPrefer = await a.post('$import', lines(patient('imp-x', 'X')), { 'content-type': 'application/fhir+ndjson' });
    expect(noPrefer.status).toBe(400);
    expect(noPrefer.body.issue[0].details.text).toMatch(/Prefer: respond-async/);
    expect((await a.post('$import', { resourceType: 'Parameters', parameter: [] }, ASYNC)).status).toBe(400);
    expect((await a.post('$import?mode=sometimes', lines(patient('imp-x', 'X')), NDJSON)).status).toBe(400);
    expect((await a.get('Patient/imp-x')).status).toBe(404);
  });
});

describe('$import and who may do it', () => {
  it('writes only what the client may write: types outside its scopes are refused line by line', async () => {
    const { client } = await clientWithScope(t, TENANT_A, 'import-patients-only', 'system/Patient.cu');
    const done = await runImport(client, lines(patient('imp-s1', 'Shinde'), observation('imp-s2', 'imp-s1', '8867-4')));
    expect(counts(done.body)).toEqual({ Patient: 1 });
    expect((await errorsOf(client, done.body))[0]).toMatch(/line 2/);
    expect((await a.get('Observation/imp-s2')).status).toBe(404);
  });

  it('a client that may create but not update takes new ids and is refused the ones it would replace', async () => {
    const { client } = await clientWithScope(t, TENANT_A, 'import-create-only', 'system/Patient.c');
    const done = await runImport(client, lines(patient('imp-c1', 'Naik'), patient('imp-p1', 'Overwritten')));
    expect(counts(done.body)).toEqual({ Patient: 1 });
    expect((await errorsOf(client, done.body))[0]).toMatch(/line 2/);
    expect((await a.get('Patient/imp-p1')).body.name[0].family).toBe('Gokhale');
  });

  it("keeps tenants apart: the same ids in two tenants are two resources, and one tenant's import status is not another's", async () => {
    const done = await runImport(b, lines(patient('imp-p1', 'OtherTenant')));
    expect(done.status).toBe(200);
    expect((await b.get('Patient/imp-p1')).body.name[0].family).toBe('OtherTenant');
    expect((await a.get('Patient/imp-p1')).body.name[0].family).toBe('Gokhale');
    expect((await a.get(done.statusPath)).status).toBe(404);
    const other = await clientWithScope(t, TENANT_B, 'import-other-client', 'system/*.cruds');
    expect((await other.client.get(done.statusPath)).status).toBe(404);
  });
});

describe('$export then $import', () => {
  it('gives the other tenant the same resources, resource by resource', async () => {
    const { client: exporter } = await clientWithScope(t, TENANT_A, 'round-trip-exporter', 'system/*.rs');
    const manifest = await exportAll(exporter, '$export?_type=Patient,Observation');
    const exported = await download(exporter, manifest.output);
    expect(exported.length).toBeGreaterThan(5);
    // A fresh tenant's importer uploads each file as it came.
    const { client: importer } = await clientWithScope(t, TENANT_B, 'round-trip-importer', 'system/*.cruds');
    for (const f of manifest.output) {
      const text = (await exporter.get(relative(f.url))).body as string;
      const done = await runImport(importer, typeof text === 'string' ? text : JSON.stringify(text), `?type=${f.type}`);
      expect(done.body.error, f.url).toEqual([]);
    }
    const strip = ({ meta: _meta, ...rest }: Record<string, unknown>) => rest;
    for (const r of exported) {
      const got = await b.get(`${r.resourceType}/${r.id}`);
      expect(got.status, `${r.resourceType}/${r.id}`).toBe(200);
      expect(strip(got.body)).toEqual(strip(r));
    }
  });
});

describe('$import status', () => {
  it('is 404 for an id that is no import, and an export status path does not answer for an import', async () => {
    const done = await runImport(a, lines(patient('imp-z1', 'Zende')));
    const id = done.statusPath.split('/').pop();
    expect((await a.get(`$export-status/${id}`)).status).toBe(404);
    expect((await a.get('$import-status/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await a.delete(done.statusPath)).status).toBe(202);
    expect((await a.get(done.statusPath)).status).toBe(404);
    // Cancelling a finished import removes its record, never what it wrote.
    expect((await a.get('Patient/imp-z1')).status).toBe(200);
  });
});
