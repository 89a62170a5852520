import type { CodeableConcept, Dosage, Duration, Quantity, TimingRepeat } from '@medplum/fhirtypes';
import { type EventTiming, type FoodTiming, MEAL_EVENTS, SLOT_EVENTS } from './event-timing.ts';
import { type Frequency, formatDose, frequencyNotation, parseFrequency } from './frequency.ts';

export const SNOMED = 'http://snomed.info/sct';
const UCUM = 'http://unitsofmeasure.org';

export type DurationUnit = 'd' | 'wk' | 'mo';
/** How long the course runs: 5 days, 2 weeks, 3 months (UCUM units). */
export interface CourseDuration {
  value: number;
  unit: DurationUnit;
}

export interface DosageInput {
  /** "1-0-1", "½-0-½", "BD", "SOS"... or an already parsed frequency. */
  frequency: string | Frequency;
  food?: FoodTiming;
  duration?: CourseDuration;
  /** The dose for abbreviations (OD, BD, SOS...), which carry none; default 1. */
  dose?: number;
  /** What a dose counts, e.g. `{ unit: 'tablet', system: UCUM, code: '{tablet}' }`; omitted, the dose is a bare number. */
  doseUnit?: Pick<Quantity, 'unit' | 'system' | 'code'>;
}

/*
 * Food instructions, coded where a SNOMED CT concept says the same thing. Both codes are members of
 * FHIR's example value set for Dosage.additionalInstruction (SNOMED CT additional dosage
 * instructions, 419492006); 311504000 is also what the NRCeS ABDM IG's MedicationRequest example
 * uses. "With food" has no concept we could confirm, so it is text only; its meal codes (CM, CD, CV)
 * carry the meaning in the timing.
 */
export const FOOD_INSTRUCTIONS: Record<FoodTiming, CodeableConcept> = {
  before: { coding: [{ system: SNOMED, code: '311501008', display: 'Half to one hour before food' }], text: 'Before food' },
  after: { coding: [{ system: SNOMED, code: '311504000', display: 'With or after food' }], text: 'After food' },
  with: { text: 'With food' },
};

const FOOD_WORDS: Record<FoodTiming, string> = { before: 'before food', after: 'after food', with: 'with food' };
const DURATION_WORDS: Record<DurationUnit, [string, string]> = { d: ['day', 'days'], wk: ['week', 'weeks'], mo: ['month', 'months'] };

export function durationText(duration: CourseDuration): string {
  const [one, many] = DURATION_WORDS[duration.unit];
  return `${duration.value} ${duration.value === 1 ? one : many}`;
}

/** "1-0-1 after food × 5 days": what a prescription prints for one Dosage. */
function instructionText(notation: string, input: DosageInput, withDuration: boolean): string {
  const food = input.food ? ` ${FOOD_WORDS[input.food]}` : '';
  const duration = withDuration && input.duration ? ` × ${durationText(input.duration)}` : '';
  return `${notation}${food}${duration}`;
}

function boundsDuration(duration: CourseDuration): Duration {
  return { value: duration.value, unit: DURATION_WORDS[duration.unit][duration.value === 1 ? 0 : 1], system: UCUM, code: duration.unit };
}

function dosePart(value: number, input: DosageInput): Dosage['doseAndRate'] {
  return [{ doseQuantity: { value, ...input.doseUnit } }];
}

/** Timing, dose and asNeeded for an abbreviation; `when` codes only where food ties it to meals or it names bedtime. */
function abbreviationDosage(frequency: Extract<Frequency, { kind: 'code' }>, input: DosageInput): Dosage {
  const mealEvent: EventTiming[] = input.food ? [MEAL_EVENTS[input.food]] : [];
  const daily = (times: number): TimingRepeat => ({
    frequency: times,
    period: 1,
    periodUnit: 'd',
    ...(mealEvent.length ? { when: mealEvent } : {}),
  });
  const repeat: Record<typeof frequency.code, TimingRepeat> = {
    OD: daily(1),
    BD: daily(2),
    TDS: daily(3),
    QID: daily(4),
    HS: { frequency: 1, period: 1, periodUnit: 'd', when: ['HS'] },
    WEEKLY: { frequency: 1, period: 1, periodUnit: 'wk', ...(mealEvent.length ? { when: mealEvent } : {}) },
    SOS: {},
    // One dose, now: a duration means nothing here.
    STAT: { count: 1 },
  };
  const once = frequency.code === 'STAT';
  const timing: TimingRepeat = {
    ...repeat[frequency.code],
    ...(input.duration && !once ? { boundsDuration: boundsDuration(input.duration) } : {}),
  };
  return {
    sequence: 1,
    text: instructionText(frequencyNotation(frequency), input, !once),
    ...(input.food ? { additionalInstruction: [FOOD_INSTRUCTIONS[input.food]] } : {}),
    ...(Object.keys(timing).length ? { timing: { repeat: timing } } : {}),
    ...(frequency.code === 'SOS' ? { asNeededBoolean: true } : {}),
    doseAndRate: dosePart(input.dose ?? 1, input),
  };
}

/**
 * One Dosage per distinct dose of the pattern ("1-0-2" gives 1 in the morning and 2 at night), all
 * with sequence 1: Dosages that share a sequence number apply together (NHS Dose Syntax IG,
 * "concurrent instructions"), while 1, 2, 3... would mean one after another. Each part's text is its
 * own pattern with the other places 0, so that every Dosage reads correctly on its own.
 */
function patternDosages(doses: number[], input: DosageInput): Dosage[] {
  const events = SLOT_EVENTS[doses.length as 3 | 4][input.food ?? 'none'];
  const distinct = [...new Set(doses.filter((d) => d > 0))];
  return distinct.map((dose) => {
    const places = doses.map((d) => (d === dose ? d : 0));
    const notation = places.map(formatDose).join('-');
    const when = events.filter((_, i) => places[i] > 0);
    return {
      sequence: 1,
      text: instructionText(notation, input, true),
      ...(input.food ? { additionalInstruction: [FOOD_INSTRUCTIONS[input.food]] } : {}),
      timing: {
        repeat: {
          frequency: when.length,
          period: 1,
          periodUnit: 'd',
          when,
          ...(input.duration ? { boundsDuration: boundsDuration(input.duration) } : {}),
        },
      },
      doseAndRate: dosePart(dose, input),
    };
  });
}

/**
 * FHIR R4 Dosage for a prescription line: frequency ("1-0-1", "BD", "SOS"...), food timing and
 * course length. Undefined when the frequency is not one parseFrequency reads.
 */
export function buildDosage(input: DosageInput): Dosage[] | undefined {
  const frequency = typeof input.frequency === 'string' ? parseFrequency(input.frequency) : input.frequency;
  if (!frequency) return undefined;
  return frequency.kind === 'slots' ? patternDosages(frequency.doses, input) : [abbreviationDosage(frequency, input)];
}
