import { describe, expect, it } from 'vitest';
import { EMPTY_PATIENT_FORM, formToPatient, patientToForm } from '../fhir/patient.ts';
import { validatePatientForm } from './validate.ts';

const filled = {
  ...EMPTY_PATIENT_FORM,
  given: 'Sneha',
  family: 'Kulkarni',
  gender: 'female' as const,
  phone: '98765 43210',
  abhaNumber: '91-1234-5678-9012',
  abhaAddress: 'Sneha.K@abdm',
  pin: '411038',
  city: 'Pune',
  emergencyName: 'Rahul Kulkarni',
  emergencyPhone: '09822012345',
};

describe('registration form', () => {
  it('normalises what the desk typed into what is stored', () => {
    const { values, errors } = validatePatientForm(filled, '12/08/1994');
    expect(errors).toEqual({});
    expect(values).toMatchObject({
      birthDate: '1994-08-12',
      phone: '+919876543210',
      emergencyPhone: '+919822012345',
      abhaNumber: '91123456789012',
      abhaAddress: 'sneha.k@abdm',
    });
  });

  it('names each wrong field', () => {
    const { values, errors } = validatePatientForm(
      { ...filled, gender: '', phone: '12345', abhaNumber: '12-3456', abhaAddress: 'sneha', pin: '011038' },
      '31/02/1994',
    );
    expect(values).toBeUndefined();
    expect(errors).toEqual({
      gender: 'errors.genderRequired',
      birthDate: 'errors.dateInvalid',
      phone: 'errors.phoneInvalid',
      abhaNumber: 'errors.abhaNumberInvalid',
      abhaAddress: 'errors.abhaAddressInvalid',
      pin: 'errors.pinInvalid',
    });
  });

  it('refuses a date of birth in the future', () => {
    expect(validatePatientForm(filled, '01/01/2999').errors.birthDate).toBe('errors.dateInvalid');
  });

  it('builds the ABDM Patient (typed UHID and ABHA identifiers, name text) and reads it back', () => {
    const { values } = validatePatientForm(filled, '12/08/1994');
    const patient = formToPatient(values ?? filled, undefined, { uhid: 'OPD-261125-ABC123', branch: 'demo-branch-pune' });
    expect(patient.identifier?.map((i) => [i.type?.coding?.[0]?.code, i.value])).toEqual([
      ['MR', 'OPD-261125-ABC123'],
      ['HIN', '91123456789012'],
      ['ABHA', 'sneha.k@abdm'],
    ]);
    expect(patient.name?.[0]).toEqual({ use: 'official', given: ['Sneha'], family: 'Kulkarni', text: 'Sneha Kulkarni' });
    expect(patient.contact?.[0]?.relationship?.[0]?.coding?.[0]?.code).toBe('C');
    expect(patient.managingOrganization?.reference).toBe('Organization/demo-branch-pune');
    expect(patientToForm(patient)).toMatchObject({ ...values, language: 'hi' });
  });

  it('keeps the UHID and other identifiers of an edited patient', () => {
    const { values } = validatePatientForm({ ...filled, abhaNumber: '' }, '');
    const before = formToPatient(values ?? filled, undefined, { uhid: 'SH-PUN-000001' });
    const after = formToPatient(values ?? filled, { ...before, id: 'p1' }, { uhid: 'NEW-UHID' });
    expect(after.id).toBe('p1');
    expect(after.identifier?.map((i) => i.value)).toEqual(['SH-PUN-000001', 'sneha.k@abdm']);
  });
});
