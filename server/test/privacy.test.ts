import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { erasePatient } from '../src/privacy/erasure.ts';
import { PostgresRepository } from '../src/repo/postgres-repository.ts';
import { fhirClient, startTestServer, systemToken, TENANT_A, TENANT_B, type TestServer } from './helpers/server.ts';
import { createStaff, userToken } from './helpers/staff.ts';

let t: TestServer;
let fhir: ReturnType<typeof fhirClient>;
let patientId: string;
let otherId: string;
let encounterId: string;
const PHONE = '+919822045671';

beforeAll(async () => {
  t = await startTestServer();
  fhir = fhirClient(t.base);
  const p = await fhir.post('Patient', {
    resourceType: 'Patient',
    name: [{ given: ['Sunita'], family: 'Deshmukh' }],
    telecom: [{ system: 'phone', value: PHONE }],
    birthDate: '1971-03-14',
    gender: 'female',
    address: [{ city: 'Pune', postalCode: '411038' }],
    identifier: [{ system: 'https://healthid.ndhm.gov.in', value: '91-1234-5678-9012' }],
  });
  patientId = p.body.id;
  await fhir.put(`Patient/${patientId}`, {
    ...p.body,
    telecom: [
      { system: 'phone', value: PHONE },
      { system: 'email', value: 'sunita@example.in' },
    ],
  });
  const e = await fhir.post('Encounter', {
    resourceType: 'Encounter',
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
    subject: { reference: `Patient/${patientId}`, display: 'Sunita Deshmukh' },
  });
  encounterId = e.body.id;
  await fhir.post('Observation', {
    resourceType: 'Observation',
    status: 'final',
    code: { text: 'Pulse' },
    subject: { reference: `Patient/${patientId}`, display: 'Sunita Deshmukh' },
    encounter: { reference: `Encounter/${encounterId}` },
    valueQuantity: { value: 80, unit: '/min' },
  });
  const other = await fhir.post('Patient', { resourceType: 'Patient', name: [{ given: ['Sunil'], family: 'Deshmukh' }] });
  otherId = other.body.id;
});
afterAll(() => t?.stop());

const erase = async (id: string, body: unknown, token?: string) =>
  fetch(`${t.server.url}/admin/patients/${id}/erase`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token ?? (await systemToken(t.base, TENANT_A))}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('DPDP erasure of a patient', () => {
  it('is refused within the retention period, saying until when, and the refusal is audited', async () => {
    const res = await erase(patientId, { reason: 'DPDP request DPR-2026-014' });
    expect(res.status).toBe(409);
    const body = await res.json();
    const year = new Date().getUTCFullYear() + 7;
    expect(body.issue[0].details.text).toContain(`7 years after the last visit, until ${year}-`);
    expect((await fhir.get(`Patient/${patientId}`)).body.name[0].family).toBe('Deshmukh');
    const audit = await fhir.get(`AuditEvent?entity=Patient/${patientId}&_count=50`);
    const details = JSON.stringify(audit.body);
    expect(details).toContain('patient.erase refused');
  });

  it('is only for a super_admin, needs a reason, and another tenant cannot reach the patient', async () => {
    const doctor = await createStaff(t, TENANT_A, 'doctor');
    expect((await erase(patientId, { reason: 'asked' }, await userToken(t, doctor.user))).status).toBe(403);
    expect((await erase(patientId, {})).status).toBe(400);
    expect((await erase(patientId, { reason: 'asked' }, await systemToken(t.base, TENANT_B))).status).toBe(404);
  });

  it('after the retention period, removes every identifying detail from every version and reference, and keeps the clinical record', async () => {
    const repo = new PostgresRepository({
      db: t.server.db,
      tenant: { tenantId: TENANT_A },
      baseUrl: t.server.config.baseUrl,
      updateCreate: false,
    });
    const eightYearsOn = new Date(Date.now() + 8 * 365.25 * 86_400_000);
    const result = await erasePatient({ db: t.server.db, repo, tenantId: TENANT_A, patientId, retentionYears: 7, now: eightYearsOn });
    expect(result.versionsScrubbed).toBe(2);
    expect(result.referencesScrubbed).toBeGreaterThanOrEqual(2);

    const current = (await fhir.get(`Patient/${patientId}`)).body;
    expect(current.name).toEqual([{ text: 'Erased patient' }]);
    expect(current.birthDate).toBe('1971');
    expect(current.meta.tag.some((tag: { code: string }) => tag.code === 'erased')).toBe(true);
    const history = (await fhir.get(`Patient/${patientId}/_history`)).body;
    expect(history.entry).toHaveLength(3);
    const encounter = (await fhir.get(`Encounter/${encounterId}/_history`)).body;
    expect(encounter.entry[0].resource.subject).toEqual({ reference: `Patient/${patientId}` });
    const observations = (await fhir.get(`Observation?subject=Patient/${patientId}`)).body;
    const everything = JSON.stringify([history, encounter, observations]);
    for (const identifying of ['Sunita', 'Deshmukh', '9822045671', 'sunita@example.in', '1971-03-14', '411038', '91-1234-5678-9012'])
      expect(everything).not.toContain(identifying);
    // Search no longer finds the person; the clinical record is still there, keyed by the id.
    expect((await fhir.get('Patient?family=Deshmukh')).body.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual([
      otherId,
    ]);
    expect((await fhir.get(`Patient?phone=${encodeURIComponent(PHONE)}`)).body.entry ?? []).toEqual([]);
    expect((await fhir.get(`Observation?subject=Patient/${patientId}`)).body.entry).toHaveLength(1);
    // The other patient with the same family name is untouched.
    expect((await fhir.get(`Patient/${otherId}`)).body.name[0].given).toEqual(['Sunil']);
  });
});
