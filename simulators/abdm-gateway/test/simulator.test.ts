import { randomUUID } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AbdmGateway, startAbdmGateway } from '../src/index.ts';
import { FakeBridge } from './bridge.ts';

const HIP = 'IN2910000001';
const HIU = 'IN2910000002';
const OTHER_HIU = 'IN2910000003';
const ABHA = 'asha.verma@sbx';

let gw: AbdmGateway;
let hip: FakeBridge;
let hiu: FakeBridge;

beforeAll(async () => {
  gw = await startAbdmGateway({
    clients: [
      { clientId: 'SBX_HIP', clientSecret: 'hip-secret' },
      { clientId: 'SBX_HIU', clientSecret: 'hiu-secret' },
    ],
    callbackTimeoutMs: 2000,
  });
  hip = await new FakeBridge(gw.url, 'SBX_HIP', 'hip-secret').start();
  hiu = await new FakeBridge(gw.url, 'SBX_HIU', 'hiu-secret').start();
  await hip.session();
  await hiu.session();
  await hip.register([{ id: HIP, name: 'City Hospital HIP', type: 'HIP' }]);
  await hiu.register([
    { id: HIU, name: 'Town Clinic HIU', type: 'HIU' },
    { id: OTHER_HIU, name: 'Town Clinic Annexe', type: 'HIU' },
  ]);
});
afterAll(async () => {
  await gw.stop();
  await hip.stop();
  await hiu.stop();
});

describe('sessions and keys', () => {
  it('issues an RS256 session token that verifies against the JWKS, with the client id', async () => {
    const jwks = createRemoteJWKSet(new URL(`${gw.url}/gateway/v3/certs`));
    const { payload, protectedHeader } = await jwtVerify(hip.token, jwks, { algorithms: ['RS256'] });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload.clientId).toBe('SBX_HIP');
    expect((payload.exp as number) - (payload.iat as number)).toBe(1200);
  });

  it('refuses a wrong secret (401 900901) and calls without a token (401 900902)', async () => {
    const bad = await hip.call('POST', '/gateway/v3/sessions', {
      clientId: 'SBX_HIP',
      clientSecret: 'nope',
      grantType: 'client_credentials',
    });
    expect(bad.status).toBe(401);
    expect(bad.body.code).toBe('900901');
    const anon = new FakeBridge(gw.url, 'x', 'y');
    const r = await anon.call('GET', '/gateway/v3/bridge-services');
    expect(r.status).toBe(401);
    expect(r.body.code).toBe('900902');
    const forged = await hip.call('GET', '/gateway/v3/bridge-services', undefined, { authorization: `Bearer ${hip.token}x` });
    expect(forged.body.code).toBe('900901');
  });
});

describe('its record of exchanges', () => {
  it('keeps client secrets and tokens out of it', () => {
    const text = JSON.stringify(gw.exchanges());
    expect(gw.exchanges({ path: '/gateway/v3/sessions' }).length).toBeGreaterThan(1);
    expect(text).not.toContain('hip-secret');
    expect(text).not.toContain('hiu-secret');
    expect(text).not.toContain(hip.token);
  });
});

