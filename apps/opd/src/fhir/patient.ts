import type { Extension, Identifier, Organization, Patient } from '@medplum/fhirtypes';
import {
  ABHA_ADDRESS_SYSTEM,
  ABHA_NUMBER_SYSTEM,
  BCP47,
  BIRTH_DATE_ESTIMATED_URL,
  CONTACT_RELATIONSHIP,
  NDHM_IDENTIFIER_TYPE,
  NO_SHOW_COUNT_URL,
  UHID_SYSTEM,
  V2_0203,
} from './systems.ts';

/** What the registration form edits; everything else on the Patient is kept as it was. */
export interface PatientForm {
  given: string;
  family: string;
  gender: '' | 'male' | 'female' | 'other' | 'unknown';
  birthDate: string;
  /** birthDate was worked out from an age in years. */
  birthDateEstimated: boolean;
  phone: string;
  abhaNumber: string;
  abhaAddress: string;
  line: string;
  city: string;
  district: string;
  state: string;
  pin: string;
  language: string;
  emergencyName: string;
  emergencyPhone: string;
  emergencyRelation: string;
}

export const EMPTY_PATIENT_FORM: PatientForm = {
  given: '',
  family: '',
  gender: '',
  birthDate: '',
  birthDateEstimated: false,
  phone: '',
  abhaNumber: '',
  abhaAddress: '',
  line: '',
  city: '',
  district: '',
  state: '',
  pin: '',
  language: 'hi',
  emergencyName: '',
  emergencyPhone: '',
  emergencyRelation: '',
};

export const LANGUAGES: Record<string, string> = {
  hi: 'Hindi',
  en: 'English',
  mr: 'Marathi',
  bn: 'Bengali',
  ta: 'Tamil',
  te: 'Telugu',
  gu: 'Gujarati',
  kn: 'Kannada',
  ml: 'Malayalam',
  pa: 'Punjabi',
  or: 'Odia',
  ur: 'Urdu',
};

const identifierOf = (p: Patient | undefined, system: string) => p?.identifier?.find((i) => i.system === system)?.value ?? '';

export function uhidOf(p: Patient | undefined): string {
  return p?.identifier?.find((i) => i.type?.coding?.some((c) => c.code === 'MR'))?.value ?? '';
}
export const abhaNumberOf = (p: Patient | undefined) => identifierOf(p, ABHA_NUMBER_SYSTEM);
export const abhaAddressOf = (p: Patient | undefined) => identifierOf(p, ABHA_ADDRESS_SYSTEM);
export const phoneOf = (p: Patient | undefined) => p?.telecom?.find((t) => t.system === 'phone')?.value ?? '';
export const noShowsOf = (p: Patient | undefined) =>
  p?.extension?.find((e) => e.url === NO_SHOW_COUNT_URL)?.valueUnsignedInt ??
  p?.extension?.find((e) => e.url === NO_SHOW_COUNT_URL)?.valueInteger ??
  0;
export const preferredLanguageOf = (p: Patient | undefined) =>
  p?.communication?.find((c) => c.preferred)?.language.coding?.[0]?.code ?? p?.communication?.[0]?.language.coding?.[0]?.code;

/** BCP-47: 'hi', 'hi-IN' and 'hi-Deva' all mean a Hindi reader; anything else reads English. */
export const printLanguageOf = (code: string | undefined): 'hi' | 'en' => (/^hi(-|$)/i.test(code ?? '') ? 'hi' : 'en');

export const birthDateEstimatedOf = (p: Patient | undefined) =>
  p?.extension?.find((e) => e.url === BIRTH_DATE_ESTIMATED_URL)?.valueBoolean === true;

export function patientToForm(p: Patient): PatientForm {
  const name = p.name?.[0];
  const address = p.address?.[0];
  const emergency = p.contact?.find((c) => c.relationship?.some((r) => r.coding?.some((x) => x.code === 'C')));
  return {
    given: name?.given?.join(' ') ?? '',
    family: name?.family ?? '',
    gender: p.gender ?? '',
    birthDate: p.birthDate ?? '',
    birthDateEstimated: birthDateEstimatedOf(p),
    phone: phoneOf(p),
    abhaNumber: abhaNumberOf(p),
    abhaAddress: abhaAddressOf(p),
    line: address?.line?.join(', ') ?? '',
    city: address?.city ?? '',
    district: address?.district ?? '',
    state: address?.state ?? '',
    pin: address?.postalCode ?? '',
    language: preferredLanguageOf(p) ?? 'hi',
    emergencyName: emergency?.name?.text ?? '',
    emergencyPhone: emergency?.telecom?.find((t) => t.system === 'phone')?.value ?? '',
    emergencyRelation: emergency?.relationship?.find((r) => r.text)?.text ?? '',
  };
}

