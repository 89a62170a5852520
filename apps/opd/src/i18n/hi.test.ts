import { describe, expect, it } from 'vitest';
import { LANGUAGES } from '../fhir/patient.ts';
import { en } from './en.ts';
import { hi } from './hi.ts';

describe('Hindi strings', () => {
  it('names every language and vital-sign unit in Hindi', () => {
    for (const code of Object.keys(LANGUAGES)) {
      expect(en.languages[code as keyof typeof en.languages]).toBe(LANGUAGES[code]);
      expect(hi.languages[code as keyof typeof hi.languages]).toMatch(/[\u0900-\u097F]/);
    }
    expect(hi.vitals.unit.pulse).toBe('धड़कन/मिनट');
    expect(hi.vitals.unit.respiration).toBe('साँस/मिनट');
    expect(hi.schedule.choosePatientShort).toMatch(/[\u0900-\u097F]/);
  });
});
