import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirClient, startTestServer, TENANT_A, TENANT_B, type TestServer } from '../helpers/server.ts';
import { createStaff, type Staff, staffClient } from '../helpers/staff.ts';
import type { Fhir } from '../opd/fixtures.ts';
import { admitParams, patient, type Wards, wards } from './fixtures.ts';

// The MAR through the API as the ward uses it: $mar reads the day, a nurse records doses as plain
// MedicationAdministration creates, and the write hook keeps the rules (docs/ipd.md, "MAR").
const DOSE = 'https://hospital-ops.in/fhir/sid/mar-dose';
const IST_MS = 330 * 60_000;
const HOUR = 3_600_000;

let t: TestServer;
let system: Fhir;
let ward: Wards;
let doctor: Staff;
let nurse: Staff;
let asNurse: Fhir;
let asDoctor: Fhir;
let asDesk: Fhir;

const text = (res: { body: any }) => res.body.issue?.[0]?.details?.text as string;
/** IST wall clock of an instant: `yyyy-mm-ddThh:mm`. */
const local = (ms: number) => new Date(ms + IST_MS).toISOString().slice(0, 16);
const istInstant = (ms: number) => `${local(ms)}:00+05:30`;
const minute = (ms: number) => Math.floor(ms / 60_000) * 60_000;

interface Stay {
  encounter: string;
  patient: string;
}

async function admit(name: string, bed: string, hoursAgo: number): Promise<Stay> {
  const p = await patient(system, name);
  const res = await asDoctor.post(
    'Encounter/$admit',
    admitParams(p, bed, doctor.practitionerId, { occurredAt: { valueDateTime: istInstant(Date.now() - hoursAgo * HOUR) } }),
  );
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { encounter: res.body.id, patient: p };
}

