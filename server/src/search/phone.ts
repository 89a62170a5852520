import type { SearchParameter } from '@medplum/fhirtypes';

/**
 * Indian phone numbers are written many ways (+91 98220 45671, 09822045671, 98220-45671); the
 * search rows and the searches of telecom parameters both use the bare 10-digit mobile number, so
 * any of them finds any other. Numbers of other shapes (landlines with STD codes, other countries)
 * are kept as written.
 */
const INDIAN_MOBILE = /^(?:\+?91|0091|0)?([6-9]\d{9})$/;

export function phoneKey(value: string): string {
  const compact = value.replace(/[\s\-().]/g, '');
  return INDIAN_MOBILE.exec(compact)?.[1] ?? value;
}

/** ContactPoint systems whose values are phone numbers (and a ContactPoint that names none). */
export function isPhoneSystem(system: string | undefined | null): boolean {
  return !system || system === 'phone' || system === 'sms';
}

/** A token parameter over ContactPoints (phone, telecom, ...): its searched values are phone keys. */
export function isTelecomParameter(param: SearchParameter): boolean {
  return param.type === 'token' && /\.telecom\b/.test(param.expression ?? '');
}

/** A searched token value (`[system|]value`) with its phone number as the indexed key. */
export function phoneQueryValue(v: string): string {
  const bar = v.indexOf('|');
  if (bar < 0) return phoneKey(v);
  const system = v.slice(0, bar);
  return isPhoneSystem(system) ? `${system}|${phoneKey(v.slice(bar + 1))}` : v;
}