describe('headers and duplicates', () => {
  const list = (headers: Record<string, string>) => hip.call('GET', '/gateway/v3/bridge-services', undefined, headers);

  it('lists only the caller’s own services', async () => {
    const r = await list({});
    expect(r.status).toBe(200);
    expect(r.body.map((s: { id: string }) => s.id)).toEqual([HIP]);
  });

  it('refuses a missing or malformed REQUEST-ID, TIMESTAMP or X-CM-ID with ABDM codes', async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ 'REQUEST-ID': 'not-a-uuid' }, 'ABDM-1030'],
      [{ TIMESTAMP: '2026-12-06 10:00:00' }, 'ABDM-1016'],
      [{ TIMESTAMP: new Date(Date.now() - 10 * 60_000).toISOString() }, 'ABDM-1016'],
      [{ 'X-CM-ID': '' }, 'ABDM-1032'],
      [{ 'X-CM-ID': 'abdm' }, 'ABDM-2403'],
    ];
    for (const [headers, code] of cases) {
      const r = await list(headers);
      expect(r.status, code).toBe(400);
      expect(r.body.error.code, JSON.stringify(headers)).toBe(code);
    }
  });

  it('refuses a repeated REQUEST-ID, with the route’s own duplicate code where it has one', async () => {
    const id = randomUUID();
    expect((await list({ 'REQUEST-ID': id })).status).toBe(200);
    expect((await list({ 'REQUEST-ID': id })).body.error.code).toBe('ABDM-1064');
    const patch = randomUUID();
    expect((await hip.call('PATCH', '/gateway/v3/bridge/url', { url: hip.url }, { 'REQUEST-ID': patch })).status).toBe(202);
    expect((await hip.call('PATCH', '/gateway/v3/bridge/url', { url: hip.url }, { 'REQUEST-ID': patch })).body.error.code).toBe(
      'ABDM-1094',
    );
  });

  it('refuses a service id registered by another bridge, and an X-HIU-ID the caller does not own', async () => {
    const r = await hip.call('PUT', '/gateway/v3/bridge-service', { id: HIU, name: 'stolen', type: 'HIU' });
    expect(r.body.error.code).toBe('ABDM-1025');
    const c = await hip.call('POST', '/consent/v3/fetch', { consentId: randomUUID() }, { 'X-HIU-ID': HIU });
    expect(c.body.error.code).toBe('ABDM-1040');
    const missing = await hip.call('POST', '/v3/token/generate-token', {});
    expect(missing.body.error.code).toBe('ABDM-1032');
  });
});

const careContexts = [
  { referenceNumber: 'OPD-2026-0042', display: 'OPD visit, 20 Nov 2026' },
  { referenceNumber: 'IPD-2026-0007', display: 'Admission, 2–5 Oct 2026' },
];
const patientEntry = { referenceNumber: 'PAT-1001', display: 'Asha Verma', careContexts, hiType: 'OPConsultation', count: 2 };

describe('user-initiated discovery and linking, routed to the HIP', () => {
  it('delivers discover with the v3 headers and a gateway token, and returns the HIP’s on-discover', async () => {
    hip.handlers['/api/v3/hip/patient/care-context/discover'] = async (r) => {
      await hip.call(
        'POST',
        '/user-initiated-linking/v3/patient/care-context/on-discover',
        {
          transactionId: r.body.transactionId,
          patient: [patientEntry],
          matchedBy: ['ABHA_ADDRESS'],
          response: { requestId: r.headers['request-id'] },
        },
        { 'X-HIP-ID': HIP },
      );
    };
    const result = await gw.discover(HIP, {
      id: ABHA,
      name: 'Asha Verma',
      gender: 'F',
      yearOfBirth: 1988,
      verifiedIdentifiers: [{ type: 'MOBILE', value: '9812345678' }],
    });
    expect((result.patient as unknown[])[0]).toEqual(patientEntry);

    const call = await hip.receivedOn('/api/v3/hip/patient/care-context/discover');
    expect(call.headers['x-hip-id']).toBe(HIP);
    expect(call.headers['x-cm-id']).toBe('sbx');
    expect(call.headers['request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(call.headers.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const token = String(call.headers.authorization).replace(/^Bearer /, '');
    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(`${gw.url}/gateway/v3/certs`)), { algorithms: ['RS256'] });
    expect(payload.clientId).toBe('gateway');
  });

  it('refuses a callback quoting a request the gateway never made (ABDM-1052) and a repeated one (ABDM-1106)', async () => {
    const unknown = await hip.call(
      'POST',
      '/user-initiated-linking/v3/patient/care-context/on-discover',
      { transactionId: randomUUID(), patient: [patientEntry], response: { requestId: randomUUID() } },
      { 'X-HIP-ID': HIP },
    );
    expect(unknown.body.error.code).toBe('ABDM-1052');
    const sent = gw.exchanges({ path: '/user-initiated-linking/v3/patient/care-context/on-discover' }).find((e) => e.status === 202)!;
    const repeat = await hip.call('POST', '/user-initiated-linking/v3/patient/care-context/on-discover', sent.body, {
      'X-HIP-ID': HIP,
      'REQUEST-ID': sent.requestId!,
    });
    expect(repeat.body.error.code).toBe('ABDM-1106');
  });

  it('init then confirm with the OTP links the care contexts', async () => {
    hip.handlers['/api/v3/hip/link/care-context/init'] = async (r) => {
      await hip.call(
        'POST',
        '/user-initiated-linking/v3/link/care-context/on-init',
        {
          transactionId: r.body.transactionId,
          link: {
            referenceNumber: 'LINK-REF-1',
            authenticationType: 'DIRECT',
            meta: {
              communicationMedium: 'MOBILE',
              communicationHint: 'OTP',
              communicationExpiry: new Date(Date.now() + 600_000).toISOString(),
            },
          },
          response: { requestId: r.headers['request-id'] },
        },
        { 'X-HIP-ID': HIP },
      );
    };
    hip.handlers['/api/v3/hip/link/care-context/confirm'] = async (r) => {
      const ok = r.body.confirmation.token === '123456';
      await hip.call(
        'POST',
        '/user-initiated-linking/v3/link/care-context/on-confirm',
        ok
          ? { patient: [patientEntry], response: { requestId: r.headers['request-id'] } }
          : { error: { code: 'ABDM-1036', message: 'OTP does not match' }, response: { requestId: r.headers['request-id'] } },
        { 'X-HIP-ID': HIP },
      );
    };
    const transactionId = randomUUID();
    const init = await gw.linkInit(HIP, { transactionId, abhaAddress: ABHA, patient: [patientEntry] });
    expect((init.link as { referenceNumber: string }).referenceNumber).toBe('LINK-REF-1');
    const wrong = await gw.linkConfirm(HIP, { linkRefNumber: 'LINK-REF-1', token: '000000', abhaAddress: ABHA });
    expect(wrong.error).toBeDefined();
    const linked = await gw.linkConfirm(HIP, { linkRefNumber: 'LINK-REF-1', token: '123456', abhaAddress: ABHA });
    expect(linked.patient).toEqual([patientEntry]);
    expect(gw.state.links.filter((l) => l.abhaAddress === ABHA)).toHaveLength(1);
  });
});

