import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AbdmGateway, startAbdmGateway } from '../../../simulators/abdm-gateway/src/index.ts';
import type { RecordingSmsSender } from '../../src/auth/sms.ts';
import { createUser } from '../../src/auth/store.ts';
import { GatewayClient } from '../../src/features/abdm/gateway/client.ts';
import { createAdmission, createDirectory, createOpdVisit, type Directory, patient } from '../documents/fixtures.ts';
import { fhirClient, startTestServer, TENANT_A, TENANT_B, type TestServer } from '../helpers/server.ts';
import { userToken } from '../helpers/staff.ts';

// HIP-initiated linking against the local gateway: a finished visit is offered to the patient's
// ABHA address as a care context, with one link token per patient reused for later visits.
const HIP_A = 'IN2710000101';
const ABHA_ADDRESS = 'sneha.kulkarni@sbx';

let t: TestServer;
let gw: AbdmGateway;
let a: Directory;
let fhir: ReturnType<typeof fhirClient>;

beforeAll(async () => {
  gw = await startAbdmGateway({
    clients: [{ clientId: 'SBX_HOSPITAL_OPS', clientSecret: 'hip-secret-1' }],
    // The gateway's callbacks reach the bridge before its answers do: nothing may depend on the order.
    answerDelayMs: 500,
  });
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
  await client.registerBridge(t.server.url, [{ id: HIP_A, name: 'Sanjeevani Hospitals', type: 'HIP' }]);
  fhir = fhirClient(t.base, TENANT_A);
  a = await createDirectory(fhir);
}, 120_000);
afterAll(async () => {
  await t?.stop();
  await gw?.stop();
});

async function waitFor<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const careContextRow = (encounterId: string) =>
  t.server.db.transaction({ tenantId: TENANT_A }, async (sql) => {
    const r = await sql.query<{ status: string; detail: string | null }>(
      'SELECT status, detail FROM abdm_care_context WHERE encounter_id = $1',
      [encounterId],
    );
    return r.rows[0];
  });

const linkedAtGateway = (encounterId: string) =>
  gw.state.links.find((l) => (l.patient as any).careContexts?.some((c: any) => c.referenceNumber === encounterId));

async function giveAbhaAddress(patientRef: string): Promise<void> {
  const p = (await fhir.get(patientRef)).body;
  p.identifier.push({
    type: {
      coding: [
        {
          system: 'https://nrces.in/ndhm/fhir/r4/CodeSystem/ndhm-identifier-type-code',
          code: 'ABHA',
          display: 'Ayushman Bharat Health Account (ABHA) ID',
        },
      ],
    },
    system: 'https://healthid.abdm.gov.in',
    value: ABHA_ADDRESS,
  });
  const res = await fhir.put(patientRef, p);
  expect(res.status).toBe(200);
}

