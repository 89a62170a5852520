import { describe, expect, it } from 'vitest';
import { flagOf, vitalObservations, vitalValues } from './vitals.ts';

const subject = { reference: 'Patient/p1' };
const encounter = { reference: 'Encounter/e1' };

describe('vital signs', () => {
  it('flags values outside the adult range', () => {
    expect(flagOf('systolic', 150)).toBe('H');
    expect(flagOf('spo2', 91)).toBe('L');
    expect(flagOf('pulse', 72)).toBeUndefined();
    expect(flagOf('temperature', 101.2)).toBe('H');
  });

  it('writes blood pressure as one panel, each other sign alone, and BMI from weight and height', () => {
    const obs = vitalObservations(
      { systolic: 150, diastolic: 95, pulse: 72, weight: 70, height: 175 },
      subject,
      encounter,
      '2026-11-25T10:00:00+05:30',
    );
    expect(obs.map((o) => o.code.coding?.[0]?.code)).toEqual(['85354-9', '8867-4', '29463-7', '8302-2', '39156-5']);
    const bp = obs[0];
    expect(bp.meta?.profile).toEqual(['http://hl7.org/fhir/StructureDefinition/bp']);
    expect(bp.component?.map((c) => [c.valueQuantity?.value, c.valueQuantity?.code, c.interpretation?.[0]?.coding?.[0]?.code])).toEqual([
      [150, 'mm[Hg]', 'H'],
      [95, 'mm[Hg]', 'H'],
    ]);
    expect(obs[1].interpretation).toBeUndefined();
    expect(obs[4].valueQuantity?.value).toBe(22.9);
    expect(obs.every((o) => o.category?.[0]?.coding?.[0]?.code === 'vital-signs' && o.encounter === encounter)).toBe(true);
  });

  it('leaves out a half-entered blood pressure', () => {
    expect(vitalObservations({ systolic: 120 }, subject, encounter, 'x')).toEqual([]);
  });

  it('reads stored observations back', () => {
    const obs = vitalObservations({ systolic: 118, diastolic: 76, spo2: 98 }, subject, encounter, 'x');
    expect(vitalValues(obs)).toEqual({ systolic: 118, diastolic: 76, spo2: 98 });
  });
});
