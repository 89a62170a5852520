import type { Dosage, MedicationRequest } from '@medplum/fhirtypes';
import { formatQuantity } from './format.ts';
import { AS_NEEDED, type Bilingual, durationPhrase, FOOD, frequencyPhrase, PATTERN_HI, TIMING_CODES } from './labels.ts';

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

function patternOf(when: string[], dose: number | undefined): string | undefined {
  const slots = [MORNING, NOON, NIGHT].map((slot) => when.some((w) => slot.includes(w)));
  if (!slots.some(Boolean)) return undefined;
  const n = dose !== undefined && dose > 0 ? String(dose).replace('0.5', '½') : '1';
  return slots.map((on) => (on ? n : '0')).join('-');
}

function frequencyOf(d: Dosage | undefined, dose: number | undefined): Bilingual | undefined {
  const timing = d?.timing;
  const repeat = timing?.repeat;
  const pattern = patternOf(repeat?.when ?? [], dose);
  if (pattern) return { en: pattern, hi: PATTERN_HI };
  if (timing?.code?.text) return { en: timing.code.text };
  const code = timing?.code?.coding?.find((c) => c.code && TIMING_CODES[c.code])?.code;
  if (code) return TIMING_CODES[code];
  if (repeat?.frequency && repeat.periodUnit) {
    const phrase = frequencyPhrase(repeat.frequency, repeat.period ?? 1, repeat.periodUnit);
    if (phrase) return phrase;
  }
  if (d?.text && PATTERN.test(d.text)) return { en: d.text.replaceAll(/\s+/g, ''), hi: PATTERN_HI };
  if (d?.asNeededBoolean || d?.asNeededCodeableConcept) return AS_NEEDED;
  return undefined;
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

/** The first dosage instruction as table columns (a tapering schedule's later steps go in its text). */
export function dosageView(request: MedicationRequest): DosageView {
  const d = request.dosageInstruction?.[0];
  const dose = doseOf(d);
  const frequency = frequencyOf(d, dose.value);
  // Dosage.text already shown as the frequency ("1-0-1") is not repeated.
  const text = d?.text && !(frequency?.en === d.text.replaceAll(/\s+/g, '')) ? d.text : undefined;
  const rest = (request.dosageInstruction ?? [])
    .slice(1)
    .map((x) => x.text)
    .filter(Boolean);
  return {
    dose: dose.text,
    frequency,
    food: foodOf(d),
    duration: durationOf(request, d),
    text: [text, ...rest].filter(Boolean).join('; ') || undefined,
  };
}
