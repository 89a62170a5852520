import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, type Role } from '../src/auth/policies.ts';
import { type FhirResponseData, fhirClient, startTestServer, TENANT_A, TENANT_B, type TestServer } from './helpers/server.ts';
import { createStaff, staffClient } from './helpers/staff.ts';

/**
 * Tenant isolation for every staff role: whatever a role of tenant A may or may not do, tenant B's
 * look-alike data never shows up in an answer and is never changed. Roles lacking a permission get
 * 403s; that is fine, the point is that B stays invisible and untouched.
 */

type Client = ReturnType<typeof fhirClient>;

// Which of the types B has a look-alike of each role may read at all (a 404 then, else a 403).
const READS: Record<Role, { Patient: boolean; Observation: boolean; Encounter: boolean }> = {
  super_admin: { Patient: true, Observation: true, Encounter: true },
  branch_admin: { Patient: true, Observation: true, Encounter: true },
  doctor: { Patient: true, Observation: true, Encounter: true },
  nurse: { Patient: true, Observation: true, Encounter: true },
  // The front desk reads one kind of Observation: the blood group recorded at registration.
  receptionist: { Patient: true, Observation: true, Encounter: true },
  pharmacist: { Patient: true, Observation: false, Encounter: false },
  lab_tech: { Patient: true, Observation: true, Encounter: false },
  accountant: { Patient: false, Observation: false, Encounter: false },
};

/** Roles that read only a slice of Observations (laboratory; blood group), none of this test's vital signs. */
const SOME_OBSERVATIONS: Role[] = ['lab_tech', 'receptionist'];

const HEALTH_ID = 'https://healthid.ndhm.gov.in';
const SHARED_ID = '91-4242-7777-0001';
const SHARED_FAMILY = 'Lookalike';
const CODES = 'urn:test:isolation';
const B_CITY = 'Bsecretcity';
const B_VALUE = 'b-secret-value';
const CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const ref = (type: string, id: string) => ({ reference: `${type}/${id}` });
const JSON_CT = { 'content-type': 'application/json' };

let t: TestServer;
let a: Client;
let b: Client;
const as = {} as Record<Role, Client>;
let branchX: string;
let aPatient: string;
let aObs: string;
let aEnc: string;
let aObsToB: string; // A's Observation pointing at B's Patient id
let bPatient: string;
let bObs: string;
let bEnc: string;
let bObsCross: string; // B's Observation pointing at A's Patient id
let bPatientVersion: string;

/** Every string that would give B's data away. */
const bSecrets = () => [bPatient, bObs, bEnc, bObsCross, B_CITY, B_VALUE];

function patient(extra: Record<string, unknown> = {}) {
  return {
    resourceType: 'Patient',
    identifier: [{ system: HEALTH_ID, value: SHARED_ID }],
    name: [{ family: SHARED_FAMILY, given: ['Ravi'] }],
    ...extra,
  };
}

function observation(subject: string, code: string, extra: Record<string, unknown> = {}) {
  return {
    resourceType: 'Observation',
    status: 'final',
    category: [{ coding: [{ system: CATEGORY, code: 'vital-signs' }] }],
    code: { coding: [{ system: CODES, code }] },
    subject: ref('Patient', subject),
    ...extra,
  };
}

function encounter(subject: string, org: string) {
  return {
    resourceType: 'Encounter',
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
    subject: ref('Patient', subject),
    serviceProvider: ref('Organization', org),
  };
}

