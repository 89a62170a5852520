import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AbdmGateway, startAbdmGateway } from '../../../simulators/abdm-gateway/src/index.ts';
import { GatewayClient } from '../../src/features/abdm/gateway/client.ts';
import { counterIdentifier } from '../../src/features/abdm/hip/share.ts';
import { createDirectory, type Directory } from '../documents/fixtures.ts';
import { fhirClient, startTestServer, TENANT_A, TENANT_B, type TestServer } from '../helpers/server.ts';

// Scan & Share against the local gateway: the patient's ABHA app shares their profile at a
// counter; the hospital registers or finds them and answers with the counter's queue token.
const HIP_A = 'IN2710000101';
const HIP_B = 'IN0810000999';
const QUEUE_TOKEN_URL = 'https://hospital-ops.in/fhir/StructureDefinition/opd-queue-token';

let t: TestServer;
let gw: AbdmGateway;
let a: Directory;
let fhir: ReturnType<typeof fhirClient>;
let other: ReturnType<typeof fhirClient>;

const profile = (overrides: Record<string, unknown> = {}) => ({
  abhaNumber: '91-1234-5678-9012',
  abhaAddress: 'meera.iyer@sbx',
  name: 'Meera Lakshmi Iyer',
  gender: 'F',
  dayOfBirth: '7',
  monthOfBirth: '3',
  yearOfBirth: '1988',
  phoneNumber: '98220 12345',
  address: { line: '12 Karve Road', district: 'Pune', state: 'Maharashtra', pincode: '411038' },
  ...overrides,
});

