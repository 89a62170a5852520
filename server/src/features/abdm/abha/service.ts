import { constants, createPublicKey, type KeyObject, publicEncrypt } from 'node:crypto';
import type { GatewayClient } from '../gateway/client.ts';

/**
 * The ABHA service (M1, NOTES §4.2) on the gateway's session: enrolment by Aadhaar OTP, ABHA
 * address creation, and OTP login to verify an ABHA number. Aadhaar numbers, OTPs and login ids are
 * encrypted with the service's public key, by the algorithm its certificate call names (read, not
 * assumed); they are never kept, logged or put in an error.
 */

/** The padding and hash for each algorithm name the certificate call may give (Java's names). */
const PADDINGS: Record<string, { padding: number; oaepHash?: string }> = {
  'RSA/ECB/OAEPWithSHA-1AndMGF1Padding': { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
  'RSA/ECB/OAEPWithSHA-256AndMGF1Padding': { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
  'RSA/ECB/PKCS1Padding': { padding: constants.RSA_PKCS1_PADDING },
};

/** The certificate is fetched again after this long, or at once after a refusal to decrypt. */
const CERTIFICATE_TTL_MS = 6 * 3600_000;

export class AbhaUnsupportedKeyError extends Error {}

/** The ABHA profile as enrolment (`ABHAProfile`) and `profile/account` return it; names vary between the two. */
export interface AbhaProfile {
  ABHANumber?: string;
  preferredAbhaAddress?: string;
  phrAddress?: string[];
  firstName?: string;
  middleName?: string;
  lastName?: string;
  name?: string;
  /** Enrolment: DD-MM-YYYY */
  dob?: string;
  dayOfBirth?: string;
  monthOfBirth?: string;
  yearOfBirth?: string;
  gender?: string;
  mobile?: string | null;
  address?: string;
  districtName?: string;
  stateName?: string;
  pinCode?: string;
  pincode?: string;
}

export interface EnrolResult {
  txnId: string;
  isNew: boolean;
  profile: AbhaProfile;
}

export class AbhaService {
  private certificate: { key: KeyObject; algorithm: string; fetchedAt: number } | undefined;
  private readonly gateway: GatewayClient;
  private readonly baseUrl: string;

  constructor(gateway: GatewayClient, baseUrl: string) {
    this.gateway = gateway;
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  private async call(method: 'GET' | 'POST', path: string, body?: unknown, extra: Record<string, string> = {}) {
    return (await this.gateway.call(method, `/v3${path}`, body, { baseUrl: this.baseUrl, extra })).body as Record<string, any>;
  }

  private async key(): Promise<{ key: KeyObject; algorithm: string }> {
    if (this.certificate && Date.now() - this.certificate.fetchedAt < CERTIFICATE_TTL_MS) return this.certificate;
    const answer = await this.call('GET', '/profile/public/certificate');
    const algorithm = String(answer.encryptionAlgorithm ?? '');
    if (!PADDINGS[algorithm] || typeof answer.publicKey !== 'string') {
      throw new AbhaUnsupportedKeyError(`the ABHA service asks for ${algorithm || 'no named'} encryption, which this server does not do`);
    }
    const pem = answer.publicKey.includes('BEGIN') ? answer.publicKey : undefined;
    const key = pem ? createPublicKey(pem) : createPublicKey({ key: Buffer.from(answer.publicKey, 'base64'), format: 'der', type: 'spki' });
    this.certificate = { key, algorithm, fetchedAt: Date.now() };
    return this.certificate;
  }

  /** Base64 ciphertext of a sensitive value, as the ABHA APIs take it. */
  async encrypt(value: string): Promise<string> {
    const { key, algorithm } = await this.key();
    return publicEncrypt({ key, ...PADDINGS[algorithm] }, Buffer.from(value, 'utf8')).toString('base64');
  }

  /** Sends the enrolment OTP to the mobile the Aadhaar is registered with. */
  async requestEnrolOtp(aadhaar: string): Promise<{ txnId: string; message: string }> {
    const a = await this.call('POST', '/enrollment/request/otp', {
      txnId: '',
      scope: ['abha-enrol'],
      loginHint: 'aadhaar',
      loginId: await this.encrypt(aadhaar),
      otpSystem: 'aadhaar',
    });
    return { txnId: String(a.txnId), message: String(a.message ?? '') };
  }

  /** Creates the ABHA (or finds the one this Aadhaar has) with the OTP; `mobile` is the one to link. */
  async enrolByAadhaar(txnId: string, otp: string, mobile: string): Promise<EnrolResult> {
    const a = await this.call('POST', '/enrollment/enrol/byAadhaar', {
      authData: {
        authMethods: ['otp'],
        otp: { timeStamp: new Date().toISOString(), txnId, otpValue: await this.encrypt(otp), mobile },
      },
      consent: { code: 'abha-enrollment', version: '1.4' },
    });
    return { txnId: String(a.txnId ?? txnId), isNew: a.isNew === true, profile: (a.ABHAProfile ?? {}) as AbhaProfile };
  }

  async addressSuggestions(txnId: string): Promise<string[]> {
    const a = await this.call('GET', '/enrollment/enrol/suggestion', undefined, { Transaction_Id: txnId });
    return Array.isArray(a.abhaAddressList) ? a.abhaAddressList.map(String) : [];
  }

  /** Creates the ABHA address chosen (a handle, or handle@cm) for the enrolment; returns it whole. */
  async createAddress(txnId: string, abhaAddress: string): Promise<{ abhaAddress: string; abhaNumber: string }> {
    const a = await this.call('POST', '/enrollment/enrol/abha-address', { txnId, abhaAddress, preferred: 1 });
    return { abhaAddress: String(a.preferredAbhaAddress ?? ''), abhaNumber: String(a.healthIdNumber ?? '') };
  }

  /** Sends a login OTP for an ABHA number: to the Aadhaar mobile (`aadhaar`) or the ABHA's own (`abdm`). */
  async requestLoginOtp(abhaNumber: string, otpSystem: 'aadhaar' | 'abdm'): Promise<{ txnId: string; message: string }> {
    const a = await this.call('POST', '/profile/login/request/otp', {
      scope: ['abha-login', otpSystem === 'aadhaar' ? 'aadhaar-verify' : 'mobile-verify'],
      loginHint: 'abha-number',
      loginId: await this.encrypt(abhaNumber),
      otpSystem,
    });
    return { txnId: String(a.txnId), message: String(a.message ?? '') };
  }

  /** The account's profile after a correct OTP; undefined for a wrong one (answered 200 "failure"). */
  async verifyLogin(txnId: string, otp: string, otpSystem: 'aadhaar' | 'abdm'): Promise<AbhaProfile | undefined> {
    const a = await this.call('POST', '/profile/login/verify', {
      scope: ['abha-login', otpSystem === 'aadhaar' ? 'aadhaar-verify' : 'mobile-verify'],
      authData: { authMethods: ['otp'], otp: { txnId, otpValue: await this.encrypt(otp) } },
    });
    if (a.authResult !== 'success' || typeof a.token !== 'string') return undefined;
    return (await this.call('GET', '/profile/account', undefined, { 'X-token': `Bearer ${a.token}` })) as AbhaProfile;
  }
}
