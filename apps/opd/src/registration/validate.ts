import type { PatientForm } from '../fhir/patient.ts';
import { isValidAbhaAddress, isValidAbhaNumber, isValidPin, normaliseAbhaNumber, normalisePhone, parseIndianDate } from '../lib/format.ts';

export type FormErrors = Partial<Record<keyof PatientForm, string>>;

/**
 * Checks the registration form and returns the values as they will be stored (E.164 phones,
 * 14-digit ABHA numbers, FHIR dates), or the error keys (i18n) per field.
 */
export function validatePatientForm(f: PatientForm, dobText: string): { values?: PatientForm; errors: FormErrors } {
  const errors: FormErrors = {};
  if (!f.given.trim() && !f.family.trim()) errors.given = 'errors.nameRequired';
  if (!f.gender) errors.gender = 'errors.genderRequired';
  let birthDate = '';
  if (dobText.trim()) {
    const parsed = parseIndianDate(dobText.trim());
    if (!parsed || parsed > new Date().toISOString().slice(0, 10)) errors.birthDate = 'errors.dateInvalid';
    else birthDate = parsed;
  }
  const phone = f.phone.trim() ? normalisePhone(f.phone) : '';
  if (phone === undefined) errors.phone = 'errors.phoneInvalid';
  const emergencyPhone = f.emergencyPhone.trim() ? normalisePhone(f.emergencyPhone) : '';
  if (emergencyPhone === undefined) errors.emergencyPhone = 'errors.phoneInvalid';
  const abhaNumber = f.abhaNumber.trim() ? normaliseAbhaNumber(f.abhaNumber) : '';
  if (abhaNumber === undefined || (abhaNumber && !isValidAbhaNumber(abhaNumber))) errors.abhaNumber = 'errors.abhaNumberInvalid';
  const abhaAddress = f.abhaAddress.trim().toLowerCase();
  if (abhaAddress && !isValidAbhaAddress(abhaAddress)) errors.abhaAddress = 'errors.abhaAddressInvalid';
  if (f.pin.trim() && !isValidPin(f.pin.trim())) errors.pin = 'errors.pinInvalid';
  if (Object.keys(errors).length) return { errors };
  return {
    errors,
    values: {
      ...f,
      birthDate,
      phone: phone ?? '',
      emergencyPhone: emergencyPhone ?? '',
      abhaNumber: abhaNumber ?? '',
      abhaAddress,
      pin: f.pin.trim(),
    },
  };
}
