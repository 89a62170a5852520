import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dateOfDay, dayNumber, kolkataDate, kolkataInstant, localInstant } from '../../src/features/opd/kolkata.ts';
import { fhirClient, startTestServer, TENANT_A, TENANT_B, type TestServer } from '../helpers/server.ts';
import { createStaff, staffClient } from '../helpers/staff.ts';
import type { Fhir } from '../opd/fixtures.ts';
import { admitParams, bedParams, patient, type Wards, wards } from './fixtures.ts';

// The census against a small stay history worked out by hand: four patients over three IST days,
// with an ICU transfer half an hour before midnight and a death half an hour after one (an
// instant whose UTC date is the day before its IST date).
let t: TestServer;
let system: Fhir;
let ward: Wards;
let asDoctor: Fhir;
let asNurse: Fhir;
let doctorId: string;
let d1: number;

const at = (day: number, hh: number, mm: number) => ({ valueDateTime: kolkataInstant(localInstant(day, hh * 3600 + mm * 60)) });
const ok = (res: { status: number; body: unknown }) => {
  expect([200, 201], JSON.stringify(res.body)).toContain(res.status);
  return res.body as any;
};
const leave = (encounter: string, disposition: string, when: { valueDateTime: string }) =>
  asDoctor.post(`Encounter/${encounter}/$discharge`, {
    resourceType: 'Parameters',
    parameter: [
      { name: 'disposition', valueCode: disposition },
      { name: 'occurredAt', ...when },
    ],
  });

beforeAll(async () => {
  t = await startTestServer();
  system = fhirClient(t.base, TENANT_A);
  ward = await wards(system, 'Census branch');
  const doctor = await createStaff(t, TENANT_A, 'doctor', [ward.branch]);
  doctorId = doctor.practitionerId;
  asDoctor = await staffClient(t, doctor);
  asNurse = await staffClient(t, await createStaff(t, TENANT_A, 'nurse', [ward.branch]));
  d1 = (dayNumber(kolkataDate(Date.now())) as number) - 10;
  const [d2, d3] = [d1 + 1, d1 + 2];
  const [gw1, gw2, gw3] = ward.beds;
  const [icu1] = ward.icuBeds;
  const admit = async (name: string, bed: string, when: { valueDateTime: string }) =>
    ok(await asDoctor.post('Encounter/$admit', admitParams(await patient(system, name), bed, doctorId, { occurredAt: when }))).id as string;

  // P1: general ward day 1 10:00, ICU at 23:30, home from the ICU on day 3 at 11:00.
  const p1 = await admit('Census One', gw1, at(d1, 10, 0));
  // P2: general ward day 1 20:00; dies on day 3 at 00:30 IST (day 2 in UTC).
  const p2 = await admit('Census Two', gw2, at(d1, 20, 0));
  ok(await asNurse.post(`Encounter/${p1}/$transfer`, bedParams(icu1, { occurredAt: at(d1, 23, 30) })));
  // P3: general ward day 2 at 02:00 IST (day 1 in UTC), still admitted.
  await admit('Census Three', gw3, at(d2, 2, 0));
  ok(await leave(p2, 'exp', at(d3, 0, 30)));
  ok(await asNurse.post(`Location/${gw2}/$bed-ready`, {}));
  // P4: P2's bed on day 3 at 09:00, leaves against advice at 18:00 the same day.
  const p4 = await admit('Census Four', gw2, at(d3, 9, 0));
  ok(await leave(p4, 'aadvice', at(d3, 18, 0)));
  ok(await leave(p1, 'home', at(d3, 11, 0)));
}, 120_000);
afterAll(async () => {
  await t?.stop();
});

const part = (p: any, name: string) => p.part?.find((x: any) => x.name === name);
const num = (p: any, name: string) => part(p, name)?.valueInteger ?? part(p, name)?.valueDecimal;
const row = (p: any) =>
  ['admissions', 'discharges', 'deaths', 'transfersIn', 'transfersOut', 'occupancy', 'averageLengthOfStay'].map((k) => num(p, k) ?? null);