describe('HIP-initiated linking', () => {
  it('generate-token calls back with a link token that link/carecontext then needs', async () => {
    const gen = await hip.call(
      'POST',
      '/v3/token/generate-token',
      { abhaNumber: '91123456789012', abhaAddress: ABHA, name: 'Asha Verma', gender: 'F', yearOfBirth: 1988 },
      { 'X-HIP-ID': HIP },
    );
    expect(gen.status).toBe(202);
    const cb = await hip.receivedOn('/api/v3/hip/token/on-generate-token');
    expect(cb.body.response.requestId).toBeDefined();
    const linkToken = cb.body.linkToken as string;
    expect(linkToken).toBeTruthy();

    const body = { abhaNumber: '91123456789012', abhaAddress: ABHA, patient: [patientEntry] };
    expect((await hip.call('POST', '/hip/v3/link/carecontext', body, { 'X-HIP-ID': HIP, 'X-LINK-TOKEN': 'forged' })).body.error.code).toBe(
      'ABDM-1026',
    );
    expect(
      (
        await hip.call(
          'POST',
          '/hip/v3/link/carecontext',
          { ...body, abhaAddress: 'someone@sbx' },
          { 'X-HIP-ID': HIP, 'X-LINK-TOKEN': linkToken },
        )
      ).body.error.code,
    ).toBe('ABDM-1038');
    expect(
      (
        await hip.call(
          'POST',
          '/hip/v3/link/carecontext',
          { ...body, patient: [{ ...patientEntry, count: 3 }] },
          { 'X-HIP-ID': HIP, 'X-LINK-TOKEN': linkToken },
        )
      ).body.error.code,
    ).toBe('ABDM-1006');
    expect((await hip.call('POST', '/hip/v3/link/carecontext', body, { 'X-HIP-ID': HIP, 'X-LINK-TOKEN': linkToken })).status).toBe(202);
    const done = await hip.receivedOn('/api/v3/link/on_carecontext');
    expect(done.body.abhaAddress).toBe(ABHA);
  });
});

