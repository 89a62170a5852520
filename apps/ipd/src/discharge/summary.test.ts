import { describe, expect, it } from 'vitest';
import { readDraft, signParameters } from './summary.ts';

describe('the discharge summary draft', () => {
  it('reads the draft the server assembled, and what was signed', () => {
    const draft = readDraft({
      resourceType: 'Parameters',
      parameter: [
        { name: 'encounter', valueReference: { reference: 'Encounter/e1' } },
        { name: 'patient', valueReference: { reference: 'Patient/p1', display: 'Rajesh Patil' } },
        { name: 'admittedAt', valueDateTime: '2026-12-01T10:00:00+05:30' },
        { name: 'disposition', valueCode: 'exp' },
        { name: 'deathAt', valueDateTime: '2026-12-03T00:30:00+05:30' },
        { name: 'diagnoses', valueString: 'Dengue fever\nDehydration' },
        { name: 'procedures', valueString: '' },
        { name: 'course', valueString: 'Transfused' },
        { name: 'medications', valueString: 'Paracetamol 650 mg' },
        { name: 'advice', valueString: '' },
        { name: 'followUp', valueDate: '2026-12-20' },
        { name: 'composition', valueReference: { reference: 'Composition/c1' } },
        { name: 'status', valueCode: 'amended' },
        { name: 'signedBy', valueReference: { reference: 'Practitioner/d1', display: 'Dr. Sunita Rao' } },
      ],
    });
    expect(draft.texts).toEqual({
      diagnoses: 'Dengue fever\nDehydration',
      procedures: '',
      course: 'Transfused',
      medications: 'Paracetamol 650 mg',
      advice: '',
      followUp: '2026-12-20',
    });
    expect(draft.patient?.display).toBe('Rajesh Patil');
    expect(draft.deathAt).toBe('2026-12-03T00:30:00+05:30');
    expect(draft.composition).toBe('Composition/c1');
    expect(draft.status).toBe('amended');
    expect(draft.signedBy?.display).toBe('Dr. Sunita Rao');
  });

  it('signs every text trimmed (a cleared field is sent empty) and the follow-up only when set', () => {
    const texts = { diagnoses: ' Dengue fever \n', procedures: '', course: 'x', medications: '', advice: 'Rest', followUp: '' };
    expect(signParameters(texts).parameter).toEqual([
      { name: 'diagnoses', valueString: 'Dengue fever' },
      { name: 'procedures', valueString: '' },
      { name: 'course', valueString: 'x' },
      { name: 'medications', valueString: '' },
      { name: 'advice', valueString: 'Rest' },
    ]);
    expect(signParameters({ ...texts, followUp: '2026-12-20' }).parameter?.at(-1)).toEqual({ name: 'followUp', valueDate: '2026-12-20' });
  });
});
