import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirClient, startTestServer, TENANT_B, type TestServer } from '../helpers/server.ts';
import { create, createOpd, type Fhir, type Opd, params, ref } from './fixtures.ts';

/**
 * A finished OPD visit is read-only over the API, not only in the app: its clinical record
 * (vitals, diagnoses, prescriptions, orders, notes) cannot be added to, changed or deleted, while
 * the pharmacy and the lab still fulfil its orders.
 */

let t: TestServer;
let fhir: Fhir;
let opd: Opd;

beforeAll(async () => {
  t = await startTestServer();
  fhir = fhirClient(t.base);
  opd = await createOpd(fhir, 2);
});
afterAll(() => t?.stop());

type Json = Record<string, any>;
const LOINC = 'http://loinc.org';

interface Visit {
  encounter: Json;
  patient: string;
  observation: Json;
  condition: Json;
  medication: Json;
  order: Json;
}

const pulse = (patient: string, encounter: string, value = 88): Json => ({
  resourceType: 'Observation',
  status: 'final',
  category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
  code: { coding: [{ system: LOINC, code: '8867-4', display: 'Heart rate' }] },
  subject: { reference: `Patient/${patient}` },
  encounter: { reference: encounter },
  effectiveDateTime: '2026-12-07T10:00:00+05:30',
  valueQuantity: { value, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
});

const condition = (patient: string, encounter: string, text = 'Fever'): Json => ({
  resourceType: 'Condition',
  code: { text },
  subject: { reference: `Patient/${patient}` },
  encounter: { reference: encounter },
});

async function write(resource: Json): Promise<Json> {
  const res = await fhir.post(resource.resourceType, resource);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

/** A walk-in seen by the doctor: vitals, a diagnosis, a medicine, a lab order; then finished. */
async function finishedVisit(patient: string): Promise<Visit> {
  const checkIn = await fhir.post(
    'Encounter/$check-in',
    params({
      patient: ref(`Patient/${patient}`),
      practitioner: ref(`Practitioner/${opd.doctor}`),
      branch: ref(`Organization/${opd.branch}`),
    }),
  );
  expect(checkIn.status).toBe(201);
  const encounterRef = `Encounter/${checkIn.body.id}`;
  const observation = await write(pulse(patient, encounterRef));
  const diagnosis = await write(condition(patient, encounterRef));
  const medication = await write({
    resourceType: 'MedicationRequest',
    status: 'active',
    intent: 'order',
    medicationCodeableConcept: { text: 'Paracetamol 650 mg tablet' },
    subject: { reference: `Patient/${patient}` },
    encounter: { reference: encounterRef },
  });
  const order = await write({
    resourceType: 'ServiceRequest',
    status: 'active',
    intent: 'order',
    code: { coding: [{ system: LOINC, code: '58410-2', display: 'Complete blood count' }] },
    subject: { reference: `Patient/${patient}` },
    encounter: { reference: encounterRef },
  });
  const finished = await fhir.put(encounterRef, { ...checkIn.body, status: 'finished' });
  expect(finished.status, JSON.stringify(finished.body)).toBe(200);
  return { encounter: finished.body, patient, observation, condition: diagnosis, medication, order };
}

const refusal = (res: { status: number; body: any }) => {
  expect(res.status, JSON.stringify(res.body)).toBe(409);
  expect(res.body.resourceType).toBe('OperationOutcome');
  const text: string = res.body.issue[0].details.text;
  expect(text).toMatch(/^This visit \(Encounter\/[\w-]+\) is finished/);
  return text;
};

describe('a finished OPD visit', () => {
  let visit: Visit;
  let encounterRef: string;
  beforeAll(async () => {
    visit = await finishedVisit(opd.patients[0]);
    encounterRef = `Encounter/${visit.encounter.id}`;
  });

  it('refuses a new vital, diagnosis or prescription line with 409 and our own sentence', async () => {
    expect(refusal(await fhir.post('Observation', pulse(visit.patient, encounterRef, 120)))).toContain(
      'is finished: no Observation can be added to it any more',
    );
    refusal(await fhir.post('Condition', condition(visit.patient, encounterRef, 'Typhoid')));
    refusal(await fhir.post('MedicationRequest', { ...visit.medication, id: undefined, meta: undefined }));
    const search = await fhir.get(`Observation?encounter=${encounterRef}`);
    expect(search.body.entry).toHaveLength(1);
  });

  it('refuses changing or deleting what was recorded, by PUT, PATCH and DELETE', async () => {
    refusal(await fhir.put(`Condition/${visit.condition.id}`, { ...visit.condition, code: { text: 'Dengue' } }));
    refusal(
      await fhir.patch(`Observation/${visit.observation.id}`, [{ op: 'replace', path: '/valueQuantity/value', value: 60 }], {
        'content-type': 'application/json-patch+json',
      }),
    );
    refusal(await fhir.delete(`MedicationRequest/${visit.medication.id}`));
    // Nor by moving a line off the visit: the stored version names it.
    refusal(await fhir.put(`Condition/${visit.condition.id}`, { ...visit.condition, encounter: undefined }));
    expect((await fhir.get(`Condition/${visit.condition.id}`)).body.code.text).toBe('Fever');
  });

  it('refuses a transaction that writes to the visit, and writes nothing of it', async () => {
    const res = await fhir.post('', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: condition(visit.patient, 'Encounter/none-such-visit-x', 'Headache'), request: { method: 'POST', url: 'Condition' } },
        { resource: condition(visit.patient, encounterRef, 'Cough'), request: { method: 'POST', url: 'Condition' } },
      ],
    });
    refusal(res);
    const headache = await fhir.get(`Condition?subject=Patient/${visit.patient}&_count=50`);
    expect(headache.body.entry.map((e: any) => e.resource.code.text)).toEqual(['Fever']);
  });

  it('still lets the pharmacy and the lab fulfil its orders, results arrive, and a diagnosis resolve', async () => {
    const dispensed = await fhir.put(`MedicationRequest/${visit.medication.id}`, { ...visit.medication, status: 'completed' });
    expect(dispensed.status, JSON.stringify(dispensed.body)).toBe(200);
    const collected = await fhir.put(`ServiceRequest/${visit.order.id}`, { ...visit.order, status: 'completed' });
    expect(collected.status, JSON.stringify(collected.body)).toBe(200);
    // A diagnosis made at the visit still gets better.
    const resolved = await fhir.put(`Condition/${visit.condition.id}`, {
      ...visit.condition,
      clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'resolved' }] },
      abatementDateTime: '2026-12-14',
    });
    expect(resolved.status, JSON.stringify(resolved.body)).toBe(200);
    visit.condition = resolved.body;
    // But not rewriting the order itself.
    refusal(await fhir.put(`ServiceRequest/${visit.order.id}`, { ...collected.body, code: { text: 'Lipid profile' } }));
    const result = await fhir.post('Observation', {
      ...pulse(visit.patient, encounterRef),
      code: { coding: [{ system: LOINC, code: '718-7', display: 'Hemoglobin' }] },
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }],
      valueQuantity: { value: 13.2, unit: 'g/dL', system: 'http://unitsofmeasure.org', code: 'g/dL' },
      basedOn: [{ reference: `ServiceRequest/${visit.order.id}` }],
    });
    expect(result.status, JSON.stringify(result.body)).toBe(201);
  });

  it('is corrected the explicit way: back to in-progress, change, finish again', async () => {
    const other = await finishedVisit(opd.patients[1]);
    const reopened = await fhir.put(`Encounter/${other.encounter.id}`, { ...other.encounter, status: 'in-progress' });
    expect(reopened.status).toBe(200);
    const fixed = await fhir.put(`Condition/${other.condition.id}`, { ...other.condition, code: { text: 'Viral fever' } });
    expect(fixed.status, JSON.stringify(fixed.body)).toBe(200);
    expect((await fhir.put(`Encounter/${other.encounter.id}`, { ...reopened.body, status: 'finished' })).status).toBe(200);
    refusal(await fhir.put(`Condition/${other.condition.id}`, { ...fixed.body, code: { text: 'Malaria' } }));
  });

  it('takes the last notes in the same transaction that finishes the visit, and nothing after', async () => {
    const checkIn = await fhir.post(
      'Encounter/$check-in',
      params({
        patient: ref(`Patient/${opd.patients[1]}`),
        practitioner: ref(`Practitioner/${opd.doctor}`),
        branch: ref(`Organization/${opd.branch}`),
      }),
    );
    const encounter = checkIn.body;
    const res = await fhir.post('', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: { ...encounter, status: 'finished' }, request: { method: 'PUT', url: `Encounter/${encounter.id}` } },
        {
          resource: condition(opd.patients[1], `Encounter/${encounter.id}`, 'Sinusitis'),
          request: { method: 'PUT', url: 'Condition?code:text=Sinusitis' },
        },
      ],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    refusal(await fhir.post('Condition', condition(opd.patients[1], `Encounter/${encounter.id}`, 'Otitis')));
  });

  it("does not tell another tenant about this tenant's visit", async () => {
    const b = fhirClient(t.base, TENANT_B);
    const patientB = await create(b, {
      resourceType: 'Patient',
      name: [{ family: 'Patil', given: ['Sunita'] }],
      gender: 'female',
    });
    const res = await b.post('Observation', pulse(patientB, encounterRef));
    expect(res.status).not.toBe(409);
    expect(JSON.stringify(res.body)).not.toContain('is finished');
  });
});
