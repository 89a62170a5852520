import { constants, generateKeyPairSync, type KeyObject, privateDecrypt, randomBytes, randomInt, randomUUID } from 'node:crypto';
import { list, object, text } from '../check.ts';
import type { AbhaSimulation, Call, Resident, Route, SentOtp } from '../core.ts';
import { AbdmError } from '../errors.ts';

/**
 * The ABHA service (M1, NOTES §4.2): enrolment by Aadhaar OTP, ABHA address creation, and login
 * by OTP to verify an ABHA number, as `https://abhasbx.abdm.gov.in/abha/api/v3` answers them. Behind
 * it a pretend UIDAI: residents the test or demo adds (Aadhaar, name, birth date, mobile, address).
 * OTPs are not texted: they land in an inbox the test (or `GET /simulator/abha/otps`) reads, as
 * the patient would read their phone. Sensitive inputs (Aadhaar, OTP, login ids) arrive RSA-OAEP
 * encrypted with the key of `profile/public/certificate`, and are refused otherwise.
 */

interface Account {
  abhaNumber: string;
  resident: Resident;
  /** The mobile linked to the ABHA (the Aadhaar one, unless the patient gave another). */
  mobile?: string;
  addresses: string[];
  preferred?: string;
}

interface Transaction {
  id: string;
  kind: 'enrol' | 'login';
  otp: string;
  expiresAt: number;
  attempts: number;
  resident?: Resident;
  account?: Account;
  /** After a successful enrolment: the account an ABHA address may now be created for. */
  enrolled?: Account;
}

const OTP_TTL_MS = 10 * 60_000;
const MAX_ATTEMPTS = 3;
const TOKEN_TTL_S = 1800;
export const ENCRYPTION_ALGORITHM = 'RSA/ECB/OAEPWithSHA-1AndMGF1Padding';
const ADDRESS = /^[a-zA-Z0-9][a-zA-Z0-9_.]{6,16}[a-zA-Z0-9]$/;

/** A Luhn-valid 14-digit number starting 91, as real ABHA numbers appear to be (NOTES §4.1). */
function newAbhaNumber(taken: (n: string) => boolean): string {
  for (;;) {
    const body = `91${Array.from({ length: 11 }, () => randomInt(10)).join('')}`;
    let sum = 0;
    for (let i = 0; i < body.length; i++) {
      let d = Number(body[body.length - 1 - i]);
      if (i % 2 === 0) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
      sum += d;
    }
    const n = `${body}${(10 - (sum % 10)) % 10}`;
    if (!taken(n)) return n;
  }
}

const hyphenated = (n: string) => `${n.slice(0, 2)}-${n.slice(2, 6)}-${n.slice(6, 10)}-${n.slice(10)}`;
const words = (name: string) => name.trim().split(/\s+/);
const masked = (mobile: string) => `******${mobile.slice(-4)}`;

export class AbhaService implements AbhaSimulation {
  readonly residents = new Map<string, Resident>();
  private readonly accounts = new Map<string, Account>();
  private readonly transactions = new Map<string, Transaction>();
  private readonly tokens = new Map<string, { abhaNumber: string; expiresAt: number }>();
  private readonly inbox: SentOtp[] = [];
  private readonly key: { publicKey: KeyObject; privateKey: KeyObject };
  private readonly now: () => Date;

  constructor(now: () => Date) {
    this.now = now;
    this.key = generateKeyPairSync('rsa', { modulusLength: 2048 });
  }

  addResident(resident: Resident): void {
    if (!/^[2-9]\d{11}$/.test(resident.aadhaar)) throw new Error(`not an Aadhaar number: ${resident.aadhaar}`);
    this.residents.set(resident.aadhaar, resident);
  }

  sentOtps(mobile?: string): SentOtp[] {
    return this.inbox.filter((o) => !mobile || o.mobile === mobile.slice(-10));
  }

  abhaFor(aadhaar: string): string | undefined {
    return [...this.accounts.values()].find((a) => a.resident.aadhaar === aadhaar)?.abhaNumber;
  }