describe('consent and health information, between HIU and HIP', () => {
  const from = '2026-01-01T00:00:00.000Z';
  const to = '2026-12-31T23:59:59.000Z';
  const consentBody = (hiuId = HIU) => ({
    consent: {
      purpose: { text: 'Care Management', code: 'CAREMGT' },
      patient: { id: ABHA },
      hiu: { id: hiuId },
      requester: { name: 'Dr. Meera Iyer', identifier: { type: 'REGNO', value: 'MH-12345', system: 'https://www.mciindia.org' } },
      hiTypes: ['OPConsultation', 'Prescription'],
      permission: {
        accessMode: 'VIEW',
        dateRange: { from, to },
        dataEraseAt: new Date(Date.now() + 86_400_000).toISOString(),
        frequency: { unit: 'HOUR', value: 1, repeats: 0 },
      },
    },
  });
  const keyMaterial = {
    cryptoAlg: 'ECDH',
    curve: 'Curve25519',
    dhPublicKey: {
      expiry: new Date(Date.now() + 86_400_000).toISOString(),
      parameters: 'Curve25519/32byte random key',
      keyValue: 'BEcSwqg/g7BBwhQ1a4lwCv6M0YxxV0wHi8nqKg1gZAzmTDariKzft6MPZsAyaN8612XqRpHJFQUge+6NWs1loHk=',
    },
    nonce: 'giunQD3vPHA8mXg03+cecGuLYGkxs1anAEXAdo8XTY8=',
  };
  const hiRequest = (consentId: string, range = { from, to }) => ({
    hiRequest: { consent: { id: consentId }, dateRange: range, dataPushUrl: `${hiu.url}/health-information/transfer`, keyMaterial },
  });
  let consentId = '';

  it('init, grant, notify both sides, fetch, data request routed to the HIP, transfer notified', async () => {
    hip.handlers['/api/v3/consent/request/hip/notify'] = async (r) => {
      await hip.call(
        'POST',
        '/consent/v3/request/hip/on-notify',
        { acknowledgement: { status: 'OK', consentId: r.body.notification.consentId }, response: { requestId: r.headers['request-id'] } },
        { 'X-HIP-ID': HIP },
      );
    };
    const init = await hiu.call('POST', '/consent/v3/request/init', consentBody(), { 'X-HIU-ID': HIU });
    expect(init.status).toBe(202);
    const onInit = await hiu.receivedOn('/api/v3/hiu/consent/request/on-init');
    const requestId = onInit.body.consentRequest.id as string;

    [consentId] = await gw.grantConsent(requestId, [
      { hipId: HIP, careContexts: [{ patientReference: 'PAT-1001', careContextReference: 'OPD-2026-0042' }] },
    ]);
    const hipNotify = await hip.receivedOn('/api/v3/consent/request/hip/notify');
    expect(hipNotify.body.notification).toMatchObject({
      status: 'GRANTED',
      consentId,
      consentDetail: { hip: { id: HIP }, hiu: { id: HIU }, hiTypes: ['OPConsultation', 'Prescription'] },
    });
    expect(hipNotify.body.notification.signature).toBeTruthy();
    const hiuNotify = await hiu.receivedOn('/api/v3/hiu/consent/request/notify');
    expect(hiuNotify.body.notification).toEqual({ consentRequestId: requestId, status: 'GRANTED', consentArtefacts: [{ id: consentId }] });
    const ack = await gw.callbackFor(gw.exchanges({ path: '/api/v3/consent/request/hip/notify' })[0].requestId!);
    expect(ack.acknowledgement).toEqual({ status: 'OK', consentId });

    await hiu.call('POST', '/consent/v3/fetch', { consentId }, { 'X-HIU-ID': HIU });
    const fetched = await hiu.receivedOn('/api/v3/hiu/consent/on-fetch');
    expect(fetched.body.consent.consentDetail.consentId).toBe(consentId);

    hip.handlers['/api/v3/hip/health-information/request'] = async (r) => {
      await hip.call(
        'POST',
        '/data-flow/v3/health-information/hip/on-request',
        {
          hiRequest: { transactionId: r.body.transactionId, sessionStatus: 'ACKNOWLEDGED' },
          response: { requestId: r.headers['request-id'] },
        },
        { 'X-HIP-ID': HIP },
      );
    };
    expect((await hiu.call('POST', '/data-flow/v3/health-information/request', hiRequest(consentId), { 'X-HIU-ID': HIU })).status).toBe(
      202,
    );
    const onRequest = await hiu.receivedOn('/api/v3/hiu/health-information/on-request');
    const transactionId = onRequest.body.hiRequest.transactionId as string;
    const atHip = await hip.receivedOn('/api/v3/hip/health-information/request');
    expect(atHip.body).toEqual({ transactionId, hiRequest: hiRequest(consentId).hiRequest });
    await gw.idle();
    await new Promise((r) => setTimeout(r, 50));
    expect(gw.state.transfers.get(transactionId)?.status).toBe('ACKNOWLEDGED');

    const notify = await hip.call('POST', '/data-flow/v3/health-information/notify', {
      notification: {
        consentId,
        transactionId,
        doneAt: new Date().toISOString(),
        notifier: { type: 'HIP', id: HIP },
        statusNotification: {
          sessionStatus: 'TRANSFERRED',
          hipId: HIP,
          statusResponses: [{ careContextReference: 'OPD-2026-0042', hiStatus: 'DELIVERED', description: 'ok' }],
        },
      },
    });
    expect(notify.status).toBe(202);
    expect(gw.state.transfers.get(transactionId)?.status).toBe('TRANSFERRED');
  });

  it('refuses data requests outside the artefact: another HIU, dates outside, unknown consent, bad key material', async () => {
    const outside = await hiu.call(
      'POST',
      '/data-flow/v3/health-information/request',
      hiRequest(consentId, { from: '2025-01-01T00:00:00.000Z', to }),
      { 'X-HIU-ID': HIU },
    );
    expect(outside.body.error.code).toBe('ABDM-1063');
    const otherHiu = await hiu.call('POST', '/data-flow/v3/health-information/request', hiRequest(consentId), { 'X-HIU-ID': OTHER_HIU });
    expect(otherHiu.body.error.code).toBe('ABDM-1112');
    const unknown = await hiu.call('POST', '/data-flow/v3/health-information/request', hiRequest(randomUUID()), { 'X-HIU-ID': HIU });
    expect(unknown.body.error.code).toBe('ABDM-1112');
    const base = hiRequest(consentId).hiRequest;
    const bad = await hiu.call(
      'POST',
      '/data-flow/v3/health-information/request',
      { hiRequest: { ...base, keyMaterial: { ...keyMaterial, curve: 'P-256' } } },
      { 'X-HIU-ID': HIU },
    );
    expect(bad.body.error.code).toBe('ABDM-1006');
    const badType = await hiu.call(
      'POST',
      '/consent/v3/request/init',
      { consent: { ...consentBody().consent, hiTypes: ['XRay'] } },
      { 'X-HIU-ID': HIU },
    );
    expect(badType.body.error.code).toBe('ABDM-1006');
  });

  it('revocation notifies both sides and stops further data requests', async () => {
    await gw.revokeConsent(consentId);
    const revoked = await hip.receivedOn('/api/v3/consent/request/hip/notify', 2);
    expect(revoked.body.notification).toEqual({ status: 'REVOKED', consentId });
    const atHiu = await hiu.receivedOn('/api/v3/hiu/consent/request/notify', 2);
    expect(atHiu.body.notification.status).toBe('REVOKED');
    const after = await hiu.call('POST', '/data-flow/v3/health-information/request', hiRequest(consentId), { 'X-HIU-ID': HIU });
    expect(after.body.error.code).toBe('ABDM-1112');
  });
});

