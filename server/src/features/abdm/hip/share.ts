import { randomBytes } from 'node:crypto';
import { isOk, normalizeErrorString, parseSearchRequest, type WithId } from '@medplum/core';
import type { Encounter, Identifier, Organization, Patient, PractitionerRole } from '@medplum/fhirtypes';
import { createFhirRouter } from '../../../fhir/router.ts';
import type { PostgresRepository } from '../../../repo/postgres-repository.ts';
import { QUEUE_TOKEN_URL } from '../../opd/fhir.ts';
import { kolkataDate } from '../../opd/kolkata.ts';
import {
  ABDM_GENDER,
  type AbhaPerson,
  abhaAddressIdentifier,
  abhaNumberIdentifier,
  indianMobile,
  patientFromAbha,
  patientsWithAbha,
} from '../abha/patient.ts';
import { type AbdmContext, AbdmRefusal, auditAbdm, callGateway, tenantRepository } from '../context.ts';
import type { CallJob } from './discovery.ts';
import { abhaOf } from './linking.ts';

/**
 * Scan & Share (NOTES §5): a patient scans a counter's QR in their ABHA app and the gateway sends
 * their profile. The counter's code ("context") names the queue: the active PractitionerRole that
 * carries it as an identifier (system COUNTER_SYSTEM) gives the doctor and the branch. The
 * patient is matched by ABHA address or number in this tenant only, else registered from the
 * profile (with a UHID of the branch); then checked in through the OPD's own `Encounter/$check-in`,
 * so the token is the queue's next, shown on the queue screen like any walk-in's. Scanning again
 * the same day gives the same token. `on-share` carries the token, or FAILED with our reason.
 */

/** Identifier system of a counter's Scan & Share code on the PractitionerRole whose queue it feeds. */
export const COUNTER_SYSTEM = 'https://hospital-ops.in/fhir/sid/abdm-share-counter';

/** The identifier that ties a counter's QR code to a PractitionerRole's queue (typed, as the ABDM profile wants). */
export function counterIdentifier(code: string): Identifier {
  return {
    type: {
      coding: [
        {
          system: 'https://hospital-ops.in/fhir/CodeSystem/identifier-type',
          code: 'abdm-share-counter',
          display: 'ABDM Scan & Share counter',
        },
      ],
    },
    system: COUNTER_SYSTEM,
    value: code,
  };
}

const UHID_SYSTEM = 'https://hospital-ops.in/fhir/sid/uhid';
const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';

type SharedProfile = AbhaPerson & { abhaAddress: string };

const two = (n: number) => String(n).padStart(2, '0');

/** The profile as the gateway sent it, checked; a refusal (ABDM-1006, invalid body) names what is wrong. */
function readProfile(body: Record<string, any>): SharedProfile {
  const p = body.profile?.patient;
  if (!p || typeof p !== 'object') throw new AbdmRefusal('ABDM-1006', 'The share carries no patient profile.');
  const abhaAddress = String(p.abhaAddress ?? '');
  if (!/^[A-Za-z0-9._]{3,}@(sbx|abdm)$/.test(abhaAddress)) throw new AbdmRefusal('ABDM-1006', 'The profile has no valid ABHA address.');
  const name = typeof p.name === 'string' ? p.name.trim().replace(/\s+/g, ' ') : '';
  if (!name) throw new AbdmRefusal('ABDM-1006', 'The profile has no name.');
  const gender = ABDM_GENDER[String(p.gender ?? '')];
  if (!gender) throw new AbdmRefusal('ABDM-1006', 'The profile gender must be M, F, O or U.');
  const year = Number(p.yearOfBirth);
  if (!Number.isInteger(year) || year < 1900 || year > new Date().getUTCFullYear())
    throw new AbdmRefusal('ABDM-1006', 'The profile has no valid year of birth.');
  const month = Number(p.monthOfBirth);
  const day = Number(p.dayOfBirth);
  const full = Number.isInteger(month) && month >= 1 && month <= 12 && Number.isInteger(day) && day >= 1 && day <= 31;
  const birthDate = full ? `${year}-${two(month)}-${two(day)}` : String(year);
  if (full && Number.isNaN(Date.parse(`${birthDate}T00:00:00Z`)))
    throw new AbdmRefusal('ABDM-1006', 'The profile date of birth is not a date.');
  const digits = String(p.abhaNumber ?? '').replace(/-/g, '');
  const phone = indianMobile(p.phoneNumber);
  const a = p.address && typeof p.address === 'object' ? p.address : undefined;
  return {
    abhaAddress,
    abhaNumber: /^\d{14}$/.test(digits) ? digits : undefined,
    name,
    gender,
    birthDate,
    phone,
    address: a
      ? {
          line: a.line ? String(a.line) : undefined,
          district: a.district ? String(a.district) : undefined,
          state: a.state ? String(a.state) : undefined,
          pincode: /^\d{6}$/.test(String(a.pincode ?? '')) ? String(a.pincode) : undefined,
        }
      : undefined,
  };
}

