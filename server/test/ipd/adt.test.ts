import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirClient, startTestServer, TENANT_A, TENANT_B, type TestServer } from '../helpers/server.ts';
import { createStaff, type Staff, staffClient } from '../helpers/staff.ts';
import type { Fhir } from '../opd/fixtures.ts';
import { admitParams, bedParams, patient, status, type Wards, wards } from './fixtures.ts';

// Admission, transfer, discharge and bed turnover through the operations, as the ward's staff.
let t: TestServer;
let system: Fhir;
let ward: Wards;
let doctor: Staff;
let asDoctor: Fhir;
let asNurse: Fhir;
let asDesk: Fhir;

const text = (res: { body: any }) => res.body.issue?.[0]?.details?.text as string;
const encountersOf = async (patientId: string) => (await system.get(`Encounter?subject=Patient/${patientId}&class=IMP`)).body.total;

beforeAll(async () => {
  t = await startTestServer();
  system = fhirClient(t.base, TENANT_A);
  ward = await wards(system);
  doctor = await createStaff(t, TENANT_A, 'doctor', [ward.branch]);
  asDoctor = await staffClient(t, doctor);
  asNurse = await staffClient(t, await createStaff(t, TENANT_A, 'nurse', [ward.branch]));
  asDesk = await staffClient(t, await createStaff(t, TENANT_A, 'receptionist', [ward.branch]));
}, 120_000);
afterAll(async () => {
  await t?.stop();
});

