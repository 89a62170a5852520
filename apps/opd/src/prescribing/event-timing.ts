import type { TimingRepeat } from '@medplum/fhirtypes';

/** A code of the FHIR EventTiming value set (http://hl7.org/fhir/ValueSet/event-timing). */
export type EventTiming = NonNullable<TimingRepeat['when']>[number];
export type FoodTiming = 'before' | 'after' | 'with';

/*
 * Which Timing.repeat.when codes the places of "1-0-1" become.
 *
 * Without a food instruction the places are times of day: MORN, AFT, NIGHT ("subah, dopahar,
 * raat"); a fourth place, the evening, is EVE. With one they are the meals Indian patients hang
 * doses on, from the HL7 v3 TimingEvent codes the value set includes: breakfast, lunch and dinner,
 * before (ACM, ACD, ACV), after (PCM, PCD, PCV) or with (CM, CD, CV) them. The night dose of the
 * three-place pattern is taken around dinner, so it becomes the dinner code; in the four-place
 * pattern dinner is the evening dose and the night dose is bedtime, HS.
 *
 * Frequency is the number of codes per day and a dose that differs by time of day gets its own
 * Dosage, as the HL7 Germany medication IG writes the same German "1-0-1-0" pattern
 * (Example-MR-Dosage-1020); FHIR reads several `when` codes as their union.
 */
export const SLOT_EVENTS: Record<3 | 4, Record<FoodTiming | 'none', EventTiming[]>> = {
  3: {
    none: ['MORN', 'AFT', 'NIGHT'],
    before: ['ACM', 'ACD', 'ACV'],
    after: ['PCM', 'PCD', 'PCV'],
    with: ['CM', 'CD', 'CV'],
  },
  4: {
    none: ['MORN', 'AFT', 'EVE', 'NIGHT'],
    before: ['ACM', 'ACD', 'ACV', 'HS'],
    after: ['PCM', 'PCD', 'PCV', 'HS'],
    with: ['CM', 'CD', 'CV', 'HS'],
  },
};

/** OD, BD, TDS, QID name no time of day; food timing then ties them to meals in general (AC, PC, C). */
export const MEAL_EVENTS: Record<FoodTiming, EventTiming> = { before: 'AC', after: 'PC', with: 'C' };

/** Food timing as an event code says it. */
export function foodTimingOf(event: EventTiming): FoodTiming | undefined {
  if (event.startsWith('AC')) return 'before';
  if (event.startsWith('PC')) return 'after';
  if (event === 'C' || event === 'CM' || event === 'CD' || event === 'CV') return 'with';
  return undefined;
}

/** The place in the four-place pattern (morning, afternoon, evening, night) an event code stands for. */
const FOUR_PLACE_INDEX: Partial<Record<EventTiming, number>> = {
  MORN: 0,
  ACM: 0,
  PCM: 0,
  CM: 0,
  AFT: 1,
  ACD: 1,
  PCD: 1,
  CD: 1,
  EVE: 2,
  ACV: 2,
  PCV: 2,
  CV: 2,
  NIGHT: 3,
  HS: 3,
};

/**
 * The dose pattern that event codes and their doses spell, or undefined when a code is no time of
 * day (AC, PC, WAKE...). Three places unless the evening (EVE), or bedtime next to other times, needs a fourth.
 */
export function slotDoses(events: { when: EventTiming; dose: number }[]): number[] | undefined {
  if (!events.length || events.some((e) => FOUR_PLACE_INDEX[e.when] === undefined)) return undefined;
  const codes = new Set(events.map((e) => e.when));
  const fourPlaces = codes.has('EVE') || (codes.has('HS') && codes.size > 1);
  const doses = fourPlaces ? [0, 0, 0, 0] : [0, 0, 0];
  for (const { when, dose } of events) {
    const index = FOUR_PLACE_INDEX[when]!;
    // Three places: dinner codes and night both fall on the last place.
    doses[fourPlaces ? index : Math.min(index, 2)] += dose;
  }
  return doses;
}
