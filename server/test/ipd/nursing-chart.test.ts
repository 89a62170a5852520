import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirClient, startTestServer, TENANT_A, TENANT_B, type TestServer } from '../helpers/server.ts';
import { createStaff, type Staff, staffClient } from '../helpers/staff.ts';
import type { Fhir } from '../opd/fixtures.ts';
import { admitParams, patient, wards } from './fixtures.ts';

// The nurse's IPD charting that is not a vital sign (apps/ipd/src/nursing): intake/output and
// nursing notes, stored as Observations of the stay under our nursing-chart category.
const NURSING_CHART = 'https://hospital-ops.in/fhir/CodeSystem/nursing-chart';
const LAB = { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' };

let t: TestServer;
let system: Fhir;
let doctor: Staff;
let asNurse: Fhir;
let asDesk: Fhir;
let patientId: string;
let stayId: string;

const urine = (patientRef: string, stayRef: string, when: string, extraCategory: object[] = []) => ({
  resourceType: 'Observation',
  status: 'final',
  category: [{ coding: [{ system: NURSING_CHART, code: 'intake-output' }, ...extraCategory] }],
  code: { coding: [{ system: 'http://loinc.org', code: '9187-6', display: 'Urine output' }] },
  method: { coding: [{ system: 'https://hospital-ops.in/fhir/CodeSystem/fluid-route', code: 'urine' }] },
  subject: { reference: patientRef },
  encounter: { reference: stayRef },
  effectiveDateTime: when,
  valueQuantity: { value: 450, unit: 'mL', system: 'http://unitsofmeasure.org', code: 'mL' },
});
const note = (patientRef: string, stayRef: string, when: string, concern: boolean) => ({
  resourceType: 'Observation',
  status: 'final',
  category: [{ coding: [{ system: NURSING_CHART, code: 'nursing-note' }] }],
  code: { coding: [{ system: 'http://loinc.org', code: '34746-8', display: 'Nurse note' }] },
  subject: { reference: patientRef },
  encounter: { reference: stayRef },
  effectiveDateTime: when,
  valueString: 'Drowsy after the night dose; family informed.',
  component: [{ code: { coding: [{ system: NURSING_CHART, code: 'handover-concern' }] }, valueBoolean: concern }],
});

beforeAll(async () => {
  t = await startTestServer();
  system = fhirClient(t.base, TENANT_A);
  const ward = await wards(system);
  doctor = await createStaff(t, TENANT_A, 'doctor', [ward.branch]);
  asNurse = await staffClient(t, await createStaff(t, TENANT_A, 'nurse', [ward.branch]));
  asDesk = await staffClient(t, await createStaff(t, TENANT_A, 'receptionist', [ward.branch]));
  patientId = await patient(system, 'Sunita Deshmukh');
  const stay = await (await staffClient(t, doctor)).post('Encounter/$admit', admitParams(patientId, ward.beds[0], doctor.practitionerId));
  expect(stay.status, JSON.stringify(stay.body)).toBe(201);
  stayId = stay.body.id;
}, 120_000);
afterAll(async () => {
  await t?.stop();
});

describe('the nurse’s intake/output and notes', () => {
  it('lets the nurse chart intake/output and notes, resolve a concern, and find them by encounter and date', async () => {
    const io = await asNurse.post('Observation', urine(`Patient/${patientId}`, `Encounter/${stayId}`, '2026-12-07T06:00:00+05:30'));
    expect(io.status, JSON.stringify(io.body)).toBe(201);
    const n = await asNurse.post('Observation', note(`Patient/${patientId}`, `Encounter/${stayId}`, '2026-12-07T22:00:00+05:30', true));
    expect(n.status, JSON.stringify(n.body)).toBe(201);
    // Resolving the concern is an update of the note.
    n.body.component[0].valueBoolean = false;
    const resolved = await asNurse.put(`Observation/${n.body.id}`, n.body);
    expect(resolved.status, JSON.stringify(resolved.body)).toBe(200);
    expect(resolved.body.component[0].valueBoolean).toBe(false);

    const found = await asNurse.get(
      `Observation?encounter=Encounter/${stayId}&category=${NURSING_CHART}|nursing-note&date=ge2026-12-07T20:00:00%2B05:30&date=lt2026-12-08T08:00:00%2B05:30`,
    );
    expect(found.body.entry.map((e: any) => e.resource.id)).toEqual([n.body.id]);
    const night = await asNurse.get(`Observation?encounter=Encounter/${stayId}&date=lt2026-12-07T08:00:00%2B05:30`);
    expect(night.body.entry.map((e: any) => e.resource.id)).toEqual([io.body.id]);
  });

  it('refuses a nursing-chart Observation that is also a lab result, and the front desk', async () => {
    const asLab = await asNurse.post(
      'Observation',
      urine(`Patient/${patientId}`, `Encounter/${stayId}`, '2026-12-07T07:00:00+05:30', [LAB]),
    );
    expect(asLab.status).toBe(403);
    expect(
      (await asDesk.post('Observation', urine(`Patient/${patientId}`, `Encounter/${stayId}`, '2026-12-07T07:00:00+05:30'))).status,
    ).toBe(403);
    expect((await system.get(`Observation?encounter=Encounter/${stayId}&date=2026-12-07T07:00:00%2B05:30`)).body.total ?? 0).toBe(0);
  });

  it('keeps another tenant’s nurse out of the stay', async () => {
    const systemB = fhirClient(t.base, TENANT_B);
    const wardB = await wards(systemB, 'Other chain');
    const asNurseB = await staffClient(t, await createStaff(t, TENANT_B, 'nurse', [wardB.branch]));
    const before = (await system.get(`Observation?encounter=Encounter/${stayId}&_summary=count`)).body.total;

    // B's nurse cannot read A's notes, change them, or chart onto A's stay.
    const search = await asNurseB.get(`Observation?encounter=Encounter/${stayId}`);
    expect(search.body.total ?? search.body.entry?.length ?? 0).toBe(0);
    const mine = (await system.get(`Observation?encounter=Encounter/${stayId}&category=${NURSING_CHART}|nursing-note`)).body.entry[0]
      .resource;
    expect((await asNurseB.get(`Observation/${mine.id}`)).status).toBe(404);
    // A PUT to that id is B's own id space (update-as-create there at most); A's note stays as it was.
    const changed = await asNurseB.put(`Observation/${mine.id}`, { ...mine, valueString: 'changed by B' });
    expect([201, 403, 404, 422]).toContain(changed.status);
    // Charting onto A's stay from B: whatever B's server answers, nothing lands in A's stay.
    const intoA = await asNurseB.post('Observation', urine(`Patient/${patientId}`, `Encounter/${stayId}`, '2026-12-07T09:00:00+05:30'));
    expect([201, 400, 403, 422]).toContain(intoA.status);

    expect((await system.get(`Observation/${mine.id}`)).body.valueString).toBe(mine.valueString);
    expect((await system.get(`Observation?encounter=Encounter/${stayId}&_summary=count`)).body.total).toBe(before);
  });
});