  certificate() {
    const der = this.key.publicKey.export({ type: 'spki', format: 'der' });
    return { publicKey: der.toString('base64'), encryptionAlgorithm: ENCRYPTION_ALGORITHM };
  }

  decrypt(value: unknown, field: string): string {
    try {
      return privateDecrypt(
        { key: this.key.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
        Buffer.from(text(value, field), 'base64'),
      ).toString('utf8');
    } catch (err) {
      if (err instanceof AbdmError) throw err;
      throw new AbdmError('invalidBody', `${field} is not encrypted with the ABHA public key`);
    }
  }

  private send(mobile: string, kind: Transaction['kind'], extra: Partial<Transaction>): { txnId: string; message: string } {
    const id = randomUUID();
    const otp = String(randomInt(0, 1_000_000)).padStart(6, '0');
    this.transactions.set(id, { id, kind, otp, expiresAt: this.now().getTime() + OTP_TTL_MS, attempts: 0, ...extra });
    this.inbox.push({ mobile, otp, txnId: id, at: this.now().toISOString() });
    return { txnId: id, message: `OTP sent to Aadhaar registered mobile number ending with ${masked(mobile)}` };
  }

  /** The open transaction an OTP answers; a wrong OTP counts, the third ends it. */
  private check(txnId: unknown, otpValue: unknown, kind: Transaction['kind']): Transaction {
    const t = this.transactions.get(String(txnId ?? ''));
    if (!t || t.kind !== kind || t.expiresAt < this.now().getTime()) throw new AbdmError('invalidTransaction');
    const otp = this.decrypt(otpValue, 'otpValue');
    if (otp !== t.otp) {
      t.attempts += 1;
      if (t.attempts >= MAX_ATTEMPTS) this.transactions.delete(t.id);
      throw new AbdmError('invalidOtp');
    }
    t.otp = randomBytes(8).toString('hex'); // an OTP is good once
    return t;
  }

  private issueToken(abhaNumber: string) {
    const token = randomBytes(24).toString('base64url');
    this.tokens.set(token, { abhaNumber, expiresAt: this.now().getTime() + TOKEN_TTL_S * 1000 });
    return { token, expiresIn: TOKEN_TTL_S, refreshToken: randomBytes(24).toString('base64url'), refreshExpiresIn: 1_296_000 };
  }

  requestEnrolOtp(body: Record<string, unknown>) {
    if (!list(body.scope, 'scope').includes('abha-enrol') || body.loginHint !== 'aadhaar' || body.otpSystem !== 'aadhaar') {
      throw new AbdmError('invalidBody', 'scope abha-enrol, loginHint aadhaar and otpSystem aadhaar are required');
    }
    const aadhaar = this.decrypt(body.loginId, 'loginId');
    if (!/^[2-9]\d{11}$/.test(aadhaar)) throw new AbdmError('invalidBody', 'loginId is not an Aadhaar number');
    const resident = this.residents.get(aadhaar);
    if (!resident) throw new AbdmError('aadhaarNotFound');
    return this.send(resident.mobile, 'enrol', { resident });
  }

  enrolByAadhaar(body: Record<string, unknown>) {
    const auth = object(body.authData, 'authData');
    const otp = object(auth.otp, 'authData.otp');
    const consent = object(body.consent, 'consent');
    if (consent.code !== 'abha-enrollment') throw new AbdmError('invalidBody', 'consent.code must be abha-enrollment');
    const mobile = String(otp.mobile ?? '');
    if (!/^[6-9]\d{9}$/.test(mobile)) throw new AbdmError('invalidBody', 'authData.otp.mobile must be a 10-digit mobile number');
    const t = this.check(otp.txnId, otp.otpValue, 'enrol');
    const r = t.resident as Resident;
    const existing = [...this.accounts.values()].find((a) => a.resident.aadhaar === r.aadhaar);
    const account = existing ?? {
      abhaNumber: newAbhaNumber((n) => this.accounts.has(n)),
      resident: r,
      mobile: mobile === r.mobile ? mobile : undefined,
      addresses: [],
    };
    this.accounts.set(account.abhaNumber, account);
    t.enrolled = account;
    const [first, ...rest] = words(r.name);
    const [y, m, d] = r.birthDate.split('-');
    return {
      message: existing
        ? 'This account already exist'
        : account.mobile
          ? 'Account created successfully'
          : 'Account created successfully. Mobile number is different from Aadhaar; verify it to link it.',
      txnId: t.id,
      tokens: this.issueToken(account.abhaNumber),
      ABHAProfile: {
        firstName: first,
        middleName: rest.length > 1 ? rest.slice(0, -1).join(' ') : '',
        lastName: rest.at(-1) ?? '',
        dob: `${d}-${m}-${y}`,
        gender: r.gender,
        photo: '',
        mobile: account.mobile ?? null,
        phrAddress: account.addresses,
        address: r.address ?? '',
        districtCode: '',
        stateCode: '',
        pinCode: r.pincode ?? '',
        abhaType: 'STANDARD',
        stateName: r.state ?? '',
        districtName: r.district ?? '',
        ABHANumber: hyphenated(account.abhaNumber),
        abhaStatus: 'ACTIVE',
      },
      isNew: !existing,
    };
  }

  private enrolled(txnId: unknown): Account {
    const account = this.transactions.get(String(txnId ?? ''))?.enrolled;
    if (!account) throw new AbdmError('invalidTransaction');
    return account;
  }

  private taken(address: string): boolean {
    return [...this.accounts.values()].some((a) => a.addresses.includes(address));
  }

  suggestions(txnId: unknown) {
    const account = this.enrolled(txnId);
    const [first, ...rest] = words(account.resident.name.toLowerCase().replace(/[^a-z\s]/g, ''));
    const last = rest.at(-1) ?? 'abha';
    const year = account.resident.birthDate.slice(0, 4);
    const candidates = [
      `${first}.${last}`,
      `${first}${last}${year}`,
      `${first}_${year}`,
      `${first}${last}`,
      `${last}.${first}${year.slice(2)}`,
    ];
    const abhaAddressList = candidates.filter((c) => ADDRESS.test(c) && !this.taken(`${c}@sbx`));
    return { txnId: String(txnId), abhaAddressList };
  }

  createAddress(body: Record<string, unknown>, cmId: string) {
    const account = this.enrolled(body.txnId);
    const handle = text(body.abhaAddress, 'abhaAddress').replace(new RegExp(`@${cmId}$`), '');
    if (!ADDRESS.test(handle)) throw new AbdmError('invalidAbhaAddress', '8 to 18 letters, digits, "." or "_", not first or last');
    const address = `${handle}@${cmId}`;
    if (this.taken(address)) throw new AbdmError('abhaAddressTaken');
    account.addresses.push(address);
    if (body.preferred === 1 || !account.preferred) account.preferred = address;
    return { txnId: String(body.txnId), healthIdNumber: hyphenated(account.abhaNumber), preferredAbhaAddress: account.preferred };
  }

  requestLoginOtp(body: Record<string, unknown>) {
    const scope = list(body.scope, 'scope');
    if (!scope.includes('abha-login') || body.loginHint !== 'abha-number') {
      throw new AbdmError('invalidBody', 'scope abha-login with loginHint abha-number is what this simulator supports');
    }
    const number = this.decrypt(body.loginId, 'loginId').replace(/-/g, '');
    const account = this.accounts.get(number);
    if (!account) throw new AbdmError('noAbha');
    if (body.otpSystem === 'aadhaar' && scope.includes('aadhaar-verify')) return this.send(account.resident.mobile, 'login', { account });
    if (body.otpSystem === 'abdm' && scope.includes('mobile-verify')) {
      if (!account.mobile) throw new AbdmError('validationFailed', 'this ABHA has no verified mobile number');
      return this.send(account.mobile, 'login', { account });
    }
    throw new AbdmError('invalidBody', 'otpSystem aadhaar needs scope aadhaar-verify; abdm needs mobile-verify');
  }

  verifyLogin(body: Record<string, unknown>) {
    const auth = object(body.authData, 'authData');
    const otp = object(auth.otp, 'authData.otp');
    let t: Transaction;
    try {
      t = this.check(otp.txnId, otp.otpValue, 'login');
    } catch (err) {
      // The login API answers a wrong OTP with 200 and authResult "failure" (CARE's client reads it so).
      if (err instanceof AbdmError && err.code === 'ABDM-1204') {
        return {
          txnId: String(otp.txnId),
          authResult: 'failure',
          message: 'Entered OTP is incorrect. Kindly re-enter valid OTP.',
          accounts: [],
        };
      }
      throw err;
    }
    const a = t.account as Account;
    const r = a.resident;
    return {
      txnId: t.id,
      authResult: 'success',
      message: 'OTP verified successfully',
      ...this.issueToken(a.abhaNumber),
      accounts: [
        {
          ABHANumber: hyphenated(a.abhaNumber),
          preferredAbhaAddress: a.preferred ?? null,
          name: r.name,
          gender: r.gender,
          dob: r.birthDate.split('-').reverse().join('-'),
          status: 'ACTIVE',
          profilePhoto: '',
          kycVerified: true,
        },
      ],
    };
  }

  account(xToken: unknown) {
    const token = /^Bearer (.+)$/i.exec(String(xToken ?? ''))?.[1];
    const held = token ? this.tokens.get(token) : undefined;
    if (!held || held.expiresAt < this.now().getTime()) throw new AbdmError('invalidXToken', undefined, 401);
    const a = this.accounts.get(held.abhaNumber) as Account;
    const r = a.resident;
    const [first, ...rest] = words(r.name);
    const [y, m, d] = r.birthDate.split('-');
    return {
      ABHANumber: hyphenated(a.abhaNumber),
      preferredAbhaAddress: a.preferred ?? '',
      mobile: a.mobile ?? '',
      firstName: first,
      middleName: rest.length > 1 ? rest.slice(0, -1).join(' ') : '',
      lastName: rest.at(-1) ?? '',
      name: r.name,
      yearOfBirth: y,
      monthOfBirth: m,
      dayOfBirth: d,
      gender: r.gender,
      status: 'ACTIVE',
      address: r.address ?? '',
      pincode: r.pincode ?? '',
      stateName: r.state ?? '',
      districtName: r.district ?? '',
      kycVerified: true,
      authMethods: ['AADHAAR_OTP', ...(a.mobile ? ['MOBILE_OTP'] : [])],
      phrAddress: a.addresses,
    };
  }
}

const header = (call: Call, name: string) => call.headers[name.toLowerCase()];

/** Routes of the ABHA service, served under /abha/api/v3 (bearer session token, REQUEST-ID, TIMESTAMP). */
export function abhaRoutes(abha: AbhaService, cmId: string): Record<string, Route> {
  const route = (handle: (call: Call) => unknown): Route => ({ abha: true, handle: async (call) => ({ status: 200, body: handle(call) }) });
  const body = (call: Call) => object(call.body, 'body');
  return {
    'GET /abha/api/v3/profile/public/certificate': route(() => abha.certificate()),
    'POST /abha/api/v3/enrollment/request/otp': route((call) => abha.requestEnrolOtp(body(call))),
    'POST /abha/api/v3/enrollment/enrol/byAadhaar': route((call) => abha.enrolByAadhaar(body(call))),
    'GET /abha/api/v3/enrollment/enrol/suggestion': route((call) => abha.suggestions(header(call, 'Transaction_Id'))),
    'POST /abha/api/v3/enrollment/enrol/abha-address': route((call) => abha.createAddress(body(call), cmId)),
    'POST /abha/api/v3/profile/login/request/otp': route((call) => abha.requestLoginOtp(body(call))),
    'POST /abha/api/v3/profile/login/verify': route((call) => abha.verifyLogin(body(call))),
    'GET /abha/api/v3/profile/account': route((call) => abha.account(header(call, 'X-token'))),
  };
}
