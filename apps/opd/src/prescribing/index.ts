export { type AllergyWarning, type AllergyWarningSeverity, allergyWarnings } from './allergies.ts';
export { type DosageDescription, describeDosage } from './describe-dosage.ts';
export { buildDosage, type CourseDuration, type DosageInput, type DurationUnit, durationText, FOOD_INSTRUCTIONS } from './dosage.ts';
export { type EventTiming, type FoodTiming, SLOT_EVENTS } from './event-timing.ts';
export { type Frequency, type FrequencyCode, formatDose, frequencyNotation, parseFrequency } from './frequency.ts';
export { actsLocally, type DrugInput, drugLabel, ingredientNames, normaliseIngredient } from './ingredients.ts';
export { findInteractions, INTERACTIONS, type Interaction, type InteractionRule, type InteractionSeverity } from './interactions.ts';
