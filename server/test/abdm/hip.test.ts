import { randomUUID } from 'node:crypto';
import type { Bundle, Composition } from '@medplum/fhirtypes';
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AbdmGateway, startAbdmGateway } from '../../../simulators/abdm-gateway/src/index.ts';
import { FakeBridge } from '../../../simulators/abdm-gateway/test/bridge.ts';
import { decrypt, generateKeyMaterial, type KeyMaterial } from '../../src/features/abdm/fidelius/index.ts';
import { GatewayClient } from '../../src/features/abdm/gateway/client.ts';
import { registerAbdmService, ServiceTakenError } from '../../src/features/abdm/services.ts';
import { createAdmission, createDirectory, createOpdVisit, type Directory, type OpdVisit } from '../documents/fixtures.ts';
import { fhirClient, startTestServer, TENANT_A, TENANT_B, type TestServer } from '../helpers/server.ts';

// The HIP side of ABDM against the local gateway: consent notify stored as a FHIR Consent,
// health-information requests served for exactly the artefact, pushed Fidelius-encrypted, and
// everything else refused, audited and never sent. Tenant A runs HIP_A, tenant B runs HIP_B.
const HIP_A = 'IN2710000101';
const HIP_B = 'IN0810000201';
const HIU = 'IN2910000999';
const NOTIFY = '/api/v3/consent/request/hip/notify';
const HI_REQUEST = '/api/v3/hip/health-information/request';

let t: TestServer;
let gw: AbdmGateway;
let hiu: FakeBridge;
let a: Directory;
let visitA: OpdVisit;
let otherVisitA: OpdVisit;
let b: Directory;
let visitB: OpdVisit;

const id = (ref: string) => ref.split('/')[1] as string;
const PATIENT_ABHA = 'asha.verma@sbx';

/** The patient's ABHA address, as the consent artefacts name it. */
async function giveAbha(fhir: ReturnType<typeof fhirClient>, ref: string, value: string): Promise<void> {
  const p = (await fhir.get(ref)).body;
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
    value,
  });
  expect((await fhir.put(ref, p)).status).toBe(200);
}

