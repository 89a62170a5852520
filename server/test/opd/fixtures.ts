import { randomUUID } from 'node:crypto';
import type { Role } from '../../src/auth/policies.ts';
import { createUser } from '../../src/auth/store.ts';
import { fhirClient, type TestServer } from '../helpers/server.ts';
import { userToken } from '../helpers/staff.ts';

/**
 * An OPD's directory for the scheduling tests, every resource meeting the ABDM profile of its type
 * (the OPD suites run with PROFILE_ENFORCEMENT=abdm): a hospital branch with its building, doctors
 * with working hours at the branch, patients, and staff logins.
 */

export type Fhir = ReturnType<typeof fhirClient>;
type Json = Record<string, any>;

const SCT = 'http://snomed.info/sct';
const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
const cc = (system: string, code: string, display: string, text?: string) => ({
  coding: [{ system, code, display }],
  ...(text ? { text } : {}),
});

export async function create(fhir: Fhir, resource: Json): Promise<string> {
  const res = await fhir.post(resource.resourceType, resource);
  if (res.status !== 201) throw new Error(`${resource.resourceType} not created: ${JSON.stringify(res.body, null, 1)}`);
  return res.body.id;
}

export function branch(name: string, city = 'Pune'): Json {
  return {
    resourceType: 'Organization',
    identifier: [
      { type: cc(V2_0203, 'PRN', 'Provider number'), system: 'https://facility.ndhm.gov.in', value: `IN27${randomUUID().slice(0, 8)}` },
    ],
    type: [cc('http://terminology.hl7.org/CodeSystem/organization-type', 'prov', 'Healthcare Provider')],
    name,
    address: [{ line: ['12 Prabhat Road, Erandwane'], city, state: 'Maharashtra', postalCode: '411004', country: 'IN' }],
  };
}

export function building(branchId: string, name: string): Json {
  return {
    resourceType: 'Location',
    status: 'active',
    name,
    mode: 'instance',
    managingOrganization: { reference: `Organization/${branchId}` },
  };
}

export function doctor(name: string): Json {
  const [, given, family] = /^Dr\. (\S+) (.+)$/.exec(name) ?? [];
  return {
    resourceType: 'Practitioner',
    identifier: [
      { type: cc(V2_0203, 'MD', 'Medical License number'), system: 'https://doctor.ndhm.gov.in', value: `MMC-${randomUUID().slice(0, 8)}` },
    ],
    name: [{ text: name, prefix: ['Dr.'], given: [given], family }],
  };
}

/** A consultant's role at a branch; working hours default to a morning session Monday to Saturday. */
export function role(practitionerId: string, branchId: string, locationId: string, extra: Json = {}): Json {
  return {
    resourceType: 'PractitionerRole',
    active: true,
    practitioner: { reference: `Practitioner/${practitionerId}` },
    organization: { reference: `Organization/${branchId}` },
    location: [{ reference: `Location/${locationId}` }],
    code: [cc(SCT, '768839008', 'Consultant')],
    specialty: [cc(SCT, '394802001', 'General medicine', 'General medicine')],
    availableTime: [
      { daysOfWeek: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat'], availableStartTime: '09:00:00', availableEndTime: '10:00:00' },
    ],
    ...extra,
  };
}

export function patient(name: string): Json {
  const [given, family] = name.split(' ');
  return {
    resourceType: 'Patient',
    identifier: [
      {
        type: cc(V2_0203, 'MR', 'Medical record number'),
        system: 'https://hospital-ops.in/fhir/sid/uhid',
        value: `SH-PUN-${randomUUID().slice(0, 6)}`,
      },
    ],
    name: [{ text: name, given: [given], family }],
    gender: 'female',
  };
}

/** An Appointment for a Slot, with the patient, the doctor and the branch's building as participants. */
export function appointment(o: { slot?: string; patient: string; practitioner: string; location: string; status?: string }): Json {
  const start = '2026-11-25T09:00:00+05:30';
  return {
    resourceType: 'Appointment',
    status: o.status ?? 'booked',
    ...(o.slot ? { slot: [{ reference: `Slot/${o.slot}` }] } : {}),
    start,
    end: '2026-11-25T09:15:00+05:30',
    participant: [
      { actor: { reference: `Patient/${o.patient}` }, status: 'accepted' },
      { actor: { reference: `Practitioner/${o.practitioner}` }, status: 'accepted' },
      { actor: { reference: `Location/${o.location}` }, status: 'accepted' },
    ],
  };
}

export interface Opd {
  branch: string;
  location: string;
  doctor: string;
  role: string;
  otherDoctor: string;
  otherRole: string;
  patients: string[];
}

/** A branch with its building, two doctors with roles there, and `patients` patients. */
export async function createOpd(fhir: Fhir, patients = 3, roleExtra: Json = {}): Promise<Opd> {
  const branchId = await create(fhir, branch(`Sanjeevani Hospital ${randomUUID().slice(0, 4)}`));
  const location = await create(fhir, building(branchId, 'Main building'));
  const doctorId = await create(fhir, doctor('Dr. Anand Joshi'));
  const otherDoctor = await create(fhir, doctor('Dr. Kavita Deshpande'));
  const roleId = await create(fhir, role(doctorId, branchId, location, roleExtra));
  const otherRole = await create(fhir, role(otherDoctor, branchId, location, roleExtra));
  const ids: string[] = [];
  for (let i = 0; i < patients; i++) ids.push(await create(fhir, patient(`Patient${i} Kulkarni`)));
  return { branch: branchId, location, doctor: doctorId, role: roleId, otherDoctor, otherRole, patients: ids };
}

/** A FHIR client for a new staff login of `role` in `branches`, with its own (ABDM-valid) Practitioner. */
export async function staff(t: TestServer, tenant: string, role: Role, branches: string[], practitionerId?: string): Promise<Fhir> {
  const system = fhirClient(t.base, tenant);
  const practitioner = practitionerId ?? (await create(system, doctor(`Dr. ${role} Staff`)));
  const user = await createUser(t.server.db, tenant, {
    email: `${role}.${randomUUID().slice(0, 8)}@opd.test`,
    name: `${role} user`,
    password: 'opd-test-password-123',
    role,
    branchIds: branches,
    practitionerId: practitioner,
  });
  return fhirClient(t.base, tenant, await userToken(t, user));
}

/** Parameters with the given named values (`valueX` keys). */
export function params(values: Record<string, Json | undefined>): Json {
  return {
    resourceType: 'Parameters',
    parameter: Object.entries(values)
      .filter(([, v]) => v !== undefined)
      .map(([name, value]) => ({ name, ...value })),
  };
}

export const ref = (reference: string) => ({ valueReference: { reference } });

/** Today's date in Asia/Kolkata (the queue's day). */
export function todayInKolkata(): string {
  return new Date(Date.now() + 330 * 60_000).toISOString().slice(0, 10);
}

/**
 * A Monday two to three weeks ahead (Asia/Kolkata), plus `days`: bookings must be in the future, so
 * the booking tests book there rather than on fixed dates that would pass into history.
 */
export function futureMonday(days = 0): string {
  const today = Date.parse(`${todayInKolkata()}T00:00:00Z`);
  const weekday = new Date(today).getUTCDay();
  const monday = today + (((8 - weekday) % 7) + 14) * 86_400_000;
  return new Date(monday + days * 86_400_000).toISOString().slice(0, 10);
}
