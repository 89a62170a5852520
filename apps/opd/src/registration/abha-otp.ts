import type { MedplumClient } from '@medplum/core';
import type { Parameters, ParametersParameter, Patient } from '@medplum/fhirtypes';

/**
 * The desk's side of ABHA creation and verification (server: `Patient/$abha-otp`, `$abha-verify`,
 * `$abha-address`). The Aadhaar number goes in the request body only, and is not kept here.
 */
export type AbhaPurpose = 'enrol' | 'verify';

export interface OtpSent {
  transaction: string;
  /** The last four digits of the mobile the OTP went to, when ABDM says. */
  mobileEnding?: string;
}

export interface AbhaVerified {
  /** The KYC-verified patient (not saved): the form fills from it. */
  patient: Patient;
  isNew: boolean;
  suggestions: string[];
  /** Patients of this facility who already hold this ABHA. */
  existing: string[];
  transaction: string;
}

const body = (values: Record<string, string | undefined>): Parameters => ({
  resourceType: 'Parameters',
  parameter: Object.entries(values)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([name, valueString]) => ({ name, valueString })),
});
const all = (p: Parameters, name: string): ParametersParameter[] => (p.parameter ?? []).filter((x) => x.name === name);
const url = (medplum: MedplumClient, op: string) => medplum.fhirUrl('Patient', op);

export async function sendAbhaOtp(
  medplum: MedplumClient,
  input: { purpose: 'enrol'; aadhaar: string } | { purpose: 'verify'; abhaNumber: string; otpSystem: 'aadhaar' | 'abdm' },
): Promise<OtpSent> {
  const answer: Parameters = await medplum.post(url(medplum, '$abha-otp'), body(input as Record<string, string>));
  return {
    transaction: all(answer, 'transaction')[0]?.valueString ?? '',
    mobileEnding: all(answer, 'mobileEnding')[0]?.valueString,
  };
}

export async function verifyAbhaOtp(
  medplum: MedplumClient,
  input: { purpose: AbhaPurpose; transaction: string; otp: string; mobile?: string; otpSystem?: string },
): Promise<AbhaVerified> {
  const answer: Parameters = await medplum.post(url(medplum, '$abha-verify'), body(input));
  return {
    patient: all(answer, 'patient')[0]?.resource as Patient,
    isNew: all(answer, 'isNew')[0]?.valueBoolean === true,
    suggestions: all(answer, 'suggestion').map((p) => p.valueString ?? ''),
    existing: all(answer, 'existing').map((p) => p.valueReference?.reference ?? ''),
    transaction: all(answer, 'transaction')[0]?.valueString ?? input.transaction,
  };
}

export async function createAbhaAddress(medplum: MedplumClient, transaction: string, abhaAddress: string): Promise<string> {
  const answer: Parameters = await medplum.post(url(medplum, '$abha-address'), body({ transaction, abhaAddress }));
  return all(answer, 'abhaAddress')[0]?.valueString ?? '';
}
