/** India has one time zone and no daylight saving: IST is UTC+05:30 all year. */
const IST_OFFSET_MINUTES = 330;

function minutesOf(hhmm: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(hhmm.trim());
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) throw new RangeError(`Quiet hours must be HH:MM, not ${hhmm}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** Whether `at` falls in the quiet hours (IST), a window that may run past midnight (21:00-08:00). */
export function inQuietHours(at: Date, start: string, end: string): boolean {
  const now = (at.getUTCHours() * 60 + at.getUTCMinutes() + IST_OFFSET_MINUTES) % 1440;
  const s = minutesOf(start);
  const e = minutesOf(end);
  if (s === e) return false;
  return s < e ? now >= s && now < e : now >= s || now < e;
}

/** A date and time as the patient reads it, in IST: "Wed, 2 Dec, 10:30 am" or "बुध, 2 दिस॰, 10:30 am". */
export function formatWhen(iso: string, language: string, timeOnly = false): string {
  const locale = language === 'hi' ? 'hi-IN' : 'en-IN';
  const options: Intl.DateTimeFormatOptions = timeOnly
    ? { timeZone: 'Asia/Kolkata', hour: 'numeric', minute: '2-digit' }
    : { timeZone: 'Asia/Kolkata', weekday: 'short', day: 'numeric', month: 'short', hour: 'numeric', minute: '2-digit' };
  return new Intl.DateTimeFormat(locale, options).format(new Date(iso));
}