describe('the PHR app over HTTP', () => {
  it('lists consent requests and denies one; the HIU is told DENIED', async () => {
    const init = await hiu.call(
      'POST',
      '/consent/v3/request/init',
      {
        consent: {
          purpose: { text: 'Self requested', code: 'PATRQT' },
          patient: { id: ABHA },
          hiu: { id: HIU },
          requester: { name: 'Dr. Meera Iyer' },
          hiTypes: ['Prescription'],
          permission: {
            accessMode: 'VIEW',
            dateRange: { from: '2026-01-01T00:00:00.000Z', to: '2026-06-30T00:00:00.000Z' },
            dataEraseAt: new Date(Date.now() + 3_600_000).toISOString(),
            frequency: { unit: 'HOUR', value: 1, repeats: 0 },
          },
        },
      },
      { 'X-HIU-ID': HIU },
    );
    expect(init.status).toBe(202);
    await gw.idle();
    const requests = (await (await fetch(`${gw.url}/simulator/phr/consent-requests`)).json()) as { id: string; status: string }[];
    const open = requests.filter((r) => r.status === 'REQUESTED');
    expect(open.length).toBeGreaterThan(0);
    const id = open.at(-1)!.id;
    const deny = await fetch(`${gw.url}/simulator/phr/consent/deny`, { method: 'POST', body: JSON.stringify({ consentRequestId: id }) });
    expect(deny.status).toBe(200);
    const notified = hiu.received.filter(
      (r) => r.path === '/api/v3/hiu/consent/request/notify' && r.body.notification.consentRequestId === id,
    );
    expect(notified.map((r) => r.body.notification.status)).toEqual(['DENIED']);
    const again = await fetch(`${gw.url}/simulator/phr/consent/deny`, { method: 'POST', body: JSON.stringify({ consentRequestId: id }) });
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('ABDM-1010');
    const unknown = await fetch(`${gw.url}/simulator/phr/teleport`, { method: 'POST', body: '{}' });
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('ABDM-1006');
  });
});

