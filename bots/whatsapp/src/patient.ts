import type { MedplumClient } from '@medplum/core';
import type { Consent, Patient } from '@medplum/fhirtypes';
import { CONSENT_CATEGORY_CODE, CONSENT_CATEGORY_SYSTEM } from './fhir.ts';

/** The patient's WhatsApp number as the Cloud API wants it: country code and digits, no `+` (India assumed for 10 digits). */
export function whatsappNumber(patient: Patient): string | undefined {
  const phones = (patient.telecom ?? []).filter((t) => (t.system === 'phone' || t.system === 'sms') && t.value && t.use !== 'old');
  phones.sort((a, b) => Number(b.use === 'mobile') - Number(a.use === 'mobile') || (a.rank ?? 99) - (b.rank ?? 99));
  for (const p of phones) {
    const digits = (p.value ?? '').replace(/\D/g, '');
    if (/^[6-9]\d{9}$/.test(digits)) return `91${digits}`;
    if (/^0[6-9]\d{9}$/.test(digits)) return `91${digits.slice(1)}`;
    if (/^00\d{8,15}$/.test(digits)) return digits.slice(2);
    if (/^\d{11,15}$/.test(digits)) return digits;
  }
  return undefined;
}

/** `hi` or `en` from Patient.communication (the preferred one first); anything not approved falls back to `en`. */
export function preferredLanguage(patient: Patient, approved: string[]): string {
  const comms = [...(patient.communication ?? [])].sort((a, b) => Number(Boolean(b.preferred)) - Number(Boolean(a.preferred)));
  for (const c of comms) {
    const codes = [...(c.language?.coding ?? []).map((x) => x.code), c.language?.text];
    for (const code of codes) {
      const base = code?.toLowerCase().split(/[-_]/)[0];
      if (base && approved.includes(base)) return base;
      if (code && /^hindi|हिन्दी|हिंदी/i.test(code) && approved.includes('hi')) return 'hi';
    }
  }
  return 'en';
}

/** How the message greets the patient: the given name, else the full name as written. */
export function displayName(patient: Patient): string {
  const name = patient.name?.find((n) => n.use === 'usual') ?? patient.name?.[0];
  return name?.given?.[0] ?? name?.text ?? name?.family ?? 'Patient';
}

/** Whether the patient has an active WhatsApp opt-in Consent in force now. */
export async function hasOptIn(medplum: MedplumClient, patientId: string, now: Date): Promise<boolean> {
  const consents = await medplum.searchResources(
    'Consent',
    new URLSearchParams({
      patient: `Patient/${patientId}`,
      category: `${CONSENT_CATEGORY_SYSTEM}|${CONSENT_CATEGORY_CODE}`,
      status: 'active',
      _count: '20',
    }),
    { cache: 'no-cache' },
  );
  return consents.some((c: Consent) => {
    const period = c.provision?.period;
    const permit = c.provision?.type !== 'deny';
    return (
      permit && (!period?.start || Date.parse(period.start) <= now.getTime()) && (!period?.end || Date.parse(period.end) > now.getTime())
    );
  });
}