/** The queue a counter's code feeds: exactly one active PractitionerRole carries it. */
async function counterQueue(repo: PostgresRepository, context: string): Promise<{ practitioner: string; branch: WithId<Organization> }> {
  const roles = await repo.searchResources<PractitionerRole>(
    parseSearchRequest(`PractitionerRole?identifier=${encodeURIComponent(`${COUNTER_SYSTEM}|${context}`)}&active=true&_count=2`),
  );
  const role = roles.length === 1 ? roles[0] : undefined;
  const practitioner = role?.practitioner?.reference?.match(/^Practitioner\/([\w.-]+)$/)?.[1];
  const branch = role?.organization?.reference?.match(/^Organization\/([\w.-]+)$/)?.[1];
  if (!practitioner || !branch) throw new AbdmRefusal('ABDM-1010', `No OPD queue takes Scan & Share from the counter "${context}".`);
  return { practitioner, branch: await repo.readResource<Organization>('Organization', branch) };
}

/** A UHID as the OPD desk makes them: the branch's alias, then six random base-36 characters. */
function newUhid(branch: Organization): string {
  const prefix = branch.alias?.find((a) => /^[A-Z0-9]+(-[A-Z0-9]+)*$/.test(a)) ?? 'OPD';
  return `${prefix}-${BigInt(`0x${randomBytes(8).toString('hex')}`)
    .toString(36)
    .toUpperCase()
    .padStart(6, '0')
    .slice(-6)}`;
}

/** This tenant's one patient with the profile's ABHA address or number; two or more is for the desk to resolve. */
async function matchPatient(repo: PostgresRepository, profile: SharedProfile): Promise<WithId<Patient> | undefined> {
  const found = await patientsWithAbha(repo, profile);
  if (found.length > 1) throw new AbdmRefusal('ABDM-1010', 'More than one patient here has this ABHA; the desk must resolve it.');
  return found[0];
}

/** A known patient keeps what the desk recorded; only the ABHA identifiers they lack are added. */
async function registerOrMatch(repo: PostgresRepository, profile: SharedProfile, branch: Organization): Promise<WithId<Patient>> {
  const known = await matchPatient(repo, profile);
  if (known) {
    const abha = abhaOf(known);
    const missing = [
      ...(abha.address ? [] : [abhaAddressIdentifier(profile.abhaAddress)]),
      ...(abha.number || !profile.abhaNumber ? [] : [abhaNumberIdentifier(profile.abhaNumber)]),
    ];
    return missing.length ? repo.updateResource<Patient>({ ...known, identifier: [...(known.identifier ?? []), ...missing] }) : known;
  }
  const person = patientFromAbha(profile);
  return repo.createResource<Patient>({
    ...person,
    active: true,
    identifier: [
      {
        type: { coding: [{ system: V2_0203, code: 'MR', display: 'Medical record number' }], text: 'UHID' },
        system: UHID_SYSTEM,
        value: newUhid(branch),
      },
      ...(person.identifier ?? []),
    ],
    managingOrganization: { reference: `Organization/${branch.id}` },
  });
}

