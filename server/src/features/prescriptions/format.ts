import type { Quantity } from '@medplum/fhirtypes';

/** Prescriptions are read in India: every instant is shown in India Standard Time, DD/MM/YYYY, 12-hour clock. */
export const TIME_ZONE = 'Asia/Kolkata';

const PARTS = new Intl.DateTimeFormat('en-GB', {
  timeZone: TIME_ZONE,
  day: '2-digit',
  month: '2-digit',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hour12: true,
});

function parts(date: Date): Record<string, string> {
  return Object.fromEntries(PARTS.formatToParts(date).map((p) => [p.type, p.value]));
}

/** A FHIR date (YYYY, YYYY-MM, YYYY-MM-DD) as written, without a time zone shift: it has none. */
export function formatDate(value: string | undefined): string | undefined {
  const m = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$/.exec(value ?? '');
  if (!m) return value ? formatDateTime(value, false) : undefined;
  return [m[3], m[2], m[1]].filter(Boolean).join('/');
}

/** A FHIR dateTime/instant in IST: "06/10/2025, 10:00 AM" (date only for a dateTime without a time). */
export function formatDateTime(value: string | Date | undefined, withTime = true): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && /^\d{4}(-\d{2}(-\d{2})?)?$/.test(value)) return formatDate(value);
  const date = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) return typeof value === 'string' ? value : undefined;
  const p = parts(date);
  const day = `${p.day}/${p.month}/${p.year}`;
  // Some ICU versions say "am"/"pm": a prescription uses AM/PM.
  return withTime ? `${day}, ${p.hour}:${p.minute} ${p.dayPeriod?.toUpperCase()}` : day;
}

/** Age on a date the way Indian OPD slips write it: years, or months/days for infants. */
export function age(birthDate: string | undefined, on: Date): string | undefined {
  const m = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?/.exec(birthDate ?? '');
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2] ?? 1), Number(m[3] ?? 1)];
  const today = parts(on);
  const [ty, tm, td] = [Number(today.year), Number(today.month), Number(today.day)];
  const months = (ty - y) * 12 + (tm - mo) - (td < d ? 1 : 0);
  if (months < 0) return undefined;
  if (months >= 24) return `${Math.floor(months / 12)} Y`;
  if (months >= 1) return `${months} M`;
  return `${Math.round((Date.UTC(ty, tm - 1, td) - Date.UTC(y, mo - 1, d)) / 86_400_000)} D`;
}

const UNIT_DISPLAY: Record<string, string> = { Cel: '°C', '[degF]': '°F', 'mm[Hg]': 'mmHg', '/min': '/min', '%': '%', 'kg/m2': 'kg/m²' };

/** A Quantity's unit as printed: the UCUM code made readable where we know it, else its unit. */
export function unitOf(q: Quantity | undefined): string {
  return q?.code && UNIT_DISPLAY[q.code] ? UNIT_DISPLAY[q.code] : (q?.unit ?? q?.code ?? '');
}

/** A Quantity as "128 mmHg", "96/min", "97%". */
export function formatQuantity(q: Quantity | undefined): string | undefined {
  if (q?.value === undefined) return undefined;
  const unit = unitOf(q);
  return `${q.comparator ?? ''}${q.value}${unit ? (unit.startsWith('/') || unit === '%' ? '' : ' ') + unit : ''}`;
}

/** An ABHA number as ABDM writes it: 14 digits grouped 2-4-4-4 (91-1234-5678-9012). */
export function formatAbhaNumber(value: string | undefined): string | undefined {
  const digits = value?.replaceAll(/\D/g, '');
  return digits?.length === 14 ? `${digits.slice(0, 2)}-${digits.slice(2, 6)}-${digits.slice(6, 10)}-${digits.slice(10)}` : value;
}

/** An Indian mobile as read aloud: +91 98220 45671; landlines and foreign numbers as stored. */
export function formatPhone(value: string | undefined): string | undefined {
  const m = /^(?:\+?91|0)?[\s-]*([6-9]\d{4})[\s-]*(\d{5})$/.exec(value?.trim() ?? '');
  if (m) return `+91 ${m[1]} ${m[2]}`;
  // A landline in one of the two-digit STD areas (Delhi, Pune, Mumbai, Kolkata, ...): +91 20 2543 8800.
  const digits = value?.replace(/[\s-]/g, '').replace(/^(?:\+91|0)/, '') ?? '';
  const metro = /^(11|20|22|33|40|44|79|80)(\d{4})(\d{4})$/.exec(digits);
  return metro ? `+91 ${metro[1]} ${metro[2]} ${metro[3]}` : value;
}
