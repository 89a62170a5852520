import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirClient, startTestServer, systemToken, TENANT_A, TENANT_B, type TestServer } from '../helpers/server.ts';
import { createStaff, staffClient } from '../helpers/staff.ts';

// ViewDefinition storage and $run over HTTP, on a real server: formats, filters, tenancy, access.

const patientView = {
  resourceType: 'ViewDefinition',
  name: 'patient_flat',
  status: 'active',
  resource: 'Patient',
  select: [
    {
      column: [
        { name: 'id', path: 'getResourceKey()', type: 'id' },
        { name: 'family', path: "name.where(use = 'official').family.first()", type: 'string' },
        { name: 'birth_date', path: 'birthDate', type: 'date' },
        { name: 'active', path: 'active', type: 'boolean' },
        { name: 'given', path: 'name.given', type: 'string', collection: true },
      ],
    },
  ],
};

const observationView = {
  resourceType: 'ViewDefinition',
  name: 'obs',
  status: 'active',
  resource: 'Observation',
  select: [
    {
      column: [
        { name: 'id', path: 'getResourceKey()', type: 'id' },
        { name: 'patient_id', path: 'subject.getReferenceKey(Patient)', type: 'id' },
        { name: 'value', path: 'value.ofType(Quantity).value', type: 'decimal' },
      ],
    },
  ],
};

let t: TestServer;
let a: ReturnType<typeof fhirClient>;
let b: ReturnType<typeof fhirClient>;
let storedId: string;
const patients: string[] = [];

async function raw(path: string, init: { method?: string; body?: unknown; tenant?: string; token?: string; accept?: string } = {}) {
  const token = init.token ?? (await systemToken(t.base, init.tenant ?? TENANT_A));
  return fetch(`${t.base}/${path}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${token}`,
      ...(init.body ? { 'content-type': 'application/fhir+json' } : {}),
      ...(init.accept ? { accept: init.accept } : {}),
    },
    body: init.body ? JSON.stringify(init.body) : undefined,
  });
}

const params = (...parameter: unknown[]) => ({ resourceType: 'Parameters', parameter });
const ndjson = (text: string) =>
  text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

beforeAll(async () => {
  t = await startTestServer();
  a = fhirClient(t.base, TENANT_A);
  b = fhirClient(t.base, TENANT_B);
  for (const [family, given, active] of [
    ['Iyer', 'Meera', true],
    ['Khan, Jr', 'Arif', false],
  ] as const) {
    const res = await a.post('Patient', {
      resourceType: 'Patient',
      active,
      birthDate: '1980-02-14',
      name: [{ use: 'official', family, given: [given, 'X'] }],
    });
    expect(res.status).toBe(201);
    patients.push(res.body.id);
  }
  for (const [i, value] of [5.4, 7.1, 6.2].entries()) {
    const res = await a.post('Observation', {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'glucose' },
      subject: { reference: `Patient/${patients[i % 2]}` },
      valueQuantity: { value, unit: 'mmol/L' },
    });
    expect(res.status).toBe(201);
  }
  const other = await b.post('Patient', { resourceType: 'Patient', name: [{ use: 'official', family: 'OtherTenant' }] });
  expect(other.status).toBe(201);
  const stored = await a.post('ViewDefinition', patientView);
  expect(stored.status).toBe(201);
  storedId = stored.body.id;
});
afterAll(() => t?.stop());

