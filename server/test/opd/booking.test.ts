import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirClient, startTestServer, TENANT_A, TENANT_B, type TestServer } from '../helpers/server.ts';
import { appointment, createOpd, type Fhir, futureMonday, type Opd, params, staff } from './fixtures.ts';

let t: TestServer;
let fhir: Fhir;
let opd: Opd;
let slots: string[];

beforeAll(async () => {
  t = await startTestServer({ PROFILE_ENFORCEMENT: 'abdm' });
  fhir = fhirClient(t.base);
  opd = await createOpd(fhir, 3);
  // A Monday ahead, 09:00-10:00: four 15-minute Slots.
  const res = await fhir.post(
    `PractitionerRole/${opd.role}/$generate-slots`,
    params({ start: { valueDate: futureMonday() }, end: { valueDate: futureMonday() } }),
  );
  slots = res.body.parameter.filter((p: any) => p.name === 'slot').map((p: any) => p.valueReference.reference.split('/')[1]);
  expect(slots).toHaveLength(4);
});
afterAll(() => t?.stop());

const book = (client: Fhir, slot: string, patient = opd.patients[0], status?: string) =>
  client.post('Appointment', appointment({ slot, patient, practitioner: opd.doctor, location: opd.location, status }));
const holders = async (slot: string) =>
  (await fhir.get(`Appointment?slot=Slot/${slot}&status=proposed,pending,booked,arrived,fulfilled,checked-in,waitlist`)).body.entry ?? [];
const slotStatus = async (slot: string) => (await fhir.get(`Slot/${slot}`)).body.status;

function expectSlotTaken(res: { status: number; body: any }, slot: string): void {
  expect(res.status).toBe(409);
  expect(res.body.resourceType).toBe('OperationOutcome');
  const issue = res.body.issue[0];
  expect(issue.code).toBe('conflict');
  expect(issue.details.coding).toEqual([
    { system: 'https://hospital-ops.in/fhir/CodeSystem/hops-business-error', code: 'SLOT_NOT_AVAILABLE', display: 'Slot not available' },
  ]);
  expect(issue.details.text).toContain(`Slot/${slot}`);
}

