import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirClient, startTestServer, TENANT_A, TENANT_B, type TestServer } from '../helpers/server.ts';
import {
  appointment,
  branch,
  building,
  create,
  createOpd,
  type Fhir,
  futureMonday,
  type Opd,
  params,
  patient,
  ref,
  staff,
  todayInKolkata,
} from './fixtures.ts';

let t: TestServer;
let fhir: Fhir;
let opd: Opd;

const QUEUE_TOKEN = 'https://hospital-ops.in/fhir/StructureDefinition/opd-queue-token';

beforeAll(async () => {
  t = await startTestServer({ PROFILE_ENFORCEMENT: 'abdm' });
  fhir = fhirClient(t.base);
  opd = await createOpd(fhir, 12);
});
afterAll(() => t?.stop());

const checkIn = (client: Fhir, values: Record<string, any>) => client.post('Encounter/$check-in', params(values));
const walkIn = (client: Fhir, patientId: string, practitioner = opd.doctor, branchId = opd.branch) =>
  checkIn(client, {
    patient: ref(`Patient/${patientId}`),
    practitioner: ref(`Practitioner/${practitioner}`),
    branch: ref(`Organization/${branchId}`),
  });
const token = (encounter: any) => {
  const ext = encounter.extension.find((e: any) => e.url === QUEUE_TOKEN);
  return {
    number: ext.extension.find((e: any) => e.url === 'number').valuePositiveInt,
    date: ext.extension.find((e: any) => e.url === 'date').valueDate,
  };
};

