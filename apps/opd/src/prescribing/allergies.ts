import type { AllergyIntolerance, CodeableConcept, Coding, Medication } from '@medplum/fhirtypes';
import { CEPHALOSPORINS, NSAIDS, PENICILLINS, SULFONAMIDE_ANTIBIOTICS } from './drug-classes.ts';
import { drugLabel, ingredientNames, isSubstance, normaliseIngredient, whichSubstance } from './ingredients.ts';

export type AllergyWarningSeverity = 'high' | 'moderate' | 'low';

export interface AllergyWarning {
  severity: AllergyWarningSeverity;
  /** code: the same coded substance; ingredient: the same generic; class: another drug of the allergen's class; cross-reactivity: a related class. */
  reason: 'code' | 'ingredient' | 'class' | 'cross-reactivity';
  allergy: AllergyIntolerance;
  /** The allergen as the record names it. */
  allergen: string;
  /** The medication's ingredient that triggered the warning. */
  ingredient: string;
  message: string;
}

/**
 * Drug classes an allergy is commonly recorded against. A record may name the class ("Penicillin
 * allergy", "Sulfa drugs", "NSAIDs") or one member ("Amoxicillin"); both cover the class.
 * `memberToMember` is the warning when one member was recorded and the medication is another:
 * avoidance across the whole class is the rule for penicillins and sulfonamide antibiotics;
 * cephalosporins cross-react mostly through shared side chains, and one NSAID reaction predicts
 * another mainly in the COX-1 (aspirin-exacerbated) type, so those are softer.
 * Source: Khan DA et al., Drug allergy: a 2022 practice parameter update. J Allergy Clin Immunol 2022;150:1333–93.
 */
interface AllergyClass {
  label: string;
  names: readonly string[];
  members: readonly string[];
  memberToMember: AllergyWarningSeverity;
}

const PENICILLIN: AllergyClass = {
  label: 'a penicillin',
  names: ['penicillin', 'penicillins', 'penicillin class', 'beta-lactam antibiotic', 'beta-lactams'],
  members: PENICILLINS,
  memberToMember: 'high',
};
const CEPHALOSPORIN: AllergyClass = {
  label: 'a cephalosporin',
  names: ['cephalosporin', 'cephalosporins'],
  members: CEPHALOSPORINS,
  memberToMember: 'moderate',
};
const SULFONAMIDE: AllergyClass = {
  label: 'a sulfonamide antibiotic',
  names: [
    'sulfa',
    'sulfa drug',
    'sulfa drugs',
    'sulfonamide',
    'sulfonamides',
    'sulphonamide',
    'sulphonamides',
    'sulfonamide antibiotic',
    'sulfonamide antibiotics',
  ],
  members: SULFONAMIDE_ANTIBIOTICS,
  memberToMember: 'high',
};
const NSAID: AllergyClass = {
  label: 'an NSAID',
  names: [
    'nsaid',
    'nsaids',
    'non-steroidal anti-inflammatory drug',
    'non-steroidal anti-inflammatory drugs',
    'nonsteroidal anti-inflammatory drug',
    'nonsteroidal anti-inflammatory agent',
  ],
  members: [...NSAIDS, 'aspirin'],
  memberToMember: 'moderate',
};
const CLASSES = [PENICILLIN, CEPHALOSPORIN, SULFONAMIDE, NSAID];

/** Penicillin–cephalosporin cross-reactivity is uncommon (about 1–2%; side-chain driven): worth a note, not a block (Khan 2022). */
const CROSS_REACTIVE: [AllergyClass, AllergyClass][] = [
  [PENICILLIN, CEPHALOSPORIN],
  [CEPHALOSPORIN, PENICILLIN],
];

const SEVERITY_RANK: Record<AllergyWarningSeverity, number> = { high: 0, moderate: 1, low: 2 };

const CLINICAL_STATUS = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical';
const VERIFICATION_STATUS = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification';

function hasCode(concept: CodeableConcept | undefined, system: string, codes: string[]): boolean {
  return !!concept?.coding?.some((c) => (!c.system || c.system === system) && !!c.code && codes.includes(c.code));
}

/** An allergy that no longer holds (inactive, resolved) or never did (refuted, entered in error) warns of nothing. */
function stillHolds(allergy: AllergyIntolerance): boolean {
  return (
    !hasCode(allergy.clinicalStatus, CLINICAL_STATUS, ['inactive', 'resolved']) &&
    !hasCode(allergy.verificationStatus, VERIFICATION_STATUS, ['refuted', 'entered-in-error'])
  );
}

