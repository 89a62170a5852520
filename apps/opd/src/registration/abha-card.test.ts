import { describe, expect, it } from 'vitest';
import { EMPTY_PATIENT_FORM } from '../fhir/patient.ts';
import { readAbhaCard } from './abha-card.ts';
import { validatePatientForm } from './validate.ts';

const card = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    hidn: '91-1234-5678-9012',
    hid: 'meera.iyer@abdm',
    name: 'MEERA LAKSHMI IYER',
    gender: 'F',
    statelgd: '27',
    distlgd: '521',
    dob: '7/3/1988',
    address: '12, Karve Road,  Kothrud',
    ...over,
  });

describe('reading an ABHA card QR code', () => {
  it('fills name, gender, birth date, ABHA number and address, state and address line', () => {
    expect(readAbhaCard(card())).toEqual({
      form: {
        abhaNumber: '91-1234-5678-9012',
        abhaAddress: 'meera.iyer@abdm',
        given: 'Meera Lakshmi',
        family: 'Iyer',
        gender: 'female',
        line: '12, Karve Road, Kothrud',
        state: 'Maharashtra',
      },
      dobText: '07/03/1988',
    });
  });

  it('uses the names newer cards carry, and their mobile number in +91 form', () => {
    const read = readAbhaCard(
      card({ state_name: 'RAJASTHAN', statelgd: '27', district_name: 'JAIPUR', mobile: '98290 12345', gender: 'M', name: 'Ravi' }),
    );
    expect(read?.form).toMatchObject({ state: 'Rajasthan', district: 'Jaipur', phone: '+919829012345', gender: 'male', given: 'Ravi' });
    expect(read?.form.family).toBeUndefined();
  });

  it('gives what the form then accepts as a valid registration', () => {
    const read = readAbhaCard(card());
    const { values, errors } = validatePatientForm({ ...EMPTY_PATIENT_FORM, ...read?.form }, read?.dobText ?? '', '');
    expect(errors).toEqual({});
    expect(values).toMatchObject({ birthDate: '1988-03-07', abhaNumber: '91123456789012', gender: 'female' });
  });

  it('is not fooled by other QR codes or text: a UHID slip, a URL, JSON without an ABHA number', () => {
    expect(readAbhaCard('SH-PUN-001001')).toBeUndefined();
    expect(readAbhaCard('https://abdm.gov.in/')).toBeUndefined();
    expect(readAbhaCard(JSON.stringify({ name: 'Meera', gender: 'F' }))).toBeUndefined();
    expect(readAbhaCard(card({ hidn: '1234' }))).toBeUndefined();
    expect(readAbhaCard('[1,2]')).toBeUndefined();
  });

  it('leaves out what it cannot read: an unknown state code, a malformed date, an odd gender', () => {
    const read = readAbhaCard(card({ statelgd: '99', dob: '1988', gender: 'X', hid: 'not an address' }));
    expect(read?.form.state).toBeUndefined();
    expect(read?.form.gender).toBeUndefined();
    expect(read?.form.abhaAddress).toBeUndefined();
    expect(read?.dobText).toBeUndefined();
  });
});
