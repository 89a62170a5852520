import { allOk, badRequest, created, getStatus, OperationOutcomeError, type SearchRequest, type WithId } from '@medplum/core';
import type { FhirRequest, FhirResponse } from '@medplum/fhir-router';
import type {
  Appointment,
  Encounter,
  HumanName,
  Location,
  Organization,
  Patient,
  Practitioner,
  PractitionerRole,
  Reference,
  Resource,
} from '@medplum/fhirtypes';
import type { PostgresRepository } from '../../repo/postgres-repository.ts';
import { parseSearch } from '../../search/parse.ts';
import {
  ACT_CODE,
  fail,
  localReference,
  OPD_ENCOUNTER_PROFILE,
  OperationInput,
  PARTICIPATION_TYPE,
  stateConflict,
  unprocessable,
} from './fhir.ts';
import { kolkataDate, kolkataInstant } from './kolkata.ts';
import { nextToken, queueTokenExtension } from './queue-token.ts';

/**
 * `POST Encounter/$check-in` (docs/opd.md): a patient arrives, with an Appointment or as a
 * walk-in, and gets an OPD Encounter (status arrived) carrying the next queue token of the
 * branch, practitioner and local day; the Appointment becomes arrived. One transaction on the
 * caller's repository: the caller needs read access to what is named, and create Encounter (and
 * update Appointment) access in that branch. Checking in an Appointment again returns its Encounter.
 */

/** Appointment statuses a patient can be checked in from; others are over (409). */
const CHECK_IN_FROM = new Set(['proposed', 'pending', 'booked', 'waitlist', 'arrived', 'checked-in']);
/** Of those, the ones that move to arrived (arrived and checked-in are already there or later). */
const BECOMES_ARRIVED = new Set(['proposed', 'pending', 'booked', 'waitlist']);
/** An Encounter in these states does not count as the Appointment's check-in. */
const NOT_A_VISIT = new Set(['cancelled', 'entered-in-error']);

interface Visit {
  patient: WithId<Patient>;
  practitioner: WithId<Practitioner>;
  branch: WithId<Organization>;
  location?: Reference<Location>;
}

/** `Type/id` input of the given type, or 400. */
function idOf(value: string | undefined, type: string, name: string, baseUrl: string): string | undefined {
  if (value === undefined) return undefined;
  const ref = localReference(value, baseUrl);
  if (ref?.type !== type) fail(badRequest(`Parameter ${name} must reference a ${type} on this server, not "${value}"`, name));
  return ref?.id;
}

/** Reads what an input names; one that does not exist (or not for this caller) is unprocessable input. */
async function readNamed<T extends Resource>(
  tx: PostgresRepository,
  type: T['resourceType'],
  id: string,
  name: string,
): Promise<WithId<T>> {
  try {
    return await tx.readResource<T>(type, id);
  } catch (err) {
    const status = err instanceof OperationOutcomeError ? getStatus(err.outcome) : 0;
    if (status === 404 || status === 410) fail(unprocessable(`${type}/${id} does not exist`, name, 'not-found'));
    throw err;
  }
}

const nameText = (names: HumanName[] | undefined) =>
  names?.[0]?.text ?? [names?.[0]?.prefix?.join(' '), names?.[0]?.given?.join(' '), names?.[0]?.family].filter(Boolean).join(' ');

function actors(appointment: Appointment, type: string, baseUrl: string): string[] {
  return (appointment.participant ?? [])
    .map((p) => localReference(p.actor?.reference, baseUrl))
    .filter((r) => r?.type === type)
    .map((r) => r?.id as string);
}

/** Patient, practitioner and branch of a booked visit, from its Appointment (inputs may only confirm them). */
async function bookedVisit(
  tx: PostgresRepository,
  appointment: WithId<Appointment>,
  given: { patient?: string; practitioner?: string; branch?: string },
): Promise<Visit> {
  const base = tx.baseUrl;
  const patients = actors(appointment, 'Patient', base);
  if (patients.length !== 1) fail(unprocessable('The Appointment must have exactly one Patient participant', 'appointment'));
  if (given.patient && given.patient !== patients[0]) fail(unprocessable("patient is not the Appointment's patient", 'patient'));
  const roles: WithId<PractitionerRole>[] = [];
  for (const id of actors(appointment, 'PractitionerRole', base))
    roles.push(await readNamed<PractitionerRole>(tx, 'PractitionerRole', id, 'appointment'));
  const practitioners = [
    ...actors(appointment, 'Practitioner', base),
    ...roles.flatMap((r) => {
      const ref = localReference(r.practitioner?.reference, base);
      return ref?.type === 'Practitioner' ? [ref.id] : [];
    }),
  ];
  if (given.practitioner && !practitioners.includes(given.practitioner)) {
    fail(unprocessable('practitioner is not a participant of the Appointment', 'practitioner'));
  }
  const practitionerId =
    given.practitioner ?? practitioners[0] ?? fail(unprocessable('The Appointment names no Practitioner', 'appointment'));
  // The branch: given, else the Appointment's Location's managing Organization, else its role's.
  const locationId = actors(appointment, 'Location', base)[0];
  const location = locationId ? await readNamed<Location>(tx, 'Location', locationId, 'appointment') : undefined;
  const branchRef = [location?.managingOrganization?.reference, ...roles.map((r) => r.organization?.reference)]
    .map((r) => localReference(r, base))
    .find((r) => r?.type === 'Organization');
  const branchId = given.branch ?? branchRef?.id ?? fail(unprocessable('The Appointment names no branch: give branch', 'branch'));
  return {
    patient: await readNamed<Patient>(tx, 'Patient', patients[0], 'patient'),
    practitioner: await readNamed<Practitioner>(tx, 'Practitioner', practitionerId, 'practitioner'),
    branch: await readNamed<Organization>(tx, 'Organization', branchId, 'branch'),
    location: location ? { reference: `Location/${location.id}`, ...(location.name ? { display: location.name } : {}) } : undefined,
  };
}

