import { constants, createPublicKey, publicEncrypt, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AbdmGateway, startAbdmGateway } from '../src/index.ts';
import { FakeBridge } from './bridge.ts';

// The ABHA service's own rules, as a bridge meets them: encrypted inputs, its headers, an OTP
// good once, and the X-token that guards the profile.
let gw: AbdmGateway;
let bridge: FakeBridge;
let key: ReturnType<typeof createPublicKey>;

const AADHAAR = '564738291043';

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${gw.url}/abha/api/v3${path}`, {
    method,
    headers: {
      authorization: `Bearer ${bridge.token}`,
      'content-type': 'application/json',
      'REQUEST-ID': randomUUID(),
      TIMESTAMP: new Date().toISOString(),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}
const enc = (s: string) =>
  publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, Buffer.from(s)).toString('base64');
const requestOtp = (loginId: string) =>
  call('POST', '/enrollment/request/otp', { txnId: '', scope: ['abha-enrol'], loginHint: 'aadhaar', loginId, otpSystem: 'aadhaar' });
const enrol = (txnId: string, otp: string) =>
  call('POST', '/enrollment/enrol/byAadhaar', {
    authData: { authMethods: ['otp'], otp: { timeStamp: new Date().toISOString(), txnId, otpValue: enc(otp), mobile: '9000000001' } },
    consent: { code: 'abha-enrollment', version: '1.4' },
  });

beforeAll(async () => {
  gw = await startAbdmGateway({
    clients: [{ clientId: 'SBX_HIP', clientSecret: 'hip-secret' }],
    residents: [{ aadhaar: AADHAAR, name: 'Asha Verma', gender: 'F', birthDate: '1995-02-03', mobile: '9000000001' }],
  });
  bridge = new FakeBridge(gw.url, 'SBX_HIP', 'hip-secret');
  await bridge.session();
  const cert = await call('GET', '/profile/public/certificate');
  expect(cert.body.encryptionAlgorithm).toBe('RSA/ECB/OAEPWithSHA-1AndMGF1Padding');
  key = createPublicKey({ key: Buffer.from(cert.body.publicKey, 'base64'), format: 'der', type: 'spki' });
});
afterAll(async () => {
  await gw.stop();
});

describe('the ABHA service', () => {
  it('wants a session token, and inputs encrypted with its key', async () => {
    const anonymous = await fetch(`${gw.url}/abha/api/v3/profile/public/certificate`, {
      headers: { 'REQUEST-ID': randomUUID(), TIMESTAMP: new Date().toISOString() },
    });
    expect(anonymous.status).toBe(401);
    const clear = await requestOtp(AADHAAR);
    expect([clear.status, clear.body.error.code]).toEqual([400, 'ABDM-1006']);
    expect((await requestOtp(enc('234567890124'))).body.error.code).toBe('ABDM-1116');
  });

  it('enrols with the OTP sent to the Aadhaar mobile, once, with a Luhn-valid ABHA number', async () => {
    const sent = await requestOtp(enc(AADHAAR));
    expect(sent.status).toBe(200);
    expect(sent.body.message).toContain('******0001');
    const otp = gw.abha.sentOtps('9000000001').at(-1)?.otp as string;
    const created = await enrol(sent.body.txnId, otp);
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      isNew: true,
      ABHAProfile: { firstName: 'Asha', lastName: 'Verma', dob: '03-02-1995', mobile: '9000000001' },
    });
    const digits = created.body.ABHAProfile.ABHANumber.replace(/-/g, '');
    let sum = 0;
    for (let i = 0; i < digits.length; i++) {
      let d = Number(digits[digits.length - 1 - i]);
      if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
      sum += d;
    }
    expect(sum % 10).toBe(0);
    // The same OTP again is not accepted.
    expect((await enrol(sent.body.txnId, otp)).body.error.code).toBe('ABDM-1204');

    const suggestions = await call('GET', '/enrollment/enrol/suggestion', undefined, { Transaction_Id: sent.body.txnId });
    expect(suggestions.body.abhaAddressList).toContain('asha.verma');
    const made = await call('POST', '/enrollment/enrol/abha-address', { txnId: sent.body.txnId, abhaAddress: 'asha.verma', preferred: 1 });
    expect(made.body).toMatchObject({ preferredAbhaAddress: 'asha.verma@sbx', healthIdNumber: created.body.ABHAProfile.ABHANumber });
    const again = await call('GET', '/enrollment/enrol/suggestion', undefined, { Transaction_Id: sent.body.txnId });
    expect(again.body.abhaAddressList).not.toContain('asha.verma');
  });

  it('logs in by ABHA number with an OTP and shows the profile only with the X-token', async () => {
    const number = gw.abha.abhaFor(AADHAAR) as string;
    const sent = await call('POST', '/profile/login/request/otp', {
      scope: ['abha-login', 'aadhaar-verify'],
      loginHint: 'abha-number',
      loginId: enc(number),
      otpSystem: 'aadhaar',
    });
    expect(sent.status).toBe(200);
    const otp = gw.abha.sentOtps('9000000001').at(-1)?.otp as string;
    const verify = (value: string) =>
      call('POST', '/profile/login/verify', {
        scope: ['abha-login', 'aadhaar-verify'],
        authData: { authMethods: ['otp'], otp: { txnId: sent.body.txnId, otpValue: enc(value) } },
      });
    expect((await verify(otp === '000000' ? '000001' : '000000')).body.authResult).toBe('failure');
    const ok = await verify(otp);
    expect(ok.body).toMatchObject({ authResult: 'success', accounts: [{ preferredAbhaAddress: 'asha.verma@sbx', kycVerified: true }] });
    expect((await call('GET', '/profile/account')).status).toBe(401);
    const account = await call('GET', '/profile/account', undefined, { 'X-token': `Bearer ${ok.body.token}` });
    expect(account.body).toMatchObject({
      name: 'Asha Verma',
      yearOfBirth: '1995',
      monthOfBirth: '02',
      dayOfBirth: '03',
      phrAddress: ['asha.verma@sbx'],
    });

    const unknown = await call('POST', '/profile/login/request/otp', {
      scope: ['abha-login', 'aadhaar-verify'],
      loginHint: 'abha-number',
      loginId: enc('91-0000-0000-0000'),
      otpSystem: 'aadhaar',
    });
    expect(unknown.body.error.code).toBe('ABDM-1114');
  });
});
