/**
 * The printed prescription's fixed wording: English first (the doctor's and pharmacist's
 * language), Hindi for the patient. Kept in one place so a reviewer fluent in Hindi can check
 * them together.
 */

export interface Bilingual {
  en: string;
  hi?: string;
}

export const L = {
  patient: { en: 'Patient', hi: 'रोगी' },
  name: { en: 'Name', hi: 'नाम' },
  ageSex: { en: 'Age / Sex', hi: 'आयु / लिंग' },
  uhid: { en: 'UHID' },
  abhaNumber: { en: 'ABHA No.', hi: 'आभा संख्या' },
  abhaAddress: { en: 'ABHA Address', hi: 'आभा पता' },
  phone: { en: 'Phone', hi: 'फ़ोन' },
  visit: { en: 'Date & time', hi: 'दिनांक व समय' },
  visitNumber: { en: 'Visit No.', hi: 'पर्ची सं.' },
  vitals: { en: 'Vitals', hi: 'महत्वपूर्ण संकेत' },
  allergies: { en: 'Allergies', hi: 'एलर्जी' },
  complaints: { en: 'Chief complaints', hi: 'मुख्य शिकायतें' },
  diagnosis: { en: 'Diagnosis', hi: 'निदान' },
  rx: { en: 'Rx', hi: 'दवाइयाँ' },
  medicine: { en: 'Medicine', hi: 'दवा' },
  dose: { en: 'Dose', hi: 'खुराक' },
  frequency: { en: 'Frequency', hi: 'कितनी बार' },
  food: { en: 'Food', hi: 'भोजन' },
  duration: { en: 'Duration', hi: 'अवधि' },
  instructions: { en: 'Instructions', hi: 'निर्देश' },
  noMedicines: { en: 'No medicines prescribed', hi: 'कोई दवा नहीं लिखी गई' },
  investigations: { en: 'Investigations', hi: 'जाँचें' },
  referral: { en: 'Referral', hi: 'रेफ़रल' },
  advice: { en: 'Advice', hi: 'सलाह' },
  followUp: { en: 'Follow-up', hi: 'दोबारा दिखाएँ' },
  signature: { en: 'Signature', hi: 'हस्ताक्षर' },
  page: { en: 'Page', hi: 'पृष्ठ' },
  generated: { en: 'Generated', hi: 'तैयार' },
  registration: { en: 'Reg. No.' },
  partOf: { en: 'A unit of' },
} satisfies Record<string, Bilingual>;

export const GENDER: Record<string, string> = { male: 'Male', female: 'Female', other: 'Other', unknown: 'Unknown' };

export const VITALS: Record<string, Bilingual> = {
  bp: { en: 'BP', hi: 'रक्तचाप' },
  pulse: { en: 'Pulse', hi: 'नाड़ी' },
  temperature: { en: 'Temp.', hi: 'तापमान' },
  spo2: { en: 'SpO2', hi: 'ऑक्सीजन' },
  respiration: { en: 'Resp. rate', hi: 'साँस की दर' },
  weight: { en: 'Weight', hi: 'वज़न' },
  height: { en: 'Height', hi: 'लंबाई' },
  bmi: { en: 'BMI', hi: 'बीएमआई' },
  glucose: { en: 'Blood sugar', hi: 'शुगर' },
};

/** When to take a medicine relative to meals, the distinction patients ask about most. */
export const FOOD = {
  before: { en: 'Before food', hi: 'खाने से पहले' },
  after: { en: 'After food', hi: 'खाने के बाद' },
  with: { en: 'With food', hi: 'खाने के साथ' },
  empty: { en: 'Empty stomach', hi: 'खाली पेट' },
  bedtime: { en: 'At bedtime', hi: 'सोते समय' },
} satisfies Record<string, Bilingual>;

const TIMES_HI = ['', 'एक', 'दो', 'तीन', 'चार'];
const TIMES_EN = ['', 'Once', 'Twice', 'Three times', 'Four times'];

/** "Twice a day / दिन में दो बार", "Every 8 hours / हर 8 घंटे". */
export function frequencyPhrase(frequency: number, period: number, unit: string): Bilingual | undefined {
  const per: Record<string, [string, string]> = { d: ['a day', 'दिन में'], wk: ['a week', 'हफ़्ते में'], mo: ['a month', 'महीने में'] };
  if (period === 1 && per[unit]) {
    const [en, hi] = per[unit];
    return {
      en: `${TIMES_EN[frequency] ?? `${frequency} times`} ${en}`,
      hi: `${hi} ${TIMES_HI[frequency] ?? frequency} बार`,
    };
  }
  if (frequency === 1 && unit === 'h') return { en: `Every ${period} hours`, hi: `हर ${period} घंटे` };
  if (frequency === 1 && unit === 'd') return { en: `Every ${period} days`, hi: `हर ${period} दिन` };
  if (frequency === 1 && unit === 'wk') return { en: `Every ${period} weeks`, hi: `हर ${period} हफ़्ते` };
  return undefined;
}