beforeAll(async () => {
  gw = await startAbdmGateway({
    clients: [
      { clientId: 'SBX_HOSPITAL_OPS', clientSecret: 'hip-secret-1' },
      { clientId: 'SBX_OTHER_HIU', clientSecret: 'hiu-secret-1' },
    ],
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
  await registerAbdmService(t.server.db, TENANT_B, HIP_B, 'HIP');
  // Our server is one bridge for both tenants' HIPs.
  const client = new GatewayClient({ baseUrl: gw.url, clientId: 'SBX_HOSPITAL_OPS', clientSecret: 'hip-secret-1', cmId: 'sbx' });
  await client.registerBridge(t.server.url, [
    { id: HIP_A, name: 'Sanjeevani Hospitals', type: 'HIP' },
    { id: HIP_B, name: 'Tenant B Clinics', type: 'HIP' },
  ]);
  hiu = await new FakeBridge(gw.url, 'SBX_OTHER_HIU', 'hiu-secret-1').start();
  await hiu.session();
  await hiu.register([{ id: HIU, name: 'Other Hospital', type: 'HIU' }]);
  hiu.handlers['/api/v3/hiu/consent/request/notify'] = async () => undefined;

  const fhirA = fhirClient(t.base, TENANT_A);
  a = await createDirectory(fhirA);
  await giveAbha(fhirA, a.patient, PATIENT_ABHA);
  visitA = await createOpdVisit(fhirA, a);
  otherVisitA = await createOpdVisit(fhirA, a);
  const fhirB = fhirClient(t.base, TENANT_B);
  b = await createDirectory(fhirB);
  await giveAbha(fhirB, b.patient, PATIENT_ABHA);
  visitB = await createOpdVisit(fhirB, b);
}, 120_000);
afterAll(async () => {
  await hiu?.stop();
  await t?.stop();
  await gw?.stop();
});

// ---- helpers ------------------------------------------------------------------------------------

const YEAR = { from: '2025-01-01T00:00:00.000Z', to: '2025-12-31T23:59:59.000Z' };

async function waitFor<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Our bridge's calls to the gateway on a path, answering the given gateway REQUEST-ID. */
const answerTo = (path: string, requestId: string) =>
  waitFor(`${path} answering ${requestId}`, () =>
    gw.exchanges({ path }).find((e) => e.direction === 'to-gateway' && (e.body as any)?.response?.requestId === requestId),
  );

/** An HIU consent request, granted by the patient in the PHR app for these care contexts at this HIP. */
async function grant(
  hipId: string,
  careContexts: { patientReference: string; careContextReference: string }[],
  hiTypes: string[],
  range = YEAR,
  abhaAddress = PATIENT_ABHA,
) {
  const before = hiu.received.filter((r) => r.path === '/api/v3/hiu/consent/request/on-init').length;
  const init = await hiu.call(
    'POST',
    '/consent/v3/request/init',
    {
      consent: {
        purpose: { text: 'Care Management', code: 'CAREMGT' },
        patient: { id: abhaAddress },
        hiu: { id: HIU },
        requester: { name: 'Dr. Meera Iyer', identifier: { type: 'REGNO', value: 'MH-12345', system: 'https://www.mciindia.org' } },
        hiTypes,
        permission: {
          accessMode: 'VIEW',
          dateRange: range,
          dataEraseAt: new Date(Date.now() + 86_400_000).toISOString(),
          frequency: { unit: 'HOUR', value: 1, repeats: 0 },
        },
      },
    },
    { 'X-HIU-ID': HIU },
  );
  expect(init.status).toBe(202);
  const onInit = await hiu.receivedOn('/api/v3/hiu/consent/request/on-init', before + 1);
  const [consentId] = await gw.grantConsent(onInit.body.consentRequest.id, [{ hipId, careContexts }]);
  const notify = gw.exchanges({ path: NOTIFY }).find((e) => (e.body as any)?.notification?.consentId === consentId);
  const ack = await answerTo('/consent/v3/request/hip/on-notify', notify?.requestId as string);
  return { consentId: consentId as string, ack };
}

interface Transfer {
  transactionId: string;
  status: string;
  documents: { careContextReference: string; bundle: Bundle }[];
  pages: any[];
  notification: any;
}

/** The HIU asks for the data through the gateway; waits for our notify, then decrypts what arrived at dataPushUrl. */
async function requestData(consentId: string, range = YEAR): Promise<Transfer> {
  const keys = generateKeyMaterial();
  const tag = randomUUID();
  const res = await hiu.call(
    'POST',
    '/data-flow/v3/health-information/request',
    {
      hiRequest: {
        consent: { id: consentId },
        dateRange: range,
        dataPushUrl: `${hiu.url}/push/${tag}`,
        keyMaterial: keyMaterialOf(keys),
      },
    },
    { 'X-HIU-ID': HIU },
  );
  expect(res.status).toBe(202);
  const transfer = await waitFor('the transfer to finish', () => {
    const x = [...gw.state.transfers.values()].find(
      (tr) => tr.consentId === consentId && tr.hiRequest.dataPushUrl === `${hiu.url}/push/${tag}`,
    );
    return x && ['TRANSFERRED', 'FAILED'].includes(x.status) ? x : undefined;
  });
  const pages = hiu.received.filter((r) => r.path === `/push/${tag}`).map((r) => r.body);
  return {
    transactionId: transfer.transactionId,
    status: transfer.status,
    pages,
    documents: decryptAll(pages, keys),
    notification: transfer.notifications.at(-1),
  };
}

function keyMaterialOf(keys: KeyMaterial) {
  return {
    cryptoAlg: 'ECDH',
    curve: 'Curve25519',
    dhPublicKey: {
      expiry: new Date(Date.now() + 3_600_000).toISOString(),
      parameters: 'Curve25519/32byte random key',
      keyValue: keys.publicKey,
    },
    nonce: keys.nonce,
  };
}

function decryptAll(pages: any[], keys: KeyMaterial) {
  return pages.flatMap((page) =>
    page.entries.map((e: any) => ({
      careContextReference: e.careContextReference,
      bundle: JSON.parse(
        decrypt({
          encryptedData: e.content,
          requesterNonce: keys.nonce,
          senderNonce: page.keyMaterial.nonce,
          requesterPrivateKey: keys.privateKey,
          senderPublicKey: page.keyMaterial.dhPublicKey.keyValue,
        }).toString('utf8'),
      ) as Bundle,
    })),
  );
}

const compositionOf = (bundle: Bundle) => bundle.entry?.[0]?.resource as Composition;

/** Tenant's ABDM audit rows (the bridge's own client id). */
async function audits(tenantId: string): Promise<{ outcome: string; detail: string }[]> {
  const r = await t.server.db.transaction({ tenantId }, (sql) =>
    sql.query<{ event: any }>(`SELECT event FROM audit_log WHERE client_id = 'abdm-gateway' ORDER BY recorded`),
  );
  return r.rows.map((x) => ({ outcome: String(x.event.outcome), detail: String(x.event.outcomeDesc ?? '') }));
}

async function consentsIn(tenantId: string, consentId: string) {
  const res = await fhirClient(t.base, tenantId).get(
    `Consent?identifier=https://hospital-ops.in/fhir/sid/abdm-consent-artefact|${consentId}`,
  );
  return (res.body.entry ?? []).map((e: any) => e.resource);
}

// ---- tests --------------------------------------------------------------------------------------

describe('ABDM HIP: consent notify', () => {
  it('stores a GRANTED artefact as an active FHIR Consent of the HIP tenant, the signed artefact kept whole, and acknowledges it', async () => {
    const { consentId, ack } = await grant(
      HIP_A,
      [{ patientReference: id(a.patient), careContextReference: id(visitA.encounter) }],
      ['OPConsultation'],
    );
    expect((ack.body as any).acknowledgement).toEqual({ status: 'OK', consentId });
    expect(ack.status).toBe(202);
    const [consent] = await consentsIn(TENANT_A, consentId);
    expect(consent.status).toBe('active');
    expect(consent.patient.reference).toBe(a.patient);
    const artefact = JSON.parse(Buffer.from(consent.sourceAttachment.data, 'base64').toString());
    expect(artefact.consentDetail).toEqual(gw.state.artefacts.get(consentId)?.detail);
    expect(artefact.signature).toBe(gw.state.artefacts.get(consentId)?.signature);
    // Tenant B never sees tenant A's artefact.
    expect(await consentsIn(TENANT_B, consentId)).toHaveLength(0);
  });

  it('refuses an artefact whose signature does not verify, or that names another HIP: audited, not stored, error in on-notify', async () => {
    const { consentId } = await grant(
      HIP_A,
      [{ patientReference: id(a.patient), careContextReference: id(visitA.encounter) }],
      ['OPConsultation'],
    );
    const genuine = gw.state.artefacts.get(consentId)!;
    const forgedId = randomUUID();
    const forged = { ...genuine.detail, consentId: forgedId, hiTypes: ['OPConsultation', 'Prescription', 'DischargeSummary'] };
    const r1 = await gw.deliver(HIP_A, NOTIFY, {
      notification: { status: 'GRANTED', consentId: forgedId, consentDetail: forged, signature: genuine.signature },
    });
    expect(((await answerTo('/consent/v3/request/hip/on-notify', r1)).body as any).error.code).toBe('ABDM-1112');
    expect(await consentsIn(TENANT_A, forgedId)).toHaveLength(0);

    const otherHipId = randomUUID();
    const r2 = await gw.deliver(HIP_A, NOTIFY, {
      notification: {
        status: 'GRANTED',
        consentId: otherHipId,
        consentDetail: { ...genuine.detail, consentId: otherHipId, hip: { id: HIP_B } },
        signature: genuine.signature,
      },
    });
    expect(((await answerTo('/consent/v3/request/hip/on-notify', r2)).body as any).error.code).toBe('ABDM-1035');
    expect(await consentsIn(TENANT_A, otherHipId)).toHaveLength(0);
    const log = await audits(TENANT_A);
    expect(log.some((e) => e.outcome === '4' && e.detail.includes(forgedId) && e.detail.includes('signature'))).toBe(true);
    expect(log.some((e) => e.outcome === '4' && e.detail.includes(otherHipId) && e.detail.includes(HIP_B))).toBe(true);
  });
});

describe('ABDM HIP: health-information request', () => {
  it('sends exactly the consented hiTypes of the consented care contexts, one Fidelius page each with fresh key material', async () => {
    const { consentId } = await grant(
      HIP_A,
      [{ patientReference: id(a.patient), careContextReference: id(visitA.encounter) }],
      ['OPConsultation', 'Prescription'],
    );
    const tr = await requestData(consentId);
    expect(tr.status).toBe('TRANSFERRED');
    expect(tr.documents).toHaveLength(2);
    expect(tr.documents.map((d) => compositionOf(d.bundle).meta?.profile?.[0]?.split('/').at(-1)).sort()).toEqual([
      'OPConsultRecord',
      'PrescriptionRecord',
    ]);
    for (const d of tr.documents) {
      expect(d.careContextReference).toBe(id(visitA.encounter));
      expect(compositionOf(d.bundle).encounter?.reference).toBe(`urn:uuid:${id(visitA.encounter)}`);
      expect(d.bundle.type).toBe('document');
    }
    // One entry per page, each under its own key and nonce.
    expect(tr.pages.map((p) => [p.pageNumber, p.pageCount, p.entries.length])).toEqual([
      [1, 2, 1],
      [2, 2, 1],
    ]);
    expect(new Set(tr.pages.map((p) => p.keyMaterial.nonce)).size).toBe(2);
    expect(new Set(tr.pages.map((p) => p.keyMaterial.dhPublicKey.keyValue)).size).toBe(2);
    expect(tr.pages[0].keyMaterial.dhPublicKey.keyValue).toHaveLength(412); // X.509
    // The other visit of the same patient was not consented: nothing of it left.
    expect(JSON.stringify(tr.documents)).not.toContain(id(otherVisitA.encounter));
    expect(tr.notification.statusNotification.statusResponses).toEqual([
      { careContextReference: id(visitA.encounter), hiStatus: 'DELIVERED', description: '2 document(s) delivered.' },
    ]);
    const on = await answerTo(
      '/data-flow/v3/health-information/hip/on-request',
      gw.exchanges({ path: HI_REQUEST }).at(-1)?.requestId as string,
    );
    expect((on.body as any).hiRequest).toEqual({ transactionId: tr.transactionId, sessionStatus: 'ACKNOWLEDGED' });
    expect(
      (await audits(TENANT_A)).some((e) => e.outcome === '0' && e.detail.includes(consentId) && e.detail.includes('2 document(s)')),
    ).toBe(true);
  });

  it('sends only the consented type: a Prescription-only artefact never carries the OP consultation', async () => {
    const { consentId } = await grant(
      HIP_A,
      [{ patientReference: id(a.patient), careContextReference: id(visitA.encounter) }],
      ['Prescription'],
    );
    const tr = await requestData(consentId);
    expect(tr.documents.map((d) => compositionOf(d.bundle).meta?.profile?.[0]?.split('/').at(-1))).toEqual(['PrescriptionRecord']);
  });

  it('sends a hospital stay its discharge summary and an OPD visit its consultation, never the other kind, under one artefact naming both', async () => {
    const stay = await createAdmission(fhirClient(t.base, TENANT_A), a);
    const { consentId } = await grant(
      HIP_A,
      [
        { patientReference: id(a.patient), careContextReference: id(visitA.encounter) },
        { patientReference: id(a.patient), careContextReference: id(stay.encounter) },
      ],
      ['OPConsultation', 'DischargeSummary'],
    );
    const tr = await requestData(consentId);
    expect(tr.status).toBe('TRANSFERRED');
    const kinds = tr.documents.map((d) => [d.careContextReference, compositionOf(d.bundle).meta?.profile?.[0]?.split('/').at(-1)]);
    expect(kinds.sort()).toEqual(
      [
        [id(visitA.encounter), 'OPConsultRecord'],
        [id(stay.encounter), 'DischargeSummaryRecord'],
      ].sort(),
    );
  });

  it('sends nothing for a visit outside the requested date range', async () => {
    const { consentId } = await grant(
      HIP_A,
      [{ patientReference: id(a.patient), careContextReference: id(visitA.encounter) }],
      ['OPConsultation'],
      {
        from: '2026-01-01T00:00:00.000Z',
        to: '2026-12-31T23:59:59.000Z',
      },
    );
    const tr = await requestData(consentId, { from: '2026-01-01T00:00:00.000Z', to: '2026-12-31T23:59:59.000Z' });
    expect(tr.pages).toHaveLength(0);
    expect(tr.notification.statusNotification.statusResponses[0].description).toMatch(/date range/);
  });

  it('refuses a request whose dates lie outside the artefact (delivered straight to the HIP): audited, on-request error, nothing sent', async () => {
    const { consentId } = await grant(
      HIP_A,
      [{ patientReference: id(a.patient), careContextReference: id(visitA.encounter) }],
      ['OPConsultation'],
    );
    const keys = generateKeyMaterial();
    const tag = randomUUID();
    const transactionId = randomUUID();
    const requestId = await gw.deliver(HIP_A, HI_REQUEST, {
      transactionId,
      hiRequest: {
        consent: { id: consentId },
        dateRange: { from: '2020-01-01T00:00:00.000Z', to: '2025-12-31T23:59:59.000Z' },
        dataPushUrl: `${hiu.url}/push/${tag}`,
        keyMaterial: keyMaterialOf(keys),
      },
    });
    const on = await answerTo('/data-flow/v3/health-information/hip/on-request', requestId);
    expect((on.body as any).error.code).toBe('ABDM-1063');
    expect((on.body as any).hiRequest.sessionStatus).toBe('FAILED');
    await new Promise((r) => setTimeout(r, 200));
    expect(hiu.received.filter((r) => r.path === `/push/${tag}`)).toHaveLength(0);
    expect(
      (await audits(TENANT_A)).some((e) => e.outcome === '4' && e.detail.includes(transactionId) && e.detail.includes('date range')),
    ).toBe(true);
  });

  it('honours a revocation at once: the next request is refused and nothing is sent', async () => {
    const { consentId } = await grant(
      HIP_A,
      [{ patientReference: id(a.patient), careContextReference: id(visitA.encounter) }],
      ['OPConsultation'],
    );
    await gw.revokeConsent(consentId);
    // The gateway's notify has been answered 202, so the Consent is inactive already.
    const [consent] = await consentsIn(TENANT_A, consentId);
    expect(consent.status).toBe('inactive');
    const tag = randomUUID();
    const requestId = await gw.deliver(HIP_A, HI_REQUEST, {
      transactionId: randomUUID(),
      hiRequest: {
        consent: { id: consentId },
        dateRange: YEAR,
        dataPushUrl: `${hiu.url}/push/${tag}`,
        keyMaterial: keyMaterialOf(generateKeyMaterial()),
      },
    });
    expect(((await answerTo('/data-flow/v3/health-information/hip/on-request', requestId)).body as any).error.code).toBe('ABDM-1062');
    expect(hiu.received.filter((r) => r.path === `/push/${tag}`)).toHaveLength(0);
  });
});

describe('ABDM HIP: whose records', () => {
  it('never sends a visit of anyone but the consenting ABHA holder, even when the artefact names it', async () => {
    const { consentId } = await grant(
      HIP_A,
      [{ patientReference: id(a.patient), careContextReference: id(visitA.encounter) }],
      ['OPConsultation'],
      YEAR,
      'someone.else@sbx',
    );
    const tr = await requestData(consentId);
    expect(tr.pages).toHaveLength(0);
    expect(tr.notification.statusNotification.statusResponses[0]).toMatchObject({
      hiStatus: 'ERRORED',
      description: 'The care context is not of the consenting ABHA address.',
    });
  });
});

describe('ABDM HIP: tenant isolation', () => {
  it("never serves tenant A's visit under an artefact granted to tenant B's HIP, nor tenant A's artefact to tenant B's HIP", async () => {
    // The artefact for HIP_B names tenant A's patient and visit.
    const { consentId } = await grant(
      HIP_B,
      [{ patientReference: id(a.patient), careContextReference: id(visitA.encounter) }],
      ['OPConsultation'],
    );
    expect(await consentsIn(TENANT_B, consentId)).toHaveLength(1);
    const tr = await requestData(consentId);
    expect(tr.pages).toHaveLength(0);
    expect(tr.status).toBe('FAILED');
    expect(tr.notification.statusNotification.statusResponses[0]).toMatchObject({
      careContextReference: id(visitA.encounter),
      hiStatus: 'ERRORED',
    });

    // Tenant A's artefact, asked of HIP_B: the same answer as an unknown one.
    const mine = await grant(HIP_A, [{ patientReference: id(a.patient), careContextReference: id(visitA.encounter) }], ['OPConsultation']);
    const tag = randomUUID();
    const requestId = await gw.deliver(HIP_B, HI_REQUEST, {
      transactionId: randomUUID(),
      hiRequest: {
        consent: { id: mine.consentId },
        dateRange: YEAR,
        dataPushUrl: `${hiu.url}/push/${tag}`,
        keyMaterial: keyMaterialOf(generateKeyMaterial()),
      },
    });
    expect(((await answerTo('/data-flow/v3/health-information/hip/on-request', requestId)).body as any).error.code).toBe('ABDM-1112');
    expect(hiu.received.filter((r) => r.path === `/push/${tag}`)).toHaveLength(0);
    // Tenant B's own visit is served to it, under its own artefact.
    const theirs = await grant(
      HIP_B,
      [{ patientReference: id(b.patient), careContextReference: id(visitB.encounter) }],
      ['OPConsultation'],
    );
    const ok = await requestData(theirs.consentId);
    expect(ok.documents.map((d) => compositionOf(d.bundle).encounter?.reference)).toEqual([`urn:uuid:${id(visitB.encounter)}`]);
  });

  it('maps a service id to one tenant only', async () => {
    await expect(registerAbdmService(t.server.db, TENANT_A, HIP_B, 'HIP')).rejects.toBeInstanceOf(ServiceTakenError);
  });
});

describe('ABDM HIP: refused gateway calls are audited under the tenant', () => {
  const post = (headers: Record<string, string>) =>
    fetch(`${t.server.url}${NOTIFY}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'X-CM-ID': 'sbx', ...headers },
      body: JSON.stringify({ notification: { status: 'REVOKED', consentId: randomUUID() } }),
    });

  it('a replayed REQUEST-ID: 409, audited', async () => {
    const requestId = randomUUID();
    const h = {
      authorization: `Bearer ${await gw.gatewayToken()}`,
      'REQUEST-ID': requestId,
      TIMESTAMP: new Date().toISOString(),
      'X-HIP-ID': HIP_A,
    };
    expect((await post(h)).status).toBe(202);
    expect((await post(h)).status).toBe(409);
    expect((await audits(TENANT_A)).some((e) => e.outcome === '4' && e.detail.includes('replay'))).toBe(true);
  });

  it('a token with a wrong signature: 401, audited under the tenant of X-HIP-ID, nothing done', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({ clientId: 'gateway' })
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    const res = await post({
      authorization: `Bearer ${forged}`,
      'REQUEST-ID': randomUUID(),
      TIMESTAMP: new Date().toISOString(),
      'X-HIP-ID': HIP_B,
    });
    expect(res.status).toBe(401);
    expect((await audits(TENANT_B)).some((e) => e.outcome === '4' && e.detail.includes('bad-token'))).toBe(true);
  });

  it('a call for a HIP this server does not run: 404', async () => {
    const res = await post({
      authorization: `Bearer ${await gw.gatewayToken()}`,
      'REQUEST-ID': randomUUID(),
      TIMESTAMP: new Date().toISOString(),
      'X-HIP-ID': 'IN9999999999',
    });
    expect(res.status).toBe(404);
  });
});