describe('ABDM HIP-initiated linking', () => {
  it('refuses a patient without an ABHA address (400), and links nothing', async () => {
    const visit = await createOpdVisit(fhir, a);
    const res = await fhir.post(`${visit.encounter}/$abdm-link`, { resourceType: 'Parameters' });
    expect(res.status).toBe(400);
    expect(res.body.issue[0].details.text).toMatch(/ABHA address/);
    expect(gw.exchanges({ path: '/v3/token/generate-token' })).toHaveLength(0);
  });

  it('links a finished visit: a link token is asked for once, then link/carecontext; a second visit reuses the token', async () => {
    await giveAbhaAddress(a.patient);
    const first = await createOpdVisit(fhir, a);
    const id1 = first.encounter.split('/')[1] as string;
    const res = await fhir.post(`${first.encounter}/$abdm-link`, { resourceType: 'Parameters' });
    expect(res.status).toBe(200);
    const link = await waitFor('the link at the gateway', () => linkedAtGateway(id1));
    expect(link).toMatchObject({ abhaAddress: ABHA_ADDRESS, hipId: HIP_A });
    expect((link.patient as any).referenceNumber).toBe(a.patient.split('/')[1]);
    expect(await waitFor('linked', async () => ((await careContextRow(id1))?.status === 'linked' ? true : undefined))).toBe(true);

    const second = await createOpdVisit(fhir, a);
    const id2 = second.encounter.split('/')[1] as string;
    expect((await fhir.post(`${second.encounter}/$abdm-link`, { resourceType: 'Parameters' })).status).toBe(200);
    await waitFor('the second link', () => linkedAtGateway(id2));
    expect(await waitFor('linked', async () => ((await careContextRow(id2))?.status === 'linked' ? true : undefined))).toBe(true);
    // One token for the patient, reused.
    expect(gw.exchanges({ path: '/v3/token/generate-token' }).filter((e) => e.direction === 'to-gateway')).toHaveLength(1);
    // Asked again, an already linked visit is not sent again.
    const again = await fhir.post(`${first.encounter}/$abdm-link`, { resourceType: 'Parameters' });
    expect(again.body.issue[0].details.text).toMatch(/already/);
  });

  it("tenant B cannot link tenant A's visit (404), and an unsolicited on-generate-token is ignored and audited", async () => {
    const visit = await createOpdVisit(fhir, a);
    const other = fhirClient(t.base, TENANT_B);
    expect((await other.post(`${visit.encounter}/$abdm-link`, { resourceType: 'Parameters' })).status).toBe(404);
    expect(await careContextRow(visit.encounter.split('/')[1] as string)).toBeUndefined();

    const forged = 'forged-token-0123456789';
    await gw.deliver(HIP_A, '/api/v3/hip/token/on-generate-token', {
      abhaAddress: ABHA_ADDRESS,
      linkToken: forged,
      response: { requestId: randomUUID() },
    });
    const audited = await waitFor('the audit', async () => {
      const r = await t.server.db.transaction({ tenantId: TENANT_A }, (sql) =>
        sql.query<{ event: any }>("SELECT event FROM audit_log WHERE client_id = 'abdm-gateway' AND outcome = '4'"),
      );
      return r.rows.find((x) => String(x.event.outcomeDesc).includes('on-generate-token')) ? true : undefined;
    });
    expect(audited).toBe(true);
    const tokens = await t.server.db.transaction({ tenantId: TENANT_A }, (sql) =>
      sql.query<{ link_token: string }>('SELECT link_token FROM abdm_link_token'),
    );
    expect(tokens.rows.map((r) => r.link_token)).not.toContain(forged);
  });

  it('the abdm-care-context bot links a visit when it is finished, through the FHIR operation (no gateway credentials)', async () => {
    // An administrator of tenant A (its Practitioner is the directory's, which meets the ABDM profile).
    const user = await createUser(t.server.db, TENANT_A, {
      email: 'bots.admin@sanjeevani.example.in',
      name: 'Bots Admin',
      password: 'pw-bots-admin-long-enough',
      role: 'super_admin',
      branchIds: [],
      practitionerId: a.physician.split('/')[1] as string,
    });
    const admin = await userToken(t, user);
    const enable = await fetch(`${t.server.url}/admin/bots/abdm-care-context`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ enabled: true }),
    });
    expect(enable.status).toBe(200);
    const visit = await createOpdVisit(fhir, a);
    const id = visit.encounter.split('/')[1] as string;
    const link = await waitFor(
      'the bot to link the visit',
      async () => {
        await t.server.events.runNow();
        await t.server.bots?.forwardNow();
        return linkedAtGateway(id);
      },
      30_000,
    );
    expect(link).toMatchObject({ abhaAddress: ABHA_ADDRESS, hipId: HIP_A });
    // Off again: the next tests link by hand, and the bot would race them for every visit.
    const off = await fetch(`${t.server.url}/admin/bots/abdm-care-context`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ enabled: false }),
    });
    expect(off.status).toBe(200);
  });
});

describe('ABDM care contexts of hospital stays', () => {
  it('links a finished hospital stay as a DischargeSummary care context, named by its dates', async () => {
    const stay = await createAdmission(fhir, a);
    const id = stay.encounter.split('/')[1] as string;
    expect((await fhir.post(`${stay.encounter}/$abdm-link`, { resourceType: 'Parameters' })).status).toBe(200);
    const link = await waitFor('the stay linked at the gateway', () => linkedAtGateway(id));
    expect(link.patient).toMatchObject({
      hiType: 'DischargeSummary',
      careContexts: [{ referenceNumber: id, display: 'Hospital stay 20/09/2025 to 25/09/2025' }],
    });
  });

  it('offers OPD visits and hospital stays in discovery as one entry per hiType', async () => {
    const asha = patient('Asha Pawar', '91-5555-6666-7777', 'female', '1990-02-11', a.branch);
    asha.identifier.push({
      type: {
        coding: [
          {
            system: 'https://nrces.in/ndhm/fhir/r4/CodeSystem/ndhm-identifier-type-code',
            code: 'ABHA',
            display: 'Ayushman Bharat Health Account (ABHA) ID',
          },
        ],
      },
      system: 'https://healthid.abdm.gov.in',
      value: 'asha.pawar@sbx',
    });
    const created = await fhir.post('Patient', asha);
    expect(created.status).toBe(201);
    const ref = `Patient/${created.body.id}`;
    const visit = await createOpdVisit(fhir, { ...a, patient: ref });
    const stay = await createAdmission(fhir, { ...a, patient: ref });
    const found = (await gw.discover(HIP_A, { id: 'asha.pawar@sbx', name: 'Asha Pawar', gender: 'F', yearOfBirth: 1990 })) as any;
    expect(found.patient.map((p: any) => [p.hiType, p.careContexts.map((c: any) => c.referenceNumber), p.count])).toEqual([
      ['OPConsultation', [visit.encounter.split('/')[1]], 1],
      ['DischargeSummary', [stay.encounter.split('/')[1]], 1],
    ]);
  });
});

