import { EMPTY_PATIENT_FORM, type PatientForm } from '../fhir/patient.ts';

/**
 * The half-filled registration form, kept in sessionStorage: it survives a reload of the tab, and
 * goes with the tab (a shared desk computer does not keep patients' details once the tab is closed).
 */
export interface RegistrationDraft {
  form: PatientForm;
  dobText: string;
  ageText: string;
}

const KEY = 'hops.opd.registration-draft';

const storage = (): Storage | undefined => (typeof sessionStorage === 'undefined' ? undefined : sessionStorage);

function isBlank(d: RegistrationDraft): boolean {
  const { language, ...rest } = d.form;
  return !d.dobText.trim() && !d.ageText.trim() && Object.entries(rest).every(([k, v]) => v === EMPTY_PATIENT_FORM[k as keyof PatientForm]);
}

/** Keeps the draft. A blank form keeps nothing and leaves a kept draft alone (it is the page's first render). */
export function writeDraft(d: RegistrationDraft): void {
  try {
    if (!isBlank(d)) storage()?.setItem(KEY, JSON.stringify(d));
  } catch {
    // Storage full or refused (private mode): the form still works, without a draft.
  }
}

export function readDraft(): RegistrationDraft | undefined {
  try {
    const raw = storage()?.getItem(KEY);
    if (!raw) return undefined;
    const d = JSON.parse(raw) as Partial<RegistrationDraft>;
    if (!d || typeof d.form !== 'object') return undefined;
    return { form: { ...EMPTY_PATIENT_FORM, ...d.form }, dobText: String(d.dobText ?? ''), ageText: String(d.ageText ?? '') };
  } catch {
    return undefined;
  }
}

export function clearDraft(): void {
  try {
    storage()?.removeItem(KEY);
  } catch {
    // nothing kept
  }
}
