import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirClient, startTestServer, type TestServer } from '../helpers/server.ts';
import { appointment, create, createOpd, type Fhir, type Opd, patient } from './fixtures.ts';

let t: TestServer;
let fhir: Fhir;
let opd: Opd;

const NO_SHOW_COUNT = 'https://hospital-ops.in/fhir/StructureDefinition/no-show-count';

beforeAll(async () => {
  t = await startTestServer({ PROFILE_ENFORCEMENT: 'abdm' });
  fhir = fhirClient(t.base);
  opd = await createOpd(fhir, 0);
});
afterAll(() => t?.stop());

const countOf = async (patientId: string) => {
  const p = (await fhir.get(`Patient/${patientId}`)).body;
  const ext = (p.extension ?? []).filter((e: any) => e.url === NO_SHOW_COUNT);
  expect(ext.length).toBeLessThanOrEqual(1);
  return ext[0]?.valueUnsignedInt ?? 0;
};
const booked = async (patientId: string) => {
  const res = await fhir.post('Appointment', appointment({ patient: patientId, practitioner: opd.doctor, location: opd.location }));
  expect(res.status).toBe(201);
  return res.body;
};
const setStatus = (a: any, status: string) => fhir.put(`Appointment/${a.id}`, { ...a, status });

describe('no-shows counted on the Patient', () => {
  it('counts an Appointment that becomes a no-show, and uncounts a corrected one, in the same write', async () => {
    const pt = await create(fhir, patient('Sunita Sharma'));
    const [a, b] = [await booked(pt), await booked(pt)];
    expect(await countOf(pt)).toBe(0);
    expect((await setStatus(a, 'noshow')).status).toBe(200);
    expect(await countOf(pt)).toBe(1);
    expect((await fhir.patch(`Appointment/${b.id}`, [{ op: 'replace', path: '/status', value: 'noshow' }])).status).toBe(200);
    expect(await countOf(pt)).toBe(2);
    // The desk marked the wrong patient: corrected back to booked.
    const current = (await fhir.get(`Appointment/${b.id}`)).body;
    expect((await setStatus(current, 'booked')).status).toBe(200);
    expect(await countOf(pt)).toBe(1);
    // Entered in error, or deleted: no longer a no-show.
    const a2 = (await fhir.get(`Appointment/${a.id}`)).body;
    expect((await setStatus(a2, 'entered-in-error')).status).toBe(200);
    expect(await countOf(pt)).toBe(0);
    const c = await booked(pt);
    await setStatus(c, 'noshow');
    expect(await countOf(pt)).toBe(1);
    expect((await fhir.delete(`Appointment/${c.id}`)).status).toBe(200);
    expect(await countOf(pt)).toBe(0);
    // The Patient keeps meeting the ABDM profile; its versions show each change.
    expect((await fhir.get(`Patient/${pt}/_history`)).body.total).toBe(7);
  });

  it('counts no-shows of one patient marked at the same moment exactly', async () => {
    const pt = await create(fhir, patient('Rajesh Patil'));
    const appointments = [];
    for (let i = 0; i < 6; i++) appointments.push(await booked(pt));
    const results = await Promise.all(appointments.map((a) => setStatus(a, 'noshow')));
    expect(results.map((r) => r.status)).toEqual(Array(6).fill(200));
    expect(await countOf(pt)).toBe(6);
    const found = await fhir.get(`Patient?no-show-count=ge6&_id=${pt}`);
    expect(found.body.entry).toHaveLength(1);
    expect((await fhir.get(`Patient?no-show-count=gt6&_id=${pt}`)).body.entry).toBeUndefined();
  });

  it('ignores a count a client sends: a stale copy of the Patient cannot reset it', async () => {
    const pt = await create(fhir, { ...patient('Fatima Shaikh'), extension: [{ url: NO_SHOW_COUNT, valueUnsignedInt: 9 }] });
    expect(await countOf(pt)).toBe(0);
    const stale = (await fhir.get(`Patient/${pt}`)).body;
    await setStatus(await booked(pt), 'noshow');
    expect(await countOf(pt)).toBe(1);
    // The receptionist saves an edit made on the copy read before the no-show.
    const edited = await fhir.put(`Patient/${pt}`, { ...stale, gender: 'female', birthDate: '1995-03-08' });
    expect(edited.status).toBe(200);
    expect(edited.body.birthDate).toBe('1995-03-08');
    expect(await countOf(pt)).toBe(1);
    const forged = await fhir.patch(`Patient/${pt}`, [
      { op: 'add', path: '/extension', value: [{ url: NO_SHOW_COUNT, valueUnsignedInt: 0 }] },
    ]);
    expect(forged.status).toBe(200);
    expect(await countOf(pt)).toBe(1);
    // Sending the stored value back unchanged writes no new version.
    const now = (await fhir.get(`Patient/${pt}`)).body;
    expect((await fhir.put(`Patient/${pt}`, now)).body.meta.versionId).toBe(now.meta.versionId);
  });

  it('moves the count when a no-show is reassigned to another patient, and fails with the write', async () => {
    const [p1, p2] = [await create(fhir, patient('Arjun Iyer')), await create(fhir, patient('Lakshmi Nair'))];
    const a = await booked(p1);
    await setStatus(a, 'noshow');
    const current = (await fhir.get(`Appointment/${a.id}`)).body;
    const moved = {
      ...current,
      participant: current.participant.map((x: any) =>
        x.actor.reference === `Patient/${p1}` ? { ...x, actor: { reference: `Patient/${p2}` } } : x,
      ),
    };
    expect((await fhir.put(`Appointment/${a.id}`, moved)).status).toBe(200);
    expect([await countOf(p1), await countOf(p2)]).toEqual([0, 1]);
    // A write that fails (stale If-Match) changes no count.
    const failed = await fhir.put(`Appointment/${a.id}`, { ...moved, status: 'booked' }, { 'if-match': 'W/"1"' });
    expect(failed.status).toBe(412);
    expect(await countOf(p2)).toBe(1);
  });
});