describe('stored ViewDefinitions', () => {
  it('stores a view per tenant and reads it back as a ViewDefinition', async () => {
    const read = await a.get(`ViewDefinition/${storedId}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ resourceType: 'ViewDefinition', id: storedId, name: 'patient_flat', resource: 'Patient' });
    const list = await a.get('ViewDefinition');
    expect(list.body.entry.map((e: { resource: { id: string } }) => e.resource.id)).toContain(storedId);
  });

  it('refuses to store an invalid view, naming the problem', async () => {
    const res = await a.post('ViewDefinition', { ...patientView, select: [{ column: [{ name: 'id', path: 'id', type: 'Identifier' }] }] });
    expect(res.status).toBe(400);
    expect(res.body.issue[0].details.text).toContain('select[0].column[0].type');
  });

  it('a Basic coded as a ViewDefinition written directly is checked too', async () => {
    const basic = (json: string) => ({
      resourceType: 'Basic',
      code: { coding: [{ system: 'https://hospital-ops.in/fhir/CodeSystem/basic-kind', code: 'ViewDefinition' }] },
      extension: [{ url: 'https://hospital-ops.in/fhir/StructureDefinition/view-definition-json', valueString: json }],
    });
    const bad = await a.post('Basic', basic(JSON.stringify({ ...patientView, resource: 'Nope' })));
    expect(bad.status).toBe(400);
    expect(bad.body.issue[0].details.text).toContain('ViewDefinition.resource');
    expect((await a.post('Basic', basic('{not json'))).status).toBe(400);
    const good = await a.post('Basic', basic(JSON.stringify(patientView)));
    expect(good.status).toBe(201);
    expect((await a.get(`ViewDefinition/${good.body.id}`)).body.name).toBe('patient_flat');
  });

  it('another tenant can neither read nor run it: 404', async () => {
    expect((await b.get(`ViewDefinition/${storedId}`)).status).toBe(404);
    const run = await raw(`ViewDefinition/${storedId}/$run?_format=ndjson`, { tenant: TENANT_B });
    expect(run.status).toBe(404);
    expect(((await run.json()) as { resourceType: string }).resourceType).toBe('OperationOutcome');
    const byRef = await raw('ViewDefinition/$run', {
      method: 'POST',
      tenant: TENANT_B,
      body: params({ name: 'viewReference', valueReference: { reference: `ViewDefinition/${storedId}` } }),
    });
    expect(byRef.status).toBe(404);
  });
});

describe('$run formats', () => {
  it('csv with a header, quoting values that need it; header=false leaves it out', async () => {
    const res = await raw(`ViewDefinition/${storedId}/$run?_format=csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    const lines = (await res.text()).trim().split('\r\n');
    expect(lines[0]).toBe('id,family,birth_date,active,given');
    expect(lines.slice(1).sort()).toEqual(
      [`${patients[0]},Iyer,1980-02-14,true,"[""Meera"",""X""]"`, `${patients[1]},"Khan, Jr",1980-02-14,false,"[""Arif"",""X""]"`].sort(),
    );
    const bare = await (await raw(`ViewDefinition/${storedId}/$run?_format=text/csv&header=false`)).text();
    const byAccept = await raw(`ViewDefinition/${storedId}/$run`, { accept: 'text/csv' });
    expect(byAccept.headers.get('content-type')).toContain('text/csv');
    expect(bare.trim().split('\r\n')).toHaveLength(2);
  });

  it('ndjson with an inline view sees only the caller tenant’s resources', async () => {
    const res = await raw('ViewDefinition/$run', {
      method: 'POST',
      body: params({ name: 'viewResource', resource: patientView }, { name: '_format', valueCode: 'ndjson' }),
    });
    expect(res.status).toBe(200);
    const rows = ndjson(await res.text());
    expect(rows.map((r) => r.id).sort()).toEqual([...patients].sort());
    expect(rows.find((r) => r.id === patients[0])).toEqual({
      id: patients[0],
      family: 'Iyer',
      birth_date: '1980-02-14',
      active: true,
      given: ['Meera', 'X'],
    });

    const other = ndjson(
      await (
        await raw('ViewDefinition/$run', {
          method: 'POST',
          tenant: TENANT_B,
          body: params({ name: 'viewResource', resource: patientView }, { name: '_format', valueCode: 'ndjson' }),
        })
      ).text(),
    );
    expect(other.map((r) => r.family)).toEqual(['OtherTenant']);
  });

  it('parquet that reads back with the column types of the view', async () => {
    const res = await raw('ViewDefinition/$run', {
      method: 'POST',
      body: params({ name: 'viewResource', resource: observationView }, { name: '_format', valueCode: 'parquet' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.apache.parquet');
    const file = await res.arrayBuffer();
    const rows = await parquetReadObjects({ file });
    expect(rows.map((r) => r.value).sort()).toEqual([5.4, 6.2, 7.1]);
    expect(new Set(rows.map((r) => r.patient_id))).toEqual(new Set(patients));
    const schema = parquetMetadata(file).schema;
    expect(schema.find((s) => s.name === 'value')?.type).toBe('DOUBLE');
    expect(schema.find((s) => s.name === 'id')?.type).toBe('BYTE_ARRAY');
  });

  it('json, _limit and the patient filter', async () => {
    const all = await raw('ViewDefinition/$run', { method: 'POST', body: params({ name: 'viewResource', resource: observationView }) });
    expect(all.headers.get('content-type')).toContain('application/json');
    expect((await all.json()) as unknown[]).toHaveLength(3);
    const limited = await raw('ViewDefinition/$run', {
      method: 'POST',
      body: params({ name: 'viewResource', resource: observationView }, { name: '_limit', valueInteger: 1 }),
    });
    expect((await limited.json()) as unknown[]).toHaveLength(1);
    const one = await raw('ViewDefinition/$run', {
      method: 'POST',
      body: params(
        { name: 'viewResource', resource: observationView },
        { name: 'patient', valueReference: { reference: `Patient/${patients[1]}` } },
      ),
    });
    const rows = (await one.json()) as { patient_id: string }[];
    expect(rows.map((r) => r.patient_id)).toEqual([patients[1]]);
  });

  it('patient over a view of a type outside the Patient compartment is a 400', async () => {
    const orgView = { resourceType: 'ViewDefinition', resource: 'Organization', select: [{ column: [{ name: 'id', path: 'id' }] }] };
    const res = await raw('ViewDefinition/$run', {
      method: 'POST',
      body: params(
        { name: 'viewResource', resource: orgView },
        { name: 'patient', valueReference: { reference: `Patient/${patients[0]}` } },
      ),
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain('not in the Patient compartment');
  });

  it('the group filter: the compartments of the Group’s Patient members; another tenant’s Group is 404', async () => {
    const group = await a.post('Group', {
      resourceType: 'Group',
      type: 'person',
      actual: true,
      member: [{ entity: { reference: `Patient/${patients[0]}` } }],
    });
    expect(group.status).toBe(201);
    const res = await raw('ViewDefinition/$run', {
      method: 'POST',
      body: params(
        { name: 'viewResource', resource: observationView },
        { name: 'group', valueReference: { reference: `Group/${group.body.id}` } },
      ),
    });
    const rows = (await res.json()) as { patient_id: string }[];
    expect(rows.map((r) => r.patient_id)).toEqual([patients[0], patients[0]]);
    const other = await raw('ViewDefinition/$run', {
      method: 'POST',
      tenant: TENANT_B,
      body: params(
        { name: 'viewResource', resource: observationView },
        { name: 'group', valueReference: { reference: `Group/${group.body.id}` } },
      ),
    });
    expect(other.status).toBe(404);
  });

  it('runs over resources sent inline, reading nothing stored', async () => {
    const res = await raw('ViewDefinition/$run', {
      method: 'POST',
      body: params(
        { name: 'viewResource', resource: patientView },
        { name: 'resource', resource: { resourceType: 'Patient', id: 'inline-1', name: [{ use: 'official', family: 'Inline' }] } },
      ),
    });
    expect(await res.json()).toEqual([{ id: 'inline-1', family: 'Inline', birth_date: null, active: null, given: [] }]);
  });
});

describe('$run refusals', () => {
  const bad = async (view: unknown) => {
    const res = await raw('ViewDefinition/$run', { method: 'POST', body: params({ name: 'viewResource', resource: view }) });
    const body = (await res.json()) as { resourceType: string; issue: { details: { text: string }; expression?: string[] }[] };
    expect(body.resourceType).toBe('OperationOutcome');
    return { status: res.status, text: body.issue[0].details.text, expression: body.issue[0].expression?.[0] };
  };

  it('an invalid FHIRPath, an unknown column type, a duplicate column: 400 naming the element', async () => {
    const fhirpath = await bad({ ...patientView, select: [{ column: [{ name: 'id', path: 'name.(((', type: 'id' }] }] });
    expect(fhirpath).toMatchObject({ status: 400, expression: 'ViewDefinition.select[0].column[0].path' });
    expect(fhirpath.text).toContain('not a valid FHIRPath expression');
    const type = await bad({ ...patientView, select: [{ column: [{ name: 'id', path: 'id', type: 'varchar' }] }] });
    expect(type).toMatchObject({ status: 400, expression: 'ViewDefinition.select[0].column[0].type' });
    const dup = await bad({
      ...patientView,
      select: [{ column: [{ name: 'id', path: 'id' }] }, { column: [{ name: 'id', path: 'gender' }] }],
    });
    expect(dup.status).toBe(400);
    expect(dup.text).toContain('"id" is used twice');
    const forEach = await bad({
      ...patientView,
      select: [{ forEach: 'name', forEachOrNull: 'name', column: [{ name: 'f', path: 'family' }] }],
    });
    expect(forEach.text).toContain('only one of forEach, forEachOrNull and repeat');
    const union = await bad({
      ...patientView,
      select: [{ unionAll: [{ column: [{ name: 'a', path: 'id' }] }, { column: [{ name: 'b', path: 'id' }] }] }],
    });
    expect(union).toMatchObject({ status: 400, expression: 'ViewDefinition.select[0].unionAll[1]' });
    const fn = await bad({ ...patientView, select: [{ column: [{ name: 'x', path: 'name.nosuchfn()' }] }] });
    expect(fn.text).toContain('unknown FHIRPath function: nosuchfn');
  });

  it('a view that fails on the data (several values in a single column) is a 400', async () => {
    const res = await bad({ ...patientView, select: [{ column: [{ name: 'given', path: 'name.given' }] }] });
    expect(res.status).toBe(400);
    expect(res.text).toContain('set collection: true');
  });

  it('an unsupported _format or a malformed _since is a 400', async () => {
    const fmt = await raw(`ViewDefinition/${storedId}/$run?_format=xml`);
    expect(fmt.status).toBe(400);
    const since = await raw(`ViewDefinition/${storedId}/$run?_since=yesterday`);
    expect(since.status).toBe(400);
  });

  it('a caller without read access to the view’s type gets 403 and no rows', async () => {
    const staff = await createStaff(t, TENANT_A, 'super_admin');
    const patientsOnly = await staffClient(t, staff, 'user/Patient.rs user/Basic.rs');
    const denied = await patientsOnly.post(
      'ViewDefinition/$run',
      params({ name: 'viewResource', resource: observationView }, { name: '_format', valueCode: 'ndjson' }),
    );
    expect(denied.status).toBe(403);
    const allowed = await patientsOnly.post(
      'ViewDefinition/$run',
      params({ name: 'viewResource', resource: patientView }, { name: '_format', valueCode: 'ndjson' }),
    );
    expect(allowed.status).toBe(200);
    expect(ndjson(allowed.body as string).length).toBe(2);
    const none = await staffClient(t, staff, 'openid fhirUser');
    expect((await none.get(`ViewDefinition/${storedId}/$run?_format=csv`)).status).toBe(403);
  });
});

describe('reading resources', () => {
  it('pages through every resource of the type, one page at a time, only in the tenant', async () => {
    const { readResources } = await import('../../src/analytics/views/source.ts');
    const { PostgresRepository } = await import('../../src/repo/postgres-repository.ts');
    const repo = new PostgresRepository({
      db: t.server.db,
      tenant: { tenantId: TENANT_A },
      baseUrl: t.server.config.baseUrl,
      updateCreate: true,
    });
    const pages: string[][] = [];
    for await (const page of readResources(repo, { resourceType: 'Observation', pageSize: 2 })) pages.push(page.map((r) => r.id as string));
    expect(pages.map((p) => p.length)).toEqual([2, 1]);
    expect(new Set(pages.flat()).size).toBe(3);
    const since = [];
    for await (const page of readResources(repo, { resourceType: 'Observation', pageSize: 2, since: '2999-01-01T00:00:00Z' }))
      since.push(page);
    expect(since).toEqual([]);
  });
});