describe('an admission, an ICU transfer, a discharge', () => {
  it('admits from the OPD visit of the admit order and keeps the Encounter and both beds right at each step', async () => {
    const p = await patient(system, 'Meena Kale');
    const opd = await system.post('Encounter', {
      resourceType: 'Encounter',
      status: 'in-progress',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
      subject: { reference: `Patient/${p}` },
      serviceProvider: { reference: `Organization/${ward.branch}` },
    });
    const order = await system.post('ServiceRequest', {
      resourceType: 'ServiceRequest',
      status: 'active',
      intent: 'order',
      code: { text: 'Admit to general ward' },
      subject: { reference: `Patient/${p}` },
      encounter: { reference: `Encounter/${opd.body.id}` },
    });
    const admit = await asDoctor.post(
      'Encounter/$admit',
      admitParams(p, ward.beds[0], doctor.practitionerId, {
        order: { valueReference: { reference: `ServiceRequest/${order.body.id}` } },
        reason: { valueString: 'Community-acquired pneumonia' },
        expectedDays: { valueInteger: 5 },
      }),
    );
    expect(admit.status, JSON.stringify(admit.body)).toBe(201);
    const e = admit.body;
    expect(e.class.code).toBe('IMP');
    expect(e.status).toBe('in-progress');
    expect(e.hospitalization.admitSource.coding[0].code).toBe('outp');
    expect(e.partOf.reference).toBe(`Encounter/${opd.body.id}`);
    expect(e.basedOn[0].reference).toBe(`ServiceRequest/${order.body.id}`);
    expect(e.serviceProvider.reference).toBe(`Organization/${ward.branch}`);
    expect(e.participant.map((x: any) => x.type[0].coding[0].code)).toEqual(['ATND', 'ADM']);
    expect(e.subject.display).toBe('Meena Kale');
    expect(e.location).toEqual([
      { location: { reference: `Location/${ward.beds[0]}`, display: 'GW3-1' }, status: 'active', period: { start: e.period.start } },
    ]);
    expect(await status(system, ward.beds[0])).toBe('O');

    // The nurse steps the patient up to the ICU.
    const moved = await asNurse.post(`Encounter/${e.id}/$transfer`, bedParams(ward.icuBeds[0]));
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    const [was, now] = moved.body.location;
    expect(was.status).toBe('completed');
    expect(was.period.end).toBe(now.period.start);
    expect(now).toMatchObject({ location: { reference: `Location/${ward.icuBeds[0]}` }, status: 'active' });
    expect(await status(system, ward.beds[0])).toBe('H');
    expect(await status(system, ward.icuBeds[0])).toBe('O');

    // Only a doctor discharges; the nurse is told so and nothing changes.
    const refused = await asNurse.post(`Encounter/${e.id}/$discharge`, {
      resourceType: 'Parameters',
      parameter: [{ name: 'disposition', valueCode: 'home' }],
    });
    expect(refused.status).toBe(403);
    expect(text(refused)).toBe('Discharging a patient is for doctors and administrators');
    const out = await asDoctor.post(`Encounter/${e.id}/$discharge`, {
      resourceType: 'Parameters',
      parameter: [{ name: 'disposition', valueCode: 'home' }],
    });
    expect(out.status, JSON.stringify(out.body)).toBe(200);
    expect(out.body.status).toBe('finished');
    expect(out.body.hospitalization.dischargeDisposition.coding[0].code).toBe('home');
    expect(out.body.location.map((l: any) => l.status)).toEqual(['completed', 'completed']);
    expect(out.body.location[1].period.end).toBe(out.body.period.end);
    expect(await status(system, ward.icuBeds[0])).toBe('H');

    // A finished stay cannot move; housekeeping readies both beds.
    expect((await asNurse.post(`Encounter/${e.id}/$transfer`, bedParams(ward.beds[1]))).status).toBe(409);
    for (const bed of [ward.beds[0], ward.icuBeds[0]]) {
      const ready = await asNurse.post(`Location/${bed}/$bed-ready`, {});
      expect(ready.status, JSON.stringify(ready.body)).toBe(200);
      expect(ready.body.operationalStatus.code).toBe('U');
    }
    const again = await asNurse.post(`Location/${ward.beds[0]}/$bed-ready`, {});
    expect(again.status).toBe(409);
    expect(text(again)).toBe('Bed GW3-1 is unoccupied, not waiting for housekeeping');
  });

  it('lets only doctors and administrators admit, and the desk neither admit nor transfer', async () => {
    const p = await patient(system, 'Ravi Patil');
    const byNurse = await asNurse.post('Encounter/$admit', admitParams(p, ward.beds[2], doctor.practitionerId));
    expect(byNurse.status).toBe(403);
    expect(text(byNurse)).toBe('Admitting a patient is for doctors and administrators');
    expect((await asDesk.post('Encounter/$admit', admitParams(p, ward.beds[2], doctor.practitionerId))).status).toBe(403);
    // Bad input is refused before anything is read or locked.
    const badSource = await asDoctor.post(
      'Encounter/$admit',
      admitParams(p, ward.beds[2], doctor.practitionerId, { admitSource: { valueCode: 'walk' } }),
    );
    expect(badSource.status).toBe(400);
    expect(text(badSource)).toBe('admitSource "walk" is not a code of http://terminology.hl7.org/CodeSystem/admit-source');
    const noBed = await asDoctor.post('Encounter/$admit', {
      resourceType: 'Parameters',
      parameter: [{ name: 'patient', valueReference: { reference: `Patient/${p}` } }],
    });
    expect(noBed.status).toBe(400);
    const future = await asDoctor.post(
      'Encounter/$admit',
      admitParams(p, ward.beds[2], doctor.practitionerId, {
        occurredAt: { valueDateTime: new Date(Date.now() + 3_600_000).toISOString() },
      }),
    );
    expect(future.status).toBe(400);
    expect(await encountersOf(p)).toBe(0);
    expect(await status(system, ward.beds[2])).toBe('U');
  });
});

