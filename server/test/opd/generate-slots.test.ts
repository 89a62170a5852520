import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirClient, startTestServer, TENANT_A, type TestServer } from '../helpers/server.ts';
import { create, createOpd, type Fhir, type Opd, params, role, staff } from './fixtures.ts';

let t: TestServer;
let fhir: Fhir;
let opd: Opd;

beforeAll(async () => {
  t = await startTestServer({ PROFILE_ENFORCEMENT: 'abdm' });
  fhir = fhirClient(t.base);
  opd = await createOpd(fhir, 0, {
    availableTime: [
      { daysOfWeek: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat'], availableStartTime: '09:30:00', availableEndTime: '10:30:00' },
      { daysOfWeek: ['mon'], availableStartTime: '17:00:00', availableEndTime: '17:30:00' },
    ],
    notAvailable: [{ description: 'CME conference', during: { start: '2026-11-25', end: '2026-11-25' } }],
  });
});
afterAll(() => t?.stop());

const generate = (client: Fhir, roleId: string, body: unknown) => client.post(`PractitionerRole/${roleId}/$generate-slots`, body);
const value = (out: any, name: string) => out.parameter.find((p: any) => p.name === name);
const slotsOf = async (schedule: string) =>
  (await fhir.get(`Slot?schedule=${schedule}&_count=500&_sort=start`)).body.entry?.map((e: any) => e.resource) ?? [];

describe('$generate-slots', () => {
  it("makes the role's Schedule and its free Slots in Asia/Kolkata time, skipping notAvailable days", async () => {
    // Mon 23 Nov to Sun 29 Nov 2026: Wed 25 is the conference, Sun has no session.
    const res = await generate(fhir, opd.role, params({ start: { valueDate: '2026-11-23' }, end: { valueDate: '2026-11-29' } }));
    expect(res.status).toBe(200);
    expect(res.body.resourceType).toBe('Parameters');
    expect(value(res.body, 'schedule-created').valueBoolean).toBe(true);
    // 4 morning slots on 5 days, and 2 on Monday evening; Wednesday's 4 are unavailable.
    expect(value(res.body, 'created').valueInteger).toBe(22);
    expect(value(res.body, 'unavailable').valueInteger).toBe(4);
    expect(value(res.body, 'existing').valueInteger).toBe(0);
    expect(res.body.parameter.filter((p: any) => p.name === 'slot')).toHaveLength(22);

    const scheduleRef = value(res.body, 'schedule').valueReference.reference;
    const schedule = (await fhir.get(scheduleRef)).body;
    expect(schedule.identifier).toEqual([{ system: 'https://hospital-ops.in/fhir/sid/opd-schedule', value: opd.role }]);
    expect(schedule.actor.map((a: any) => a.reference)).toEqual([
      `Practitioner/${opd.doctor}`,
      `PractitionerRole/${opd.role}`,
      `Location/${opd.location}`,
    ]);

    const slots = await slotsOf(scheduleRef);
    expect(slots).toHaveLength(22);
    expect(slots.every((s: any) => s.status === 'free' && s.schedule.reference === scheduleRef)).toBe(true);
    expect(slots[0].start).toBe('2026-11-23T09:30:00+05:30');
    expect(slots[0].end).toBe('2026-11-23T09:45:00+05:30');
    expect(slots.some((s: any) => s.start.startsWith('2026-11-25'))).toBe(false);
    expect(slots.filter((s: any) => s.start === '2026-11-23T17:15:00+05:30')).toHaveLength(1);
    // Instants mean the same moment in UTC: 09:30 IST is 04:00Z.
    expect((await fhir.get(`Slot?schedule=${scheduleRef}&start=2026-11-23T04:00:00Z`)).body.entry).toHaveLength(1);
  });

  it('is idempotent: a rerun over the same days makes nothing and leaves existing Slots as they were', async () => {
    const first = await fhir.get(`Schedule?identifier=https://hospital-ops.in/fhir/sid/opd-schedule|${opd.role}`);
    const scheduleRef = `Schedule/${first.body.entry[0].resource.id}`;
    const before = await slotsOf(scheduleRef);
    const blocked = { ...before[0], status: 'busy-unavailable', comment: 'Doctor on call' };
    expect((await fhir.put(`Slot/${blocked.id}`, blocked)).status).toBe(200);

    const res = await generate(fhir, opd.role, params({ start: { valueDate: '2026-11-23' }, end: { valueDate: '2026-11-29' } }));
    expect(res.status).toBe(200);
    expect(value(res.body, 'schedule-created').valueBoolean).toBe(false);
    expect(value(res.body, 'schedule').valueReference.reference).toBe(scheduleRef);
    expect(value(res.body, 'created').valueInteger).toBe(0);
    expect(value(res.body, 'existing').valueInteger).toBe(22);
    const after = await slotsOf(scheduleRef);
    expect(after.map((s: any) => `${s.id}@${s.meta.versionId}`)).toEqual(
      before.map((s: any) => `${s.id}@${s.id === blocked.id ? '2' : '1'}`),
    );
    expect((await fhir.get(`Schedule?identifier=https://hospital-ops.in/fhir/sid/opd-schedule|${opd.role}`)).body.entry).toHaveLength(1);

    // An overlapping range adds only the new days; a different slot length never overlaps existing Slots.
    const more = await generate(
      fhir,
      opd.role,
      params({ start: { valueDate: '2026-11-28' }, end: { valueDate: '2026-11-30' }, 'slot-minutes': { valueInteger: 20 } }),
    );
    // Sat 28: covered by 15-minute Slots (20-minute ones would overlap them); Mon 30: 3 + 1 new.
    expect(value(more.body, 'created').valueInteger).toBe(4);
    expect(value(more.body, 'existing').valueInteger).toBe(3);
  });

  it('runs concurrently without making a second Schedule or overlapping Slots', async () => {
    const doctorRole = await create(fhir, role(opd.otherDoctor, opd.branch, opd.location));
    const body = params({ start: { valueDate: '2026-12-07' }, end: { valueDate: '2026-12-08' } });
    const results = await Promise.all([1, 2, 3].map(() => generate(fhir, doctorRole, body)));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(results.map((r) => value(r.body, 'created').valueInteger).sort()).toEqual([0, 0, 8]);
    const schedules = await fhir.get(`Schedule?identifier=https://hospital-ops.in/fhir/sid/opd-schedule|${doctorRole}`);
    expect(schedules.body.entry).toHaveLength(1);
    expect(await slotsOf(`Schedule/${schedules.body.entry[0].resource.id}`)).toHaveLength(8);
  });

  it("uses the caller's access: the front desk opens and extends a calendar, a doctor or nurse may not", async () => {
    const fresh = await create(fhir, role(opd.doctor, opd.branch, opd.location));
    const week = (start: string, end: string) => params({ start: { valueDate: start }, end: { valueDate: end } });
    // Doctors and nurses read Schedules and Slots but write neither; a refusal leaves nothing behind.
    for (const who of ['doctor', 'nurse'] as const) {
      const client = await staff(t, TENANT_A, who, [opd.branch], who === 'doctor' ? opd.doctor : undefined);
      const refused = await generate(client, fresh, week('2026-12-14', '2026-12-14'));
      expect(refused.status).toBe(403);
      expect(refused.body.resourceType).toBe('OperationOutcome');
    }
    expect((await fhir.get(`Schedule?actor=PractitionerRole/${fresh}`)).body.entry).toBeUndefined();
    expect((await fhir.get('Slot?start=ge2026-12-14&start=lt2026-12-15&_count=0&_total=accurate')).body.total).toBe(0);
    // The front desk opens the doctor's calendar and adds the coming days.
    const desk = await staff(t, TENANT_A, 'receptionist', [opd.branch]);
    const opened = await generate(desk, fresh, week('2026-12-14', '2026-12-14'));
    expect(opened.status).toBe(200);
    expect(value(opened.body, 'schedule-created').valueBoolean).toBe(true);
    const admin = await staff(t, TENANT_A, 'branch_admin', [opd.branch]);
    const extended = await generate(admin, fresh, week('2026-12-14', '2026-12-15'));
    expect(extended.status).toBe(200);
    expect(value(extended.body, 'schedule-created').valueBoolean).toBe(false);
    expect(value(extended.body, 'created').valueInteger).toBe(4);
    expect(value(extended.body, 'existing').valueInteger).toBe(4);
  });

  it('answers bad input with an OperationOutcome and the right status', async () => {
    const cases: [unknown, number, string][] = [
      [params({ end: { valueDate: '2026-12-01' } }), 400, 'start'],
      [params({ start: { valueDate: '2026-12-01' }, end: { valueString: '01/12/2026' } }), 400, 'end'],
      [params({ start: { valueDate: '2026-12-05' }, end: { valueDate: '2026-12-01' } }), 400, 'end'],
      [params({ start: { valueDate: '2026-01-01' }, end: { valueDate: '2026-12-31' } }), 400, 'end'],
      [
        params({ start: { valueDate: '2026-12-01' }, end: { valueDate: '2026-12-01' }, 'slot-minutes': { valueInteger: 0 } }),
        400,
        'slot-minutes',
      ],
      [{ resourceType: 'Patient' }, 400, ''],
    ];
    for (const [body, status, expression] of cases) {
      const res = await generate(fhir, opd.role, body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.body.resourceType).toBe('OperationOutcome');
      if (expression) expect(res.body.issue[0].expression).toEqual([expression]);
    }
    const range = params({ start: { valueDate: '2026-12-01' }, end: { valueDate: '2026-12-01' } });
    expect((await generate(fhir, 'no-such-role', range)).status).toBe(404);
    const noHours = await create(fhir, role(opd.doctor, opd.branch, opd.location, { availableTime: undefined }));
    const unprocessable = await generate(fhir, noHours, range);
    expect(unprocessable.status).toBe(422);
    expect(unprocessable.body.issue[0].expression).toEqual(['PractitionerRole.availableTime']);
    expect((await fhir.get(`Schedule?actor=PractitionerRole/${noHours}`)).body.entry).toBeUndefined();
  });
});
