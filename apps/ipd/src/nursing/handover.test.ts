import type { Observation } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { vitalsBundle } from '../vitals/observations.ts';
import { handoverOf } from './handover.ts';
import { ioObservation } from './io.ts';
import { noteObservation, resolveConcern } from './notes.ts';
import { shiftAt } from './shifts.ts';

const patient = { reference: 'Patient/p1' };
const stay = { reference: 'Encounter/e1' };
const at = (ist: string) => new Date(`${ist}+05:30`).toISOString();
const round = (pulse: number, ist: string) =>
  (
    vitalsBundle(
      {
        respiration: 16,
        spo2: 97,
        systolic: 120,
        diastolic: 80,
        pulse,
        temperatureF: 98.6,
        onOxygen: false,
        scale2: false,
        consciousness: 'A',
      },
      patient,
      stay,
      at(ist),
    ).entry ?? []
  ).map((e) => e.resource as Observation);

describe('the shift handover', () => {
  it('gathers the shift’s latest vitals, flags, NEWS2, I/O so far, notes and open concerns', () => {
    const oldConcern = { ...noteObservation('IV cannula site red', true, patient, stay, at('2026-12-07T10:00:00')), id: 'n1' };
    const resolved = resolveConcern({ ...noteObservation('Fall risk', true, patient, stay, at('2026-12-07T11:00:00')), id: 'n2' });
    const observations: Observation[] = [
      ...round(72, '2026-12-07T09:00:00'),
      ...round(118, '2026-12-07T16:00:00'),
      ...round(88, '2026-12-07T19:00:00'),
      ...round(130, '2026-12-07T21:00:00'),
      ioObservation('oral', 300, patient, stay, at('2026-12-07T09:00:00')),
      ioObservation('oral', 200, patient, stay, at('2026-12-07T15:00:00')),
      ioObservation('urine', 350, patient, stay, at('2026-12-07T17:00:00')),
      oldConcern,
      resolved,
      noteObservation('Slept after lunch, ate half the dinner', false, patient, stay, at('2026-12-07T18:30:00')),
      noteObservation('Night note', false, patient, stay, at('2026-12-07T22:00:00')),
    ];
    const h = handoverOf(observations, shiftAt('2026-12-07', 'evening'));
    expect(h.rounds).toBe(2);
    expect(h.latest?.pulse).toBe(88);
    expect(h.alerts).toEqual([{ when: at('2026-12-07T16:00:00'), series: 'pulse', value: 118, flag: 'H' }]);
    // Pulse 118 scores 2 in NEWS2, the other values 0.
    expect(h.worstNews2).toMatchObject({ total: 2, risk: 'low' });
    expect(h.io).toMatchObject({ intake: 200, output: 350, balance: -150, running: { intake: 500, output: 350, balance: 150 } });
    expect(h.notes.map((n) => n.text)).toEqual(['Slept after lunch, ate half the dinner']);
    expect(h.concerns.map((n) => n.text)).toEqual(['IV cannula site red']);
  });
});