async function census(client: Fhir, query: string) {
  const res = await client.get(`Location/$census?${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const wardsOut = (res.body.parameter ?? []).filter((p: any) => p.name === 'ward');
  return Object.fromEntries(wardsOut.map((w: any) => [part(w, 'ward').valueReference.display, w]));
}

describe('Location/$census', () => {
  it('counts admissions, transfers, discharges, deaths, the midnight census and the length of stay per ward per IST day', async () => {
    const out = await census(asDoctor, `from=${dateOfDay(d1)}&to=${dateOfDay(d1 + 2)}&branch=Organization/${ward.branch}`);
    expect(Object.keys(out)).toEqual(['General ward 3', 'Medical ICU']);
    const general = out['General ward 3'];
    const icu = out['Medical ICU'];
    expect(num(general, 'beds')).toBe(3);
    expect(num(icu, 'beds')).toBe(2);
    const days = (w: any) => w.part.filter((p: any) => p.name === 'day');
    expect(days(general).map((d: any) => part(d, 'date').valueDate)).toEqual([dateOfDay(d1), dateOfDay(d1 + 1), dateOfDay(d1 + 2)]);
    //                        adm dis death in out midnight ALOS
    expect(days(general).map(row)).toEqual([
      [2, 0, 0, 0, 1, 1, null], // P1 and P2 in; P1 to the ICU at 23:30; at midnight only P2
      [1, 0, 0, 0, 0, 2, null], // P3 at 02:00; at midnight P2 and P3
      [1, 1, 1, 0, 0, 1, 1.5], // P2 dies 00:30 (2 days), P4 in and out DAMA (1 day); at midnight P3
    ]);
    expect(days(icu).map(row)).toEqual([
      [0, 0, 0, 1, 0, 1, null],
      [0, 0, 0, 0, 0, 1, null],
      [0, 1, 0, 0, 0, 0, 2], // P1 home, admitted two midnights before
    ]);
    expect(num(days(general)[1], 'occupancyPercent')).toBe(66.7);
    const total = part(general, 'total');
    expect([num(total, 'admissions'), num(total, 'discharges'), num(total, 'deaths'), num(total, 'bedDays')]).toEqual([4, 1, 1, 4]);
    expect(num(total, 'occupancy')).toBe(1.3);
    expect(num(total, 'averageLengthOfStay')).toBe(1.5);
  });

  it('gives the same figures to the ward nurse, and one day on its own', async () => {
    const out = await census(asNurse, `from=${dateOfDay(d1 + 2)}&to=${dateOfDay(d1 + 2)}&branch=Organization/${ward.branch}`);
    const [day] = out['General ward 3'].part.filter((p: any) => p.name === 'day');
    expect(row(day)).toEqual([1, 1, 1, 0, 0, 1, 1.5]);
  });

  it('refuses bad ranges with a sentence', async () => {
    const bad = await asDoctor.get(`Location/$census?from=${dateOfDay(d1 + 2)}&to=${dateOfDay(d1)}`);
    expect(bad.status).toBe(400);
    expect(bad.body.issue[0].details.text).toBe('from is after to');
    expect((await asDoctor.get('Location/$census?from=2026-02-30')).status).toBe(400);
    expect((await asDoctor.get('Location/$census?from=2026-01-01&to=2026-12-01')).status).toBe(400);
  });

  it('shows another tenant none of our wards or stays', async () => {
    const systemB = fhirClient(t.base, TENANT_B);
    const wardB = await wards(systemB, 'Other chain');
    const asDoctorB = await staffClient(t, await createStaff(t, TENANT_B, 'doctor', [wardB.branch]));
    const mine = await census(asDoctorB, `from=${dateOfDay(d1)}&to=${dateOfDay(d1 + 2)}&branch=Organization/${ward.branch}`);
    expect(mine).toEqual({});
    const theirs = await census(asDoctorB, `from=${dateOfDay(d1)}&to=${dateOfDay(d1 + 2)}`);
    expect(Object.keys(theirs)).toEqual(['General ward 3', 'Medical ICU']);
    for (const w of Object.values(theirs) as any[]) {
      for (const d of w.part.filter((p: any) => p.name === 'day')) expect(row(d)).toEqual([0, 0, 0, 0, 0, 0, null]);
    }
  });
});
