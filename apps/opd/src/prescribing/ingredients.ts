import type { CodeableConcept, Medication } from '@medplum/fhirtypes';

/** A drug as the prescribing screen has it: a Medication, or a generic name as typed ("Paracetamol + Ibuprofen"). */
export type DrugInput = Medication | string;

/**
 * Other names for an ingredient → the name this module uses: the INN as the formulary writes it.
 * SNOMED CT displays use US names (acetaminophen); older Indian labels use BANs (frusemide, amoxycillin).
 */
const SYNONYMS: [string, string][] = [
  ['acetaminophen', 'paracetamol'],
  ['acetylsalicylic acid', 'aspirin'],
  ['albuterol', 'salbutamol'],
  ['levalbuterol', 'levosalbutamol'],
  ['frusemide', 'furosemide'],
  ['amoxycillin', 'amoxicillin'],
  ['cephalexin', 'cefalexin'],
  ['nitroglycerin', 'glyceryl trinitrate'],
  ['sulphamethoxazole', 'sulfamethoxazole'],
  ['sulphasalazine', 'sulfasalazine'],
  ['aluminum', 'aluminium'],
  ['clavulanate', 'clavulanic acid'],
  ['potassium clavulanate', 'clavulanic acid'],
];

/** Products named as one thing that hold several ingredients. */
const COMBINATIONS: Record<string, string[]> = {
  cotrimoxazole: ['sulfamethoxazole', 'trimethoprim'],
  'co-trimoxazole': ['sulfamethoxazole', 'trimethoprim'],
  'co-amoxiclav': ['amoxicillin', 'clavulanic acid'],
};

/**
 * One ingredient's name, comparable: lower case, without its strength or anything after it
 * ("Tramadol hydrochloride 37.5 mg" → "tramadol hydrochloride"), SNOMED's semantic tag dropped, synonyms mapped.
 */
export function normaliseIngredient(name: string): string {
  const cleaned = name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/\([^)]*\)/g, ' ')
    .replace(/(^|\s)\d.*$/, '')
    .replace(/\s+/g, ' ')
    .trim();
  for (const [other, ours] of SYNONYMS) {
    if (cleaned === other || cleaned.startsWith(`${other} `)) return ours + cleaned.slice(other.length);
  }
  return cleaned;
}

/** The ingredients a product name lists: "Paracetamol 325 mg + Tramadol 37.5 mg", "Acetaminophen 325 mg and tramadol 37.5 mg oral tablet". */
export function splitProductName(name: string): string[] {
  return name
    .replace(/\([^)]*\)/g, ' ')
    .split(/\s*\+\s*|\s+and\s+|\s*&\s*|\s*\/\s*|\s*,\s*/i)
    .map(normaliseIngredient)
    .filter(Boolean)
    .flatMap((n) => {
      const combination = whichSubstance(n, Object.keys(COMBINATIONS));
      return combination ? COMBINATIONS[combination] : [n];
    });
}

function conceptNames(concept: CodeableConcept | undefined): string[] {
  if (!concept) return [];
  return [concept.text, ...(concept.coding ?? []).map((c) => c.display)].filter((n): n is string => !!n);
}

/**
 * Every name the drug gives for its ingredients: a Medication's ingredient entries and its product
 * name (code text and displays), split into ingredients; a string is a product name. Several names
 * for one ingredient (text and display) are all kept, so that either can match.
 */
export function ingredientNames(drug: DrugInput): string[] {
  if (typeof drug === 'string') return [...new Set(splitProductName(drug))];
  const fromIngredients = (drug.ingredient ?? []).flatMap((i) => [...conceptNames(i.itemCodeableConcept), i.itemReference?.display ?? '']);
  const fromProduct = conceptNames(drug.code);
  return [...new Set([...fromIngredients, ...fromProduct].flatMap(splitProductName))];
}

/** Whether an ingredient name is the named substance, salt or not: "metformin hydrochloride" is "metformin". */
export function isSubstance(ingredient: string, substance: string): boolean {
  return ingredient === substance || ingredient.startsWith(`${substance} `);
}

/** The first of `substances` the ingredient is, if any. */
export function whichSubstance(ingredient: string, substances: readonly string[]): string | undefined {
  return substances.find((s) => isSubstance(ingredient, s));
}

/** Products that act where they are applied (eye, ear and nose drops, skin): no systemic interactions to speak of. */
const LOCAL_FORM =
  /\b(eye|ear|nasal|ophthalmic|otic|cutaneous|topical|cream|gel|ointment|lotion|dusting powder|shampoo|vaginal|mouthwash)\b/i;

export function actsLocally(drug: DrugInput): boolean {
  const texts = typeof drug === 'string' ? [drug] : [...conceptNames(drug.form), ...conceptNames(drug.code)];
  const described = texts.join(' ');
  return LOCAL_FORM.test(described) && !/\boral\b/i.test(described);
}

/** A short name for messages: the Medication's code text or display, else the ingredients. */
export function drugLabel(drug: DrugInput): string {
  if (typeof drug === 'string') return drug;
  return drug.code?.text ?? drug.code?.coding?.find((c) => c.display)?.display ?? ingredientNames(drug).join(' + ');
}
