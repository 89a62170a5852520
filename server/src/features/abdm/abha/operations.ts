import { allOk, OperationOutcomeError } from '@medplum/core';
import type { FhirRequest, FhirResponse, FhirRouter } from '@medplum/fhir-router';
import type { Parameters, ParametersParameter, Patient } from '@medplum/fhirtypes';
import { writeAudit } from '../../../audit/log.ts';
import { outcome } from '../../../http/outcomes.ts';
import type { PostgresRepository } from '../../../repo/postgres-repository.ts';
import { OperationInput } from '../../opd/fhir.ts';
import { abdmNotSetUp, abdmRefused, askAbdm } from '../outcomes.ts';
import { abdmRuntime } from '../runtime.ts';
import { ABDM_GENDER, type AbhaPerson, indianMobile, patientFromAbha, patientsWithAbha } from './patient.ts';
import { type AbhaProfile, type AbhaService, AbhaUnsupportedKeyError } from './service.ts';

/**
 * ABHA at the registration desk (M1, docs/abdm.md "ABHA"): create a patient's ABHA from their
 * Aadhaar, or verify the ABHA number they bring, each with an OTP the patient reads out.
 *
 * - `Patient/$abha-otp` (purpose `enrol` with `aadhaar`, or `verify` with `abhaNumber` and
 *   `otpSystem` aadhaar|abdm) sends the OTP and answers `transaction` and the mobile's last digits.
 * - `Patient/$abha-verify` (`purpose`, `transaction`, `otp`, and for `enrol` the `mobile` to link)
 *   answers the KYC-verified `patient` (a Patient not saved: the desk's form fills from it and the
 *   desk saves), `isNew`, ABHA-address `suggestion`s for a new ABHA, and `existing` patients of this
 *   facility who already hold that ABHA.
 * - `Patient/$abha-address` (`transaction`, `abhaAddress`) creates the ABHA address the patient chose.
 *
 * The Aadhaar number goes to ABDM encrypted and is never stored, logged or audited here; only the
 * body may carry it (a query string ends up in access logs). Callers need Patient create rights.
 */

type Purpose = 'enrol' | 'verify';

const fail = (id: string, code: string, text: string, expression?: string): never => {
  throw new OperationOutcomeError(outcome(id, code, text, expression));
};
const invalid = (text: string, expression?: string): never => fail('bad-request', 'invalid', text, expression);
const refused = (code: string, text: string, expression?: string): never => {
  throw abdmRefused(code, text, expression);
};

function abhaServiceFor(repo: PostgresRepository): AbhaService {
  repo.accessControl?.gates('Patient', 'c');
  const service = abdmRuntime(repo.database)?.context.abha;
  if (!service) throw abdmNotSetUp('ABHA creation and verification');
  return service;
}

function readInput(req: FhirRequest): OperationInput {
  for (const secret of ['aadhaar', 'otp']) {
    if (req.query[secret] !== undefined) invalid(`Send ${secret} in the request body, never in the address.`, secret);
  }
  return new OperationInput(req.body, {});
}

function purposeOf(input: OperationInput): Purpose {
  const purpose = input.string('purpose');
  if (purpose !== 'enrol' && purpose !== 'verify') return invalid('purpose must be enrol (a new ABHA from Aadhaar) or verify.', 'purpose');
  return purpose;
}

const required = (input: OperationInput, name: string) => input.string(name)?.trim() || invalid(`${name} is required.`, name);

/** ABDM's refusals that the desk can act on, in our words, naming the field (the code stays in the audit). */
const DESK_REFUSALS: Record<string, () => OperationOutcomeError> = {
  'ABDM-1204': () => abdmRefused('ABHA_OTP_WRONG', 'The OTP is not the one sent. Ask the patient to read it again.', 'otp'),
  'ABDM-1017': () => abdmRefused('ABHA_OTP_EXPIRED', 'This OTP has expired or was tried too many times. Send a new one.', 'transaction'),
  'ABDM-1114': () =>
    abdmRefused('ABHA_NOT_FOUND', 'No ABHA is registered with this number. Check it, or create an ABHA with Aadhaar.', 'abhaNumber'),
  'ABDM-1116': () => abdmRefused('AADHAAR_NOT_FOUND', 'UIDAI does not know this Aadhaar number. Check it against the card.', 'aadhaar'),
  'ABDM-1118': () => abdmRefused('ABHA_ADDRESS_TAKEN', 'This ABHA address is taken. Choose another.', 'abhaAddress'),
  'ABDM-1170': () =>
    abdmRefused(
      'ABHA_ADDRESS_INVALID',
      'An ABHA address is 8 to 18 letters or digits, with at most a dot or underscore inside.',
      'abhaAddress',
    ),
};

