import type { Language } from '@hospital-ops/app-shell/format/locale.ts';
import type { Dosage } from '@medplum/fhirtypes';
import { type CourseDuration, type DurationUnit, SNOMED } from './dosage.ts';
import { type EventTiming, type FoodTiming, foodTimingOf, slotDoses } from './event-timing.ts';
import { type Frequency, type FrequencyCode, formatDose, frequencyNotation } from './frequency.ts';

const WORDS: Record<
  Language,
  {
    places: Record<3 | 4, string[]>;
    codes: Record<FrequencyCode, string>;
    food: Record<FoodTiming, string>;
    eachTime: (dose: string) => string;
    duration: Record<DurationUnit, [string, string]>;
  }
> = {
  en: {
    places: { 3: ['Morning', 'Afternoon', 'Night'], 4: ['Morning', 'Afternoon', 'Evening', 'Night'] },
    codes: {
      OD: 'Once a day',
      BD: 'Twice a day',
      TDS: 'Three times a day',
      QID: 'Four times a day',
      HS: 'At bedtime',
      SOS: 'When needed',
      STAT: 'Once, immediately',
      WEEKLY: 'Once a week',
    },
    food: { before: 'before food', after: 'after food', with: 'with food' },
    eachTime: (dose) => `${dose} each time`,
    duration: { d: ['day', 'days'], wk: ['week', 'weeks'], mo: ['month', 'months'] },
  },
  hi: {
    places: { 3: ['सुबह', 'दोपहर', 'रात'], 4: ['सुबह', 'दोपहर', 'शाम', 'रात'] },
    codes: {
      OD: 'दिन में एक बार',
      BD: 'दिन में दो बार',
      TDS: 'दिन में तीन बार',
      QID: 'दिन में चार बार',
      HS: 'सोते समय',
      SOS: 'ज़रूरत पड़ने पर',
      STAT: 'तुरंत, एक बार',
      WEEKLY: 'हफ़्ते में एक बार',
    },
    food: { before: 'खाने से पहले', after: 'खाने के बाद', with: 'खाने के साथ' },
    eachTime: (dose) => `हर बार ${dose}`,
    duration: { d: ['दिन', 'दिन'], wk: ['हफ़्ता', 'हफ़्ते'], mo: ['महीना', 'महीने'] },
  },
};

const TIMES_A_DAY: Record<number, FrequencyCode | undefined> = { 1: 'OD', 2: 'BD', 3: 'TDS', 4: 'QID' };
const FOOD_BY_SNOMED: Record<string, FoodTiming> = { '311501008': 'before', '311504000': 'after' };

export interface DosageDescription {
  /** As a prescription writes it: "1-0-1", "BD", "SOS". */
  notation: string;
  /** For the patient: "Morning 1, Night 1 — after food — 5 days" / "सुबह 1, रात 1 — खाने के बाद — 5 दिन". */
  instruction: string;
}

const doseOf = (d: Dosage) => d.doseAndRate?.[0]?.doseQuantity?.value ?? 1;

/** The frequency the Dosages of one sequence (given together) express, if it is one Indian prescriptions write. */
function frequencyOf(parts: Dosage[]): Frequency | undefined {
  if (parts.some((d) => d.asNeededBoolean || d.asNeededCodeableConcept)) return { kind: 'code', code: 'SOS' };
  const repeat = parts[0].timing?.repeat;
  if (repeat?.count === 1 && repeat.frequency === undefined) return { kind: 'code', code: 'STAT' };
  const events = parts.flatMap((d) => (d.timing?.repeat?.when ?? []).map((when) => ({ when, dose: doseOf(d) })));
  if (events.length === 1 && events[0].when === 'HS') return { kind: 'code', code: 'HS' };
  const doses = slotDoses(events);
  if (doses) return { kind: 'slots', doses };
  if (parts.length !== 1 || repeat?.period !== 1) return undefined;
  if (repeat.periodUnit === 'wk' && repeat.frequency === 1) return { kind: 'code', code: 'WEEKLY' };
  const code = repeat.periodUnit === 'd' ? TIMES_A_DAY[repeat.frequency ?? 0] : undefined;
  return code ? { kind: 'code', code } : undefined;
}

function foodOf(parts: Dosage[]): FoodTiming | undefined {
  for (const d of parts) {
    for (const when of d.timing?.repeat?.when ?? []) {
      const food = foodTimingOf(when as EventTiming);
      if (food) return food;
    }
    for (const instruction of d.additionalInstruction ?? []) {
      const coded = instruction.coding?.find((c) => c.system === SNOMED && c.code && FOOD_BY_SNOMED[c.code]);
      if (coded?.code) return FOOD_BY_SNOMED[coded.code];
    }
  }
  return undefined;
}

function durationOf(parts: Dosage[]): CourseDuration | undefined {
  const bounds = parts[0].timing?.repeat?.boundsDuration;
  const unit = bounds?.code as DurationUnit | undefined;
  return bounds?.value !== undefined && unit && unit in WORDS.en.duration ? { value: bounds.value, unit } : undefined;
}

function describeSequence(parts: Dosage[], lang: Language): DosageDescription | undefined {
  const frequency = frequencyOf(parts);
  if (!frequency) return undefined;
  const words = WORDS[lang];
  let when: string;
  if (frequency.kind === 'slots') {
    const names = words.places[frequency.doses.length as 3 | 4];
    when = frequency.doses.flatMap((dose, i) => (dose > 0 ? [`${names[i]} ${formatDose(dose)}`] : [])).join(', ');
  } else {
    const dose = doseOf(parts[0]);
    when = dose === 1 ? words.codes[frequency.code] : `${words.codes[frequency.code]} (${words.eachTime(formatDose(dose))})`;
  }
  const food = foodOf(parts);
  const duration = durationOf(parts);
  const durationWords = duration && `${duration.value} ${words.duration[duration.unit][duration.value === 1 ? 0 : 1]}`;
  return {
    notation: frequencyNotation(frequency),
    instruction: [when, food && words.food[food], durationWords].filter(Boolean).join(' — '),
  };
}

/**
 * The Indian notation and a patient instruction line for a MedicationRequest's dosageInstruction,
 * in English or Hindi. Dosages sharing a sequence number are read together ("1-0-2" from two
 * Dosages); sequences that follow one another are joined with "then" / "फिर". Undefined when the
 * timing is none these prescriptions use (every 6 hours, specific clock times...): show Dosage.text.
 */
export function describeDosage(dosages: Dosage[], lang: Language = 'en'): DosageDescription | undefined {
  const sequences = new Map<number, Dosage[]>();
  for (const d of dosages) sequences.set(d.sequence ?? 0, [...(sequences.get(d.sequence ?? 0) ?? []), d]);
  const described = [...sequences.entries()].sort(([a], [b]) => a - b).map(([, parts]) => describeSequence(parts, lang));
  if (!described.length || described.some((d) => !d)) return undefined;
  const then = lang === 'hi' ? '; फिर ' : '; then ';
  return {
    notation: described.map((d) => d!.notation).join(then),
    instruction: described.map((d) => d!.instruction).join(then),
  };
}
