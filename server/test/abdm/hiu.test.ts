import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AbdmGateway, startAbdmGateway } from '../../../simulators/abdm-gateway/src/index.ts';
import { FakeBridge } from '../../../simulators/abdm-gateway/test/bridge.ts';
import { createUser } from '../../src/auth/store.ts';
import { encrypt, generateKeyMaterial } from '../../src/features/abdm/fidelius/index.ts';
import { GatewayClient } from '../../src/features/abdm/gateway/client.ts';
import { eraseExpired } from '../../src/features/abdm/hiu/index.ts';
import { abdmRuntime } from '../../src/features/abdm/runtime.ts';
import { registerAbdmService } from '../../src/features/abdm/services.ts';
import { createDirectory, createOpdVisit, type Directory, type OpdVisit } from '../documents/fixtures.ts';
import { fhirClient, startTestServer, TENANT_A, TENANT_B, type TestServer } from '../helpers/server.ts';
import { userToken } from '../helpers/staff.ts';

// The HIU side between two tenants of one server through the local gateway: tenant B's doctor asks
// consent, the patient grants it for a visit at tenant A (the HIP), and the pushed records arrive
// in tenant B decrypted, validated and with their Provenance. A dishonest HIP's extras are refused.
const HIP_A = 'IN2710000101';
const HIU_B = 'IN0810000301';
const ROGUE_HIP = 'IN9910000999';
const ABHA = 'sneha.kulkarni@sbx';
const TAG = 'https://hospital-ops.in/fhir/CodeSystem/record-origin|abdm-external';

let t: TestServer;
let gw: AbdmGateway;
let rogue: FakeBridge;
let a: Directory;
let b: Directory;
let visit: OpdVisit;
let fhirA: ReturnType<typeof fhirClient>;
let fhirB: ReturnType<typeof fhirClient>;
let firstConsent = '';

const id = (ref: string) => ref.split('/')[1] as string;
const abhaIdentifier = {
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
  value: ABHA,
};

async function giveAbha(fhir: ReturnType<typeof fhirClient>, ref: string) {
  const p = (await fhir.get(ref)).body;
  p.identifier.push(abhaIdentifier);
  expect((await fhir.put(ref, p)).status).toBe(200);
}

async function waitFor<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