describe('the booking guard', () => {
  it('lets exactly one of many simultaneous bookings of a Slot through, from desks acting at the same moment', async () => {
    const desk = await staff(t, TENANT_A, 'receptionist', [opd.branch]);
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => book(i % 2 ? desk : fhir, slots[0], opd.patients[i % 3])));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    for (const r of results.filter((x) => x.status === 409)) expectSlotTaken(r, slots[0]);
    const booked = await holders(slots[0]);
    expect(booked).toHaveLength(1);
    expect(booked[0].resource.id).toBe(results.find((r) => r.status === 201)?.body.id);
    // The losers wrote nothing at all: one Appointment exists for the Slot, in any status.
    expect((await fhir.get(`Appointment?slot=Slot/${slots[0]}`)).body.entry).toHaveLength(1);
    expect(await slotStatus(slots[0])).toBe('busy');
  });

  it('frees the Slot when the Appointment is cancelled, so it can be booked again', async () => {
    const first = await book(fhir, slots[1]);
    expect(first.status).toBe(201);
    expect(await slotStatus(slots[1])).toBe('busy');
    expectSlotTaken(await book(fhir, slots[1], opd.patients[1]), slots[1]);

    const cancelled = await fhir.put(`Appointment/${first.body.id}`, {
      ...first.body,
      status: 'cancelled',
      cancelationReason: { text: 'Patient called to cancel' },
    });
    expect(cancelled.status).toBe(200);
    expect(await slotStatus(slots[1])).toBe('free');
    const again = await book(fhir, slots[1], opd.patients[1]);
    expect(again.status).toBe(201);
    expect(await slotStatus(slots[1])).toBe('busy');
    // Un-cancelling the first would double-book: refused, and the cancelled version stays current.
    const revived = await fhir.put(`Appointment/${first.body.id}`, { ...first.body, status: 'booked' });
    expectSlotTaken(revived, slots[1]);
    expect((await fhir.get(`Appointment/${first.body.id}`)).body.status).toBe('cancelled');
  });

  it('moves the booking when an Appointment is rescheduled to another Slot (PUT or PATCH)', async () => {
    const made = await book(fhir, slots[2], opd.patients[2]);
    expect(made.status).toBe(201);
    const moved = await fhir.patch(`Appointment/${made.body.id}`, [
      { op: 'replace', path: '/slot/0/reference', value: `Slot/${slots[3]}` },
      { op: 'replace', path: '/start', value: `${futureMonday()}T09:45:00+05:30` },
      { op: 'replace', path: '/end', value: `${futureMonday()}T10:00:00+05:30` },
    ]);
    expect(moved.status).toBe(200);
    expect(await slotStatus(slots[2])).toBe('free');
    expect(await slotStatus(slots[3])).toBe('busy');
    expect((await holders(slots[3])).map((e: any) => e.resource.id)).toEqual([made.body.id]);
    // The old Slot is bookable again, the new one is not.
    const other = await book(fhir, slots[2], opd.patients[0]);
    expect(other.status).toBe(201);
    expectSlotTaken(await book(fhir, slots[3], opd.patients[0]), slots[3]);
    // Moving onto a taken Slot is refused and leaves the Appointment where it was.
    const clash = await fhir.put(`Appointment/${made.body.id}`, { ...moved.body, slot: [{ reference: `Slot/${slots[2]}` }] });
    expectSlotTaken(clash, slots[2]);
    expect((await fhir.get(`Appointment/${made.body.id}`)).body.slot).toEqual([{ reference: `Slot/${slots[3]}` }]);
    expect(await slotStatus(slots[3])).toBe('busy');
    // Deleting the Appointment frees its Slot.
    expect((await fhir.delete(`Appointment/${made.body.id}`)).status).toBe(200);
    expect(await slotStatus(slots[3])).toBe('free');
    expect((await book(fhir, slots[3], opd.patients[1])).status).toBe(201);
  });

  it('fails a whole transaction bundle that books one Slot twice', async () => {
    const [slot] = await freshSlots(futureMonday(1));
    const patientsBefore = (await fhir.get('Patient?_count=0&_total=accurate')).body.total;
    const entry = (resource: any) => ({ resource, request: { method: 'POST', url: resource.resourceType } });
    const res = await fhir.post('', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { ...entry({ resourceType: 'Patient', ...(await fhir.get(`Patient/${opd.patients[0]}`)).body, id: undefined, meta: undefined }) },
        entry(appointment({ slot, patient: opd.patients[0], practitioner: opd.doctor, location: opd.location })),
        entry(appointment({ slot, patient: opd.patients[1], practitioner: opd.doctor, location: opd.location })),
      ],
    });
    expect(res.status).toBe(409);
    expect(res.body.issue[0].details.coding[0].code).toBe('SLOT_NOT_AVAILABLE');
    expect((await fhir.get(`Appointment?slot=Slot/${slot}`)).body.entry).toBeUndefined();
    expect((await fhir.get('Patient?_count=0&_total=accurate')).body.total).toBe(patientsBefore);
    expect(await slotStatus(slot)).toBe('free');
    // Two Slots in one bundle are fine, and a bundle may make the Slot it books.
    const [a, b] = await freshSlots(futureMonday(3));
    const ok = await fhir.post('', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        entry(appointment({ slot: a, patient: opd.patients[0], practitioner: opd.doctor, location: opd.location })),
        entry(appointment({ slot: b, patient: opd.patients[1], practitioner: opd.doctor, location: opd.location })),
        { fullUrl: 'urn:uuid:9d3f5c1e-0000-4000-8000-000000000001', ...entry({ ...slotLike(), status: 'free' }) },
        entry({
          ...appointment({ patient: opd.patients[2], practitioner: opd.doctor, location: opd.location }),
          slot: [{ reference: 'urn:uuid:9d3f5c1e-0000-4000-8000-000000000001' }],
        }),
      ],
    });
    expect(ok.status).toBe(200);
    expect([await slotStatus(a), await slotStatus(b)]).toEqual(['busy', 'busy']);
    const made = /Slot\/([^/]+)/.exec(ok.body.entry[2].response.location)?.[1] as string;
    expect(await slotStatus(made)).toBe('busy');
  });

  it('refuses Slots that are blocked, made in error, missing, or another tenant’s', async () => {
    const [blocked, wrong] = await freshSlots(futureMonday(4));
    for (const [id, status] of [
      [blocked, 'busy-unavailable'],
      [wrong, 'entered-in-error'],
    ]) {
      const slot = (await fhir.get(`Slot/${id}`)).body;
      expect((await fhir.put(`Slot/${id}`, { ...slot, status })).status).toBe(200);
      const res = await book(fhir, id);
      expectSlotTaken(res, id);
      expect(res.body.issue[0].details.text).toContain(status);
    }
    const missing = await book(fhir, 'no-such-slot');
    expect(missing.status).toBe(422);
    expect(missing.body.issue[0].code).toBe('not-found');
    expect(missing.body.issue[0].details.text).toContain('Slot/no-such-slot');
    const absolute = appointment({ patient: opd.patients[0], practitioner: opd.doctor, location: opd.location });
    absolute.slot = [{ reference: 'https://other.example.org/fhir/Slot/1' }];
    const foreign = await fhir.post('Appointment', absolute);
    expect(foreign.status).toBe(422);
    expect(foreign.body.issue[0].expression).toEqual(['Appointment.slot[0]']);
    // Tenant B cannot see tenant A's Slot, so for B it does not exist.
    const [free] = await freshSlots(futureMonday(5));
    const other = fhirClient(t.base, TENANT_B);
    const b = await other.post('Appointment', appointment({ slot: free, patient: 'p', practitioner: 'd', location: 'l' }));
    expect(b.status).toBe(422);
    expect(await slotStatus(free)).toBe('free');
    // A cancelled Appointment holds nothing, so it names any Slot without a check.
    expect((await book(fhir, blocked, opd.patients[0], 'cancelled')).status).toBe(201);
  });

  it('marks tentative holds busy-tentative, and busy once confirmed', async () => {
    const [slot] = await freshSlots(futureMonday(7));
    const pending = await book(fhir, slot, opd.patients[0], 'pending');
    expect(pending.status).toBe(201);
    expect(await slotStatus(slot)).toBe('busy-tentative');
    expectSlotTaken(await book(fhir, slot, opd.patients[1]), slot);
    expect((await fhir.put(`Appointment/${pending.body.id}`, { ...pending.body, status: 'booked' })).status).toBe(200);
    expect(await slotStatus(slot)).toBe('busy');
  });

  it('refuses to book a Slot that has already started, with SLOT_IN_PAST; one already held stays usable', async () => {
    const schedule = (await fhir.get(`Slot/${slots[0]}`)).body.schedule;
    const at = (ms: number) => new Date(ms).toISOString();
    const past = await fhir.post('Slot', {
      resourceType: 'Slot',
      schedule,
      status: 'free',
      start: at(Date.now() - 60 * 60_000),
      end: at(Date.now() - 45 * 60_000),
    });
    expect(past.status).toBe(201);
    const res = await book(fhir, past.body.id);
    expect(res.status).toBe(422);
    expect(res.body.resourceType).toBe('OperationOutcome');
    const issue = res.body.issue[0];
    expect(issue.code).toBe('business-rule');
    expect(issue.details.coding).toEqual([
      { system: 'https://hospital-ops.in/fhir/CodeSystem/hops-business-error', code: 'SLOT_IN_PAST', display: 'Slot in the past' },
    ]);
    expect(issue.details.text).toContain(`Slot/${past.body.id}`);
    expect(issue.details.text).toContain('walk-in');
    expect(await slotStatus(past.body.id)).toBe('free');
    expect((await fhir.get(`Appointment?slot=Slot/${past.body.id}`)).body.entry ?? []).toEqual([]);
    // Booked while still ahead, then its time passes: the Appointment can still move on (arrived).
    const [later] = await freshSlots(futureMonday(8));
    const made = await book(fhir, later, opd.patients[1]);
    expect(made.status).toBe(201);
    const slot = (await fhir.get(`Slot/${later}`)).body;
    expect(
      (await fhir.put(`Slot/${later}`, { ...slot, start: at(Date.now() - 30 * 60_000), end: at(Date.now() - 15 * 60_000) })).status,
    ).toBe(200);
    expect((await fhir.put(`Appointment/${made.body.id}`, { ...made.body, status: 'arrived' })).status).toBe(200);
  });
});

function slotLike() {
  return {
    resourceType: 'Slot',
    schedule: { reference: 'Schedule/placeholder' },
    start: `${futureMonday(10)}T09:00:00+05:30`,
    end: `${futureMonday(10)}T09:15:00+05:30`,
  };
}

/** The free Slots of the doctor on one day (generated on demand). */
async function freshSlots(day: string): Promise<string[]> {
  const res = await fhir.post(
    `PractitionerRole/${opd.role}/$generate-slots`,
    params({ start: { valueDate: day }, end: { valueDate: day } }),
  );
  if (res.status !== 200) throw new Error(JSON.stringify(res.body));
  const schedule = res.body.parameter.find((p: any) => p.name === 'schedule').valueReference.reference;
  const found = await fhir.get(`Slot?schedule=${schedule}&start=${day}&status=free&_sort=start`);
  return (found.body.entry ?? []).map((e: any) => e.resource.id);
}
