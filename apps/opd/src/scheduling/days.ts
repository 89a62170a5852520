/** Calendar arithmetic on FHIR dates (YYYY-MM-DD) for India: the day runs midnight to midnight IST. */
export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** The instants bounding a local day in Asia/Kolkata, for `date=ge..&date=lt..` searches. */
export function istDayRange(day: string): [string, string] {
  return [`${day}T00:00:00+05:30`, `${addDays(day, 1)}T00:00:00+05:30`];
}