async function asking<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await askAbdm(step, DESK_REFUSALS);
  } catch (err) {
    if (err instanceof AbhaUnsupportedKeyError)
      return fail('server-error', 'exception', 'ABHA cannot be reached with this server’s settings just now.');
    throw err;
  }
}

const two = (s: string | undefined) => (s ?? '').padStart(2, '0');

/** A person from either shape of ABHA profile; undefined parts stay out. */
export function personFromProfile(p: AbhaProfile, extraMobile?: string): AbhaPerson {
  const name = (p.name || [p.firstName, p.middleName, p.lastName].filter(Boolean).join(' ')).trim().replace(/\s+/g, ' ');
  const [d, m, y] = p.dob ? p.dob.split(/[-/]/) : [p.dayOfBirth, p.monthOfBirth, p.yearOfBirth];
  const birthDate = y && /^\d{4}$/.test(y) ? (d && m ? `${y}-${two(m)}-${two(d)}` : y) : '';
  const number = String(p.ABHANumber ?? '').replace(/-/g, '');
  const address = p.preferredAbhaAddress || p.phrAddress?.[0];
  const pincode = p.pinCode || p.pincode;
  return {
    abhaNumber: /^\d{14}$/.test(number) ? number : undefined,
    abhaAddress: address || undefined,
    name,
    gender: ABDM_GENDER[String(p.gender ?? '')] ?? 'unknown',
    birthDate,
    phone: indianMobile(p.mobile) ?? extraMobile,
    address: {
      line: p.address || undefined,
      district: p.districtName || undefined,
      state: p.stateName || undefined,
      pincode: pincode && /^\d{6}$/.test(pincode) ? pincode : undefined,
    },
  };
}

async function audit(repo: PostgresRepository, detail: string, outcomeCode: '0' | '4' = '0'): Promise<void> {
  const tenantId = await repo.query(async (sql) => (await sql.query<{ t: string }>('SELECT app_current_tenant()::text AS t')).rows[0]?.t);
  if (!tenantId) return;
  await writeAudit(repo.database, { tenantId, ...repo.auditActor, kind: 'operation', outcome: outcomeCode, detail });
}

const parameters = (parameter: ParametersParameter[]): Parameters => ({ resourceType: 'Parameters', parameter });

async function otpOperation(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  const abha = abhaServiceFor(repo);
  const input = readInput(req);
  const purpose = purposeOf(input);
  let sent: { txnId: string; message: string };
  if (purpose === 'enrol') {
    const aadhaar = required(input, 'aadhaar').replace(/[\s-]/g, '');
    if (!/^[2-9]\d{11}$/.test(aadhaar)) invalid('An Aadhaar number is 12 digits and does not start with 0 or 1.', 'aadhaar');
    sent = await asking(() => abha.requestEnrolOtp(aadhaar));
  } else {
    const number = required(input, 'abhaNumber').replace(/[\s-]/g, '');
    if (!/^\d{14}$/.test(number)) invalid('An ABHA number is 14 digits.', 'abhaNumber');
    const otpSystem = input.string('otpSystem') ?? 'aadhaar';
    if (otpSystem !== 'aadhaar' && otpSystem !== 'abdm') invalid('otpSystem must be aadhaar or abdm.', 'otpSystem');
    const hyphenated = `${number.slice(0, 2)}-${number.slice(2, 6)}-${number.slice(6, 10)}-${number.slice(10)}`;
    sent = await asking(() => abha.requestLoginOtp(hyphenated, otpSystem as 'aadhaar' | 'abdm'));
  }
  const ending = /(\d{4})\D*$/.exec(sent.message)?.[1];
  return [
    allOk,
    parameters([{ name: 'transaction', valueString: sent.txnId }, ...(ending ? [{ name: 'mobileEnding', valueString: ending }] : [])]),
  ];
}

