import type { PatientForm } from '../fhir/patient.ts';
import {
  isValidAbhaAddress,
  isValidAbhaNumber,
  isValidPin,
  normaliseAbhaNumber,
  normalisePhone,
  parseIndianDate,
  todayInKolkata,
} from '../lib/format.ts';

export type FormErrors = Partial<Record<keyof PatientForm, string>>;

/**
 * Checks the registration form and returns the values as they will be stored (E.164 phones,
 * 14-digit ABHA numbers, FHIR dates), or the error keys (i18n) per field.
 */
export function validatePatientForm(f: PatientForm, dobText: string, ageText = ''): { values?: PatientForm; errors: FormErrors } {
  const errors: FormErrors = {};
  if (!f.given.trim() && !f.family.trim()) errors.given = 'errors.nameRequired';
  if (!f.gender) errors.gender = 'errors.genderRequired';
  let birthDate = '';
  let birthDateEstimated = f.birthDateEstimated;
  if (dobText.trim()) {
    const parsed = parseIndianDate(dobText.trim());
    if (!parsed || parsed > new Date().toISOString().slice(0, 10)) errors.birthDate = 'errors.dateInvalid';
    else birthDate = parsed;
  } else if (ageText.trim()) {
    const years = /^\d{1,3}$/.test(ageText.trim()) ? Number(ageText.trim()) : Number.NaN;
    if (!(years >= 0 && years <= 120)) errors.birthDate = 'errors.ageInvalid';
    else {
      birthDate = estimatedBirthDate(years);
      birthDateEstimated = true;
    }
  }
  if (!birthDate) birthDateEstimated = false;
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
      birthDateEstimated,
      phone: phone ?? '',
      emergencyPhone: emergencyPhone ?? '',
      abhaNumber: abhaNumber ?? '',
      abhaAddress,
      pin: f.pin.trim(),
    },
  };
}

/** The birth date of someone `years` old today (India's calendar), as an estimate: today's day and month, that many years back. */
export function estimatedBirthDate(years: number, today = todayInKolkata()): string {
  const [y, m, d] = today.split('-');
  const day = m === '02' && d === '29' ? '28' : d;
  return `${String(Number(y) - years).padStart(4, '0')}-${m}-${day}`;
}
