/*
 * Aadhaar numbers: 12 digits, the first 2-9, the last a Verhoeff check digit (UIDAI). The desk
 * types one only to create an ABHA; it is sent to the server and never kept in the app.
 */

// Verhoeff's dihedral-group multiplication and position permutation tables (Verhoeff, 1969).
const D = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
  [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
  [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
  [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
  [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
  [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const P = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
  [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
  [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
  [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
  [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
  [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
  [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];

/** Whether a string of digits ends in a correct Verhoeff check digit. */
export function verhoeffOk(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let c = 0;
  for (let i = 0; i < digits.length; i++) c = D[c][P[i % 8][Number(digits[digits.length - 1 - i])]];
  return c === 0;
}

/** The 12 digits of an Aadhaar number typed with spaces or hyphens, or undefined when it cannot be one. */
export function normaliseAadhaar(input: string): string | undefined {
  const digits = input.replace(/[\s-]/g, '');
  return /^[2-9]\d{11}$/.test(digits) && verhoeffOk(digits) ? digits : undefined;
}

/** XXXX XXXX 1234: how an Aadhaar is shown once typed (UIDAI's masked form). */
export function maskAadhaar(digits: string): string {
  return `XXXX XXXX ${digits.slice(-4)}`;
}
