import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../src/auth/policies.ts';
import { type FhirResponseData, fhirClient, startTestServer, TENANT_A, type TestServer } from './helpers/server.ts';
import { createStaff, type Staff, staffClient } from './helpers/staff.ts';

type Client = ReturnType<typeof fhirClient>;

const ROLE_LIST: Role[] = ['super_admin', 'branch_admin', 'doctor', 'nurse', 'receptionist', 'pharmacist', 'lab_tech', 'accountant'];
const TYPES = [
  'Patient',
  'Encounter',
  'Observation',
  'MedicationRequest',
  'MedicationDispense',
  'Invoice',
  'Appointment',
  'Practitioner',
  'AuditEvent',
] as const;
type MatrixType = (typeof TYPES)[number];

/**
 * The permission matrix, written out by hand from the seed architecture (not derived from
 * DEFAULT_POLICIES, so that a drift in the policies fails here): s = may search, c = may create.
 */
const MATRIX: Record<Role, Record<MatrixType, '' | 's' | 'c' | 'sc'>> = {
  super_admin: {
    Patient: 'sc',
    Encounter: 'sc',
    Observation: 'sc',
    MedicationRequest: 'sc',
    MedicationDispense: 'sc',
    Invoice: 'sc',
    Appointment: 'sc',
    Practitioner: 'sc',
    // The audit log is written by the server alone, whoever asks.
    AuditEvent: 's',
  },
  branch_admin: {
    Patient: 'sc',
    Encounter: 'sc',
    Observation: 'sc',
    MedicationRequest: 'sc',
    MedicationDispense: '',
    Invoice: 'sc',
    Appointment: 'sc',
    Practitioner: 'sc',
    AuditEvent: 's',
  },
  doctor: {
    Patient: 'sc',
    Encounter: 'sc',
    Observation: 'sc',
    MedicationRequest: 'sc',
    MedicationDispense: 's',
    Invoice: '',
    Appointment: 'sc',
    Practitioner: 's',
    AuditEvent: '',
  },
  nurse: {
    Patient: 's',
    Encounter: 's',
    Observation: 'sc',
    MedicationRequest: 's',
    MedicationDispense: '',
    Invoice: '',
    Appointment: 's',
    Practitioner: 's',
    AuditEvent: '',
  },
  receptionist: {
    Patient: 'sc',
    Encounter: 'sc',
    // Only the blood group the patient reports at registration (LOINC 882-1): the matrix's Observations are not that.
    Observation: 's',
    MedicationRequest: '',
    MedicationDispense: '',
    Invoice: 'sc',
    Appointment: 'sc',
    Practitioner: 's',
    AuditEvent: '',
  },
  pharmacist: {
    Patient: 's',
    Encounter: '',
    Observation: '',
    MedicationRequest: 's',
    MedicationDispense: 'sc',
    Invoice: '',
    Appointment: '',
    Practitioner: 's',
    AuditEvent: '',
  },
  lab_tech: {
    Patient: 's',
    Encounter: '',
    Observation: 'sc',
    MedicationRequest: '',
    MedicationDispense: '',
    Invoice: '',
    Appointment: '',
    Practitioner: 's',
    AuditEvent: '',
  },
  accountant: {
    Patient: '',
    Encounter: '',
    Observation: '',
    MedicationRequest: '',
    MedicationDispense: '',
    Invoice: 's',
    Appointment: '',
    Practitioner: 's',
    AuditEvent: '',
  },
};

const CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const TEST_CODES = 'urn:test:access';
const ref = (type: string, id: string) => ({ reference: `${type}/${id}` });

let t: TestServer;
let sys: Client;
const staff = {} as Record<Role, Staff>;
const as = {} as Record<Role, Client>;
// Shared data in tenant A.
let chain: string;
let branchX: string;
let branchY: string;
let locX: string;
let locY: string;
let patientP: string;
let patientQ: string;
let patientM: string; // the matrix's creations point at this one, so P's counts stay put
let encX: string;
let encY: string;
let obsVitalP: string;
let obsLabP: string;
let obsLabQ: string;
let medRequest: string;
let medDispense: string;
let invoice: string;
let otherPractitioner: string;
let apptOwn: string;
let apptOther: string;
let apptOtherY: string;

