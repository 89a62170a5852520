import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirClient, startTestServer, TENANT_A, type TestServer } from './helpers/server.ts';
import { createStaff, type Staff, staffClient } from './helpers/staff.ts';

let t: TestServer;
let system: ReturnType<typeof fhirClient>;
let refused: Staff;
let other: Staff;
let nurse: Staff;
let patientP: string;
let patientQ: string;
let obsP: string;
let consentId: string;

const ids = (bundle: any) => (bundle.entry ?? []).map((e: any) => e.resource.id);

beforeAll(async () => {
  t = await startTestServer();
  system = fhirClient(t.base, TENANT_A);
  refused = await createStaff(t, TENANT_A, 'doctor');
  other = await createStaff(t, TENANT_A, 'doctor');
  nurse = await createStaff(t, TENANT_A, 'nurse');
  patientP = (await system.post('Patient', { resourceType: 'Patient', name: [{ family: 'Pillai' }] })).body.id;
  patientQ = (await system.post('Patient', { resourceType: 'Patient', name: [{ family: 'Pillai' }] })).body.id;
  obsP = (
    await system.post('Observation', {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'HIV test' },
      subject: { reference: `Patient/${patientP}` },
    })
  ).body.id;
  await system.post('Observation', {
    resourceType: 'Observation',
    status: 'final',
    code: { text: 'HIV test' },
    subject: { reference: `Patient/${patientQ}` },
  });
  await system.post('Condition', { resourceType: 'Condition', subject: { reference: `Patient/${patientP}` }, code: { text: 'Asthma' } });
  // P refuses the first doctor access to their Observations, for treatment.
  consentId = (
    await system.post('Consent', {
      resourceType: 'Consent',
      status: 'active',
      scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
      category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
      patient: { reference: `Patient/${patientP}` },
      policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTOUT' }] },
      provision: {
        type: 'deny',
        actor: [
          {
            role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'PRCP' }] },
            reference: { reference: `Practitioner/${refused.practitionerId}` },
          },
        ],
        class: [{ system: 'http://hl7.org/fhir/resource-types', code: 'Observation' }],
      },
    })
  ).body.id;
  expect(consentId).toBeTruthy();
});
afterAll(() => t?.stop());

describe('patient consent', () => {
  it("hides the refusing patient's covered data from the named actor only", async () => {
    const blocked = await staffClient(t, refused);
    const search = await blocked.get('Observation?code:text=HIV');
    expect(search.status).toBe(200);
    expect(ids(search.body)).not.toContain(obsP);
    expect(ids(search.body)).toHaveLength(1);
    expect((await blocked.get(`Observation/${obsP}`)).status).toBe(404);
    expect((await blocked.get(`Patient/${patientP}/Observation`)).body.entry ?? []).toHaveLength(0);
    // Data the Consent does not cover stays visible.
    expect((await blocked.get(`Condition?patient=${patientP}`)).body.entry).toHaveLength(1);
    expect((await blocked.get(`Patient/${patientP}`)).status).toBe(200);
    // Another doctor is not named.
    expect(ids((await (await staffClient(t, other)).get('Observation?code:text=HIV')).body)).toContain(obsP);
  });

  it('cannot be sidestepped by writing into the refused data', async () => {
    const blocked = await staffClient(t, refused);
    const res = await blocked.put(`Observation/${obsP}`, {
      resourceType: 'Observation',
      id: obsP,
      status: 'amended',
      code: { text: 'HIV test' },
      subject: { reference: `Patient/${patientP}` },
    });
    expect(res.status).toBe(404);
    const created = await blocked.post('Observation', {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'x' },
      subject: { reference: `Patient/${patientP}` },
    });
    expect(created.status).toBe(403);
  });

  it('break-the-glass lifts it for a doctor with a reason, audited; a nurse cannot break the glass', async () => {
    const blocked = await staffClient(t, refused);
    const res = await blocked.get(`Observation/${obsP}`, { 'x-break-glass': 'Unconscious in emergency, need HIV status' });
    expect(res.status).toBe(200);
    const rows = await t.server.db.transaction({ tenantId: TENANT_A }, (sql) =>
      sql.query<{ event: any }>("SELECT event FROM audit_log WHERE user_id = $1 AND event->'type'->>'code' = '110113'", [refused.user.id]),
    );
    expect(rows.rows).toHaveLength(1);
    expect(JSON.stringify(rows.rows[0].event)).toContain('Unconscious in emergency');
    expect((await (await staffClient(t, nurse)).get('Observation', { 'x-break-glass': 'curious about it' })).status).toBe(403);
    expect((await blocked.get('Observation', { 'x-break-glass': '' })).status).toBe(400);
  });

  it('applies only to its purpose, and ends when the Consent is withdrawn', async () => {
    const blocked = await staffClient(t, refused);
    expect((await blocked.get(`Observation/${obsP}`, { 'x-purpose-of-use': 'HRESCH' })).status).toBe(404);
    const consent = (await system.get(`Consent/${consentId}`)).body;
    await system.put(`Consent/${consentId}`, {
      ...consent,
      provision: { ...consent.provision, purpose: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'HRESCH' }] },
    });
    expect((await blocked.get(`Observation/${obsP}`)).status).toBe(200);
    expect((await blocked.get(`Observation/${obsP}`, { 'x-purpose-of-use': 'HRESCH' })).status).toBe(404);
    await system.put(`Consent/${consentId}`, { ...consent, status: 'inactive' });
    expect((await blocked.get(`Observation/${obsP}`, { 'x-purpose-of-use': 'HRESCH' })).status).toBe(200);
  });

  it('takes effect at once when written inside a transaction bundle', async () => {
    const blocked = await staffClient(t, refused);
    expect((await blocked.get(`Observation/${obsP}`)).status).toBe(200);
    // A bundle without a Consent leaves the rules as they are; the one with a Consent applies at once.
    const plain = await system.post('', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          request: { method: 'POST', url: 'Condition' },
          resource: { resourceType: 'Condition', subject: { reference: `Patient/${patientQ}` }, code: { text: 'Cough' } },
        },
      ],
    });
    expect(plain.status).toBe(200);
    const consent = (await system.get(`Consent/${consentId}`)).body;
    const res = await system.post('', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          request: { method: 'PUT', url: `Consent/${consentId}` },
          resource: { ...consent, status: 'active', provision: { ...consent.provision, purpose: undefined } },
        },
      ],
    });
    expect(res.status).toBe(200);
    expect((await blocked.get(`Observation/${obsP}`)).status).toBe(404);
  });
});