async function existingVisit(tx: PostgresRepository, appointmentId: string): Promise<WithId<Encounter> | undefined> {
  const { request } = parseSearch('Encounter', { appointment: `Appointment/${appointmentId}`, _sort: '_lastUpdated' }, false);
  return (await tx.searchResources(request as SearchRequest<Encounter>)).find((e) => !NOT_A_VISIT.has(e.status));
}

function opdEncounter(visit: Visit, appointment: Appointment | undefined, token: number, date: string, now: number): Encounter {
  const display = (text: string | undefined) => (text ? { display: text } : {});
  return {
    resourceType: 'Encounter',
    meta: { profile: [OPD_ENCOUNTER_PROFILE] },
    extension: [queueTokenExtension(token, date)],
    status: 'arrived',
    class: { system: ACT_CODE, code: 'AMB', display: 'ambulatory' },
    subject: { reference: `Patient/${visit.patient.id}`, ...display(nameText(visit.patient.name)) },
    participant: [
      {
        type: [{ coding: [{ system: PARTICIPATION_TYPE, code: 'PPRF', display: 'primary performer' }], text: 'Consulting doctor' }],
        individual: { reference: `Practitioner/${visit.practitioner.id}`, ...display(nameText(visit.practitioner.name)) },
      },
    ],
    ...(appointment ? { appointment: [{ reference: `Appointment/${appointment.id}` }] } : {}),
    period: { start: kolkataInstant(now) },
    ...(visit.location ? { location: [{ location: visit.location, status: 'active' as const }] } : {}),
    serviceProvider: { reference: `Organization/${visit.branch.id}`, ...display(visit.branch.name) },
  };
}

async function checkIn(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  const input = new OperationInput(req.body, req.query);
  const base = repo.baseUrl;
  const appointmentId = idOf(input.reference('appointment'), 'Appointment', 'appointment', base);
  const given = {
    patient: idOf(input.reference('patient'), 'Patient', 'patient', base),
    practitioner: idOf(input.reference('practitioner'), 'Practitioner', 'practitioner', base),
    branch: idOf(input.reference('branch'), 'Organization', 'branch', base),
  };
  if (!appointmentId && (!given.patient || !given.practitioner || !given.branch)) {
    fail(badRequest('Give appointment, or patient, practitioner and branch for a walk-in'));
  }
  const result = await repo.withTransaction(
    async (tx) => {
      let appointment: WithId<Appointment> | undefined;
      if (appointmentId) {
        // Two desks checking in one Appointment take turns here; the second finds the first's Encounter.
        await tx.query((sql) => sql.query('SELECT 1 FROM "Appointment" WHERE id = $1 FOR UPDATE', [appointmentId]));
        appointment = await readNamed<Appointment>(tx, 'Appointment', appointmentId, 'appointment');
        const existing = await existingVisit(tx, appointmentId);
        if (existing) return { encounter: existing, isNew: false };
        if (!CHECK_IN_FROM.has(appointment.status)) {
          fail(stateConflict(`The Appointment is ${appointment.status}: it cannot be checked in`, 'appointment'));
        }
      }
      const visit = appointment
        ? await bookedVisit(tx, appointment, given)
        : {
            patient: await readNamed<Patient>(tx, 'Patient', given.patient as string, 'patient'),
            practitioner: await readNamed<Practitioner>(tx, 'Practitioner', given.practitioner as string, 'practitioner'),
            branch: await readNamed<Organization>(tx, 'Organization', given.branch as string, 'branch'),
          };
      const now = Date.now();
      const date = kolkataDate(now);
      // The number is taken last, right before the writes: its counter row stays locked until commit.
      const token = await tx.query((sql) => nextToken(sql, visit.branch.id, visit.practitioner.id, date));
      const encounter = await tx.createResource<Encounter>(opdEncounter(visit, appointment, token, date, now));
      if (appointment && BECOMES_ARRIVED.has(appointment.status))
        await tx.updateResource<Appointment>({ ...appointment, status: 'arrived' });
      return { encounter, isNew: true };
    },
    { resourceTypes: ['Appointment', 'Encounter'] },
  );
  return [result.isNew ? created : allOk, result.encounter];
}

export const checkInHandler = (req: FhirRequest, repo: unknown) => checkIn(req, repo as PostgresRepository);