describe('$check-in', () => {
  it('numbers ten walk-ins arriving at once 1 to 10, without gaps or duplicates', async () => {
    const results = await Promise.all(opd.patients.slice(0, 10).map((p) => walkIn(fhir, p)));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(201));
    const tokens = results.map((r) => token(r.body));
    expect(tokens.map((x) => x.number).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(new Set(tokens.map((x) => x.date))).toEqual(new Set([todayInKolkata()]));
    // Each token went to its own patient's Encounter.
    expect(new Set(results.map((r) => r.body.subject.reference)).size).toBe(10);
  });

  it('makes an OPD Encounter that meets the ABDM and Hospital-Ops profiles', async () => {
    const res = await walkIn(fhir, opd.patients[10], opd.otherDoctor);
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toMatch(new RegExp(`/fhir/R4/Encounter/${res.body.id}/_history/1$`));
    const e = res.body;
    expect(e.meta.profile).toEqual(['https://hospital-ops.in/fhir/StructureDefinition/hops-opd-encounter']);
    expect(e.status).toBe('arrived');
    expect(e.class).toEqual({ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB', display: 'ambulatory' });
    expect(e.subject.reference).toBe(`Patient/${opd.patients[10]}`);
    expect(e.participant[0].individual.reference).toBe(`Practitioner/${opd.otherDoctor}`);
    expect(e.participant[0].type[0].coding[0].code).toBe('PPRF');
    expect(e.serviceProvider.reference).toBe(`Organization/${opd.branch}`);
    expect(e.period.start).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+05:30$/);
    expect(e.period.start.slice(0, 10)).toBe(token(e).date);
    // Another practitioner's queue starts at 1.
    expect(token(e)).toEqual({ number: 1, date: todayInKolkata() });
    const check = await fhir.post('Encounter/$validate', {
      resourceType: 'Parameters',
      parameter: [
        { name: 'resource', resource: e },
        { name: 'profile', valueUri: 'https://nrces.in/ndhm/fhir/r4/StructureDefinition/Encounter' },
      ],
    });
    expect(check.body.issue.filter((i: any) => i.severity === 'error')).toEqual([]);
  });

  it('finds the queue by day, doctor and branch, in token order', async () => {
    const day = todayInKolkata();
    const res = await fhir.get(
      `Encounter?queue-date=${day}&participant=Practitioner/${opd.doctor}&service-provider=Organization/${opd.branch}&_sort=queue-token&_count=50`,
    );
    expect(res.status).toBe(200);
    expect(res.body.entry.map((x: any) => token(x.resource).number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const fifth = await fhir.get(`Encounter?queue-date=${day}&participant=Practitioner/${opd.doctor}&queue-token=5`);
    expect(fifth.body.entry).toHaveLength(1);
    expect((await fhir.get(`Encounter?queue-date=2001-01-01&participant=Practitioner/${opd.doctor}`)).body.entry).toBeUndefined();
  });

  it('gives a failed check-in’s number back: the next patient gets it', async () => {
    const next = async () => token((await walkIn(fhir, opd.patients[11])).body).number;
    const before = (
      await fhir.get(`Encounter?queue-date=${todayInKolkata()}&participant=Practitioner/${opd.doctor}&_count=0&_total=accurate`)
    ).body.total;
    // Bad input, refused before a number is taken.
    const unknown = await walkIn(fhir, 'no-such-patient');
    expect(unknown.status).toBe(422);
    expect(unknown.body.issue[0]).toMatchObject({ code: 'not-found', expression: ['patient'] });
    const wrongType = await checkIn(fhir, {
      patient: ref(`Practitioner/${opd.doctor}`),
      practitioner: ref(`Practitioner/${opd.doctor}`),
      branch: ref(`Organization/${opd.branch}`),
    });
    expect(wrongType.status).toBe(400);
    expect((await checkIn(fhir, { patient: ref(`Patient/${opd.patients[0]}`) })).status).toBe(400);
    // Refused after the number was taken: a receptionist of another branch may not check in here.
    const elsewhere = await create(fhir, branch('Sanjeevani Hospital, Hadapsar'));
    const desk = await staff(t, TENANT_A, 'receptionist', [elsewhere]);
    const refused = await walkIn(desk, opd.patients[11]);
    expect(refused.status).toBe(403);
    expect(await next()).toBe(before + 1);
  });

  it('checks in a booked Appointment once: arrived, one Encounter, one token', async () => {
    const doctorRole = opd.otherRole;
    const gen = await fhir.post(
      `PractitionerRole/${doctorRole}/$generate-slots`,
      params({ start: { valueDate: futureMonday() }, end: { valueDate: futureMonday() } }),
    );
    expect(gen.status).toBe(200);
    const slot = gen.body.parameter.find((p: any) => p.name === 'slot').valueReference.reference.split('/')[1];
    const pt = await create(fhir, patient('Meera Iyer'));
    const booked = await fhir.post(
      'Appointment',
      appointment({ slot, patient: pt, practitioner: opd.otherDoctor, location: opd.location }),
    );
    expect(booked.status).toBe(201);
    const desk = await staff(t, TENANT_A, 'receptionist', [opd.branch]);
    const [a, b] = await Promise.all([
      checkIn(desk, { appointment: ref(`Appointment/${booked.body.id}`) }),
      checkIn(desk, { appointment: ref(`Appointment/${booked.body.id}`) }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 201]);
    expect(a.body.id).toBe(b.body.id);
    const e = a.body;
    expect(e.appointment).toEqual([{ reference: `Appointment/${booked.body.id}` }]);
    expect(e.subject.reference).toBe(`Patient/${pt}`);
    expect(e.participant[0].individual.reference).toBe(`Practitioner/${opd.otherDoctor}`);
    // The branch comes from the Appointment's Location.
    expect(e.serviceProvider.reference).toBe(`Organization/${opd.branch}`);
    expect(e.location[0].location.reference).toBe(`Location/${opd.location}`);
    expect((await fhir.get(`Appointment/${booked.body.id}`)).body.status).toBe('arrived');
    // Arrived still holds the Slot.
    expect((await fhir.get(`Slot/${slot}`)).body.status).toBe('busy');
    expect((await fhir.get(`Encounter?appointment=Appointment/${booked.body.id}`)).body.entry).toHaveLength(1);
    const third = await checkIn(fhir, { appointment: ref(`Appointment/${booked.body.id}`) });
    expect(third.status).toBe(200);
    expect(token(third.body)).toEqual(token(e));
    // The other doctor's queue: walk-in 1 above, then this one.
    expect(token(e).number).toBe(2);
  });

  it('takes the doctor and the branch from a PractitionerRole participant', async () => {
    const pt = await create(fhir, patient('Asha Menon'));
    const viaRole = await fhir.post('Appointment', {
      ...appointment({ patient: pt, practitioner: opd.doctor, location: opd.location }),
      participant: [
        { actor: { reference: `Patient/${pt}` }, status: 'accepted' },
        { actor: { reference: `PractitionerRole/${opd.role}` }, status: 'accepted' },
      ],
    });
    expect(viaRole.status).toBe(201);
    const res = await checkIn(fhir, { appointment: ref(`Appointment/${viaRole.body.id}`) });
    expect(res.status).toBe(201);
    expect(res.body.participant[0].individual.reference).toBe(`Practitioner/${opd.doctor}`);
    expect(res.body.serviceProvider.reference).toBe(`Organization/${opd.branch}`);
    expect(res.body.location).toBeUndefined();
  });

  it('refuses Appointments that are over, and bookings it cannot place', async () => {
    const pt = await create(fhir, patient('Kiran Rao'));
    const cancelled = await fhir.post('Appointment', {
      ...appointment({ patient: pt, practitioner: opd.doctor, location: opd.location, status: 'cancelled' }),
    });
    const over = await checkIn(fhir, { appointment: ref(`Appointment/${cancelled.body.id}`) });
    expect(over.status).toBe(409);
    expect(over.body.issue[0].details.text).toContain('cancelled');
    const nowhere = await fhir.post('Appointment', {
      ...appointment({ patient: pt, practitioner: opd.doctor, location: opd.location }),
      participant: [
        { actor: { reference: `Patient/${pt}` }, status: 'accepted' },
        { actor: { reference: `Practitioner/${opd.doctor}` }, status: 'accepted' },
      ],
    });
    const noBranch = await checkIn(fhir, { appointment: ref(`Appointment/${nowhere.body.id}`) });
    expect(noBranch.status).toBe(422);
    expect(noBranch.body.issue[0].expression).toEqual(['branch']);
    // Naming the branch places it.
    const placed = await checkIn(fhir, { appointment: ref(`Appointment/${nowhere.body.id}`), branch: ref(`Organization/${opd.branch}`) });
    expect(placed.status).toBe(201);
    // Inputs given with an Appointment must agree with it.
    const booked = await fhir.post('Appointment', appointment({ patient: pt, practitioner: opd.doctor, location: opd.location }));
    const notHers = await checkIn(fhir, { appointment: ref(`Appointment/${booked.body.id}`), patient: ref(`Patient/${opd.patients[0]}`) });
    expect(notHers.status).toBe(422);
    expect(notHers.body.issue[0].expression).toEqual(['patient']);
    expect((await fhir.get(`Appointment/${booked.body.id}`)).body.status).toBe('booked');
    expect((await checkIn(fhir, { appointment: ref('Appointment/none') })).status).toBe(422);
  });

  it('keeps tenants apart: tenant B cannot check in tenant A’s patient', async () => {
    const b = fhirClient(t.base, TENANT_B);
    const otherBranch = await create(b, branch('Tenant B Clinic'));
    await create(b, building(otherBranch, 'B building'));
    const res = await checkIn(b, {
      patient: ref(`Patient/${opd.patients[0]}`),
      practitioner: ref(`Practitioner/${opd.doctor}`),
      branch: ref(`Organization/${otherBranch}`),
    });
    expect(res.status).toBe(422);
    expect(res.body.issue[0].expression).toEqual(['patient']);
  });
});
