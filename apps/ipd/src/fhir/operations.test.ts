import { OperationOutcomeError } from '@medplum/core';
import { describe, expect, it } from 'vitest';
import { admitParameters, dischargeParameters, isConflict, transferParameters } from './operations.ts';

describe('IPD operation bodies (docs/ipd.md)', () => {
  it('admits with patient, bed and attending, and only the optional values given', () => {
    expect(admitParameters({ patientId: 'p1', bedId: 'b1', attendingId: 'd1', reason: '  ' })).toEqual({
      resourceType: 'Parameters',
      parameter: [
        { name: 'patient', valueReference: { reference: 'Patient/p1' } },
        { name: 'bed', valueReference: { reference: 'Location/b1' } },
        { name: 'attending', valueReference: { reference: 'Practitioner/d1' } },
      ],
    });
    expect(
      admitParameters({
        patientId: 'p1',
        bedId: 'b1',
        attendingId: 'd1',
        reason: ' Dengue with low platelets ',
        admitSource: 'emd',
        expectedDays: 4,
      }).parameter?.slice(3),
    ).toEqual([
      { name: 'reason', valueString: 'Dengue with low platelets' },
      { name: 'admitSource', valueCode: 'emd' },
      { name: 'expectedDays', valueInteger: 4 },
    ]);
  });

  it('transfers to a bed and discharges with a disposition', () => {
    expect(transferParameters('b2').parameter).toEqual([{ name: 'bed', valueReference: { reference: 'Location/b2' } }]);
    expect(dischargeParameters('aadvice').parameter).toEqual([{ name: 'disposition', valueCode: 'aadvice' }]);
  });

  it('tells a 409 (bed taken, stay over) from other failures', () => {
    const conflict = new OperationOutcomeError({
      resourceType: 'OperationOutcome',
      id: 'conflict',
      issue: [{ severity: 'error', code: 'conflict', details: { text: 'Bed GW3-2 is occupied' } }],
    });
    const invalid = new OperationOutcomeError({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'business-rule', details: { text: 'not a bed' } }],
    });
    expect(isConflict(conflict)).toBe(true);
    expect(isConflict(invalid)).toBe(false);
    expect(isConflict(new TypeError('Failed to fetch'))).toBe(false);
    expect(isConflict(undefined)).toBe(false);
  });
});
