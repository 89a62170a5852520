import type { Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresRepository } from '../src/repo/postgres-repository.ts';
import { captureStatements, type ScanProblem, type Statement, scansOverTenantRows } from './helpers/plans.ts';
import { fhirClient, startTestServer, systemToken, TENANT_A, TENANT_B, type TestServer } from './helpers/server.ts';

// A write's cost must not grow with the tenant: no statement of a single-resource write may scan
// the tenant's rows of any table. Plans are read on PostgreSQL with production-like statistics.
const onPostgres = process.env.TEST_DB === 'postgres';
const PATIENTS = 3000;

let t: TestServer;
let fhir: ReturnType<typeof fhirClient>;

const patient = (i: number) => ({
  resourceType: 'Patient',
  identifier: [{ system: 'https://hospital-ops.in/fhir/sid/plans', value: `p-${i}` }],
  name: [{ family: `Family${i % 400}`, given: [`Given${i}`] }],
  gender: i % 2 ? 'male' : 'female',
  birthDate: `19${50 + (i % 50)}-0${1 + (i % 9)}-1${i % 10}`,
  telecom: [{ system: 'phone', value: `+9198${String(i).padStart(8, '0')}` }],
  address: [{ city: 'Pune', postalCode: '411004', country: 'IN' }],
});

const observation = (i: number, patientId: string) => ({
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
  subject: { reference: `Patient/${patientId}` },
  effectiveDateTime: `2025-0${1 + (i % 9)}-1${i % 10}T10:00:00Z`,
  valueQuantity: { value: 60 + (i % 40), unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
});

const consent = (patientId: string, deny: boolean) => ({
  resourceType: 'Consent',
  status: 'active',
  scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
  category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
  patient: { reference: `Patient/${patientId}` },
  policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN' }] },
  provision: { type: deny ? 'deny' : 'permit', actor: [{ role: { text: 'x' }, reference: { reference: 'Organization/none' } }] },
});

/** Loads a tenant straight through the repository: patients, an observation each, some consents. */
async function load(tenantId: string, patients: number): Promise<void> {
  const repo = new PostgresRepository({ db: t.server.db, tenant: { tenantId }, baseUrl: t.base, updateCreate: true });
  for (let from = 0; from < patients; from += 250) {
    await repo.withTransaction(
      async (tx) => {
        for (let i = from; i < Math.min(from + 250, patients); i++) {
          const p = await tx.createResource(patient(i) as Resource);
          await tx.createResource(observation(i, p.id) as Resource);
          if (i % 3 === 0) await tx.createResource(consent(p.id, i % 300 === 0) as Resource);
        }
      },
      { resourceTypes: [] },
    );
  }
}

/** The statements one interaction sends, from a fresh consent cache (so its lookup is seen too). */
async function statementsOf(interaction: () => Promise<{ status: number }>, expected: number): Promise<Statement[]> {
  t.server.auth.consents.invalidate(TENANT_A);
  const capture = captureStatements();
  const status = await interaction().then(
    (r) => r.status,
    (err) => err,
  );
  const statements = capture.stop();
  expect(status).toBe(expected);
  return statements;
}

const describeOnPostgres = describe.skipIf(!onPostgres);

describeOnPostgres('plans of single-resource writes on a loaded tenant', () => {
  beforeAll(async () => {
    t = await startTestServer();
    fhir = fhirClient(t.base);
    await load(TENANT_A, PATIENTS);
    await load(TENANT_B, PATIENTS / 3);
    await t.server.db.asOwner((sql) => sql.exec('ANALYZE'));
    await systemToken(t.base, TENANT_A);
  }, 180_000);
  afterAll(() => t?.stop());

  const check = async (statements: Statement[]): Promise<ScanProblem[]> =>
    scansOverTenantRows(t.databaseUrl as string, TENANT_A, statements);

  it('create, update, patch and delete scan no tenant rows', async () => {
    const created = await fhir.post('Patient', patient(90_001));
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const statements = [
      ...(await statementsOf(() => fhir.post('Patient', patient(90_002)), 201)),
      ...(await statementsOf(() => fhir.put(`Patient/${id}`, { ...created.body, gender: 'other' }), 200)),
      ...(await statementsOf(() => fhir.patch(`Patient/${id}`, [{ op: 'replace', path: '/gender', value: 'female' }]), 200)),
      ...(await statementsOf(() => fhir.delete(`Patient/${id}`), 200)),
    ];
    expect(statements.some((s) => /sp_token/.test(s.text))).toBe(true);
    expect(await check(statements)).toEqual([]);
  });

  it('a 10-entry transaction scans no tenant rows', async () => {
    const existing = [];
    for (let i = 0; i < 5; i++) existing.push((await fhir.post('Patient', patient(91_000 + i))).body);
    const entry = [
      ...[0, 1, 2, 3].map((i) => ({
        fullUrl: `urn:uuid:0c3a9f4e-2222-4c3b-9a77-5d2a1f00000${i}`,
        resource: patient(92_000 + i),
        request: { method: 'POST', url: 'Patient' },
      })),
      {
        resource: observation(1, existing[0].id),
        request: { method: 'POST', url: 'Observation' },
      },
      ...existing.slice(0, 3).map((p) => ({ resource: { ...p, gender: 'other' }, request: { method: 'PUT', url: `Patient/${p.id}` } })),
      ...existing.slice(3).map((p) => ({ request: { method: 'DELETE', url: `Patient/${p.id}` } })),
    ];
    expect(entry).toHaveLength(10);
    const statements = await statementsOf(() => fhir.post('', { resourceType: 'Bundle', type: 'transaction', entry }), 200);
    expect(await check(statements)).toEqual([]);
  });
});