async function created(client: Client, resource: Record<string, unknown>): Promise<string> {
  const res = await client.post(resource.resourceType as string, resource);
  if (res.status !== 201) throw new Error(`${resource.resourceType} not created: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

/** The answer as text, without Bundle links (they echo the query we sent, B's ids included). */
function answer(res: FhirResponseData): string {
  return (
    JSON.stringify(res.body, function (this: any, key, value) {
      return key === 'link' && this?.resourceType === 'Bundle' ? undefined : value;
    }) ?? ''
  );
}

/** Nothing of B in the answer: no id, no B-only string. */
function expectNoB(res: FhirResponseData): void {
  const text = answer(res);
  for (const secret of bSecrets()) expect(text, `response leaks ${secret}`).not.toContain(secret);
}

/** For answers that carry A's own references to B's ids: no B resource, no B-only string. */
function expectNoBResources(res: FhirResponseData): void {
  const text = answer(res);
  for (const secret of [B_CITY, B_VALUE]) expect(text).not.toContain(secret);
  const entryIds = ((res.body?.entry ?? []) as { resource?: { id: string } }[]).map((e) => e.resource?.id);
  for (const id of [bPatient, bObs, bEnc, bObsCross]) expect(entryIds).not.toContain(id);
}

/** 200 with only entries of A, or a refusal for a role that may not search the type. */
function expectSearch(res: FhirResponseData, allowed: boolean): void {
  expect(res.status, JSON.stringify(res.body)).toBe(allowed ? 200 : 403);
  expectNoB(res);
}

async function bPatientNow() {
  const res = await b.get(`Patient/${bPatient}`);
  expect(res.status).toBe(200);
  return res.body;
}

beforeAll(async () => {
  t = await startTestServer();
  a = fhirClient(t.base, TENANT_A);
  b = fhirClient(t.base, TENANT_B);
  branchX = await created(a, { resourceType: 'Organization', name: 'A Branch X' });
  aPatient = await created(a, patient());
  aObs = await created(a, observation(aPatient, 'a-obs'));
  aEnc = await created(a, encounter(aPatient, branchX));

  const bOrg = await created(b, { resourceType: 'Organization', name: 'B Clinic' });
  bPatient = await created(b, patient({ address: [{ city: B_CITY }] }));
  bObs = await created(b, observation(bPatient, 'b-only-code', { valueString: B_VALUE }));
  bEnc = await created(b, encounter(bPatient, bOrg));
  bObsCross = await created(b, observation(aPatient, 'b-cross-code', { valueString: B_VALUE }));
  bPatientVersion = (await bPatientNow()).meta.versionId;

  aObsToB = await created(a, observation(bPatient, 'a-to-b'));
  for (const role of ROLES) as[role] = await staffClient(t, await createStaff(t, TENANT_A, role, [branchX]));
});
afterAll(() => t?.stop());

describe.each([...ROLES])('%s of tenant A reading', (role) => {
  const can = () => READS[role];

  it('reads, vreads and the instance history of B’s resources are not found', async () => {
    const c = as[role];
    for (const [type, id] of [
      ['Patient', bPatient],
      ['Observation', bObs],
      ['Encounter', bEnc],
    ] as const) {
      const status = can()[type] ? 404 : 403;
      for (const path of [`${type}/${id}`, `${type}/${id}/_history/1`, `${type}/${id}/_history`]) {
        const res = await c.get(path);
        expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBe(status);
        expectNoB(res);
      }
    }
  });

  it('searches by the shared identifier, name or B’s ids find only A’s data', async () => {
    const c = as[role];
    const byIdentifier = await c.get(`Patient?identifier=${HEALTH_ID}|${SHARED_ID}`);
    expectSearch(byIdentifier, can().Patient);
    if (can().Patient) expect(byIdentifier.body.entry.map((e: any) => e.resource.id)).toEqual([aPatient]);
    const byName = await c.get(`Patient?family=${SHARED_FAMILY}&_total=accurate`);
    expectSearch(byName, can().Patient);
    if (can().Patient) expect(byName.body.total).toBe(1);
    expectSearch(await c.get(`Patient?_id=${bPatient}`), can().Patient);
    expectSearch(await c.get(`Patient?address-city=${B_CITY}`), can().Patient);
    expectSearch(await c.get(`Observation?_id=${bObs},${bObsCross}`), can().Observation);
    expectSearch(await c.get(`Observation?subject=Patient/${aPatient}`), can().Observation);
    expectSearch(await c.get(`Encounter?subject=Patient/${bPatient}`), can().Encounter);
    // A's compartment of that id holds A's own Observation pointing at it, and nothing of B.
    const compartment = await c.get(`Patient/${bPatient}/Observation`);
    expect(compartment.status).toBe(can().Observation ? 200 : 403);
    expectNoBResources(compartment);
    if (can().Observation && !SOME_OBSERVATIONS.includes(role))
      expect(compartment.body.entry.map((e: any) => e.resource.id)).toEqual([aObsToB]);
    expectSearch(await c.get(`Patient/${aPatient}/Observation`), can().Observation);
    const system = await c.get(`?_type=Patient&_id=${bPatient},${aPatient}`);
    expectSearch(system, can().Patient);
  });

  it('_include and _revinclude from A’s data never yield B’s resources', async () => {
    const c = as[role];
    // A's own Observation points at B's Patient id: the include must not resolve it in B.
    const include = await c.get(`Observation?_id=${aObsToB},${aObs}&_include=Observation:subject`);
    expect(include.status).toBe(can().Observation ? 200 : 403);
    expectNoBResources(include);
    if (can().Observation) {
      // A's Observations are vital signs, which a lab technician or the front desk does not see.
      const expected = SOME_OBSERVATIONS.includes(role) ? [] : [`Observation/${aObs}`, `Observation/${aObsToB}`, `Patient/${aPatient}`];
      const entries = (include.body.entry ?? []).map((e: any) => `${e.resource.resourceType}/${e.resource.id}`);
      expect(entries.sort()).toEqual(expected.sort());
    }
    // B's Observation points at A's Patient id: a revinclude from A's Patient must not find it.
    const revinclude = await c.get(
      `Patient?_id=${aPatient}&_revinclude=Observation:subject&_revinclude=Encounter:subject&_revinclude=Observation:patient`,
    );
    expectSearch(revinclude, can().Patient);
    const encounters = await c.get(`Encounter?_id=${aEnc}&_include=Encounter:subject&_revinclude=Observation:encounter`);
    expectSearch(encounters, can().Encounter);
  });

  it('chains and _has that match only B’s data find nothing', async () => {
    const c = as[role];
    for (const [path, allowed] of [
      [`Observation?subject:Patient.address-city=${B_CITY}`, can().Observation],
      [`Encounter?subject:Patient.address-city=${B_CITY}`, can().Encounter],
      [`Observation?subject:Patient._id=${bPatient}`, can().Observation],
      [`Patient?_has:Observation:subject:code=${CODES}|b-only-code`, can().Patient],
      [`Patient?_has:Observation:subject:code=${CODES}|b-cross-code`, can().Patient],
      [`Patient?_has:Encounter:subject:status=finished&family=${SHARED_FAMILY}&address-city=${B_CITY}`, can().Patient],
    ] as const) {
      const res = await c.get(path);
      expectSearch(res, allowed);
      if (allowed) expect(res.body.entry, path).toBeUndefined();
    }
    // The same chain over the shared identifier finds A's Observations only.
    const shared = await c.get(`Observation?subject:Patient.identifier=${HEALTH_ID}|${SHARED_ID}`);
    expectSearch(shared, can().Observation);
    if (can().Observation && !SOME_OBSERVATIONS.includes(role)) expect(shared.body.entry.map((e: any) => e.resource.id)).toEqual([aObs]);
  });

  it('batch and transaction GETs of B’s ids answer 404 (or are refused), never with B’s data', async () => {
    const c = as[role];
    const entry = [
      { request: { method: 'GET', url: `Patient/${bPatient}` } },
      { request: { method: 'GET', url: `Observation/${bObs}` } },
      { request: { method: 'GET', url: `Encounter/${bEnc}/_history/1` } },
      { request: { method: 'GET', url: `Patient?identifier=${HEALTH_ID}|${SHARED_ID}` } },
    ];
    const batch = await c.post('', { resourceType: 'Bundle', type: 'batch', entry });
    expect(batch.status).toBe(200);
    expectNoB(batch);
    const statuses = batch.body.entry.map((e: any) => e.response.status.slice(0, 3));
    expect(statuses.slice(0, 3)).toEqual((['Patient', 'Observation', 'Encounter'] as const).map((type) => (can()[type] ? '404' : '403')));
    expect(statuses[3]).toBe(can().Patient ? '200' : '403');
    const tx = await c.post('', { resourceType: 'Bundle', type: 'transaction', entry });
    expect(tx.status).toBeGreaterThanOrEqual(200);
    expectNoB(tx);
    if (tx.status === 200) {
      for (const e of tx.body.entry.slice(0, 3)) expect(e.response.status).toMatch(/^40[34]/);
    } else {
      expect([403, 404]).toContain(tx.status);
    }
  });

  it('GraphQL reveals no B ids', async () => {
    const c = as[role];
    const byId = await c.post('$graphql', { query: `{ Patient(id: "${bPatient}") { id name { family } } }` }, JSON_CT);
    expectNoB(byId);
    expect(byId.body.data?.Patient ?? null).toBeNull();
    const list = await c.post(
      '$graphql',
      { query: `{ PatientList(name: "${SHARED_FAMILY}") { id address { city } } ObservationList(code: "${CODES}|b-only-code") { id } }` },
      JSON_CT,
    );
    expectNoB(list);
    if (can().Patient) expect(list.body.data.PatientList.map((p: any) => p.id)).toEqual([aPatient]);
  });

  it('the audit log shows none of B’s events', async () => {
    const c = as[role];
    const theirs = await b.get(`AuditEvent?patient=Patient/${bPatient}&_count=100`);
    expect(theirs.status).toBe(200);
    const bEvents: string[] = theirs.body.entry.map((e: any) => e.resource.id);
    expect(bEvents.length).toBeGreaterThan(0);
    // Reading the audit log is for the administrators; A's log may name B's ids (A's own attempts), never B's events.
    const mayRead = role === 'super_admin' || role === 'branch_admin';
    for (const path of [`AuditEvent?patient=Patient/${bPatient}&_count=1000`, 'AuditEvent?_count=1000', `AuditEvent/${bEvents[0]}`]) {
      const res = await c.get(path);
      expect(res.status, path).toBe(mayRead ? (path.includes('?') ? 200 : 404) : 403);
      const text = answer(res);
      for (const id of bEvents) expect(text).not.toContain(id);
      for (const secret of [B_CITY, B_VALUE]) expect(text).not.toContain(secret);
    }
  });

  it('type and system history show none of B', async () => {
    const c = as[role];
    const type = await c.get('Patient/_history?_count=100');
    // Every role but the accountant reads Patients without conditions, so may list their history.
    expect(type.status).toBe(READS[role].Patient ? 200 : 403);
    expectNoB(type);
    const system = await c.get('_history?_count=1000');
    expect(system.status).toBe(role === 'super_admin' ? 200 : 403);
    // A's history holds A's own reference to B's Patient id, but never a B resource.
    expectNoBResources(system);
  });
});

describe.each([...ROLES])('%s of tenant A writing', (role) => {
  it('conditional update and delete by the shared identifier never touch B’s Patient', async () => {
    const c = as[role];
    const put = await c.put(
      `Patient?identifier=${HEALTH_ID}|${SHARED_ID}`,
      patient({ gender: 'other', name: [{ family: `${SHARED_FAMILY}`, given: [role] }] }),
    );
    expect([200, 201, 403, 412]).toContain(put.status);
    expectNoB(put);
    const del = await c.delete(`Patient?identifier=${HEALTH_ID}|${SHARED_ID}`);
    expect([200, 204, 403, 412]).toContain(del.status);
    expectNoB(del);
    const now = await bPatientNow();
    expect(now.meta.versionId).toBe(bPatientVersion);
    expect(now.gender).toBeUndefined();
    expect(now.address[0].city).toBe(B_CITY);
    expect(now.name).toEqual([{ family: SHARED_FAMILY, given: ['Ravi'] }]);
  });

  it('an Observation written in A about B’s Patient id leaves B unchanged and invisible to B', async () => {
    const c = as[role];
    const code = `cross-${role}`;
    const category = role === 'lab_tech' ? 'laboratory' : 'vital-signs';
    const res = await c.post(
      'Observation',
      observation(bPatient, code, { category: [{ coding: [{ system: CATEGORY, code: category }] }] }),
    );
    const mayWrite = ['super_admin', 'branch_admin', 'doctor', 'nurse', 'lab_tech'].includes(role);
    expect(res.status, JSON.stringify(res.body)).toBe(mayWrite ? 201 : 403);
    expectNoBResources(res);
    expect((await bPatientNow()).meta.versionId).toBe(bPatientVersion);
    // B sees only its own Observation about its Patient, whichever way it asks.
    const mine = [bObs];
    expect((await b.get(`Observation?subject=Patient/${bPatient}`)).body.entry.map((e: any) => e.resource.id)).toEqual(mine);
    expect((await b.get(`Patient/${bPatient}/Observation`)).body.entry.map((e: any) => e.resource.id)).toEqual(mine);
    expect((await b.get(`Observation?code=${CODES}|${code}`)).body.entry).toBeUndefined();
    expect((await b.get(`Patient?_has:Observation:subject:code=${CODES}|${code}`)).body.entry).toBeUndefined();
    const revinclude = await b.get(`Patient?_id=${bPatient}&_revinclude=Observation:subject`);
    expect(revinclude.body.entry.map((e: any) => e.resource.id).sort()).toEqual([bPatient, bObs].sort());
    if (mayWrite) {
      expect((await b.get(`Observation/${res.body.id}`)).status).toBe(404);
      // ...while A has it.
      expect((await a.get(`Observation/${res.body.id}`)).status).toBe(200);
    }
  });
});

describe('after every role', () => {
  it('B’s data is exactly as B wrote it', async () => {
    const p = await bPatientNow();
    expect(p.meta.versionId).toBe(bPatientVersion);
    expect((await b.get(`Patient/${bPatient}/_history`)).body.total).toBe(1);
    for (const path of [`Observation/${bObs}`, `Observation/${bObsCross}`, `Encounter/${bEnc}`]) {
      const res = await b.get(path);
      expect(res.status).toBe(200);
      expect(res.body.meta.versionId).toBe('1');
    }
    const bPatients = await b.get(`Patient?identifier=${HEALTH_ID}|${SHARED_ID}`);
    expect(bPatients.body.entry.map((e: any) => e.resource.id)).toEqual([bPatient]);
    // Nothing that A wrote reached B's tables.
    const history = await b.get('Patient/_history?_count=1000');
    expect(history.body.total).toBe(1);
    expect((await b.get(`Observation?code=${CODES}|a-to-b,${CODES}|a-obs&_total=accurate`)).body.total).toBe(0);
  });
});
