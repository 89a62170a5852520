// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import { EMPTY_PATIENT_FORM } from '../fhir/patient.ts';
import { clearDraft, readDraft, writeDraft } from './draft.ts';
import { estimatedBirthDate, validatePatientForm } from './validate.ts';

describe('registration draft', () => {
  afterEach(() => sessionStorage.clear());

  it('keeps a half-filled form until it is cleared, and nothing for a blank one', () => {
    writeDraft({ form: EMPTY_PATIENT_FORM, dobText: '', ageText: '' });
    expect(readDraft()).toBeUndefined();
    writeDraft({ form: { ...EMPTY_PATIENT_FORM, family: 'Kulkarni' }, dobText: '', ageText: '42' });
    expect(readDraft()).toEqual({ form: { ...EMPTY_PATIENT_FORM, family: 'Kulkarni' }, dobText: '', ageText: '42' });
    // The next page's first (blank) render does not wipe it.
    writeDraft({ form: EMPTY_PATIENT_FORM, dobText: '', ageText: '' });
    expect(readDraft()?.form.family).toBe('Kulkarni');
    clearDraft();
    expect(readDraft()).toBeUndefined();
  });
});

describe('age instead of a date of birth', () => {
  it('stores an estimated birth date, marked as estimated', () => {
    expect(estimatedBirthDate(42, '2026-12-06')).toBe('1984-12-06');
    expect(estimatedBirthDate(1, '2028-02-29')).toBe('2027-02-28');
    const form = { ...EMPTY_PATIENT_FORM, given: 'Meera', gender: 'female' as const };
    const { values } = validatePatientForm(form, '', '42');
    expect(values?.birthDateEstimated).toBe(true);
    expect(values?.birthDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(validatePatientForm(form, '', '200').errors.birthDate).toBe('errors.ageInvalid');
    // A date of birth wins over an age.
    expect(validatePatientForm(form, '12/08/1994', '42').values).toMatchObject({
      birthDate: '1994-08-12',
      birthDateEstimated: false,
    });
  });
});
