import { INDIA_TIME_ZONE, intlLocale, type Language } from './locale.ts';

/** A FHIR date: YYYY, YYYY-MM or YYYY-MM-DD. */
const FHIR_DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;
/** A date-time written without an offset (FHIR requires one, some senders forget it). */
const NO_OFFSET = /T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

const dayMonthYear = new Intl.DateTimeFormat('en-IN', { timeZone: INDIA_TIME_ZONE, day: '2-digit', month: '2-digit', year: 'numeric' });
const clockTime: Record<Language, Intl.DateTimeFormat> = {
  // "10:05 am"
  en: new Intl.DateTimeFormat(intlLocale('en'), { timeZone: INDIA_TIME_ZONE, hour: 'numeric', minute: '2-digit', hour12: true }),
  // "सुबह 10:05", "शाम 4:30": Hindi names the part of the day rather than writing am/pm.
  hi: new Intl.DateTimeFormat(intlLocale('hi'), { timeZone: INDIA_TIME_ZONE, hour: 'numeric', minute: '2-digit', dayPeriod: 'short' }),
};

// Recent ICU versions put a narrow no-break space (U+202F) before "am"; people type, search and compare plain spaces.
const plainSpaces = (text: string) => text.replace(/[\u00a0\u202f]/g, ' ');

/** The instant a FHIR dateTime/instant (or a Date) names; undefined when it names none. */
function toInstant(value: string | Date): Date | undefined {
  // Offset-less date-times come from Indian systems: read them as IST, not as the browser's zone.
  const d = typeof value === 'string' ? new Date(NO_OFFSET.test(value) ? `${value}+05:30` : value) : value;
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** Year, month and day of an instant on the calendar in India. */
function indianCalendarDate(instant: Date): { year: string; month: string; day: string } {
  const parts = Object.fromEntries(dayMonthYear.formatToParts(instant).map((p) => [p.type, p.value]));
  return { year: parts.year, month: parts.month, day: parts.day };
}

/**
 * DD/MM/YYYY. A FHIR date (no time, no zone) is printed as written: shifting it through a time zone
 * could move it by a day. Partial dates print as MM/YYYY or YYYY. Unreadable input comes back as is.
 */
export function formatDate(value: string | Date | undefined): string {
  if (value === undefined || value === '') return '';
  if (typeof value === 'string') {
    const date = FHIR_DATE.exec(value);
    if (date) return [date[3], date[2], date[1]].filter(Boolean).join('/');
  }
  const instant = toInstant(value);
  if (!instant) return String(value);
  const { year, month, day } = indianCalendarDate(instant);
  return `${day}/${month}/${year}`;
}

/** 12-hour clock time in India: "10:05 am", "4:30 pm"; in Hindi "सुबह 10:05", "शाम 4:30". */
export function formatTime(value: string | Date | undefined, lang: Language = 'en'): string {
  if (value === undefined || value === '') return '';
  const instant = toInstant(value);
  return instant ? plainSpaces(clockTime[lang].format(instant)) : String(value);
}

/** "05/03/2026, 10:05 am". A FHIR date without a time prints the date alone. */
export function formatDateTime(value: string | Date | undefined, lang: Language = 'en'): string {
  if (value === undefined || value === '') return '';
  if (typeof value === 'string' && FHIR_DATE.test(value)) return formatDate(value);
  const instant = toInstant(value);
  return instant ? `${formatDate(instant)}, ${formatTime(instant, lang)}` : String(value);
}

/**
 * A date typed the Indian way (DD/MM/YYYY; "-", "." or a space also separate, single digits are
 * fine) as a FHIR date, or undefined when it is no real calendar date (31/02/2020, 29/02/2023).
 * Years before 1900 are refused: typed dates are births, visits and appointments, so 0202 is a typo.
 */
export function parseIndianDate(text: string): string | undefined {
  const typed = /^(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{4})$/.exec(text.trim());
  if (!typed) return undefined;
  const [day, month, year] = typed.slice(1).map(Number);
  if (year < 1900) return undefined;
  const date = new Date(Date.UTC(year, month - 1, day));
  // Date.UTC rolls 31/02 over into March; a real date survives the round trip.
  if (date.getUTCDate() !== day || date.getUTCMonth() !== month - 1) return undefined;
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** Today in India as a FHIR date: the queue day, whatever the server's or browser's zone. */
export function todayInIndia(now: Date = new Date()): string {
  const { year, month, day } = indianCalendarDate(now);
  return `${year}-${month}-${day}`;
}

const AGE_UNITS: Record<Language, { years: string; months: string; days: string }> = {
  en: { years: 'y', months: 'm', days: 'd' },
  hi: { years: 'वर्ष', months: 'माह', days: 'दिन' },
};

/**
 * Age from a FHIR birthDate, as clinics write it: "34 y"; "8 m" under two years (the age in
 * months that paediatric growth charts and vaccination schedules use); "12 d" under a month.
 * A year-only birth date (the desk recorded an age, not a date) gives whole years only.
 * Empty when the birth date is unreadable or after `today`.
 */
export function formatAge(birthDate: string | undefined, lang: Language = 'en', today: string = todayInIndia()): string {
  const born = FHIR_DATE.exec(birthDate ?? '');
  const now = FHIR_DATE.exec(today);
  if (!born || !now) return '';
  const [by, bm, bd] = [Number(born[1]), Number(born[2] ?? 1), Number(born[3] ?? 1)];
  const [ty, tm, td] = [Number(now[1]), Number(now[2] ?? 1), Number(now[3] ?? 1)];
  const months = (ty - by) * 12 + (tm - bm) - (td < bd ? 1 : 0);
  if (months < 0) return '';
  const units = AGE_UNITS[lang];
  const exact = born[3] !== undefined;
  if (months >= 24 || !exact) return `${Math.floor(months / 12)} ${units.years}`;
  if (months >= 1) return `${months} ${units.months}`;
  const days = (Date.UTC(ty, tm - 1, td) - Date.UTC(by, bm - 1, bd)) / 86_400_000;
  return `${days} ${units.days}`;
}