describe('a bed that cannot take a patient', () => {
  it('refuses an occupied, closed or housekeeping bed with 409, a ward that is not a bed with 422, and writes nothing', async () => {
    const first = await patient(system, 'Asha More');
    const admitted = await asDoctor.post('Encounter/$admit', admitParams(first, ward.beds[1], doctor.practitionerId));
    expect(admitted.status).toBe(201);
    const second = await patient(system, 'Sunil Jadhav');
    const bedBefore = (await system.get(`Location/${ward.beds[1]}`)).body.meta.versionId;

    const occupied = await asDoctor.post('Encounter/$admit', admitParams(second, ward.beds[1], doctor.practitionerId));
    expect(occupied.status).toBe(409);
    expect(text(occupied)).toMatch(/^Bed GW3-2 is occupied, so no one can be admitted to it\. Free beds in the same ward: .*GW3-/);
    expect(await encountersOf(second)).toBe(0);
    expect((await system.get(`Location/${ward.beds[1]}`)).body.meta.versionId).toBe(bedBefore);

    const closedBed = (await system.get(`Location/${ward.icuBeds[1]}`)).body;
    await system.put(`Location/${ward.icuBeds[1]}`, {
      ...closedBed,
      operationalStatus: { system: closedBed.operationalStatus.system, code: 'C' },
    });
    const closed = await asDoctor.post('Encounter/$admit', admitParams(second, ward.icuBeds[1], doctor.practitionerId));
    expect(closed.status).toBe(409);
    expect(text(closed)).toMatch(/^Bed MICU-2 is closed/);

    const notABed = await asDoctor.post('Encounter/$admit', admitParams(second, ward.general, doctor.practitionerId));
    expect(notABed.status).toBe(422);
    expect(await encountersOf(second)).toBe(0);

    // A patient already in a bed is transferred, not admitted twice.
    const twice = await asDoctor.post('Encounter/$admit', admitParams(first, ward.beds[2], doctor.practitionerId));
    expect(twice.status).toBe(409);
    expect(text(twice)).toBe(`The patient is already admitted (Encounter/${admitted.body.id}): transfer instead`);
    expect(await status(system, ward.beds[2])).toBe('U');

    // A transfer into an occupied bed leaves both beds and the stay as they were.
    const other = await asDoctor.post('Encounter/$admit', admitParams(second, ward.beds[2], doctor.practitionerId));
    expect(other.status).toBe(201);
    const blocked = await asNurse.post(`Encounter/${other.body.id}/$transfer`, bedParams(ward.beds[1]));
    expect(blocked.status).toBe(409);
    expect((await system.get(`Encounter/${other.body.id}`)).body.location).toHaveLength(1);
    expect(await status(system, ward.beds[2])).toBe('O');
    for (const e of [admitted.body.id, other.body.id]) {
      await asDoctor.post(`Encounter/${e}/$discharge`, {
        resourceType: 'Parameters',
        parameter: [{ name: 'disposition', valueCode: 'home' }],
      });
    }
    for (const bed of [ward.beds[1], ward.beds[2]]) await asNurse.post(`Location/${bed}/$bed-ready`, {});
    await system.put(`Location/${ward.icuBeds[1]}`, { ...closedBed, meta: undefined });
  });
});