/**
 * A new UHID, in the one convention the demo, the README and the app share: the branch's prefix
 * (its Organization.alias, e.g. SH-PUN) then six characters. The app draws them at random (36^6
 * per branch, and the server keeps identifiers searchable); a hospital that numbers its patients
 * serially (the demo's SH-PUN-001001) fits the same shape.
 */
export function newUhid(prefix: string): string {
  const random = crypto.getRandomValues(new Uint32Array(2));
  const digits = ((random[0] as number) * 2 ** 32 + (random[1] as number)).toString(36).toUpperCase();
  return `${prefix}-${digits.padStart(6, '0').slice(-6)}`;
}

/** The prefix a branch puts on its UHIDs: the branch Organization's first alias, or `OPD` for a branch without one. */
export function uhidPrefixOf(branch: Organization | undefined): string {
  const alias = branch?.alias?.find((a) => /^[A-Z0-9]+(-[A-Z0-9]+)*$/.test(a));
  return alias ?? 'OPD';
}

/**
 * The ABDM Patient from the form (normalised values expected: E.164 phone, 14-digit ABHA).
 * Fields the form does not show (other identifiers, links, photos) stay as they were.
 */
export function formToPatient(f: PatientForm, base: Patient | undefined, extras: { uhid: string; branch?: string }): Patient {
  const given = f.given.trim().split(/\s+/).filter(Boolean);
  const family = f.family.trim();
  const text = [...given, family].filter(Boolean).join(' ');
  const kept: Identifier[] = (base?.identifier ?? []).filter((i) => i.system !== ABHA_NUMBER_SYSTEM && i.system !== ABHA_ADDRESS_SYSTEM);
  if (!kept.some((i) => i.type?.coding?.some((c) => c.code === 'MR'))) {
    kept.unshift({
      type: { coding: [{ system: V2_0203, code: 'MR', display: 'Medical record number' }], text: 'UHID' },
      system: UHID_SYSTEM,
      value: extras.uhid,
    });
  }
  if (f.abhaNumber)
    kept.push({
      type: { coding: [{ system: NDHM_IDENTIFIER_TYPE, code: 'HIN', display: 'Health ID issued by NDHM' }], text: 'ABHA number' },
      system: ABHA_NUMBER_SYSTEM,
      value: f.abhaNumber,
    });
  if (f.abhaAddress)
    kept.push({
      type: {
        coding: [{ system: NDHM_IDENTIFIER_TYPE, code: 'ABHA', display: 'Ayushman Bharat Health Account (ABHA) ID' }],
        text: 'ABHA address',
      },
      system: ABHA_ADDRESS_SYSTEM,
      value: f.abhaAddress,
    });
  const patient: Patient = {
    ...(base ?? {}),
    resourceType: 'Patient',
    active: base?.active ?? true,
    identifier: kept,
    name: [{ use: 'official', given: given.length ? given : undefined, family: family || undefined, text }],
    gender: f.gender || undefined,
    birthDate: f.birthDate || undefined,
    telecom: f.phone ? [{ system: 'phone', value: f.phone, use: 'mobile' }] : undefined,
    address:
      f.line || f.city || f.pin || f.state
        ? [
            {
              use: 'home',
              line: f.line ? [f.line] : undefined,
              city: f.city || undefined,
              district: f.district || undefined,
              state: f.state || undefined,
              postalCode: f.pin || undefined,
              country: 'IN',
            },
          ]
        : undefined,
    communication: f.language
      ? [{ language: { coding: [{ system: BCP47, code: f.language, display: LANGUAGES[f.language] ?? f.language }] }, preferred: true }]
      : undefined,
    contact: f.emergencyName
      ? [
          {
            relationship: [
              { coding: [{ system: CONTACT_RELATIONSHIP, code: 'C', display: 'Emergency Contact' }] },
              ...(f.emergencyRelation ? [{ text: f.emergencyRelation }] : []),
            ],
            name: { text: f.emergencyName },
            telecom: f.emergencyPhone ? [{ system: 'phone', value: f.emergencyPhone, use: 'mobile' }] : undefined,
          },
        ]
      : undefined,
    extension: withEstimatedFlag(base?.extension, !!f.birthDate && f.birthDateEstimated),
    managingOrganization: base?.managingOrganization ?? (extras.branch ? { reference: `Organization/${extras.branch}` } : undefined),
  };
  return patient;
}

function withEstimatedFlag(extensions: Extension[] | undefined, estimated: boolean): Extension[] | undefined {
  const others = (extensions ?? []).filter((e) => e.url !== BIRTH_DATE_ESTIMATED_URL);
  const all = estimated ? [...others, { url: BIRTH_DATE_ESTIMATED_URL, valueBoolean: true }] : others;
  return all.length ? all : undefined;
}