beforeAll(async () => {
  gw = await startAbdmGateway({
    clients: [
      { clientId: 'SBX_HOSPITAL_OPS', clientSecret: 'hip-secret-1' },
      { clientId: 'SBX_ROGUE', clientSecret: 'rogue-secret-1' },
    ],
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
  await registerAbdmService(t.server.db, TENANT_B, HIU_B, 'HIU');
  const client = new GatewayClient({ baseUrl: gw.url, clientId: 'SBX_HOSPITAL_OPS', clientSecret: 'hip-secret-1', cmId: 'sbx' });
  await client.registerBridge(t.server.url, [
    { id: HIP_A, name: 'Sanjeevani Hospitals', type: 'HIP' },
    { id: HIU_B, name: 'Tenant B Clinics', type: 'HIU' },
  ]);
  rogue = await new FakeBridge(gw.url, 'SBX_ROGUE', 'rogue-secret-1').start();
  await rogue.session();
  await rogue.register([{ id: ROGUE_HIP, name: 'Rogue Clinic', type: 'HIP' }]);
  rogue.handlers['/api/v3/consent/request/hip/notify'] = async (r) => {
    await rogue.call(
      'POST',
      '/consent/v3/request/hip/on-notify',
      { acknowledgement: { status: 'OK', consentId: r.body.notification.consentId }, response: { requestId: r.headers['request-id'] } },
      { 'X-HIP-ID': ROGUE_HIP },
    );
  };
  fhirA = fhirClient(t.base, TENANT_A);
  fhirB = fhirClient(t.base, TENANT_B);
  a = await createDirectory(fhirA);
  await giveAbha(fhirA, a.patient);
  visit = await createOpdVisit(fhirA, a);
  b = await createDirectory(fhirB);
  await giveAbha(fhirB, b.patient);
}, 120_000);
afterAll(async () => {
  await rogue?.stop();
  await t?.stop();
  await gw?.stop();
});

/** Tenant B's doctor asks; returns the gateway's consent request id once our on-init is recorded. */
async function askConsent(): Promise<string> {
  const before = new Set([...gw.state.consentRequests.keys()]);
  const res = await fhirB.post(`${b.patient}/$abdm-consent-request`, {
    resourceType: 'Parameters',
    parameter: [
      { name: 'hiType', valueCode: 'OPConsultation' },
      { name: 'hiType', valueCode: 'Prescription' },
      { name: 'from', valueDateTime: '2025-01-01T00:00:00Z' },
      { name: 'to', valueDateTime: '2025-12-31T23:59:59Z' },
      { name: 'requester', valueString: 'Dr. Meera Iyer' },
    ],
  });
  expect(res.status).toBe(200);
  const crId = await waitFor('the consent request', () => [...gw.state.consentRequests.keys()].find((k) => !before.has(k)));
  await waitFor('our on-init recorded', async () => {
    const r = await t.server.db.transaction({ tenantId: TENANT_B }, (sql) =>
      sql.query('SELECT 1 FROM abdm_hiu_request WHERE consent_request_id = $1', [crId]),
    );
    return r.rowCount ? true : undefined;
  });
  return crId;
}

const externalBundles = async (fhir: ReturnType<typeof fhirClient>) =>
  (await fhir.get(`Bundle?_tag=${encodeURIComponent(TAG)}&_count=50`)).body.entry ?? [];

describe('ABDM HIU: consent, data request, import', () => {
  it("imports the HIP's pushed documents into tenant B, decrypted and validated, each with a Provenance naming the HIP and the consent", async () => {
    const crId = await askConsent();
    const [consentId] = await gw.grantConsent(crId, [
      { hipId: HIP_A, careContexts: [{ patientReference: id(a.patient), careContextReference: id(visit.encounter) }] },
    ]);
    const imported = await waitFor('two imported documents', async () => {
      const found = await externalBundles(fhirB);
      return found.length >= 2 ? found : undefined;
    });
    expect(imported).toHaveLength(2);
    firstConsent = consentId as string;
    const profiles = imported.map((e: any) => e.resource.entry[0].resource.meta.profile[0].split('/').at(-1)).sort();
    expect(profiles).toEqual(['OPConsultRecord', 'PrescriptionRecord']);
    const provenance = (await fhirB.get(`Provenance?target=Bundle/${imported[0].resource.id}`)).body.entry[0].resource;
    expect(provenance.agent[0].who.identifier).toEqual({ system: 'https://facility.ndhm.gov.in', value: HIP_A });
    expect(provenance.policy[0]).toContain(consentId);
    expect(provenance.entity[0].what.identifier.value).toBe(`${HIP_A}/${id(visit.encounter)}`);
    // The patient's records from other facilities: their Provenance names them, with the documents included.
    const mine = (await fhirB.get(`Provenance?patient=${b.patient}&_include=Provenance:target:Bundle`)).body.entry ?? [];
    expect(mine.filter((e: any) => e.resource.resourceType === 'Provenance')).toHaveLength(2);
    expect(
      mine
        .filter((e: any) => e.resource.resourceType === 'Bundle')
        .map((e: any) => e.resource.id)
        .sort(),
    ).toEqual(imported.map((e: any) => e.resource.id).sort());
    expect((await fhirB.get(`Provenance?patient=${a.patient}`)).body.entry ?? []).toHaveLength(0);
    // A doctor of tenant B reads them as the OPD app does (their role may read these Bundles and Provenance).
    const doctor = await createUser(t.server.db, TENANT_B, {
      email: 'dr.records@cityclinic.example.in',
      name: 'Dr. Records',
      password: 'pw-dr-records-long-enough',
      role: 'doctor',
      branchIds: [],
      practitionerId: id(b.physician),
    });
    const asDoctor = fhirClient(t.base, TENANT_B, await userToken(t, doctor));
    const seen = await asDoctor.get(`Provenance?patient=${b.patient}&_include=Provenance:target:Bundle`);
    expect(seen.status).toBe(200);
    expect(seen.body.entry.filter((e: any) => e.resource.resourceType === 'Bundle')).toHaveLength(2);
    // Other stored Bundles stay closed to doctors.
    const plain = await fhirB.post('Bundle', { resourceType: 'Bundle', type: 'collection', timestamp: new Date().toISOString() });
    expect(plain.status, JSON.stringify(plain.body)).toBe(201);
    expect((await asDoctor.get(`Bundle/${plain.body.id}`)).status).toBeGreaterThanOrEqual(403);
    // Tenant A (the HIP) holds none of them.
    expect(await externalBundles(fhirA)).toHaveLength(0);
    expect((await fhirA.get(`Provenance?patient=${b.patient}`)).body.entry ?? []).toHaveLength(0);
    // The HIU told the gateway, per care context; the key material is gone.
    const transfer = [...gw.state.transfers.values()].find((x) => x.consentId === consentId)!;
    await waitFor('the HIU notify', () => (transfer.notifications.some((n: any) => n.notifier.type === 'HIU') ? true : undefined));
    const hiuNotify = transfer.notifications.find((n: any) => n.notifier.type === 'HIU') as any;
    expect(hiuNotify.statusNotification.statusResponses).toEqual([
      { careContextReference: id(visit.encounter), hiStatus: 'OK', description: 'Imported.' },
      { careContextReference: id(visit.encounter), hiStatus: 'OK', description: 'Imported.' },
    ]);
    const keys = await t.server.db.transaction({ tenantId: TENANT_B }, (sql) =>
      sql.query<{ private_key: string | null; status: string }>('SELECT private_key, status FROM abdm_hiu_transfer WHERE consent_id = $1', [
        consentId,
      ]),
    );
    expect(keys.rows[0]).toEqual({ private_key: null, status: 'DONE' });
    // The push address is spent.
    const spent = await fetch(transfer.hiRequest.dataPushUrl as string, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ transactionId: transfer.transactionId, pageNumber: 1, pageCount: 1, entries: [] }),
    });
    expect(spent.status).toBe(404);
  });

  it("refuses a dishonest HIP's extras: a care context outside the artefact, a tampered entry, a bad checksum; imports only the consented one", async () => {
    const good = (await externalBundles(fhirB))[0].resource;
    const { id: _id, meta: _meta, ...document } = good;
    const crId = await askConsent();
    const consented = 'ROGUE-OPD-1';
    rogue.handlers['/api/v3/hip/health-information/request'] = async (r) => {
      const hi = r.body.hiRequest;
      await rogue.call(
        'POST',
        '/data-flow/v3/health-information/hip/on-request',
        {
          hiRequest: { transactionId: r.body.transactionId, sessionStatus: 'ACKNOWLEDGED' },
          response: { requestId: r.headers['request-id'] },
        },
        { 'X-HIP-ID': ROGUE_HIP },
      );
      const key = generateKeyMaterial();
      const seal = (text: string) =>
        encrypt({
          stringToEncrypt: text,
          senderNonce: key.nonce,
          requesterNonce: hi.keyMaterial.nonce,
          senderPrivateKey: key.privateKey,
          requesterPublicKey: hi.keyMaterial.dhPublicKey.keyValue,
        });
      const text = JSON.stringify(document);
      const md5 = createHash('md5').update(text).digest('hex');
      const tampered = Buffer.from(seal(text), 'base64');
      tampered[10] ^= 1;
      await fetch(hi.dataPushUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          pageNumber: 1,
          pageCount: 1,
          transactionId: r.body.transactionId,
          entries: [
            { content: seal(text), media: 'application/fhir+json', checksum: md5, careContextReference: 'NOT-CONSENTED' },
            { content: tampered.toString('base64'), media: 'application/fhir+json', checksum: md5, careContextReference: consented },
            { content: seal(text), media: 'application/fhir+json', checksum: '0'.repeat(32), careContextReference: consented },
            { content: seal(text), media: 'application/fhir+json', checksum: md5, careContextReference: consented },
          ],
          keyMaterial: {
            cryptoAlg: 'ECDH',
            curve: 'Curve25519',
            dhPublicKey: { expiry: '', parameters: '', keyValue: key.x509PublicKey },
            nonce: key.nonce,
          },
        }),
      });
    };
    const before = (await externalBundles(fhirB)).length;
    const [consentId] = await gw.grantConsent(crId, [
      { hipId: ROGUE_HIP, careContexts: [{ patientReference: 'ROGUE-P', careContextReference: consented }] },
    ]);
    const transfer = await waitFor('the transfer', () => [...gw.state.transfers.values()].find((x) => x.consentId === consentId));
    await waitFor('the HIU notify', () => (transfer.notifications.some((n: any) => n.notifier.type === 'HIU') ? true : undefined));
    const statuses = (transfer.notifications.find((n: any) => n.notifier.type === 'HIU') as any).statusNotification.statusResponses;
    expect(statuses.map((s: any) => [s.careContextReference, s.hiStatus])).toEqual([
      ['NOT-CONSENTED', 'ERRORED'],
      [consented, 'ERRORED'],
      [consented, 'ERRORED'],
      [consented, 'OK'],
    ]);
    expect((await externalBundles(fhirB)).length).toBe(before + 1);
    const audits = await t.server.db.transaction({ tenantId: TENANT_B }, (sql) =>
      sql.query<{ event: any }>("SELECT event FROM audit_log WHERE client_id = 'abdm-gateway' AND outcome = '4'"),
    );
    const text = audits.rows.map((r) => String(r.event.outcomeDesc)).join('\n');
    expect(text).toMatch(/NOT-CONSENTED .*not in the consent artefact/);
    expect(text).toMatch(/could not be decrypted \(decryption-failed\)/);
    expect(text).toMatch(/checksum does not match/);
  });

  it('refuses a push to an unknown address, and an artefact whose signature is forged on fetch', async () => {
    const res = await fetch(`${t.server.url}/api/v3/hiu/data-push/${'x'.repeat(43)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ transactionId: randomUUID(), pageNumber: 1, entries: [] }),
    });
    expect(res.status).toBe(404);
    // An on-fetch answering none of our fetches changes nothing and is audited.
    await gw.deliver(HIU_B, '/api/v3/hiu/consent/on-fetch', {
      consent: { status: 'GRANTED', consentDetail: {}, signature: 'AAAA' },
      response: { requestId: randomUUID() },
    });
    await waitFor('the audit', async () => {
      const r = await t.server.db.transaction({ tenantId: TENANT_B }, (sql) =>
        sql.query<{ event: any }>("SELECT event FROM audit_log WHERE client_id = 'abdm-gateway' AND outcome = '4'"),
      );
      return r.rows.some((x) => String(x.event.outcomeDesc).includes('on-fetch answers no call of ours')) ? true : undefined;
    });
  });
  it('erases what was received under a consent the patient revokes, and keeps the rest', async () => {
    const before = (await externalBundles(fhirB)).length;
    expect(before).toBe(3); // two from the first consent, one from the rogue HIP's
    await gw.revokeConsent(firstConsent);
    const after = await waitFor('the erasure', async () => {
      const n = (await externalBundles(fhirB)).length;
      return n === 1 ? n : undefined;
    });
    expect(after).toBe(1);
    const provenance = (await fhirB.get('Provenance?_count=50')).body.entry ?? [];
    expect(provenance.map((e: any) => e.resource.policy[0]).join(' ')).not.toContain(firstConsent);
  });
  it("erases what was received once the artefact's dataEraseAt has passed (the 15-minute sweep)", async () => {
    const start = (await externalBundles(fhirB)).length;
    const crId = await askConsent();
    const [consentId] = await gw.grantConsent(crId, [
      { hipId: HIP_A, careContexts: [{ patientReference: id(a.patient), careContextReference: id(visit.encounter) }] },
    ]);
    await waitFor('the import', async () => ((await externalBundles(fhirB)).length === start + 2 ? true : undefined));
    const runtime = abdmRuntime(t.server.db)!;
    expect(await eraseExpired(runtime.context)).toBe(0);
    // Time passes: the artefact's dataEraseAt is now behind us.
    await t.server.db.asOwner((sql) =>
      sql.query(
        `UPDATE abdm_hiu_artefact SET detail = jsonb_set(detail, '{permission,dataEraseAt}', to_jsonb('2020-01-01T00:00:00.000Z'::text)) WHERE consent_id = $1`,
        [consentId],
      ),
    );
    expect(await eraseExpired(runtime.context)).toBe(1);
    expect((await externalBundles(fhirB)).length).toBe(start);
    expect(await eraseExpired(runtime.context)).toBe(0);
  });
});
