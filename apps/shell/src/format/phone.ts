/** Separators people type inside a phone number. */
const SEPARATORS = /[\s\-().]/g;
/** An Indian mobile number: 10 digits starting 6, 7, 8 or 9 (the TRAI national numbering plan). */
const MOBILE = /^[6-9]\d{9}$/;

/**
 * An Indian mobile number as typed ("98765 43210", "+91-98765-43210", "09876543210",
 * "919876543210") in E.164 (+919876543210), or undefined when it is not one.
 */
export function normalisePhone(input: string): string | undefined {
  const digits = input.trim().replace(SEPARATORS, '');
  const national = /^(?:\+91|0091|91(?=\d{10}$)|0(?=\d{10}$))?(\d+)$/.exec(digits)?.[1];
  return national && MOBILE.test(national) ? `+91${national}` : undefined;
}

export function isValidMobile(input: string): boolean {
  return normalisePhone(input) !== undefined;
}

/** "+91 98765 43210" for an Indian mobile; any other number is shown as stored. */
export function formatPhone(value: string | undefined): string {
  if (!value) return '';
  const e164 = normalisePhone(value);
  return e164 ? `+91 ${e164.slice(3, 8)} ${e164.slice(8)}` : value;
}