describe('Scan & Share', () => {
  it('sends the shared profile to the HIP and returns its queue token; a repeated on-share is refused (ABDM-1087)', async () => {
    hip.handlers['/api/v3/hip/patient/share'] = async (r) => {
      await hip.call(
        'POST',
        '/patient-share/v3/on-share',
        {
          acknowledgement: {
            status: 'SUCCESS',
            abhaAddress: r.body.profile.patient.abhaAddress,
            profile: { context: r.body.metaData.context, tokenNumber: '17', expiry: '1800' },
          },
          response: { requestId: r.headers['request-id'] },
        },
        { 'X-HIP-ID': HIP },
      );
    };
    const patient = {
      abhaNumber: '91-1234-5678-9012',
      abhaAddress: ABHA,
      name: 'Asha Verma',
      gender: 'F',
      yearOfBirth: 1988,
      phoneNumber: '9812345678',
    };
    const ack = await gw.shareProfile(HIP, { context: 'OPD-COUNTER-2', patient });
    expect(ack.acknowledgement).toMatchObject({
      status: 'SUCCESS',
      abhaAddress: ABHA,
      profile: { context: 'OPD-COUNTER-2', tokenNumber: '17' },
    });
    const share = await hip.receivedOn('/api/v3/hip/patient/share');
    expect(share.body).toEqual({ intent: 'PROFILE_SHARE', metaData: { hipId: HIP, context: 'OPD-COUNTER-2' }, profile: { patient } });
    const sent = gw.exchanges({ path: '/patient-share/v3/on-share' }).find((e) => e.status === 202)!;
    const again = await hip.call('POST', '/patient-share/v3/on-share', sent.body, { 'X-HIP-ID': HIP, 'REQUEST-ID': sent.requestId! });
    expect(again.body.error.code).toBe('ABDM-1087');
  });
});

describe('failures', () => {
  it('reports an HIP that does not answer as ABDM-1028, and refuses a callback after the wait (ABDM-1052)', async () => {
    hip.answer = 503;
    await expect(gw.discover(HIP, { id: ABHA })).rejects.toMatchObject({ code: 'ABDM-1028' });
    hip.answer = 202;
    hip.handlers['/api/v3/hip/patient/care-context/discover'] = async (r) => {
      await new Promise((res) => setTimeout(res, 2300)); // past callbackTimeoutMs
      const late = await hip.call(
        'POST',
        '/user-initiated-linking/v3/patient/care-context/on-discover',
        { transactionId: r.body.transactionId, patient: [patientEntry], response: { requestId: r.headers['request-id'] } },
        { 'X-HIP-ID': HIP },
      );
      lateAnswer = late.body.error?.code;
    };
    let lateAnswer: string | undefined;
    await expect(gw.discover(HIP, { id: ABHA })).rejects.toMatchObject({ code: 'ABDM-1048' });
    await new Promise((r) => setTimeout(r, 600));
    expect(lateAnswer).toBe('ABDM-1052');
  });
});