describe('two admissions to one free bed at once', () => {
  it('lets exactly one succeed and tells the others which beds are free', async () => {
    const bed = ward.beds[1];
    const patients = await Promise.all(['A', 'B', 'C', 'D', 'E', 'F'].map((n) => patient(system, `Race ${n}`)));
    const results = await Promise.all(patients.map((p) => asDoctor.post('Encounter/$admit', admitParams(p, bed, doctor.practitionerId))));
    const codes = results.map((r) => r.status).sort();
    expect(codes).toEqual([201, 409, 409, 409, 409, 409]);
    for (const r of results.filter((x) => x.status === 409)) expect(text(r)).toMatch(/^Bed GW3-2 is occupied.*Free beds in the same ward/);
    const inBed = (await system.get(`Encounter?location=Location/${bed}&status=in-progress`)).body.entry ?? [];
    expect(inBed).toHaveLength(1);
    expect(await status(system, bed)).toBe('O');
    const winner = results.find((r) => r.status === 201)?.body;
    await asDoctor.post(`Encounter/${winner.id}/$discharge`, {
      resourceType: 'Parameters',
      parameter: [{ name: 'disposition', valueCode: 'home' }],
    });
    await asNurse.post(`Location/${bed}/$bed-ready`, {});
  });

  it('never puts one patient in two beds when two desks admit them at once', async () => {
    const p = await patient(system, 'Double Booked');
    const results = await Promise.all(
      [ward.beds[0], ward.beds[2]].map((b) => asDoctor.post('Encounter/$admit', admitParams(p, b, doctor.practitionerId))),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(await encountersOf(p)).toBe(1);
    const statuses = [await status(system, ward.beds[0]), await status(system, ward.beds[2])].sort();
    expect(statuses).toEqual(['O', 'U']);
    const e = results.find((r) => r.status === 201)?.body;
    await asDoctor.post(`Encounter/${e.id}/$discharge`, {
      resourceType: 'Parameters',
      parameter: [{ name: 'disposition', valueCode: 'home' }],
    });
    for (const b of [ward.beds[0], ward.beds[2]]) await asNurse.post(`Location/${b}/$bed-ready`, {});
  });
});

describe('branch isolation', () => {
  it("keeps a doctor out of another branch's beds: 403, nothing written", async () => {
    const elsewhere = await wards(system, 'Sanjeevani Kothrud');
    const p = await patient(system, 'Branch Crosser');
    const res = await asDoctor.post('Encounter/$admit', admitParams(p, elsewhere.beds[0], doctor.practitionerId));
    expect(res.status).toBe(403);
    expect(await encountersOf(p)).toBe(0);
    expect(await status(system, elsewhere.beds[0])).toBe('U');
    const here = await asDoctor.post('Encounter/$admit', admitParams(p, ward.beds[2], doctor.practitionerId));
    expect(here.status).toBe(201);
    const moved = await asNurse.post(`Encounter/${here.body.id}/$transfer`, bedParams(elsewhere.beds[1]));
    expect(moved.status).toBe(409);
    expect(text(moved)).toBe('That bed is in another branch: discharge and admit there instead');
    expect(await status(system, elsewhere.beds[1])).toBe('U');
    await asDoctor.post(`Encounter/${here.body.id}/$discharge`, {
      resourceType: 'Parameters',
      parameter: [{ name: 'disposition', valueCode: 'home' }],
    });
    await asNurse.post(`Location/${ward.beds[2]}/$bed-ready`, {});
  });
});

describe('tenant isolation', () => {
  it("never admits into, transfers to, discharges or readies another tenant's beds and stays", async () => {
    const systemB = fhirClient(t.base, TENANT_B);
    const wardB = await wards(systemB, 'Other chain');
    const doctorB = await createStaff(t, TENANT_B, 'doctor', [wardB.branch]);
    const asDoctorB = await staffClient(t, doctorB);
    const pA = await patient(system, 'Tenant A patient');
    const pB = await patient(systemB, 'Tenant B patient');
    const stayA = await asDoctor.post('Encounter/$admit', admitParams(pA, ward.beds[0], doctor.practitionerId));
    expect(stayA.status).toBe(201);
    const stayB = await asDoctorB.post('Encounter/$admit', admitParams(pB, wardB.beds[0], doctorB.practitionerId));
    expect(stayB.status).toBe(201);
    const bedA = (await system.get(`Location/${ward.beds[1]}`)).body;

    // B's doctor names A's free bed, A's patient, A's stay: none of it exists for B.
    const intoA = await asDoctorB.post('Encounter/$admit', admitParams(pB, ward.beds[1], doctorB.practitionerId));
    expect(intoA.status).toBe(422);
    expect(text(intoA)).toBe(`Location/${ward.beds[1]} does not exist`);
    expect((await asDoctorB.post('Encounter/$admit', admitParams(pA, wardB.beds[1], doctorB.practitionerId))).status).toBe(422);
    expect((await asDoctorB.post(`Encounter/${stayB.body.id}/$transfer`, bedParams(ward.beds[1]))).status).toBe(422);
    expect((await asDoctorB.post(`Encounter/${stayA.body.id}/$transfer`, bedParams(wardB.beds[1]))).status).toBe(422);
    expect(
      (
        await asDoctorB.post(`Encounter/${stayA.body.id}/$discharge`, {
          resourceType: 'Parameters',
          parameter: [{ name: 'disposition', valueCode: 'home' }],
        })
      ).status,
    ).toBe(422);
    expect((await systemB.post(`Location/${ward.beds[0]}/$bed-ready`, {})).status).toBe(422);
    // A's side is as it was.
    expect((await system.get(`Location/${ward.beds[1]}`)).body.meta.versionId).toBe(bedA.meta.versionId);
    const a = (await system.get(`Encounter/${stayA.body.id}`)).body;
    expect(a.status).toBe('in-progress');
    expect(a.meta.versionId).toBe(stayA.body.meta.versionId);
    expect(await status(system, ward.beds[0])).toBe('O');
    await asDoctor.post(`Encounter/${stayA.body.id}/$discharge`, {
      resourceType: 'Parameters',
      parameter: [{ name: 'disposition', valueCode: 'home' }],
    });
    await asNurse.post(`Location/${ward.beds[0]}/$bed-ready`, {});
  });
});

describe('20 admissions and transfers at once', () => {
  it('never leaves a bed with two patients, a patient in two beds, or a bed status that disagrees with its stays', async () => {
    const systemWard = await wards(system, 'Invariant branch');
    const doc = await createStaff(t, TENANT_A, 'doctor', [systemWard.branch]);
    const asDoc = await staffClient(t, doc);
    const asWardNurse = await staffClient(t, await createStaff(t, TENANT_A, 'nurse', [systemWard.branch]));
    const beds = [...systemWard.beds, ...systemWard.icuBeds];
    // Two patients admitted first, then 14 admissions and 6 transfers race for the same five beds.
    const seeded: string[] = [];
    for (const [i, bed] of [systemWard.beds[0], systemWard.icuBeds[0]].entries()) {
      const res = await asDoc.post('Encounter/$admit', admitParams(await patient(system, `Seeded ${i}`), bed, doc.practitionerId));
      seeded.push(res.body.id);
    }
    const newcomers = await Promise.all(Array.from({ length: 7 }, (_, i) => patient(system, `Racer ${i}`)));
    const calls = [
      ...newcomers.flatMap((p, i) =>
        [0, 1].map((k) => () => asDoc.post('Encounter/$admit', admitParams(p, beds[(i + k * 2) % 5], doc.practitionerId))),
      ),
      ...[0, 1, 2, 3, 4, 5].map((i) => () => asWardNurse.post(`Encounter/${seeded[i % 2]}/$transfer`, bedParams(beds[(i + 1) % 5]))),
    ];
    expect(calls).toHaveLength(20);
    const results = await Promise.all(calls.map((call) => call()));
    for (const r of results) expect([200, 201, 409], JSON.stringify(r.body)).toContain(r.status);
    expect(results.some((r) => r.status === 201)).toBe(true);

    const open = (
      (await system.get(`Encounter?class=IMP&status=in-progress&service-provider=Organization/${systemWard.branch}&_count=100`)).body
        .entry ?? []
    ).map((e: any) => e.resource);
    const active = open.map((e: any) => e.location.filter((l: any) => l.status === 'active'));
    for (const a of active) expect(a).toHaveLength(1);
    const bedOf = active.map((a: any) => a[0].location.reference);
    expect(new Set(bedOf).size).toBe(bedOf.length); // no bed with two patients
    const patients = open.map((e: any) => e.subject.reference);
    expect(new Set(patients).size).toBe(patients.length); // no patient in two beds
    for (const bed of beds) {
      const occupied = bedOf.includes(`Location/${bed}`);
      const code = await status(system, bed);
      if (occupied) expect(code).toBe('O');
      else expect(['U', 'H']).toContain(code);
    }
    expect(open.length).toBe(results.filter((r) => r.status === 201).length + 2);
  });
});