describe('ABDM user-initiated discovery and linking (OTP)', () => {
  const RAVI = 'ravi.sharma@sbx';
  const PHONE = '+919823012345';

  async function patientWithAbha(client: ReturnType<typeof fhirClient>, d: Directory, address: string): Promise<string> {
    const p = patient('Ravi Sharma', '91-4321-8765-1234', 'male', '1979-08-15', d.branch);
    p.identifier.push({
      type: {
        coding: [
          {
            system: 'https://nrces.in/ndhm/fhir/r4/CodeSystem/ndhm-identifier-type-code',
            code: 'ABHA',
            display: 'Ayushman Bharat Health Account (ABHA) ID',
          },
        ],
      },
      system: 'https://healthid.abdm.gov.in',
      value: address,
    });
    const res = await client.post('Patient', p);
    expect(res.status).toBe(201);
    return `Patient/${res.body.id}`;
  }

  it('discovers the patient by ABHA address, links the chosen visits with the OTP sent by SMS, and refuses a wrong OTP', async () => {
    const ravi = await patientWithAbha(fhir, a, RAVI);
    const v1 = await createOpdVisit(fhir, { ...a, patient: ravi });
    const v2 = await createOpdVisit(fhir, { ...a, patient: ravi });
    const found = (await gw.discover(HIP_A, { id: RAVI, name: 'Ravi Sharma', gender: 'M', yearOfBirth: 1979 })) as any;
    expect(found.patient[0].referenceNumber).toBe(ravi.split('/')[1]);
    const offered = found.patient[0].careContexts.map((c: any) => c.referenceNumber).sort();
    expect(offered).toEqual([v1.encounter.split('/')[1], v2.encounter.split('/')[1]].sort());

    const init = (await gw.linkInit(HIP_A, { transactionId: found.transactionId, abhaAddress: RAVI, patient: found.patient })) as any;
    const linkRefNumber = init.link.referenceNumber as string;
    const sms = (t.server.auth.sms as RecordingSmsSender).lastTo(PHONE);
    const otp = /\b(\d{6})\b/.exec(sms?.text ?? '')?.[1] as string;
    expect(otp).toMatch(/^\d{6}$/);
    expect(sms?.text).toMatch(/ABHA/);

    const wrong = (await gw.linkConfirm(HIP_A, { linkRefNumber, token: otp === '111111' ? '222222' : '111111', abhaAddress: RAVI })) as any;
    expect(wrong.error).toEqual({ code: 'ABDM-1010', message: 'Invalid OTP' });
    const ok = (await gw.linkConfirm(HIP_A, { linkRefNumber, token: otp, abhaAddress: RAVI })) as any;
    expect(ok.error).toBeUndefined();
    expect(ok.patient[0].careContexts).toHaveLength(2);
    expect((await careContextRow(v1.encounter.split('/')[1] as string))?.status).toBe('linked');
    // A confirmed link cannot be confirmed again, and linked visits are not offered again.
    const replay = (await gw.linkConfirm(HIP_A, { linkRefNumber, token: otp, abhaAddress: RAVI })) as any;
    expect(replay.error.code).toBe('ABDM-1010');
    const again = (await gw.discover(HIP_A, { id: RAVI, name: 'Ravi Sharma', gender: 'M', yearOfBirth: 1979 })) as any;
    expect(again.error).toEqual({ code: 'ABDM-1010', message: 'No care contexts left to link at this HIP' });
  });

  it("never finds another tenant's patient, nor links another tenant's visit", async () => {
    const other = fhirClient(t.base, TENANT_B);
    const b = await createDirectory(other);
    const bPatient = await patientWithAbha(other, b, 'only.in.b@sbx');
    const bVisit = await createOpdVisit(other, { ...b, patient: bPatient });
    const found = (await gw.discover(HIP_A, { id: 'only.in.b@sbx', name: 'Ravi Sharma', gender: 'M', yearOfBirth: 1979 })) as any;
    expect(found.error).toEqual({ code: 'ABDM-1010', message: 'Patient not found' });
    // Tenant A's patient asking to link tenant B's visit.
    const ravi = (await fhir.get(`Patient?identifier=${RAVI}`)).body.entry[0].resource;
    const init = (await gw.linkInit(HIP_A, {
      transactionId: randomUUID(),
      abhaAddress: RAVI,
      patient: [
        {
          referenceNumber: ravi.id,
          display: 'Ravi Sharma',
          careContexts: [{ referenceNumber: bVisit.encounter.split('/')[1], display: 'x' }],
          hiType: 'OPConsultation',
          count: 1,
        },
      ],
    })) as any;
    expect(init.error.code).toBe('ABDM-1010');
    expect(init.link).toBeUndefined();
  });
});