/** The substance named in "Allergy to penicillin (disorder)", "Penicillin allergy", "Hypersensitivity to aspirin". */
function allergenName(text: string): string {
  const name = text
    .toLowerCase()
    .replace(/\([^)]*\)/g, ' ')
    .replace(/^\s*(allergy|allergic|hypersensitivity|intolerance|adverse reaction)\s+to\s+/, '')
    .replace(/\s+(allergy|hypersensitivity|intolerance)\s*$/, '')
    .replace(/^product containing\s+/, '');
  return normaliseIngredient(name);
}

function allergenConcepts(allergy: AllergyIntolerance): CodeableConcept[] {
  return [allergy.code, ...(allergy.reaction ?? []).map((r) => r.substance)].filter((c): c is CodeableConcept => !!c);
}

function medicationCodings(medication: Medication): Coding[] {
  return [...(medication.code?.coding ?? []), ...(medication.ingredient ?? []).flatMap((i) => i.itemCodeableConcept?.coding ?? [])];
}

/** The classes a recorded allergen stands for: named outright, or through one of its members. */
function classesOf(allergen: string): { cls: AllergyClass; byName: boolean }[] {
  return CLASSES.filter((cls) => cls.names.includes(allergen) || whichSubstance(allergen, cls.members)).map((cls) => ({
    cls,
    byName: cls.names.includes(allergen),
  }));
}

/** The strongest warning one allergy gives for the medication, if any. */
function warningFor(allergy: AllergyIntolerance, medication: Medication, ingredients: string[]): AllergyWarning | undefined {
  const concepts = allergenConcepts(allergy);
  const shown = concepts[0]?.text ?? concepts[0]?.coding?.find((c) => c.display)?.display ?? 'an unnamed substance';
  const product = drugLabel(medication);
  const warn = (
    severity: AllergyWarningSeverity,
    reason: AllergyWarning['reason'],
    ingredient: string,
    message: string,
  ): AllergyWarning => ({
    severity,
    reason,
    allergy,
    allergen: shown,
    ingredient,
    message,
  });

  const medCodes = medicationCodings(medication);
  const sameCode = concepts
    .flatMap((c) => c.coding ?? [])
    .find((a) => a.code && medCodes.some((m) => m.code === a.code && m.system === a.system));
  if (sameCode)
    return warn('high', 'code', sameCode.display ?? sameCode.code!, `Recorded allergy to ${shown}: ${product} carries the same code.`);

  const allergens = [
    ...new Set(
      concepts
        .flatMap((c) => [c.text, ...(c.coding ?? []).map((x) => x.display)])
        .filter((n): n is string => !!n)
        .map(allergenName),
    ),
  ].filter(Boolean);
  const warnings: AllergyWarning[] = [];
  for (const allergen of allergens) {
    for (const ingredient of ingredients) {
      if (isSubstance(ingredient, allergen) || isSubstance(allergen, ingredient)) {
        warnings.push(warn('high', 'ingredient', ingredient, `Recorded allergy to ${shown}: ${product} contains ${ingredient}.`));
      }
    }
    for (const { cls, byName } of classesOf(allergen)) {
      for (const ingredient of ingredients) {
        if (whichSubstance(ingredient, cls.members)) {
          warnings.push(
            warn(byName ? 'high' : cls.memberToMember, 'class', ingredient, `Recorded allergy to ${shown}: ${ingredient} is ${cls.label}.`),
          );
        }
        for (const [from, to] of CROSS_REACTIVE) {
          if (from === cls && whichSubstance(ingredient, to.members)) {
            warnings.push(
              warn(
                'low',
                'cross-reactivity',
                ingredient,
                `Recorded allergy to ${shown} (${from.label}): ${ingredient} is ${to.label}; cross-reactions are uncommon but possible.`,
              ),
            );
          }
        }
      }
    }
  }
  return warnings.sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity])[0];
}

/**
 * Warnings for prescribing `medication` to a patient with these AllergyIntolerance records, most
 * severe first, at most one per record: by identical code (any code system, SNOMED CT in practice),
 * by generic ingredient name (text and displays, any case, salts and combinations included), and by
 * drug class for the common ones (penicillins, cephalosporins, sulfonamide antibiotics, NSAIDs),
 * with penicillin–cephalosporin cross-reactivity as a low warning. Records that are inactive,
 * resolved, refuted or entered in error are skipped. Topical products are checked too: they sensitise and provoke.
 */
export function allergyWarnings(medication: Medication, allergies: AllergyIntolerance[]): AllergyWarning[] {
  const ingredients = ingredientNames(medication);
  return allergies
    .filter(stillHolds)
    .map((allergy) => warningFor(allergy, medication, ingredients))
    .filter((w): w is AllergyWarning => !!w)
    .sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]);
}
