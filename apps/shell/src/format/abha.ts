/*
 * ABHA (Ayushman Bharat Health Account) identifiers. Sources: /work/shared/abdm/NOTES.md §4.1,
 * the ABDM v3 API schemas and the NRCeS IG ("Health ID issued by NDHM": a 14 digit number).
 */

/** The 14 digits of an ABHA number typed with or without hyphens or spaces, or undefined. */
export function normaliseAbhaNumber(input: string): string | undefined {
  const digits = input.replace(/[\s-]/g, '');
  return /^\d{14}$/.test(digits) ? digits : undefined;
}

/** Whether the input is shaped like an ABHA number (14 digits). Says nothing about the check digit. */
export function isValidAbhaNumber(input: string): boolean {
  return normaliseAbhaNumber(input) !== undefined;
}

/** XX-XXXX-XXXX-XXXX, the way the ABHA card prints it; input that is no ABHA number comes back as is. */
export function formatAbhaNumber(input: string): string {
  const n = normaliseAbhaNumber(input);
  return n ? `${n.slice(0, 2)}-${n.slice(2, 6)}-${n.slice(6, 10)}-${n.slice(10)}` : input;
}

/**
 * Whether the last digit is a Luhn (mod 10) check digit over the other 13.
 *
 * ABDM documents no checksum for ABHA numbers. The Luhn rule is inferred: every real-looking
 * number we found in ABDM documents, the NRCeS IG example and sandbox logs passes it (none pass
 * Verhoeff), and made-up ones such as 91-1234-5678-9012 fail (NOTES.md §4.1, marked unverified).
 * So use it to ask the user to re-check a number they typed, never to refuse one.
 */
export function abhaCheckDigitOk(input: string): boolean {
  const digits = normaliseAbhaNumber(input);
  if (!digits) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    // Every second digit from the right, starting with the one left of the check digit, is doubled.
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

export type AbhaDomain = 'abdm' | 'sbx';

/**
 * An ABHA address: `<handle>@abdm` in production, `<handle>@sbx` in the ABDM sandbox. The handle
 * rule is the ABDM v3 API's: letters and digits, with "." and "_" allowed inside but not first or
 * last, at least 3 characters (`^[a-zA-Z0-9][a-zA-Z0-9_.]+[a-zA-Z0-9]@(abdm|sbx)$`). ABHA apps apply
 * stricter rules when an address is created (e.g. 8–18 characters); those are ABDM's to enforce,
 * and addresses made under older rules must still be accepted here.
 */
const ABHA_ADDRESS = /^([a-zA-Z0-9][a-zA-Z0-9_.]+[a-zA-Z0-9])@(abdm|sbx)$/;

/** The handle and domain of an ABHA address (surrounding spaces and the domain's case ignored), or undefined. */
export function parseAbhaAddress(input: string): { address: string; handle: string; domain: AbhaDomain } | undefined {
  const trimmed = input.trim();
  const at = trimmed.lastIndexOf('@');
  const candidate = at < 0 ? trimmed : `${trimmed.slice(0, at)}@${trimmed.slice(at + 1).toLowerCase()}`;
  const m = ABHA_ADDRESS.exec(candidate);
  return m ? { address: candidate, handle: m[1], domain: m[2] as AbhaDomain } : undefined;
}

export function isValidAbhaAddress(input: string): boolean {
  return parseAbhaAddress(input) !== undefined;
}
