import type { Bundle, Encounter, Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { byDoctor, nextToCall, queueEntries } from './queue.ts';

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
});
