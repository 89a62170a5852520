import { describe, expect, it } from 'vitest';
import { EARLY_WARNING, readNews2, scoreOf, vitalsBundle } from './observations.ts';

const subject = { reference: 'Patient/p1' };
const encounter = { reference: 'Encounter/e1' };
const when = '2026-12-07T03:10:00+05:30';

describe('nursing vitals as Observations', () => {
  const vitals = {
    respiration: 22,
    spo2: 94,
    onOxygen: true,
    systolic: 104,
    diastolic: 66,
    pulse: 112,
    consciousness: 'A' as const,
    temperatureF: 101.3,
  };

  it('scores the round with °F turned into °C', () => {
    // 22 → 2, SpO2 94 → 1, oxygen 2, 104 → 1, 112 → 2, alert 0, 38.5 °C → 1.
    expect(scoreOf(vitals)).toMatchObject({ total: 9, risk: 'high', redScore: false });
  });

  it('saves every sign and the score in one transaction, all on the stay', () => {
    const bundle = vitalsBundle(vitals, subject, encounter, when);
    expect(bundle.type).toBe('transaction');
    const obs = bundle.entry?.map((e) => e.resource as import('@medplum/fhirtypes').Observation) ?? [];
    expect(bundle.entry?.every((e) => e.request?.method === 'POST' && e.request.url === 'Observation')).toBe(true);
    expect(obs.map((o) => o.code?.coding?.[0]?.code)).toEqual(['85354-9', '8867-4', '8310-5', '2708-6', '9279-1', '1104051000000101']);
    expect(obs.every((o) => o.encounter === encounter && o.subject === subject && o.effectiveDateTime === when)).toBe(true);
    expect(obs.every((o) => o.category?.[0]?.coding?.[0]?.code === 'vital-signs')).toBe(true);
    const score = obs[5];
    expect(score.valueInteger).toBe(9);
    expect(score.component?.find((c) => c.code.coding?.[0]?.code === 'news2-pulse')?.valueInteger).toBe(2);
    expect(score.component?.find((c) => c.code.coding?.[0]?.code === 'supplemental-oxygen')?.valueBoolean).toBe(true);
    expect(score.component?.find((c) => c.code.coding?.[0]?.code === 'acvpu')?.valueCodeableConcept?.coding?.[0]).toEqual({
      system: EARLY_WARNING,
      code: 'acvpu-A',
      display: 'Alert',
    });
    expect(readNews2(score)).toEqual({ when, total: 9, risk: 'high' });
  });
});
