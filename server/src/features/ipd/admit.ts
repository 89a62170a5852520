import { badRequest, created, type SearchRequest, type WithId } from '@medplum/core';
import type { FhirRequest, FhirResponse } from '@medplum/fhir-router';
import type { Condition, Encounter, Extension, Organization, Patient, Practitioner, ServiceRequest } from '@medplum/fhirtypes';
import type { PostgresRepository } from '../../repo/postgres-repository.ts';
import { parseSearch } from '../../search/parse.ts';
import { ACT_CODE, fail, localReference, OperationInput, PARTICIPATION_TYPE, stateConflict, unprocessable } from '../opd/fhir.ts';
import { freeBed, idOf, lockRows, readNamed, requireEncounterCreate, setBedStatus } from './beds.ts';
import { bedReference, effectiveAt, nameText } from './encounter.ts';
import { ADMIT_SOURCE, EXPECTED_STAY_URL } from './model.ts';

/**
 * `POST Encounter/$admit` (docs/ipd.md): an in-patient Encounter (class IMP, in-progress) in the
 * chosen bed, and the bed occupied, in one transaction. From an OPD visit (`fromEncounter`, with the
 * doctor's admit order as `basedOn`) or directly (emergency, planned). The bed and the patient are
 * locked first: of two admissions to one free bed exactly one succeeds, and a patient already
 * admitted cannot be admitted twice.
 */
const ADMIT_SOURCES = new Set(['hosp-trans', 'emd', 'outp', 'born', 'gp', 'mp', 'nursing', 'psych', 'rehab', 'other']);

const participant = (code: string, display: string, p: WithId<Practitioner>) => ({
  type: [{ coding: [{ system: PARTICIPATION_TYPE, code, display }] }],
  individual: { reference: `Practitioner/${p.id}`, ...(nameText(p.name) ? { display: nameText(p.name) } : {}) },
});

async function alreadyAdmitted(tx: PostgresRepository, patientId: string): Promise<WithId<Encounter> | undefined> {
  const { request } = parseSearch(
    'Encounter',
    { subject: `Patient/${patientId}`, class: 'IMP', status: 'in-progress', _count: '1' },
    false,
  );
  return (await tx.searchResources(request as SearchRequest<Encounter>))[0];
}

async function admit(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  requireEncounterCreate(repo, 'Admitting a patient');
  const input = new OperationInput(req.body, req.query);
  const base = repo.baseUrl;
  const need = (name: string) => input.reference(name) ?? fail(badRequest(`Parameter ${name} is required`, name));
  const patientId = idOf(need('patient'), 'Patient', 'patient', base) as string;
  const bedId = idOf(need('bed'), 'Location', 'bed', base) as string;
  const attendingId = idOf(need('attending'), 'Practitioner', 'attending', base) as string;
  const admittingId = idOf(input.reference('admitting'), 'Practitioner', 'admitting', base) ?? attendingId;
  let fromId = idOf(input.reference('fromEncounter'), 'Encounter', 'fromEncounter', base);
  const orderId = idOf(input.reference('order'), 'ServiceRequest', 'order', base);
  const diagnosisId = idOf(input.reference('diagnosis'), 'Condition', 'diagnosis', base);
  const reason = input.string('reason');
  const occurredAt = input.string('occurredAt');
  const givenSource = input.string('admitSource');
  if (givenSource !== undefined && !ADMIT_SOURCES.has(givenSource))
    fail(badRequest(`admitSource "${givenSource}" is not a code of ${ADMIT_SOURCE}`, 'admitSource'));
  const expectedDays = input.integer('expectedDays');
  if (expectedDays !== undefined && (expectedDays < 1 || expectedDays > 365))
    fail(badRequest('expectedDays must be between 1 and 365', 'expectedDays'));

  const encounter = await repo.withTransaction(
    async (tx) => {
      await lockRows(tx, 'Patient', [patientId]);
      await lockRows(tx, 'Location', [bedId]);
      const bed = await freeBed(tx, bedId, 'bed');
      const patient = await readNamed<Patient>(tx, 'Patient', patientId, 'patient');
      const open = await alreadyAdmitted(tx, patientId);
      if (open) fail(stateConflict(`The patient is already admitted (Encounter/${open.id}): transfer instead`, 'patient'));
      const branchRef = localReference(bed.managingOrganization?.reference, base);
      const branch = await readNamed<Organization>(tx, 'Organization', branchRef?.id ?? '', 'bed');
      const attending = await readNamed<Practitioner>(tx, 'Practitioner', attendingId, 'attending');
      const admitting =
        admittingId === attendingId ? attending : await readNamed<Practitioner>(tx, 'Practitioner', admittingId, 'admitting');
      if (orderId) {
        const order = await readNamed<ServiceRequest>(tx, 'ServiceRequest', orderId, 'order');
        if (order.subject?.reference !== `Patient/${patientId}`) fail(unprocessable("The admit order is not this patient's", 'order'));
        // The doctor's admit order was written in a visit: the admission comes from that visit.
        const visit = localReference(order.encounter?.reference, base);
        if (!fromId && visit?.type === 'Encounter') fromId = visit.id;
      }
      if (fromId) {
        const from = await readNamed<Encounter>(tx, 'Encounter', fromId, 'fromEncounter');
        if (from.subject?.reference !== `Patient/${patientId}`) fail(unprocessable("fromEncounter is not this patient's", 'fromEncounter'));
      }
      if (diagnosisId) await readNamed<Condition>(tx, 'Condition', diagnosisId, 'diagnosis');
      const source = givenSource ?? (fromId ? 'outp' : 'emd');
      const now = effectiveAt(occurredAt);
      const extension: Extension[] = expectedDays
        ? [{ url: EXPECTED_STAY_URL, valueDuration: { value: expectedDays, unit: 'd', system: 'http://unitsofmeasure.org', code: 'd' } }]
        : [];
      const written = await tx.createResource<Encounter>({
        resourceType: 'Encounter',
        ...(extension.length ? { extension } : {}),
        status: 'in-progress',
        class: { system: ACT_CODE, code: 'IMP', display: 'inpatient encounter' },
        subject: { reference: `Patient/${patientId}`, ...(nameText(patient.name) ? { display: nameText(patient.name) } : {}) },
        participant: [participant('ATND', 'attender', attending), participant('ADM', 'admitter', admitting)],
        period: { start: now },
        ...(orderId ? { basedOn: [{ reference: `ServiceRequest/${orderId}` }] } : {}),
        ...(fromId ? { partOf: { reference: `Encounter/${fromId}` } } : {}),
        ...(reason ? { reasonCode: [{ text: reason }] } : {}),
        ...(diagnosisId ? { diagnosis: [{ condition: { reference: `Condition/${diagnosisId}` }, rank: 1 }] } : {}),
        hospitalization: { admitSource: { coding: [{ system: ADMIT_SOURCE, code: source }] } },
        location: [{ location: bedReference(bed), status: 'active', period: { start: now } }],
        serviceProvider: { reference: `Organization/${branch.id}`, ...(branch.name ? { display: branch.name } : {}) },
      });
      await setBedStatus(tx, bed, 'O');
      return written;
    },
    { resourceTypes: ['Encounter', 'Location'] },
  );
  return [created, encounter];
}

export const admitHandler = (req: FhirRequest, repo: unknown) => admit(req, repo as PostgresRepository);