export const AS_NEEDED: Bilingual = { en: 'When needed (SOS)', hi: 'ज़रूरत पड़ने पर' };

/** The places of the Indian pattern ("1-0-1", "1-0-0-1"), named for the patient. */
export const SLOTS_HI: Record<3 | 4, string[]> = { 3: ['सुबह', 'दोपहर', 'रात'], 4: ['सुबह', 'दोपहर', 'शाम', 'रात'] };
const SLOTS_EN: Record<3 | 4, string[]> = { 3: ['Morning', 'Afternoon', 'Night'], 4: ['Morning', 'Afternoon', 'Evening', 'Night'] };

/** What a pattern means in Hindi: "1-0-1" -> "सुबह 1, रात 1"; undefined for a string that is no pattern. */
export function patternMeaningHi(pattern: string): string | undefined {
  const doses = pattern.split('-');
  if (doses.length !== 3 && doses.length !== 4) return undefined;
  const names = SLOTS_HI[doses.length as 3 | 4];
  const taken = doses.flatMap((dose, i) => (/^0+$/.test(dose) ? [] : [`${names[i]} ${dose}`]));
  return taken.length ? taken.join(', ') : undefined;
}

/**
 * Words an instruction is made of when it only restates the dosage columns ("Morning 1, Night 1 —
 * after food — 5 days", "सुबह 1, रात 1 — खाने के बाद — 5 दिन", "1-0-1 after food × 5 days"):
 * such a line is not printed again under the medicine.
 */
export const RESTATING_WORDS: string[] = [
  ...SLOTS_EN[4],
  ...SLOTS_HI[4],
  ...Object.values(FOOD).flatMap((f) => [f.en, f.hi]),
  'food',
  'खाने',
  'each time',
  'हर बार',
  'then',
  'फिर',
  'Once, immediately',
  'तुरंत, एक बार',
  'When needed',
  'ज़रूरत पड़ने पर',
  'OD',
  'BD',
  'TDS',
  'QID',
  'HS',
  'SOS',
  'STAT',
  'WEEKLY',
  'a day',
  'a week',
  'दिन में',
  'हफ़्ते में',
  'बार',
  'Once',
  'Twice',
  'Three times',
  'Four times',
  'एक',
  'दो',
  'तीन',
  'चार',
];

/** Common HL7 timing abbreviations (GTSAbbreviation) as phrases. */
export const TIMING_CODES: Record<string, Bilingual> = {
  QD: { en: 'Once a day', hi: 'दिन में एक बार' },
  BID: { en: 'Twice a day', hi: 'दिन में दो बार' },
  TID: { en: 'Three times a day', hi: 'दिन में तीन बार' },
  QID: { en: 'Four times a day', hi: 'दिन में चार बार' },
  AM: { en: 'Every morning', hi: 'रोज़ सुबह' },
  PM: { en: 'Every evening', hi: 'रोज़ शाम' },
  QOD: { en: 'Every other day', hi: 'एक दिन छोड़कर' },
  WK: { en: 'Once a week', hi: 'हफ़्ते में एक बार' },
  Q4H: { en: 'Every 4 hours', hi: 'हर 4 घंटे' },
  Q6H: { en: 'Every 6 hours', hi: 'हर 6 घंटे' },
};

const UNITS: Record<string, [string, string, string, string]> = {
  // UCUM code: English singular, plural, Hindi singular, plural.
  min: ['minute', 'minutes', 'मिनट', 'मिनट'],
  h: ['hour', 'hours', 'घंटा', 'घंटे'],
  d: ['day', 'days', 'दिन', 'दिन'],
  wk: ['week', 'weeks', 'हफ़्ता', 'हफ़्ते'],
  mo: ['month', 'months', 'महीना', 'महीने'],
  a: ['year', 'years', 'साल', 'साल'],
};

const UNIT_WORDS: Record<string, string> = {
  day: 'd',
  days: 'd',
  week: 'wk',
  weeks: 'wk',
  month: 'mo',
  months: 'mo',
  hour: 'h',
  hours: 'h',
};

/** A Duration as "5 days / 5 दिन". */
export function durationPhrase(value: number | undefined, code: string | undefined, unit: string | undefined): Bilingual | undefined {
  if (value === undefined) return undefined;
  const key = code && UNITS[code] ? code : UNIT_WORDS[(unit ?? '').toLowerCase()];
  const words = key ? UNITS[key] : undefined;
  if (!words) return { en: `${value} ${unit ?? code ?? ''}`.trim() };
  const one = value === 1;
  return { en: `${value} ${one ? words[0] : words[1]}`, hi: `${value} ${one ? words[2] : words[3]}` };
}

/** Every word a duration is written with, in both languages (for RESTATING_WORDS' check). */
export const DURATION_WORDS: string[] = [...new Set([...Object.values(UNITS).flat(), ...Object.keys(UNIT_WORDS)])];
