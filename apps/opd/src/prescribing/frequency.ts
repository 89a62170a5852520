/**
 * How often a medicine is taken, as Indian prescriptions write it: the morning-afternoon-night
 * dose pattern ("1-0-1", "½-0-½"; four places, "1-1-1-1", add the evening) or a Latin
 * abbreviation (OD, BD, TDS, QID, HS, SOS, STAT) or "weekly".
 */

export type FrequencyCode = 'OD' | 'BD' | 'TDS' | 'QID' | 'HS' | 'SOS' | 'STAT' | 'WEEKLY';

export type Frequency =
  /** The dose at each time of day: [morning, afternoon, night] or [morning, afternoon, evening, night]. */
  { kind: 'slots'; doses: number[] } | { kind: 'code'; code: FrequencyCode };

/** What prescribers write, after upper-casing and dropping dots ("b.d." → "BD"). */
const CODES: Record<string, FrequencyCode> = {
  OD: 'OD',
  QD: 'OD',
  BD: 'BD',
  BID: 'BD',
  TDS: 'TDS',
  TID: 'TDS',
  QID: 'QID',
  QDS: 'QID',
  HS: 'HS',
  SOS: 'SOS',
  PRN: 'SOS',
  STAT: 'STAT',
  WEEKLY: 'WEEKLY',
  'ONCE A WEEK': 'WEEKLY',
};

const FRACTIONS: Record<string, number> = { '½': 0.5, '¼': 0.25, '¾': 0.75 };

/** One place of the pattern: 1, 0, 2, 0.5, ½, 1½, 1/2. Undefined when it is no dose. */
function parseDose(token: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(token)) return Number(token);
  const mixed = /^(\d*)([½¼¾])$/.exec(token);
  if (mixed) return Number(mixed[1] || 0) + FRACTIONS[mixed[2]];
  const ratio = /^(\d+)\/([1-9]\d*)$/.exec(token);
  if (ratio) return Number(ratio[1]) / Number(ratio[2]);
  return undefined;
}

/** The frequency a prescriber typed, or undefined when it is not one ("1-0", "0-0-0", "twice"). */
export function parseFrequency(text: string): Frequency | undefined {
  const typed = text.trim().toUpperCase().replace(/\s+/g, ' ');
  // Dots only separate the letters of an abbreviation; in a pattern they are decimal points (0.5-0-0.5).
  const abbreviation = CODES[typed.replace(/\./g, '')];
  if (abbreviation) return { kind: 'code', code: abbreviation };
  const places = typed.split(/\s*[-–]\s*/);
  if (places.length !== 3 && places.length !== 4) return undefined;
  const doses = places.map(parseDose);
  if (doses.some((d) => d === undefined) || doses.every((d) => d === 0)) return undefined;
  return { kind: 'slots', doses: doses as number[] };
}

const FRACTION_SIGNS: Record<number, string> = { 0.25: '¼', 0.5: '½', 0.75: '¾' };

/** A dose as prescriptions print it: 1, ½, 1½, 2.5. */
export function formatDose(dose: number): string {
  const whole = Math.floor(dose);
  const sign = FRACTION_SIGNS[dose - whole];
  if (sign) return whole ? `${whole}${sign}` : sign;
  return String(dose);
}

/** The pattern or abbreviation as written on a prescription: "1-0-1", "½-0-½", "BD", "Weekly". */
export function frequencyNotation(frequency: Frequency): string {
  if (frequency.kind === 'slots') return frequency.doses.map(formatDose).join('-');
  return frequency.code === 'WEEKLY' ? 'Weekly' : frequency.code;
}
