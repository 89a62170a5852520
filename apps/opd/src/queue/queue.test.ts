import type { Bundle, Encounter, Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { advanced, byDoctor, landingPath, nextAfter, nextToCall, queueEntries, queuesFor } from './queue.ts';

const TOKEN = 'https://hospital-ops.in/fhir/StructureDefinition/opd-queue-token';
function enc(id: string, token: number, status: Encounter['status'], doctor: string): Encounter {
  return {
    resourceType: 'Encounter',
    id,
    status,
    class: { code: 'AMB' },
    subject: { reference: `Patient/p${id}` },
    participant: [{ individual: { reference: `Practitioner/${doctor}`, display: `Dr. ${doctor}` } }],
    extension: [
      {
        url: TOKEN,
        extension: [
          { url: 'number', valuePositiveInt: token },
          { url: 'date', valueDate: '2026-11-25' },
        ],
      },
    ],
  };
}

describe('the OPD queue', () => {
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'searchset',
    entry: [
      enc('3', 3, 'arrived', 'a'),
      enc('1', 1, 'finished', 'a'),
      enc('2', 2, 'in-progress', 'a'),
      enc('4', 4, 'triaged', 'a'),
      enc('5', 1, 'arrived', 'b'),
      { resource: { resourceType: 'Patient', id: 'p3', name: [{ text: 'Asha' }] } as Patient },
    ].map((r) => ('resource' in r ? r : { resource: r })),
  };

  it('groups by doctor in token order with the patient attached', () => {
    const [a, b] = byDoctor(queueEntries(bundle));
    expect(a.name).toBe('Dr. a');
    expect(a.current?.token).toBe(2);
    expect(a.waiting.map((e) => e.token)).toEqual([3, 4]);
    expect(a.waiting[0].patient?.name?.[0]?.text).toBe('Asha');
    expect(a.done.map((e) => e.token)).toEqual([1]);
    expect(b.waiting.map((e) => e.token)).toEqual([1]);
  });

  it('calls by token, the order the waiting room sees', () => {
    const [a, b] = byDoctor(queueEntries(bundle));
    expect(nextToCall(a)?.token).toBe(3);
    expect(nextToCall(b)?.token).toBe(1);
  });

  it('a doctor sees only their own line, an empty one before anyone checks in; the desk sees all', () => {
    const queues = byDoctor(queueEntries(bundle));
    expect(queuesFor(queues, 'doctor', 'Practitioner/b').map((q) => q.practitioner)).toEqual(['Practitioner/b']);
    expect(queuesFor(queues, 'doctor', 'Practitioner/c')).toEqual([{ practitioner: 'Practitioner/c', name: '', waiting: [], done: [] }]);
    expect(queuesFor(queues, 'receptionist', 'Practitioner/x')).toHaveLength(2);
  });

  it("after a finished visit, the same doctor's next waiting token; none when nobody waits", () => {
    const entries = queueEntries(bundle);
    expect(nextAfter(entries, 'Practitioner/a', '2')?.token).toBe(3);
    expect(nextAfter(entries, 'Practitioner/b', '5')).toBeUndefined();
    expect(nextAfter(entries, 'Practitioner/z', '2')).toBeUndefined();
  });

  it('a status change keeps the old one in statusHistory and closes the period when finished', () => {
    const e = {
      ...enc('9', 9, 'in-progress', 'a'),
      meta: { lastUpdated: '2026-11-25T04:00:00Z' },
      period: { start: '2026-11-25T04:00:00Z' },
    };
    const done = advanced(e, 'finished', '2026-11-25T04:10:00Z');
    expect(done.status).toBe('finished');
    expect(done.statusHistory).toEqual([{ status: 'in-progress', period: { start: '2026-11-25T04:00:00Z', end: '2026-11-25T04:10:00Z' } }]);
    expect(done.period).toEqual({ start: '2026-11-25T04:00:00Z', end: '2026-11-25T04:10:00Z' });
    expect(advanced(e, 'triaged').period).toEqual(e.period);
  });

  it("opens on the launch context, else a doctor's queue, else the patient search", () => {
    expect(landingPath({ encounter: 'e1', patient: 'p1', role: 'doctor' })).toBe('/encounters/e1');
    expect(landingPath({ patient: 'p1', role: 'doctor' })).toBe('/patients/p1');
    expect(landingPath({ role: 'doctor' })).toBe('/queue');
    expect(landingPath({ role: 'receptionist' })).toBeUndefined();
  });
});