async function counterRole(client: ReturnType<typeof fhirClient>, practitioner: string, branch: string, code: string) {
  const res = await client.post('PractitionerRole', {
    resourceType: 'PractitionerRole',
    active: true,
    identifier: [counterIdentifier(code)],
    practitioner: { reference: practitioner },
    organization: { reference: branch },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

const patientsWith = async (client: ReturnType<typeof fhirClient>, abhaAddress: string) =>
  ((await client.get(`Patient?identifier=${encodeURIComponent(abhaAddress)}`)).body.entry ?? []).map((e: any) => e.resource);

beforeAll(async () => {
  gw = await startAbdmGateway({ clients: [{ clientId: 'SBX_HOSPITAL_OPS', clientSecret: 'hip-secret-1' }] });
  t = await startTestServer({
    PROFILE_ENFORCEMENT: 'abdm',
    ABDM_GATEWAY_URL: gw.url,
    ABDM_CLIENT_ID: 'SBX_HOSPITAL_OPS',
    ABDM_CLIENT_SECRET: 'hip-secret-1',
    ABDM_HIP_ID: HIP_A,
    ABDM_GATEWAY_CLIENT_ID: 'gateway',
    JOBS_POLL_MS: '50',
  });
  const client = new GatewayClient({ baseUrl: gw.url, clientId: 'SBX_HOSPITAL_OPS', clientSecret: 'hip-secret-1', cmId: 'sbx' });
  await client.registerBridge(t.server.url, [
    { id: HIP_A, name: 'Sanjeevani Hospitals', type: 'HIP' },
    { id: HIP_B, name: 'City Clinic', type: 'HIP' },
  ]);
  const { registerAbdmService } = await import('../../src/features/abdm/services.ts');
  await registerAbdmService(t.server.db, TENANT_B, HIP_B, 'HIP');
  fhir = fhirClient(t.base, TENANT_A);
  other = fhirClient(t.base, TENANT_B);
  a = await createDirectory(fhir);
  await counterRole(fhir, a.physician, a.branch, 'KOTHRUD-OPD-1');
}, 120_000);
afterAll(async () => {
  await t?.stop();
  await gw?.stop();
});

describe('ABDM Scan & Share', () => {
  it('registers a new patient from the shared profile and answers with the counter queue token', async () => {
    const answer = await gw.shareProfile(HIP_A, { context: 'KOTHRUD-OPD-1', patient: profile() });
    expect(answer.acknowledgement).toMatchObject({
      status: 'SUCCESS',
      abhaAddress: 'meera.iyer@sbx',
      profile: { context: 'KOTHRUD-OPD-1' },
    });
    const token = Number((answer.acknowledgement as any).profile.tokenNumber);
    expect(token).toBeGreaterThanOrEqual(1);
    expect(Number((answer.acknowledgement as any).profile.expiry)).toBeGreaterThan(0);

    const [patient, ...more] = await patientsWith(fhir, 'meera.iyer@sbx');
    expect(more).toHaveLength(0);
    expect(patient).toMatchObject({
      name: [{ text: 'Meera Lakshmi Iyer', family: 'Iyer', given: ['Meera', 'Lakshmi'] }],
      gender: 'female',
      birthDate: '1988-03-07',
      telecom: [{ system: 'phone', value: '+919822012345' }],
      address: [{ district: 'Pune', state: 'Maharashtra', postalCode: '411038', country: 'IN' }],
    });
    const systems = patient.identifier.map((i: any) => `${i.system}|${i.value}`);
    expect(systems).toEqual(
      expect.arrayContaining(['https://healthid.ndhm.gov.in|91123456789012', 'https://healthid.ndhm.gov.in/health-id|meera.iyer@sbx']),
    );
    expect(
      patient.identifier.some((i: any) => i.system === 'https://hospital-ops.in/fhir/sid/uhid' && /^[A-Z0-9-]+-[0-9A-Z]{6}$/.test(i.value)),
    ).toBe(true);

    // The visit is in the doctor's queue like any walk-in's, with the token the patient was told.
    const queue = await fhir.get(`Encounter?subject=Patient/${patient.id}&participant=${a.physician}&_count=5`);
    expect(queue.body.entry).toHaveLength(1);
    const visit = queue.body.entry[0].resource;
    expect(visit.status).toBe('arrived');
    expect(visit.serviceProvider.reference).toBe(a.branch);
    const ext = visit.extension.find((x: any) => x.url === QUEUE_TOKEN_URL);
    expect(ext.extension.find((x: any) => x.url === 'number').valuePositiveInt).toBe(token);
  });

  it('gives the same token to a second scan the same day, with no second patient or visit', async () => {
    const first = await gw.shareProfile(HIP_A, { context: 'KOTHRUD-OPD-1', patient: profile() });
    const again = await gw.shareProfile(HIP_A, { context: 'KOTHRUD-OPD-1', patient: profile() });
    expect((again.acknowledgement as any).profile.tokenNumber).toBe((first.acknowledgement as any).profile.tokenNumber);
    const patients = await patientsWith(fhir, 'meera.iyer@sbx');
    expect(patients).toHaveLength(1);
    const visits = await fhir.get(`Encounter?subject=Patient/${patients[0].id}`);
    expect(visits.body.entry).toHaveLength(1);
  });

  it('finds a registered patient by ABHA number, keeps what the desk recorded and adds the ABHA address', async () => {
    const existing = await fhir.post('Patient', {
      resourceType: 'Patient',
      identifier: [
        {
          type: {
            coding: [
              {
                system: 'https://nrces.in/ndhm/fhir/r4/CodeSystem/ndhm-identifier-type-code',
                code: 'HIN',
                display: 'Health ID issued by NDHM',
              },
            ],
          },
          system: 'https://healthid.ndhm.gov.in',
          value: '91222233334444',
        },
      ],
      name: [{ text: 'Rohit Deshpande', given: ['Rohit'], family: 'Deshpande' }],
      gender: 'male',
      birthDate: '1979-11-02',
      telecom: [{ system: 'phone', value: '+919890011122', use: 'mobile' }],
    });
    expect(existing.status, JSON.stringify(existing.body)).toBe(201);
    const answer = await gw.shareProfile(HIP_A, {
      context: 'KOTHRUD-OPD-1',
      patient: profile({
        abhaNumber: '91-2222-3333-4444',
        abhaAddress: 'rohit.d@sbx',
        name: 'Rohit D',
        gender: 'M',
        phoneNumber: '9000000000',
      }),
    });
    expect(answer.acknowledgement).toMatchObject({ status: 'SUCCESS', abhaAddress: 'rohit.d@sbx' });
    const now = (await fhir.get(`Patient/${existing.body.id}`)).body;
    expect(now.name[0].text).toBe('Rohit Deshpande');
    expect(now.telecom[0].value).toBe('+919890011122');
    expect(now.identifier.map((i: any) => i.value)).toEqual(['91222233334444', 'rohit.d@sbx']);
    expect(await patientsWith(fhir, 'rohit.d@sbx')).toHaveLength(1);
  });

  it('answers FAILED for a counter no queue takes, or a profile without a name, creating nothing and auditing why', async () => {
    const unknown = await gw.shareProfile(HIP_A, { context: 'NO-SUCH-COUNTER', patient: profile({ abhaAddress: 'nobody.one@sbx' }) });
    expect(unknown.acknowledgement).toMatchObject({ status: 'FAILED', abhaAddress: 'nobody.one@sbx' });
    expect((unknown.error as any).message).toMatch(/NO-SUCH-COUNTER/);
    const nameless = await gw.shareProfile(HIP_A, {
      context: 'KOTHRUD-OPD-1',
      patient: profile({ abhaAddress: 'nobody.two@sbx', name: ' ' }),
    });
    expect(nameless.acknowledgement).toMatchObject({ status: 'FAILED' });
    expect(await patientsWith(fhir, 'nobody.one@sbx')).toHaveLength(0);
    expect(await patientsWith(fhir, 'nobody.two@sbx')).toHaveLength(0);
    const audit = await fhir.get('AuditEvent?_count=50&_sort=-date');
    const texts = (audit.body.entry ?? []).map((e: any) => e.resource.outcomeDesc ?? '');
    expect(
      texts.some((x: string) => /Scan & Share refused: No OPD queue takes Scan & Share from the counter "NO-SUCH-COUNTER"/.test(x)),
    ).toBe(true);
  });

  it("a share at tenant B's HIP registers and queues in tenant B only, by B's own counter", async () => {
    // Before B has a counter of that code, A's counter means nothing at B's HIP.
    const before = await gw.shareProfile(HIP_B, { context: 'KOTHRUD-OPD-1', patient: profile() });
    expect(before.acknowledgement).toMatchObject({ status: 'FAILED' });
    expect(await patientsWith(other, 'meera.iyer@sbx')).toHaveLength(0);
    const b = await createDirectory(other);
    await counterRole(other, b.physician, b.branch, 'KOTHRUD-OPD-1');
    const answer = await gw.shareProfile(HIP_B, { context: 'KOTHRUD-OPD-1', patient: profile() });
    expect(answer.acknowledgement).toMatchObject({ status: 'SUCCESS', profile: { tokenNumber: '1' } });
    const theirs = await patientsWith(other, 'meera.iyer@sbx');
    expect(theirs).toHaveLength(1);
    expect((await other.get(`Encounter?subject=Patient/${theirs[0].id}`)).body.entry[0].resource.serviceProvider.reference).toBe(b.branch);
    // Tenant A still has exactly its one Meera and her one visit.
    const mine = await patientsWith(fhir, 'meera.iyer@sbx');
    expect(mine).toHaveLength(1);
    expect(mine[0].id).not.toBe(theirs[0].id);
    expect((await fhir.get(`Encounter?subject=Patient/${mine[0].id}`)).body.entry).toHaveLength(1);
  });

  it('refuses an unsigned share (401) and queues nothing', async () => {
    const res = await fetch(`${t.server.url}/api/v3/hip/patient/share`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'REQUEST-ID': crypto.randomUUID(),
        TIMESTAMP: new Date().toISOString(),
        'X-HIP-ID': HIP_A,
        'X-CM-ID': 'sbx',
      },
      body: JSON.stringify({
        intent: 'PROFILE_SHARE',
        metaData: { hipId: HIP_A, context: 'KOTHRUD-OPD-1' },
        profile: { patient: profile({ abhaAddress: 'forged.one@sbx' }) },
      }),
    });
    expect(res.status).toBe(401);
    await new Promise((r) => setTimeout(r, 300));
    expect(await patientsWith(fhir, 'forged.one@sbx')).toHaveLength(0);
  });
});
