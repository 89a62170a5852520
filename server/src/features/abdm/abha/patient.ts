import { parseSearchRequest, type WithId } from '@medplum/core';
import type { Identifier, Patient } from '@medplum/fhirtypes';
import type { PostgresRepository } from '../../../repo/postgres-repository.ts';
import { abhaOf } from '../hip/linking.ts';

/**
 * A person as ABDM describes them (a Scan & Share profile, an ABHA enrolment or account), and the
 * ABDM Patient parts made from it: the typed ABHA identifiers, name, gender, birth date, mobile and
 * address. Whoever saves the Patient adds what is theirs (a UHID, the managing branch).
 */
export interface AbhaPerson {
  abhaAddress?: string;
  /** 14 digits, no hyphens. */
  abhaNumber?: string;
  name: string;
  gender: Patient['gender'];
  /** YYYY-MM-DD, or YYYY when only the year is known. */
  birthDate: string;
  /** +91 and ten digits. */
  phone?: string;
  address?: { line?: string; district?: string; state?: string; pincode?: string };
}

const NDHM_IDENTIFIER_TYPE = 'https://nrces.in/ndhm/fhir/r4/CodeSystem/ndhm-identifier-type-code';
export const ABHA_NUMBER_SYSTEM = 'https://healthid.ndhm.gov.in';
export const ABHA_ADDRESS_SYSTEM = 'https://healthid.ndhm.gov.in/health-id';
export const ABDM_GENDER: Record<string, Patient['gender']> = { M: 'male', F: 'female', O: 'other', U: 'unknown' };

export const abhaAddressIdentifier = (value: string): Identifier => ({
  type: {
    coding: [{ system: NDHM_IDENTIFIER_TYPE, code: 'ABHA', display: 'Ayushman Bharat Health Account (ABHA) ID' }],
    text: 'ABHA address',
  },
  system: ABHA_ADDRESS_SYSTEM,
  value,
});

export const abhaNumberIdentifier = (value: string): Identifier => ({
  type: { coding: [{ system: NDHM_IDENTIFIER_TYPE, code: 'HIN', display: 'Health ID issued by NDHM' }], text: 'ABHA number' },
  system: ABHA_NUMBER_SYSTEM,
  value,
});

/** An Indian mobile in any usual spelling as +91 and ten digits, or undefined. */
export function indianMobile(value: unknown): string | undefined {
  const digits = String(value ?? '').replace(/[\s-]/g, '');
  return /^(\+91|91|0)?[6-9]\d{9}$/.test(digits) ? `+91${digits.slice(-10)}` : undefined;
}

/** The Patient's ABDM parts; `active`, a UHID and the branch are the saver's to add. */
export function patientFromAbha(person: AbhaPerson): Patient {
  const words = person.name.split(' ');
  const a = person.address;
  return {
    resourceType: 'Patient',
    identifier: [
      ...(person.abhaNumber ? [abhaNumberIdentifier(person.abhaNumber)] : []),
      ...(person.abhaAddress ? [abhaAddressIdentifier(person.abhaAddress)] : []),
    ],
    name: [
      {
        use: 'official',
        text: person.name,
        given: words.length > 1 ? words.slice(0, -1) : words,
        ...(words.length > 1 ? { family: words.at(-1) } : {}),
      },
    ],
    gender: person.gender,
    birthDate: person.birthDate,
    ...(person.phone ? { telecom: [{ system: 'phone' as const, value: person.phone, use: 'mobile' as const }] } : {}),
    ...(a && (a.line || a.district || a.state || a.pincode)
      ? {
          address: [
            {
              use: 'home' as const,
              ...(a.line ? { line: [a.line] } : {}),
              ...(a.district ? { district: a.district } : {}),
              ...(a.state ? { state: a.state } : {}),
              ...(a.pincode ? { postalCode: a.pincode } : {}),
              country: 'IN',
            },
          ],
        }
      : {}),
  };
}

/** This tenant's patients holding the person's ABHA address or number (as the caller may read them). */
export async function patientsWithAbha(repo: PostgresRepository, person: AbhaPerson): Promise<WithId<Patient>[]> {
  const found = new Map<string, WithId<Patient>>();
  for (const value of [person.abhaAddress, person.abhaNumber].filter(Boolean) as string[]) {
    const page = await repo.searchResources<Patient>(parseSearchRequest(`Patient?identifier=${encodeURIComponent(value)}&_count=5`));
    for (const p of page) {
      const abha = abhaOf(p);
      if ((person.abhaAddress && abha.address === person.abhaAddress) || (person.abhaNumber && abha.number === person.abhaNumber)) {
        found.set(p.id, p);
      }
    }
  }
  return [...found.values()];
}
