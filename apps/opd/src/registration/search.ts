import { ABHA_ADDRESS_SYSTEM, ABHA_NUMBER_SYSTEM } from '../fhir/systems.ts';

/**
 * What the desk typed, as a FHIR search: a 14-digit number is an ABHA number, `x@abdm` an ABHA
 * address, a 10-digit mobile (with or without +91/0) a phone, anything else a name fragment,
 * matched by prefix or, for typos, by the server's `:fuzzy` trigram search.
 */
export function patientQuery(input: string): Record<string, string> | undefined {
  const q = input.trim();
  if (q.length < 2) return undefined;
  const digits = q.replace(/[\s\-+()]/g, '');
  if (/^\d{14}$/.test(digits)) return { identifier: `${ABHA_NUMBER_SYSTEM}|${digits}` };
  if (/^[\w.]+@(abdm|sbx)$/i.test(q)) return { identifier: `${ABHA_ADDRESS_SYSTEM}|${q.toLowerCase()}` };
  const mobile = /^(?:91|0)?([6-9]\d{9})$/.exec(digits);
  if (mobile) return { phone: `+91${mobile[1]}` };
  if (/^\d+$/.test(digits)) return { identifier: digits };
  return { 'name:fuzzy': q };
}