function observation(patient: string, category: 'vital-signs' | 'laboratory', code: string, extra: Record<string, unknown> = {}) {
  return {
    resourceType: 'Observation',
    status: 'final',
    category: [{ coding: [{ system: CATEGORY, code: category }] }],
    code: { coding: [{ system: TEST_CODES, code }] },
    subject: ref('Patient', patient),
    valueQuantity: { value: 72, unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
    ...extra,
  };
}

function encounter(patient: string, branch: string) {
  return {
    resourceType: 'Encounter',
    status: 'in-progress',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
    subject: ref('Patient', patient),
    serviceProvider: ref('Organization', branch),
  };
}

function appointment(practitioner: string, location: string, patient: string) {
  return {
    resourceType: 'Appointment',
    status: 'booked',
    start: '2030-01-15T09:00:00+05:30',
    end: '2030-01-15T09:15:00+05:30',
    participant: [
      { actor: ref('Practitioner', practitioner), status: 'accepted' },
      { actor: ref('Location', location), status: 'accepted' },
      { actor: ref('Patient', patient), status: 'accepted' },
    ],
  };
}

/** A valid resource of `type` that meets `role`'s conditions for creating it (when it may at all). */
function sample(type: MatrixType, role: Role): Record<string, unknown> {
  switch (type) {
    case 'Patient':
      return { resourceType: 'Patient', name: [{ family: `Matrix-${role}` }] };
    case 'Encounter':
      return encounter(patientM, branchX);
    case 'Observation':
      return observation(patientM, role === 'lab_tech' ? 'laboratory' : 'vital-signs', `matrix-${role}`);
    case 'MedicationRequest':
      return {
        resourceType: 'MedicationRequest',
        status: 'active',
        intent: 'order',
        medicationCodeableConcept: { text: 'Paracetamol 500 mg' },
        subject: ref('Patient', patientM),
      };
    case 'MedicationDispense':
      return {
        resourceType: 'MedicationDispense',
        status: 'completed',
        medicationCodeableConcept: { text: 'Paracetamol 500 mg' },
        subject: ref('Patient', patientM),
      };
    case 'Invoice':
      return { resourceType: 'Invoice', status: 'issued', subject: ref('Patient', patientM) };
    case 'Appointment':
      return appointment(staff[role].practitionerId, locX, patientM);
    case 'Practitioner':
      return { resourceType: 'Practitioner', name: [{ family: `Hired-by-${role}` }] };
    case 'AuditEvent':
      return {
        resourceType: 'AuditEvent',
        type: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110110' },
        recorded: new Date().toISOString(),
        agent: [{ who: ref('Practitioner', staff[role].practitionerId), requestor: true }],
        source: { observer: { display: 'access test' } },
      };
  }
}

async function created(client: Client, resource: Record<string, unknown>): Promise<string> {
  const res = await client.post(resource.resourceType as string, resource);
  if (res.status !== 201) throw new Error(`${resource.resourceType} not created: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

function expectForbidden(res: FhirResponseData): void {
  expect(res.status, JSON.stringify(res.body)).toBe(403);
  expect(res.body.resourceType).toBe('OperationOutcome');
  expect(res.body.issue[0].code).toBe('forbidden');
}

const ids = (res: FhirResponseData) =>
  ((res.body.entry ?? []) as { resource: { resourceType: string; id: string } }[]).map((e) => e.resource.id);
const refs = (res: FhirResponseData) =>
  ((res.body.entry ?? []) as { resource: { resourceType: string; id: string } }[]).map(
    (e) => `${e.resource.resourceType}/${e.resource.id}`,
  );

beforeAll(async () => {
  t = await startTestServer();
  sys = fhirClient(t.base, TENANT_A);
  chain = await created(sys, { resourceType: 'Organization', name: 'Access Chain Hospitals' });
  branchX = await created(sys, { resourceType: 'Organization', name: 'Branch X', partOf: ref('Organization', chain) });
  branchY = await created(sys, { resourceType: 'Organization', name: 'Branch Y', partOf: ref('Organization', chain) });
  locX = await created(sys, { resourceType: 'Location', name: 'X OPD', managingOrganization: ref('Organization', branchX) });
  locY = await created(sys, { resourceType: 'Location', name: 'Y OPD', managingOrganization: ref('Organization', branchY) });
  patientP = await created(sys, { resourceType: 'Patient', name: [{ family: 'Accessfam', given: ['Priya'] }] });
  patientQ = await created(sys, { resourceType: 'Patient', name: [{ family: 'Accessfam', given: ['Qadir'] }] });
  patientM = await created(sys, { resourceType: 'Patient', name: [{ family: 'Matrixfam' }] });
  encX = await created(sys, encounter(patientP, branchX));
  encY = await created(sys, encounter(patientP, branchY));
  obsVitalP = await created(sys, observation(patientP, 'vital-signs', 'vital-p', { encounter: ref('Encounter', encX) }));
  obsLabP = await created(sys, observation(patientP, 'laboratory', 'lab-p', { encounter: ref('Encounter', encY) }));
  obsLabQ = await created(sys, observation(patientQ, 'laboratory', 'lab-q'));
  medRequest = await created(sys, {
    resourceType: 'MedicationRequest',
    status: 'active',
    intent: 'order',
    medicationCodeableConcept: { text: 'Amoxicillin 500 mg' },
    subject: ref('Patient', patientP),
    encounter: ref('Encounter', encX),
  });
  medDispense = await created(sys, {
    resourceType: 'MedicationDispense',
    status: 'completed',
    medicationCodeableConcept: { text: 'Amoxicillin 500 mg' },
    subject: ref('Patient', patientP),
    authorizingPrescription: [ref('MedicationRequest', medRequest)],
  });
  invoice = await created(sys, { resourceType: 'Invoice', status: 'issued', subject: ref('Patient', patientP) });
  for (const role of ROLE_LIST) {
    staff[role] = await createStaff(t, TENANT_A, role, [branchX]);
    as[role] = await staffClient(t, staff[role]);
  }
  otherPractitioner = await created(sys, { resourceType: 'Practitioner', name: [{ family: 'Colleague' }] });
  apptOwn = await created(sys, appointment(staff.doctor.practitionerId, locX, patientP));
  apptOther = await created(sys, appointment(otherPractitioner, locX, patientP));
  apptOtherY = await created(sys, appointment(otherPractitioner, locY, patientP));
});
afterAll(() => t?.stop());

describe('permission matrix', () => {
  describe.each(ROLE_LIST)('%s', (role) => {
    it.each(TYPES)(`search %s`, async (type) => {
      const res = await as[role].get(`${type}?_count=1`);
      if (MATRIX[role][type].includes('s')) {
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        expect(res.body.resourceType).toBe('Bundle');
      } else {
        expectForbidden(res);
      }
    });

    it.each(TYPES)(`create %s`, async (type) => {
      const resource = sample(type, role);
      const res = await as[role].post(type, resource);
      if (MATRIX[role][type].includes('c')) {
        expect(res.status, JSON.stringify(res.body)).toBe(201);
        expect(res.body.resourceType).toBe(type);
      } else {
        expectForbidden(res);
      }
    });
  });
});

describe('branch scoping', () => {
  it('the doctor sees the Encounter of their branch only; super_admin sees both', async () => {
    const doctor = await as.doctor.get(`Encounter?subject=Patient/${patientP}&_total=accurate`);
    expect(doctor.status).toBe(200);
    expect(ids(doctor)).toEqual([encX]);
    expect(doctor.body.total).toBe(1);
    const admin = await as.super_admin.get(`Encounter?subject=Patient/${patientP}&_total=accurate`);
    expect(ids(admin).sort()).toEqual([encX, encY].sort());
    expect(admin.body.total).toBe(2);
    // Compartment and system search apply the same conditions.
    expect(ids(await as.doctor.get(`Patient/${patientP}/Encounter`))).toEqual([encX]);
    const multi = await as.doctor.get(`?_type=Encounter,Observation&_count=100&_id=${encX},${encY},${obsVitalP}`);
    expect(multi.status).toBe(200);
    expect(ids(multi).sort()).toEqual([encX, obsVitalP].sort());
  });

  it('reading or updating an Encounter of another branch answers 404; deleting it is deleting nothing (200)', async () => {
    expect((await as.doctor.get(`Encounter/${encX}`)).status).toBe(200);
    expect((await as.doctor.get(`Encounter/${encY}`)).status).toBe(404);
    expect((await as.doctor.get(`Encounter/${encY}/_history/1`)).status).toBe(404);
    expect((await as.doctor.get(`Encounter/${encY}/_history`)).status).toBe(404);
    expect((await as.super_admin.get(`Encounter/${encY}`)).status).toBe(200);
    const current = (await sys.get(`Encounter/${encY}`)).body;
    expect((await as.doctor.put(`Encounter/${encY}`, { ...current, status: 'finished' })).status).toBe(404);
    expect((await as.doctor.patch(`Encounter/${encY}`, [{ op: 'replace', path: '/status', value: 'finished' }])).status).toBe(404);
    // As for any resource that does not exist for the caller: 200, and nothing changes.
    expect((await as.doctor.delete(`Encounter/${encY}`)).status).toBe(200);
    expect((await sys.get(`Encounter/${encY}`)).body.meta.versionId).toBe(current.meta.versionId);
  });

  it('a doctor cannot create an Encounter for another branch, nor move one there', async () => {
    expectForbidden(await as.doctor.post('Encounter', { ...encounter(patientP, branchY), id: undefined }));
    const search = await sys.get(`Encounter?subject=Patient/${patientP}&_total=accurate`);
    expect(search.body.total).toBe(2);
    const current = (await as.doctor.get(`Encounter/${encX}`)).body;
    expectForbidden(await as.doctor.put(`Encounter/${encX}`, { ...current, serviceProvider: ref('Organization', branchY) }));
    const after = await sys.get(`Encounter/${encX}`);
    expect(after.body.serviceProvider.reference).toBe(`Organization/${branchX}`);
    expect(after.body.meta.versionId).toBe(current.meta.versionId);
  });

  it('a role without delete on a type gets 403 whatever the resource', async () => {
    expectForbidden(await as.receptionist.delete(`Encounter/${encX}`));
    expectForbidden(await as.receptionist.delete(`Encounter/${encY}`));
    expect((await sys.get(`Encounter/${encX}`)).status).toBe(200);
  });

  it('chains and _has only go through resources the caller may see', async () => {
    const chained = `Observation?encounter:Encounter.service-provider=Organization/${branchY}`;
    expect(ids(await as.super_admin.get(chained))).toEqual([obsLabP]);
    const doctor = await as.doctor.get(chained);
    expect(doctor.status).toBe(200);
    expect(ids(doctor)).toEqual([]);
    const has = `Patient?_has:Encounter:subject:service-provider=Organization/${branchY}`;
    expect(ids(await as.super_admin.get(has))).toEqual([patientP]);
    expect(ids(await as.doctor.get(has))).toEqual([]);
  });

  it('a batch entry for another branch’s Encounter answers 404', async () => {
    const res = await as.doctor.post('', {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [{ request: { method: 'GET', url: `Encounter/${encX}` } }, { request: { method: 'GET', url: `Encounter/${encY}` } }],
    });
    expect(res.status).toBe(200);
    expect(res.body.entry[0].response.status).toMatch(/^200/);
    expect(res.body.entry[1].response.status).toMatch(/^404/);
    expect(JSON.stringify(res.body)).not.toContain(encY);
  });
});

describe('own appointments', () => {
  it('the doctor sees the appointments of their branch', async () => {
    const res = await as.doctor.get(`Appointment?patient=Patient/${patientP}`);
    expect(ids(res).sort()).toEqual([apptOwn, apptOther].sort());
    expect((await as.doctor.get(`Appointment/${apptOtherY}`)).status).toBe(404);
  });

  it('the doctor updates their own appointment but not another practitioner’s', async () => {
    const own = (await as.doctor.get(`Appointment/${apptOwn}`)).body;
    const updated = await as.doctor.put(`Appointment/${apptOwn}`, { ...own, comment: 'Running late' });
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);
    expect(updated.body.meta.versionId).toBe('2');

    const other = (await as.doctor.get(`Appointment/${apptOther}`)).body;
    expectForbidden(await as.doctor.put(`Appointment/${apptOther}`, { ...other, comment: 'Mine now' }));
    expect((await sys.get(`Appointment/${apptOther}`)).body.meta.versionId).toBe('1');
    // Taking over another's appointment by swapping the practitioner is refused too.
    const takeover = {
      ...other,
      participant: other.participant.map((p: any) =>
        p.actor.reference.startsWith('Practitioner/') ? { ...p, actor: ref('Practitioner', staff.doctor.practitionerId) } : p,
      ),
    };
    expectForbidden(await as.doctor.put(`Appointment/${apptOther}`, takeover));
    // One outside the doctor's branches is not even there for them.
    const hidden = (await sys.get(`Appointment/${apptOtherY}`)).body;
    expect((await as.doctor.put(`Appointment/${apptOtherY}`, { ...hidden, comment: 'x' })).status).toBe(404);
    expect((await sys.get(`Appointment/${apptOtherY}`)).body.meta.versionId).toBe('1');
  });

  it('the doctor cannot book an appointment for another practitioner, nor give their own away', async () => {
    expectForbidden(await as.doctor.post('Appointment', appointment(otherPractitioner, locX, patientQ)));
    const stored = await sys.get(`Appointment?patient=Patient/${patientQ}`);
    expect(ids(stored)).toEqual([]);
    const own = (await as.doctor.get(`Appointment/${apptOwn}`)).body;
    const giveAway = {
      ...own,
      participant: own.participant.map((p: any) =>
        p.actor.reference.startsWith('Practitioner/') ? { ...p, actor: ref('Practitioner', otherPractitioner) } : p,
      ),
    };
    expectForbidden(await as.doctor.put(`Appointment/${apptOwn}`, giveAway));
    expect((await sys.get(`Appointment/${apptOwn}`)).body.meta.versionId).toBe(own.meta.versionId);
  });
});

describe('nurse and vital signs', () => {
  it('creates a vital-signs Observation but not a laboratory one, and nothing of the refused one is stored', async () => {
    const vital = await as.nurse.post('Observation', observation(patientM, 'vital-signs', 'nurse-vital-ok'));
    expect(vital.status, JSON.stringify(vital.body)).toBe(201);
    expectForbidden(await as.nurse.post('Observation', observation(patientM, 'laboratory', 'nurse-lab-refused')));
    for (const client of [as.super_admin, sys]) {
      const search = await client.get(`Observation?code=${TEST_CODES}|nurse-lab-refused&_total=accurate`);
      expect(search.status).toBe(200);
      expect(search.body.total).toBe(0);
    }
    expect((await sys.get(`Observation?code=${TEST_CODES}|nurse-vital-ok`)).body.entry).toHaveLength(1);
  });

  it('an Observation that is both vital signs and laboratory is a lab result: not the nurse’s to write', async () => {
    const both = (code: string, first: 'vital-signs' | 'laboratory') => {
      const o = observation(patientM, first, code);
      o.category.push({ coding: [{ system: CATEGORY, code: first === 'vital-signs' ? 'laboratory' : 'vital-signs' }] });
      return o;
    };
    expectForbidden(await as.nurse.post('Observation', both('dual-by-nurse', 'vital-signs')));
    expectForbidden(await as.lab_tech.post('Observation', both('dual-by-lab', 'laboratory')));
    // Nor can a vital sign be given a second, laboratory category afterwards.
    const vital = await as.nurse.post('Observation', observation(patientM, 'vital-signs', 'nurse-vital-later-lab'));
    expect(vital.status).toBe(201);
    expectForbidden(
      await as.nurse.patch(`Observation/${vital.body.id}`, [
        { op: 'add', path: '/category/-', value: { coding: [{ system: CATEGORY, code: 'laboratory' }] } },
      ]),
    );
    const stored = await sys.get(`Observation?code=${TEST_CODES}|dual-by-nurse,${TEST_CODES}|dual-by-lab&_total=accurate`);
    expect(stored.body.total).toBe(0);
    // Doctors may record both at once; the lab technician still reads it as a lab result.
    const byDoctor = await as.doctor.post('Observation', both('dual-by-doctor', 'vital-signs'));
    expect(byDoctor.status).toBe(201);
    expect((await as.lab_tech.get(`Observation/${byDoctor.body.id}`)).status).toBe(200);
  });

  it('a refused entry rolls back the whole transaction; update-as-create is held to the same rule', async () => {
    const tx = await as.nurse.post('', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { request: { method: 'POST', url: 'Observation' }, resource: observation(patientM, 'vital-signs', 'tx-vital') },
        { request: { method: 'POST', url: 'Observation' }, resource: observation(patientM, 'laboratory', 'tx-lab') },
      ],
    });
    expectForbidden(tx);
    const stored = await sys.get(`Observation?code=${TEST_CODES}|tx-vital,${TEST_CODES}|tx-lab&_total=accurate`);
    expect(stored.body.total).toBe(0);
    const id = 'nurse-chosen-lab-id';
    expectForbidden(await as.nurse.put(`Observation/${id}`, { ...observation(patientM, 'laboratory', 'uac-lab'), id }));
    expect((await sys.get(`Observation/${id}`)).status).toBe(404);
  });

  it('may read a laboratory Observation but not change it, nor turn a vital sign into one', async () => {
    const lab = (await as.nurse.get(`Observation/${obsLabP}`)).body;
    expect(lab.id).toBe(obsLabP);
    expectForbidden(await as.nurse.put(`Observation/${obsLabP}`, { ...lab, status: 'amended' }));
    expectForbidden(
      await as.nurse.patch(`Observation/${obsVitalP}`, [{ op: 'replace', path: '/category/0/coding/0/code', value: 'laboratory' }]),
    );
    expectForbidden(await as.nurse.delete(`Observation/${obsVitalP}`));
    expect((await sys.get(`Observation/${obsLabP}`)).body.meta.versionId).toBe('1');
    const vital = (await sys.get(`Observation/${obsVitalP}`)).body;
    expect(vital.meta.versionId).toBe('1');
    expect(vital.category[0].coding[0].code).toBe('vital-signs');
  });

  it('a lab technician writes laboratory Observations only', async () => {
    expect((await as.lab_tech.post('Observation', observation(patientQ, 'laboratory', 'lab-tech-ok'))).status).toBe(201);
    expectForbidden(await as.lab_tech.post('Observation', observation(patientQ, 'vital-signs', 'lab-tech-vital')));
    const vital = (await as.lab_tech.get(`Observation/${obsVitalP}`)).status;
    expect(vital).toBe(404);
    expect(ids(await as.lab_tech.get(`Observation?subject=Patient/${patientP}`))).toEqual([obsLabP]);
  });
});

describe('patient-context tokens', () => {
  let patientScoped: Client;
  let labOnly: Client;
  beforeAll(async () => {
    patientScoped = await staffClient(t, staff.doctor, 'patient/*.rs', patientP);
    labOnly = await staffClient(t, staff.doctor, 'patient/Observation.rs?category=laboratory', patientP);
  });

  it('search returns only the patient’s data; the other patient’s data is not found', async () => {
    const obs = await patientScoped.get('Observation?_count=100');
    expect(obs.status).toBe(200);
    expect(ids(obs).sort()).toEqual([obsVitalP, obsLabP].sort());
    expect((await patientScoped.get(`Observation/${obsLabQ}`)).status).toBe(404);
    expect((await patientScoped.get(`Patient/${patientQ}`)).status).toBe(404);
    expect((await patientScoped.get(`Patient/${patientP}`)).status).toBe(200);
    expect(ids(await patientScoped.get('Patient?family=Accessfam'))).toEqual([patientP]);
    expect(ids(await patientScoped.get(`Patient/${patientQ}/Observation`))).toEqual([]);
    // The doctor's branch conditions still apply on top of the patient's compartment.
    expect(ids(await patientScoped.get('Encounter'))).toEqual([encX]);
    // Reference data outside the compartment stays readable.
    expect((await patientScoped.get(`Practitioner/${otherPractitioner}`)).status).toBe(200);
  });

  it('writes are refused, even for the patient in context', async () => {
    expectForbidden(await patientScoped.post('Observation', observation(patientP, 'vital-signs', 'scoped-write')));
    const p = (await patientScoped.get(`Patient/${patientP}`)).body;
    expectForbidden(await patientScoped.put(`Patient/${patientP}`, { ...p, gender: 'female' }));
    expectForbidden(await patientScoped.delete(`Observation/${obsVitalP}`));
    expectForbidden(await patientScoped.post('Practitioner', { resourceType: 'Practitioner' }));
    expect((await sys.get(`Patient/${patientP}`)).body.meta.versionId).toBe('1');
  });

  it('patient data outside the compartment is only the patient’s own (Device), or none (Binary)', async () => {
    const deviceP = await created(sys, { resourceType: 'Device', patient: ref('Patient', patientP), lotNumber: 'device-p' });
    const deviceQ = await created(sys, { resourceType: 'Device', patient: ref('Patient', patientQ), lotNumber: 'device-q' });
    const binaryQ = await created(sys, {
      resourceType: 'Binary',
      contentType: 'text/plain',
      data: btoa('report of Q'),
      securityContext: ref('Patient', patientQ),
    });
    // A role that may read every Device and Binary, narrowed to patient P by its token.
    const adminForP = await staffClient(t, staff.super_admin, 'patient/*.rs', patientP);
    expect((await adminForP.get(`Device/${deviceP}`)).status).toBe(200);
    expect((await adminForP.get(`Device/${deviceQ}`)).status).toBe(404);
    expect(ids(await adminForP.get('Device'))).toEqual([deviceP]);
    expectForbidden(await adminForP.get(`Binary/${binaryQ}`));
    // Reference data stays readable; the same user without patient context reads all of it.
    expect((await adminForP.get(`Organization/${branchY}`)).status).toBe(200);
    expect((await as.super_admin.get(`Device/${deviceQ}`)).status).toBe(200);
    expect((await as.super_admin.get(`Binary/${binaryQ}`)).status).toBe(200);
  });

  it('a v2 query-restricted scope narrows to the patient’s laboratory Observations', async () => {
    const res = await labOnly.get('Observation?_count=100');
    expect(res.status).toBe(200);
    expect(ids(res)).toEqual([obsLabP]);
    expect((await labOnly.get(`Observation/${obsVitalP}`)).status).toBe(404);
    expect((await labOnly.get(`Observation/${obsLabQ}`)).status).toBe(404);
    expectForbidden(await labOnly.get('Encounter'));
    expectForbidden(await labOnly.get(`Patient/${patientP}`));
  });

  it('chains, _has and GraphQL never reach the other patient', async () => {
    const chained = await patientScoped.get('Observation?subject:Patient.name=Accessfam&_count=100');
    expect(chained.status).toBe(200);
    expect(ids(chained).sort()).toEqual([obsVitalP, obsLabP].sort());
    expect(ids(await patientScoped.get('Observation?subject:Patient.given=Qadir'))).toEqual([]);
    const has = await patientScoped.get('Patient?_has:Observation:patient:category=laboratory');
    expect(has.status).toBe(200);
    expect(ids(has)).toEqual([patientP]);
    expect(ids(await as.super_admin.get('Patient?_has:Observation:patient:category=laboratory&family=Accessfam')).sort()).toEqual(
      [patientP, patientQ].sort(),
    );
    const gql = await patientScoped.post(
      '$graphql',
      { query: `{ Patient(id: "${patientQ}") { id } PatientList(family: "Accessfam") { id } ObservationList { id } }` },
      { 'content-type': 'application/json' },
    );
    const text = JSON.stringify(gql.body);
    expect(text).not.toContain(patientQ);
    expect(text).not.toContain(obsLabQ);
    expect(gql.body.data?.PatientList?.map((p: any) => p.id)).toEqual([patientP]);
  });
});

describe('scopes narrow roles', () => {
  it('a super_admin with user/Patient.rs can search Patients and nothing more', async () => {
    const narrow = await staffClient(t, staff.super_admin, 'user/Patient.rs');
    const res = await narrow.get('Patient?family=Accessfam');
    expect(res.status).toBe(200);
    expect(ids(res).sort()).toEqual([patientP, patientQ].sort());
    expectForbidden(await narrow.post('Patient', { resourceType: 'Patient', name: [{ family: 'Nope' }] }));
    expectForbidden(await narrow.get('Observation'));
    expectForbidden(await narrow.get(`Observation/${obsVitalP}`));
    expectForbidden(await narrow.get('Encounter/_history'));
  });

  it('a token without any resource scope gets nothing', async () => {
    const none = await staffClient(t, staff.super_admin, 'openid fhirUser');
    expectForbidden(await none.get('Patient'));
  });
});

describe('includes and chains respect access', () => {
  it('the accountant’s invoices include no Patient', async () => {
    const res = await as.accountant.get(`Invoice?_id=${invoice}&_include=Invoice:subject`);
    expect(res.status).toBe(200);
    expect(refs(res)).toEqual([`Invoice/${invoice}`]);
    // The same search as super_admin does include the Patient.
    const admin = await as.super_admin.get(`Invoice?_id=${invoice}&_include=Invoice:subject`);
    expect(refs(admin).sort()).toEqual([`Invoice/${invoice}`, `Patient/${patientP}`].sort());
  });

  it('the pharmacist’s prescriptions include no Encounter, but the Patient', async () => {
    const res = await as.pharmacist.get(
      `MedicationRequest?_id=${medRequest}&_include=MedicationRequest:encounter&_include=MedicationRequest:subject&_revinclude=MedicationDispense:prescription`,
    );
    expect(res.status).toBe(200);
    expect(refs(res).sort()).toEqual(
      [`MedicationRequest/${medRequest}`, `Patient/${patientP}`, `MedicationDispense/${medDispense}`].sort(),
    );
    expect(refs(res).some((r) => r.startsWith('Encounter/'))).toBe(false);
  });

  it('revincludes of a type the caller may not read are left out', async () => {
    const res = await as.accountant.get(`Invoice?_id=${invoice}&_revinclude=Observation:subject`);
    expect(res.status).toBe(200);
    expect(refs(res)).toEqual([`Invoice/${invoice}`]);
    const doctor = await as.doctor.get(`Patient?_id=${patientP}&_revinclude=Encounter:subject`);
    expect(refs(doctor).sort()).toEqual([`Patient/${patientP}`, `Encounter/${encX}`].sort());
  });

  it('chains into a type the caller may not read match nothing', async () => {
    // The pharmacist may search MedicationRequest but not Encounter: a chain through it finds nothing.
    const res = await as.pharmacist.get(`MedicationRequest?encounter:Encounter.service-provider=Organization/${branchX}`);
    expect(res.status).toBe(200);
    expect(ids(res)).toEqual([]);
    expect(ids(await as.doctor.get(`MedicationRequest?encounter:Encounter.service-provider=Organization/${branchX}`))).toEqual([
      medRequest,
    ]);
  });

  it('_has: 403 without Patient access; a patient token finds at most its patient', async () => {
    expectForbidden(await as.accountant.get('Patient?_has:Observation:patient:category=laboratory'));
    const scoped = await staffClient(t, staff.nurse, 'patient/*.rs', patientP);
    const res = await scoped.get('Patient?_has:Observation:patient:category=laboratory');
    expect(res.status).toBe(200);
    expect(ids(res)).toEqual([patientP]);
    // _has through a type the caller may not read matches nothing.
    expect(ids(await as.pharmacist.get('Patient?_has:Observation:patient:category=laboratory'))).toEqual([]);
  });

  it('GraphQL of a type the role may not read reveals nothing', async () => {
    const res = await as.accountant.post(
      '$graphql',
      { query: `{ Patient(id: "${patientP}") { id } PatientList(family: "Accessfam") { id } }` },
      { 'content-type': 'application/json' },
    );
    const text = JSON.stringify(res.body);
    expect(text).not.toContain(patientP);
    expect(text).not.toContain(patientQ);
  });
});

describe('type and system history', () => {
  it('needs unrestricted read: a doctor with branch-conditional Encounters gets 403', async () => {
    expectForbidden(await as.doctor.get('Encounter/_history'));
    expectForbidden(await as.doctor.get('_history'));
    // Unconditional read of the type is enough for its type history.
    expect((await as.doctor.get('Observation/_history?_count=1')).status).toBe(200);
  });

  it('super_admin gets both', async () => {
    const type = await as.super_admin.get('Encounter/_history');
    expect(type.status).toBe(200);
    expect(type.body.type).toBe('history');
    expect(refs(type)).toEqual(expect.arrayContaining([`Encounter/${encX}`, `Encounter/${encY}`]));
    const system = await as.super_admin.get('_history?_count=5');
    expect(system.status).toBe(200);
    expect(system.body.type).toBe('history');
  });
});

describe('versions, tombstones, lists and the audit log', () => {
  it('a deleted Encounter of another branch is not found (never gone), and cannot be brought back', async () => {
    const doomed = await created(sys, encounter(patientQ, branchY));
    expect((await sys.delete(`Encounter/${doomed}`)).status).toBe(200);
    expect((await as.doctor.get(`Encounter/${doomed}`)).status).toBe(404);
    const revive = await as.doctor.put(`Encounter/${doomed}`, { ...encounter(patientQ, branchX), id: doomed });
    expect(revive.status).toBe(404);
    expect((await sys.get(`Encounter/${doomed}`)).status).toBe(410);
  });

  it('earlier versions and instance history need unconditional read access', async () => {
    const moved = await created(sys, encounter(patientQ, branchY));
    await sys.put(`Encounter/${moved}`, { ...encounter(patientQ, branchX), id: moved });
    expect((await as.doctor.get(`Encounter/${moved}`)).status).toBe(200);
    expect((await as.doctor.get(`Encounter/${moved}/_history/2`)).status).toBe(200);
    expect((await as.doctor.get(`Encounter/${moved}/_history/1`)).status).toBe(403);
    expect((await as.doctor.get(`Encounter/${moved}/_history`)).status).toBe(403);
    expect((await as.super_admin.get(`Encounter/${moved}/_history/1`)).status).toBe(200);
  });

  it('_list only looks into Lists the caller may read', async () => {
    const list = await created(sys, {
      resourceType: 'List',
      status: 'current',
      mode: 'working',
      entry: [{ item: ref('Invoice', invoice) }],
    });
    const all = await as.super_admin.get(`Invoice?_list=${list}`);
    expect(ids(all), JSON.stringify(all.body)).toEqual([invoice]);
    const res = await as.accountant.get(`Invoice?_list=${list}`);
    expect(res.status).toBe(200);
    expect(ids(res)).toEqual([]);
  });

  it('AuditEvent is the audit log: no system search mixing it in, no history', async () => {
    expect((await as.super_admin.get('?_type=AuditEvent,Patient')).status).toBe(400);
    expect((await as.super_admin.get('AuditEvent/_history')).status).toBe(400);
  });
});
