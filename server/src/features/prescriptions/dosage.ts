import type { Dosage, MedicationRequest } from '@medplum/fhirtypes';
import { formatQuantity } from './format.ts';
import {
  AS_NEEDED,
  type Bilingual,
  DURATION_WORDS,
  durationPhrase,
  FOOD,
  frequencyPhrase,
  patternMeaningHi,
  RESTATING_WORDS,
  TIMING_CODES,
} from './labels.ts';

/**
 * How a MedicationRequest's dosage reads on an Indian prescription: dose, frequency (the
 * morning-noon-night pattern "1-0-1" where the timing gives it), before/after food, duration.
 */

// FHIR event-timing codes by the slot of the day they fall in, and by meal relation.
const MORNING = ['MORN', 'MORN.early', 'MORN.late', 'WAKE', 'ACM', 'CM', 'PCM'];
const NOON = ['NOON', 'AFT', 'AFT.early', 'AFT.late', 'ACD', 'CD', 'PCD'];
const NIGHT = ['EVE', 'EVE.early', 'EVE.late', 'NIGHT', 'PHS', 'HS', 'ACV', 'CV', 'PCV'];
const BEFORE = ['AC', 'ACM', 'ACD', 'ACV'];
const AFTER = ['PC', 'PCM', 'PCD', 'PCV'];
const WITH = ['C', 'CM', 'CD', 'CV'];

/** SNOMED CT additional dosage instructions that are about food. */
const FOOD_CODES: Record<string, Bilingual> = {
  '311501008': FOOD.before, // Half to one hour before food
  '311504000': FOOD.after, // With or after food
};

/** "1-0-1" style text: digits or halves for morning, noon, (evening,) night. */
const PATTERN = /^\s*[\d½¼¾.]+(\s*-\s*[\d½¼¾.]+){2,3}\s*$/;

export interface DosageView {
  dose?: string;
  frequency?: Bilingual;
  food?: Bilingual;
  duration?: Bilingual;
  /** Dosage.text when it says more than the columns do. */
  text?: string;
}

function doseOf(d: Dosage | undefined): { text?: string; value?: number } {
  const rate = d?.doseAndRate?.[0];
  if (rate?.doseQuantity) return { text: formatQuantity(rate.doseQuantity), value: rate.doseQuantity.value };
  if (rate?.doseRange?.low || rate?.doseRange?.high) {
    const low = rate.doseRange.low?.value;
    const high = formatQuantity(rate.doseRange.high);
    return { text: [low, high].filter((x) => x !== undefined).join('–') };
  }
  return {};
}

/** Dosages given together (one sequence number) read as one pattern: "1-0-2" is two Dosages. */
function patternOf(parts: Dosage[]): string | undefined {
  const slots = [MORNING, NOON, NIGHT].map((slot) => {
    const part = parts.find((d) => (d.timing?.repeat?.when ?? []).some((w) => slot.includes(w)));
    if (!part) return '0';
    const dose = doseOf(part).value;
    return dose !== undefined && dose > 0 ? String(dose).replace('0.5', '½') : '1';
  });
  return slots.some((s) => s !== '0') ? slots.join('-') : undefined;
}

const withMeaning = (pattern: string): Bilingual => ({ en: pattern, hi: patternMeaningHi(pattern) });

function frequencyOf(parts: Dosage[]): Bilingual | undefined {
  const d = parts[0];
  const timing = d?.timing;
  const repeat = timing?.repeat;
  const pattern = patternOf(parts);
  if (pattern) return withMeaning(pattern);
  if (timing?.code?.text) return { en: timing.code.text };
  const code = timing?.code?.coding?.find((c) => c.code && TIMING_CODES[c.code])?.code;
  if (code) return TIMING_CODES[code];
  if (repeat?.frequency && repeat.periodUnit) {
    const phrase = frequencyPhrase(repeat.frequency, repeat.period ?? 1, repeat.periodUnit);
    if (phrase) return phrase;
  }
  if (d?.text && PATTERN.test(d.text)) return withMeaning(d.text.replaceAll(/\s+/g, ''));
  if (d?.asNeededBoolean || d?.asNeededCodeableConcept) return AS_NEEDED;
  return undefined;
}

const escapeRegExp = (w: string) => w.replaceAll(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Longest first, so "after food" goes before "food". */
const RESTATING = new RegExp(
  [...RESTATING_WORDS, ...DURATION_WORDS]
    .sort((a, b) => b.length - a.length)
    .map(escapeRegExp)
    .join('|'),
  'giu',
);

/**
 * True when a line says nothing the dosage columns do not already print: only slot names, doses,
 * food and duration words, numbers and punctuation. Such a line (Dosage.text, or an instruction
 * generated from the dosage) is not printed a second and third time.
 */
export function restatesColumns(text: string): boolean {
  return text.replaceAll(RESTATING, ' ').replaceAll(/[\d½¼¾.\-–—×x,;:/()\s]/giu, '') === '';
}

function foodOf(d: Dosage | undefined): Bilingual | undefined {
  for (const instruction of d?.additionalInstruction ?? []) {
    const coded = instruction.coding?.find((c) => c.code && FOOD_CODES[c.code]);
    if (coded?.code) return FOOD_CODES[coded.code];
    const text = instruction.text ?? instruction.coding?.find((c) => c.display)?.display;
    if (!text) continue;
    if (/empty stomach/i.test(text)) return FOOD.empty;
    if (/before (food|meal)/i.test(text)) return FOOD.before;
    if (/after (food|meal)/i.test(text)) return FOOD.after;
    if (/with (food|meal)/i.test(text)) return FOOD.with;
    if (/bed ?time|before sleep/i.test(text)) return FOOD.bedtime;
    return { en: text };
  }
  const when = d?.timing?.repeat?.when ?? [];
  if (when.some((w) => BEFORE.includes(w))) return FOOD.before;
  if (when.some((w) => AFTER.includes(w))) return FOOD.after;
  if (when.some((w) => WITH.includes(w))) return FOOD.with;
  if (when.includes('HS')) return FOOD.bedtime;
  return undefined;
}

function durationOf(request: MedicationRequest, d: Dosage | undefined): Bilingual | undefined {
  const bounds = d?.timing?.repeat?.boundsDuration ?? request.dispenseRequest?.expectedSupplyDuration;
  return bounds ? durationPhrase(bounds.value, bounds.code, bounds.unit) : undefined;
}

/**
 * The first dosage instruction, with the ones given together with it (same sequence), as table
 * columns; later steps of a tapering schedule go in the text.
 */
export function dosageView(request: MedicationRequest): DosageView {
  const all = request.dosageInstruction ?? [];
  const d = all[0];
  const together = d?.sequence === undefined ? all.slice(0, 1) : all.filter((x) => x.sequence === d.sequence);
  const dose = doseOf(d);
  const frequency = frequencyOf(together);
  const later = all.filter((x) => !together.includes(x));
  const text = [...together, ...later]
    .map((x) => x.text)
    .filter((t): t is string => !!t && !(frequency && together.some((x) => x.text === t) && restatesColumns(t)));
  return {
    // Different doses at different times ("1-0-2") live in the pattern, not one dose.
    dose: together.length > 1 ? undefined : dose.text,
    frequency,
    food: foodOf(d),
    duration: durationOf(request, d),
    text: [...new Set(text)].join('; ') || undefined,
  };
}