const tokenOf = (e: Encounter) =>
  e.extension?.find((x) => x.url === QUEUE_TOKEN_URL)?.extension?.find((x) => x.url === 'number')?.valuePositiveInt;

/** The patient's visit in this queue today, if they scanned (or were checked in) already. */
async function todaysVisit(
  repo: PostgresRepository,
  patient: string,
  practitioner: string,
  branch: string,
): Promise<Encounter | undefined> {
  const visits = await repo.searchResources<Encounter>(
    parseSearchRequest(
      `Encounter?subject=Patient/${patient}&participant=Practitioner/${practitioner}&service-provider=Organization/${branch}` +
        `&queue-date=${kolkataDate(Date.now())}&status=arrived,triaged,in-progress&_count=1`,
    ),
  );
  return visits[0];
}

/** Seconds until the queue's day ends at midnight in India: how long the token is good for. */
function secondsLeftToday(): number {
  const now = Date.now();
  const ist = now + 5.5 * 3600_000;
  const midnight = Math.ceil(ist / 86_400_000) * 86_400_000;
  return Math.max(60, Math.round((midnight - ist) / 1000));
}

async function checkIn(repo: PostgresRepository, patient: string, practitioner: string, branch: string): Promise<Encounter> {
  const parameter = [
    { name: 'patient', valueReference: { reference: `Patient/${patient}` } },
    { name: 'practitioner', valueReference: { reference: `Practitioner/${practitioner}` } },
    { name: 'branch', valueReference: { reference: `Organization/${branch}` } },
  ];
  const [outcome, encounter] = await createFhirRouter().handleRequest(
    { method: 'POST', url: 'Encounter/$check-in', pathname: '', params: {}, query: {}, body: { resourceType: 'Parameters', parameter } },
    repo,
  );
  if (!isOk(outcome) || encounter?.resourceType !== 'Encounter') throw new Error(`check-in failed: ${normalizeErrorString(outcome)}`);
  return encounter;
}

export async function handleProfileShare(ctx: AbdmContext, job: CallJob): Promise<void> {
  const context = String(job.body.metaData?.context ?? '');
  const abhaAddress = String(job.body.profile?.patient?.abhaAddress ?? '');
  const response = { requestId: job.requestId };
  const repo = tenantRepository(ctx, job.tenantId, job.requestId);
  let ack: Record<string, unknown>;
  try {
    const profile = readProfile(job.body);
    const queue = await counterQueue(repo, context);
    const patient = await registerOrMatch(repo, profile, queue.branch);
    const visit =
      (await todaysVisit(repo, patient.id, queue.practitioner, queue.branch.id)) ??
      (await checkIn(repo, patient.id, queue.practitioner, queue.branch.id));
    const token = tokenOf(visit);
    if (!token) throw new Error('the check-in gave no queue token');
    ack = { status: 'SUCCESS', abhaAddress, profile: { context, tokenNumber: String(token), expiry: String(secondsLeftToday()) } };
    await auditAbdm(ctx, {
      tenantId: job.tenantId,
      requestId: job.requestId,
      outcome: '0',
      detail: `Scan & Share at counter ${context}: queue token ${token}.`,
      patient: `Patient/${patient.id}`,
      resource: `Encounter/${visit.id}`,
    });
  } catch (err) {
    if (!(err instanceof AbdmRefusal)) throw err;
    ack = { status: 'FAILED', abhaAddress };
    await auditAbdm(ctx, {
      tenantId: job.tenantId,
      requestId: job.requestId,
      outcome: '4',
      detail: `Scan & Share refused: ${err.message}`,
    });
    await callGateway(ctx, '/patient-share/v3/on-share', { acknowledgement: ack, error: err.body(), response }, { hipId: job.hipId });
    return;
  }
  await callGateway(ctx, '/patient-share/v3/on-share', { acknowledgement: ack, response }, { hipId: job.hipId });
}