async function order(stay: Stay, medication: string, dosage: object[], authoredOn: number, extra: object = {}): Promise<string> {
  const res = await asDoctor.post('MedicationRequest', {
    resourceType: 'MedicationRequest',
    status: 'active',
    intent: 'order',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/medicationrequest-category', code: 'inpatient' }] }],
    medicationCodeableConcept: { text: medication },
    subject: { reference: `Patient/${stay.patient}` },
    encounter: { reference: `Encounter/${stay.encounter}` },
    authoredOn: istInstant(authoredOn),
    dosageInstruction: dosage,
    ...extra,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id;
}

/** A dose record as the app writes it. */
function record(stay: Stay, mr: string, slot: string | undefined, status: string, by: Staff, extra: object = {}) {
  return {
    resourceType: 'MedicationAdministration',
    status,
    ...(slot ? { identifier: [{ system: DOSE, value: slot }] } : {}),
    medicationCodeableConcept: { text: 'ordered medication' },
    subject: { reference: `Patient/${stay.patient}` },
    context: { reference: `Encounter/${stay.encounter}` },
    request: { reference: `MedicationRequest/${mr}` },
    effectiveDateTime: istInstant(Date.now()),
    performer: [{ actor: { reference: `Practitioner/${by.practitionerId}` } }],
    ...extra,
  };
}

const partsOf = (p: any) => Object.fromEntries((p.part ?? []).filter((x: any) => x.name !== 'dose').map((x: any) => [x.name, x]));
async function mar(fhir: Fhir, stay: Stay, date: string) {
  const res = await fhir.get(`Encounter/${stay.encounter}/$mar?date=${date}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return (res.body.parameter as any[])
    .filter((p) => p.name === 'order')
    .map((o) => ({
      medication: partsOf(o).medication.valueString as string,
      prn: partsOf(o).prn.valueBoolean as boolean,
      doses: (o.part as any[])
        .filter((x) => x.name === 'dose')
        .map((d) => {
          const f = Object.fromEntries(d.part.map((x: any) => [x.name, x]));
          return {
            slot: f.slot.valueString as string,
            time: (f.time.valueDateTime as string).slice(11, 16),
            status: f.status.valueCode as string,
            kind: f.kind.valueCode as string,
            reason: f.reason?.valueCodeableConcept?.text as string | undefined,
          };
        }),
    }));
}

beforeAll(async () => {
  t = await startTestServer();
  system = fhirClient(t.base, TENANT_A);
  ward = await wards(system);
  doctor = await createStaff(t, TENANT_A, 'doctor', [ward.branch]);
  nurse = await createStaff(t, TENANT_A, 'nurse', [ward.branch]);
  asDoctor = await staffClient(t, doctor);
  asNurse = await staffClient(t, nurse);
  asDesk = await staffClient(t, await createStaff(t, TENANT_A, 'receptionist', [ward.branch]));
}, 120_000);
afterAll(async () => {
  await t?.stop();
});

describe('the MAR', () => {
  let stay: Stay;
  let bid: string;
  let prn: string;
  let stat: string;
  let now: number;
  let slotAt: number;
  let hourly: string;

  beforeAll(async () => {
    now = Date.now();
    stay = await admit('Kamala Rao', ward.beds[0], 50);
    bid = await order(
      stay,
      'Ceftriaxone 1 g IV',
      [{ text: '1 g BID', timing: { repeat: { frequency: 2, period: 1, periodUnit: 'd' } } }],
      now - 49 * HOUR,
    );
    prn = await order(stay, 'Paracetamol 500 mg', [{ text: 'SOS for fever', asNeededBoolean: true }], now - 49 * HOUR);
    stat = await order(stay, 'Ondansetron 4 mg IV', [{ timing: { repeat: { count: 1 } } }], now - 2 * HOUR, { priority: 'stat' });
    // A dose 10 minutes ago (timeOfDay), so the test can record it whatever the hour.
    slotAt = minute(now - 10 * 60_000);
    hourly = await order(
      stay,
      'Insulin regular 6 U SC',
      [{ timing: { repeat: { timeOfDay: [`${local(slotAt).slice(11)}:00`] } } }],
      now - 49 * HOUR,
    );
  });

  it('lists yesterday’s BID doses at 08:00 and 20:00 as missed, the stat dose and the PRN order', async () => {
    const yesterday = local(now - 24 * HOUR).slice(0, 10);
    const orders = await mar(asNurse, stay, yesterday);
    const ceftriaxone = orders.find((o) => o.medication === 'Ceftriaxone 1 g IV');
    expect(ceftriaxone?.doses.map((d) => [d.time, d.status, d.slot])).toEqual([
      ['08:00', 'missed', `${bid}/${yesterday}T08:00`],
      ['20:00', 'missed', `${bid}/${yesterday}T20:00`],
    ]);
    const today = local(now).slice(0, 10);
    const todays = await mar(asNurse, stay, today);
    expect(todays.find((o) => o.medication === 'Paracetamol 500 mg')).toMatchObject({ prn: true, doses: [] });
    const statDose = todays.find((o) => o.medication === 'Ondansetron 4 mg IV')?.doses;
    if (local(now - 2 * HOUR).slice(0, 10) === today) {
      expect(statDose).toEqual([
        { slot: `${stat}/${local(now - 2 * HOUR)}`, time: local(now - 2 * HOUR).slice(11), status: 'late', kind: 'stat' },
      ]);
    }
    const insulin = (await mar(asNurse, stay, local(slotAt).slice(0, 10))).find((o) => o.medication === 'Insulin regular 6 U SC');
    expect(insulin?.doses).toEqual([
      { slot: `${hourly}/${local(slotAt)}`, time: local(slotAt).slice(11), status: 'due', kind: 'scheduled' },
    ]);
  });

  it('records one dose once: ten nurses at the same moment, exactly one 201 and nine 409s with our sentence', async () => {
    const slot = `${hourly}/${local(slotAt)}`;
    const results = await Promise.all(
      Array.from({ length: 10 }, () => asNurse.post('MedicationAdministration', record(stay, hourly, slot, 'completed', nurse))),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, ...Array(9).fill(409)]);
    const day = local(slotAt).slice(0, 10);
    expect(text(results.find((r) => r.status === 409) as any)).toBe(
      `The Insulin regular 6 U SC dose due at ${local(slotAt).slice(11)} on ${day.slice(8)}-${day.slice(5, 7)}-${day.slice(0, 4)} is already recorded as given; change that record instead`,
    );
    const found = await system.get(`MedicationAdministration?identifier=${encodeURIComponent(`${DOSE}|${slot}`)}`);
    expect(found.body.entry).toHaveLength(1);
    const insulin = (await mar(asNurse, stay, local(slotAt).slice(0, 10))).find((o) => o.medication === 'Insulin regular 6 U SC');
    expect(insulin?.doses[0].status).toBe('given');
  });

  it('not given needs a reason; held; a slot the order does not schedule is refused', async () => {
    const yesterday = local(now - 24 * HOUR).slice(0, 10);
    const morning = `${bid}/${yesterday}T08:00`;
    const noReason = await asNurse.post('MedicationAdministration', record(stay, bid, morning, 'not-done', nurse));
    expect(noReason.status).toBe(422);
    expect(text(noReason)).toBe('A dose not given needs its reason (statusReason)');
    const notGiven = await asNurse.post(
      'MedicationAdministration',
      record(stay, bid, morning, 'not-done', nurse, { statusReason: [{ text: 'Patient vomiting' }] }),
    );
    expect(notGiven.status).toBe(201);
    const held = await asNurse.post('MedicationAdministration', record(stay, bid, `${bid}/${yesterday}T20:00`, 'on-hold', nurse));
    expect(held.status).toBe(201);
    const odd = await asNurse.post('MedicationAdministration', record(stay, bid, `${bid}/${yesterday}T09:00`, 'completed', nurse));
    expect(odd.status).toBe(422);
    expect(text(odd)).toBe('Ceftriaxone 1 g IV has no dose scheduled at that time');
    const noSlot = await asNurse.post('MedicationAdministration', record(stay, bid, undefined, 'completed', nurse));
    expect(noSlot.status).toBe(422);
    const doses = (await mar(asNurse, stay, yesterday)).find((o) => o.medication === 'Ceftriaxone 1 g IV')?.doses;
    expect(doses?.map((d) => [d.time, d.status, d.reason])).toEqual([
      ['08:00', 'not-given', 'Patient vomiting'],
      ['20:00', 'held', undefined],
    ]);
  });

  it('PRN: given any time, as often as recorded; a doctor may record too, the desk may not', async () => {
    const first = await asNurse.post('MedicationAdministration', record(stay, prn, `${prn}/prn/${local(now)}`, 'completed', nurse));
    expect(first.status).toBe(201);
    const byDoctor = await asDoctor.post(
      'MedicationAdministration',
      record(stay, prn, `${prn}/prn/${local(now + 1)}x`, 'completed', doctor),
    );
    expect(byDoctor.status).toBe(201);
    const desk = await asDesk.post('MedicationAdministration', record(stay, prn, undefined, 'completed', nurse));
    expect(desk.status).toBe(403);
    const doses = (await mar(asNurse, stay, local(now).slice(0, 10))).find((o) => o.medication === 'Paracetamol 500 mg')?.doses;
    expect(doses?.map((d) => [d.kind, d.status])).toEqual([
      ['prn', 'given'],
      ['prn', 'given'],
    ]);
  });

  it('after saving only status and note change, and a record is not deleted', async () => {
    const slot = `${hourly}/${local(slotAt)}`;
    const [saved] = (await system.get(`MedicationAdministration?identifier=${encodeURIComponent(`${DOSE}|${slot}`)}`)).body.entry.map(
      (e: any) => e.resource,
    );
    const moved = await asNurse.put(`MedicationAdministration/${saved.id}`, { ...saved, effectiveDateTime: istInstant(now - HOUR) });
    expect(moved.status).toBe(422);
    expect(text(moved)).toBe('After saving, only the status and the note of a dose record may change (not effectiveDateTime)');
    const noted = await asNurse.put(`MedicationAdministration/${saved.id}`, { ...saved, note: [{ text: 'Given with breakfast' }] });
    expect(noted.status).toBe(200);
    // Nurses have no delete right at all; even a client that has one (the system) cannot delete a dose record.
    expect((await asNurse.delete(`MedicationAdministration/${saved.id}`)).status).toBe(403);
    const deleted = await system.delete(`MedicationAdministration/${saved.id}`);
    expect(deleted.status).toBe(409);
    expect(text(deleted)).toBe('A dose record is not deleted: mark it entered-in-error instead');
    // Entered in error frees the slot for the right record.
    const wrong = await asNurse.put(`MedicationAdministration/${saved.id}`, { ...noted.body, status: 'entered-in-error' });
    expect(wrong.status).toBe(200);
    const again = await asNurse.post('MedicationAdministration', record(stay, hourly, slot, 'completed', nurse));
    expect(again.status).toBe(201);
  });

  it('nothing is recorded or changed once the stay is finished', async () => {
    const slot = `${hourly}/${local(slotAt)}`;
    const [saved] = (
      await system.get(`MedicationAdministration?identifier=${encodeURIComponent(`${DOSE}|${slot}`)}&status=completed`)
    ).body.entry.map((e: any) => e.resource);
    const out = await asDoctor.post(`Encounter/${stay.encounter}/$discharge`, {
      resourceType: 'Parameters',
      parameter: [{ name: 'disposition', valueCode: 'home' }],
    });
    expect(out.status).toBe(200);
    const late = await asNurse.post('MedicationAdministration', record(stay, prn, `${prn}/prn/${local(now)}z`, 'completed', nurse));
    expect(late.status).toBe(409);
    expect(text(late)).toBe('The stay is finished: its medication record can no longer be written or changed');
    const changed = await asNurse.put(`MedicationAdministration/${saved.id}`, { ...saved, note: [{ text: 'after discharge' }] });
    expect(changed.status).toBe(409);
  });
});

describe('another tenant', () => {
  it('cannot read a stay’s MAR nor record on its orders', async () => {
    const stay = await admit('Sunita Pawar', ward.beds[1], 5);
    const mr = await order(
      stay,
      'Pantoprazole 40 mg',
      [{ timing: { repeat: { frequency: 1, period: 1, periodUnit: 'd' } } }],
      Date.now() - 4 * HOUR,
    );
    const other = fhirClient(t.base, TENANT_B);
    const read = await other.get(`Encounter/${stay.encounter}/$mar`);
    expect([404, 422]).toContain(read.status);
    const write = await other.post(
      'MedicationAdministration',
      record(stay, mr, `${mr}/${local(Date.now()).slice(0, 10)}T08:00`, 'completed', nurse),
    );
    expect(write.status).toBe(422);
    const mine = await system.get(`MedicationAdministration?request=MedicationRequest/${mr}`);
    expect(mine.body.entry ?? []).toHaveLength(0);
  });
});