async function verifyOperation(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  const abha = abhaServiceFor(repo);
  const input = readInput(req);
  const purpose = purposeOf(input);
  const transaction = required(input, 'transaction');
  const otp = required(input, 'otp');
  if (!/^\d{6}$/.test(otp)) invalid('The OTP is 6 digits.', 'otp');
  let person: AbhaPerson;
  let isNew = false;
  let suggestions: string[] = [];
  if (purpose === 'enrol') {
    const mobile = indianMobile(required(input, 'mobile'));
    if (!mobile) return invalid('The mobile number to link is 10 digits starting 6 to 9.', 'mobile');
    const enrolled = await asking(() => abha.enrolByAadhaar(transaction, otp, mobile.slice(-10)));
    person = personFromProfile(enrolled.profile, mobile);
    isNew = enrolled.isNew;
    if (!person.abhaAddress) suggestions = await asking(() => abha.addressSuggestions(enrolled.txnId));
  } else {
    const otpSystem = input.string('otpSystem') ?? 'aadhaar';
    if (otpSystem !== 'aadhaar' && otpSystem !== 'abdm') invalid('otpSystem must be aadhaar or abdm.', 'otpSystem');
    const profile = await asking(() => abha.verifyLogin(transaction, otp, otpSystem as 'aadhaar' | 'abdm'));
    if (!profile) {
      await audit(repo, 'ABHA verification: a wrong OTP was entered.', '4');
      return refused('ABHA_OTP_WRONG', 'The OTP is not the one sent. Ask the patient to read it again.', 'otp');
    }
    person = personFromProfile(profile);
  }
  if (!person.abhaNumber || !person.name) return refused('ABDM_REFUSED', 'ABDM answered without the ABHA number or name. Try again.');
  const existing = await patientsWithAbha(repo, person);
  await audit(
    repo,
    purpose === 'enrol'
      ? `ABHA ${isNew ? 'created' : 'found'} from Aadhaar OTP: ${person.abhaNumber}.`
      : `ABHA ${person.abhaNumber} verified by OTP.`,
  );
  const patient: Patient = patientFromAbha(person);
  return [
    allOk,
    parameters([
      { name: 'patient', resource: patient },
      { name: 'isNew', valueBoolean: isNew },
      ...suggestions.map((s) => ({ name: 'suggestion', valueString: s })),
      ...existing.map((p) => ({ name: 'existing', valueReference: { reference: `Patient/${p.id}` } })),
      { name: 'transaction', valueString: transaction },
    ]),
  ];
}

async function addressOperation(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  const abha = abhaServiceFor(repo);
  const input = readInput(req);
  const transaction = required(input, 'transaction');
  const wanted = required(input, 'abhaAddress').toLowerCase();
  if (!/^[a-z0-9][a-z0-9_.]{6,16}[a-z0-9](@[a-z]+)?$/.test(wanted)) {
    invalid('An ABHA address is 8 to 18 letters or digits, with at most a dot or underscore inside.', 'abhaAddress');
  }
  const created = await asking(() => abha.createAddress(transaction, wanted.split('@')[0] as string));
  await audit(repo, `ABHA address ${created.abhaAddress} created for ABHA ${created.abhaNumber.replace(/-/g, '')}.`);
  return [allOk, parameters([{ name: 'abhaAddress', valueString: created.abhaAddress }])];
}

export function addAbhaOperations(router: FhirRouter): void {
  router.add('POST', 'Patient/$abha-otp', (req: FhirRequest, repo: unknown) => otpOperation(req, repo as PostgresRepository));
  router.add('POST', 'Patient/$abha-verify', (req: FhirRequest, repo: unknown) => verifyOperation(req, repo as PostgresRepository));
  router.add('POST', 'Patient/$abha-address', (req: FhirRequest, repo: unknown) => addressOperation(req, repo as PostgresRepository));
}
