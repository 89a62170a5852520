import {
  ACE_INHIBITORS,
  ANGIOTENSIN_RECEPTOR_BLOCKERS,
  BENZODIAZEPINES,
  COUMARIN_ANTICOAGULANTS,
  FLUOROQUINOLONES,
  GABAPENTINOIDS,
  NSAIDS,
  OPIOIDS,
  ORGANIC_NITRATES,
  PDE5_INHIBITORS,
  POLYVALENT_CATIONS,
  POTASSIUM_SPARING_DIURETICS,
  QT_PROLONGING,
  SEROTONERGIC_ANTIDEPRESSANTS,
  STRONG_CYP3A4_INHIBITORS,
  TETRACYCLINES,
  THIAZIDE_DIURETICS,
} from './drug-classes.ts';
import { actsLocally, type DrugInput, ingredientNames, whichSubstance } from './ingredients.ts';

export type InteractionSeverity = 'contraindicated' | 'major' | 'moderate';

export interface InteractionRule {
  id: string;
  /** The two sides, as ingredient names (a name covers its salts). */
  between: [readonly string[], readonly string[]];
  severity: InteractionSeverity;
  effect: string;
  advice: string;
  /** A public source that states the interaction. */
  source: string;
}

const RAAS_BLOCKERS = [...ACE_INHIBITORS, ...ANGIOTENSIN_RECEPTOR_BLOCKERS];

/**
 * Clinically important interactions among generics common in Indian OPD prescribing: a short,
 * deliberately conservative list, each stated by the cited source. Not a substitute for a full
 * interaction knowledge base: no hit here does not mean no interaction.
 * "US PI" is the US FDA prescribing information (label), as published on DailyMed.
 */
export const INTERACTIONS: readonly InteractionRule[] = [
  {
    id: 'coumarin-aspirin',
    between: [COUMARIN_ANTICOAGULANTS, ['aspirin']],
    severity: 'major',
    effect: 'Bleeding risk rises: aspirin adds platelet inhibition and gastric mucosal injury to anticoagulation.',
    advice:
      'Combine only for a specific indication (e.g. mechanical valve, recent stent), at the lowest aspirin dose, with gastroprotection; watch INR and for bleeding.',
    source: 'Coumadin (warfarin) US PI, Drug Interactions: drugs that increase bleeding risk (antiplatelet agents).',
  },
  {
    id: 'coumarin-nsaid',
    between: [COUMARIN_ANTICOAGULANTS, NSAIDS],
    severity: 'major',
    effect: 'Serious, especially gastrointestinal, bleeding: NSAIDs inhibit platelets and injure the gastric mucosa.',
    advice: 'Avoid; for pain prefer paracetamol. If an NSAID is unavoidable, shortest course with a PPI, and check INR within a week.',
    source: 'Coumadin (warfarin) US PI, Drug Interactions: drugs that increase bleeding risk (NSAIDs).',
  },
  {
    id: 'coumarin-metronidazole',
    between: [COUMARIN_ANTICOAGULANTS, ['metronidazole']],
    severity: 'major',
    effect: 'Metronidazole slows the metabolism of coumarins: INR and bleeding risk rise.',
    advice: 'Prefer another antibiotic; otherwise check INR within 3–5 days and adjust the anticoagulant dose.',
    source: 'Flagyl (metronidazole) US PI, Drug Interactions: potentiates warfarin and other oral coumarin anticoagulants.',
  },
  {
    id: 'coumarin-fluconazole',
    between: [COUMARIN_ANTICOAGULANTS, ['fluconazole']],
    severity: 'major',
    effect: 'Fluconazole inhibits CYP2C9, which clears warfarin: prothrombin time rises, bleeding has been reported.',
    advice: 'Check INR within 3–5 days of starting and adjust; consider a topical azole where that treats the infection.',
    source: 'Diflucan (fluconazole) US PI, Drug Interactions: coumarin-type anticoagulants.',
  },
  {
    id: 'clopidogrel-omeprazole',
    between: [['clopidogrel'], ['omeprazole', 'esomeprazole']],
    severity: 'major',
    effect: 'Omeprazole and esomeprazole inhibit CYP2C19, cutting the activation of clopidogrel and its antiplatelet effect.',
    advice: 'Avoid together; if a PPI is needed, use one with little CYP2C19 inhibition such as pantoprazole.',
    source: 'Plavix (clopidogrel) US PI, Warnings and Precautions and Drug Interactions: avoid concomitant omeprazole or esomeprazole.',
  },
  {
    id: 'raas-potassium-sparing',
    between: [RAAS_BLOCKERS, POTASSIUM_SPARING_DIURETICS],
    severity: 'major',
    effect: 'Hyperkalaemia, sometimes life-threatening; likelier with kidney disease, diabetes and older age.',
    advice:
      'Check potassium and creatinine before starting, within a week and regularly after; no potassium supplements or salt substitutes.',
    source:
      'Aldactone (spironolactone) US PI, Drug Interactions: drugs increasing serum potassium; Juurlink DN et al., N Engl J Med 2004;351:543–51.',
  },
  {
    id: 'pde5-nitrate',
    between: [PDE5_INHIBITORS, ORGANIC_NITRATES],
    severity: 'contraindicated',
    effect: 'Profound, possibly fatal hypotension: both raise cGMP-mediated vasodilation.',
    advice: 'Do not combine. No nitrate within 24 hours of sildenafil or 48 hours of tadalafil.',
    source: 'Viagra (sildenafil) and Cialis (tadalafil) US PI, Contraindications: organic nitrates in any form.',
  },
  {
    id: 'pde5-nicorandil',
    between: [PDE5_INHIBITORS, ['nicorandil']],
    severity: 'contraindicated',
    effect: 'Nicorandil has a nitrate action: severe hypotension with PDE5 inhibitors.',
    advice: 'Do not combine.',
    source: 'Ikorel (nicorandil) UK SmPC, section 4.3 Contraindications: phosphodiesterase 5 inhibitors.',
  },
  {
    id: 'methotrexate-trimethoprim',
    between: [['methotrexate'], ['trimethoprim']],
    severity: 'major',
    effect: 'Two antifolates, and methotrexate clearance falls: bone-marrow suppression, fatal cases even on low weekly doses.',
    advice: 'Choose another antibiotic. If unavoidable, check blood counts.',
    source: 'Methotrexate US PI, Drug Interactions: trimethoprim/sulfamethoxazole increases bone marrow suppression.',
  },
  {
    id: 'simvastatin-strong-cyp3a4',
    between: [['simvastatin'], STRONG_CYP3A4_INHIBITORS],
    severity: 'contraindicated',
    effect: 'Strong CYP3A4 inhibition raises simvastatin exposure many-fold: myopathy and rhabdomyolysis.',
    advice: 'Do not combine: pause simvastatin for the course, or use azithromycin instead of clarithromycin or erythromycin.',
    source: 'Zocor (simvastatin) US PI, Contraindications: strong CYP3A4 inhibitors.',
  },
  {
    id: 'atorvastatin-clarithromycin',
    between: [['atorvastatin'], ['clarithromycin', 'itraconazole']],
    severity: 'major',
    effect: 'Atorvastatin exposure rises: myopathy risk.',
    advice: 'Keep atorvastatin at 20 mg a day or less during the course, or pause it.',
    source:
      'Lipitor (atorvastatin) US PI, Dosage and Administration and Drug Interactions: with clarithromycin or itraconazole, no more than 20 mg.',
  },
  {
    id: 'digoxin-amiodarone',
    between: [['digoxin'], ['amiodarone']],
    severity: 'major',
    effect: 'Amiodarone raises digoxin levels: bradycardia, heart block, digoxin toxicity.',
    advice: 'Reduce the digoxin dose by 30–50% (or dose less often) and check digoxin levels.',
    source: 'Lanoxin (digoxin) US PI, Drug Interactions: amiodarone.',
  },
  {
    id: 'lithium-nsaid',
    between: [['lithium'], NSAIDS],
    severity: 'major',
    effect: 'NSAIDs reduce renal lithium clearance: lithium levels rise, toxicity.',
    advice: 'Avoid; if needed, check lithium levels after starting and watch for toxicity.',
    source: 'Lithium US PI, Drug Interactions: NSAIDs.',
  },
  {
    id: 'lithium-raas-thiazide',
    between: [['lithium'], [...RAAS_BLOCKERS, ...THIAZIDE_DIURETICS]],
    severity: 'major',
    effect: 'Lithium clearance falls: levels rise, toxicity.',
    advice: 'Avoid starting together; if needed, check lithium levels often and adjust.',
    source: 'Lithium US PI, Drug Interactions: diuretics, ACE inhibitors and angiotensin receptor blockers.',
  },
  {
    id: 'serotonergic-tramadol',
    between: [SEROTONERGIC_ANTIDEPRESSANTS, ['tramadol']],
    severity: 'major',
    effect: 'Serotonin syndrome; tramadol also lowers the seizure threshold, more so with these antidepressants.',
    advice: 'Prefer another analgesic. If combined, low doses; warn about agitation, tremor, fever, sweating and diarrhoea.',
    source: 'Ultram (tramadol) US PI, Warnings and Precautions: serotonin syndrome and seizure risk; Drug Interactions.',
  },
  {
    id: 'benzodiazepine-opioid',
    between: [BENZODIAZEPINES, OPIOIDS],
    severity: 'major',
    effect: 'Profound sedation, respiratory depression, coma and death.',
    advice: 'Avoid. If unavoidable, lowest doses for the shortest time, and warn the patient and family.',
    source: 'US FDA Drug Safety Communication, 31 August 2016: boxed warning on opioids with benzodiazepines.',
  },
  {
    id: 'gabapentinoid-opioid',
    between: [GABAPENTINOIDS, OPIOIDS],
    severity: 'moderate',
    effect: 'Added CNS depression: sedation and serious breathing problems, above all in the elderly and those with lung disease.',
    advice: 'Start at the lowest dose and warn about drowsiness and slow or shallow breathing.',
    source: 'US FDA Drug Safety Communication, 19 December 2019: gabapentin and pregabalin with CNS depressants such as opioids.',
  },
  {
    id: 'quinolone-cations',
    between: [FLUOROQUINOLONES, POLYVALENT_CATIONS],
    severity: 'moderate',
    effect:
      'Calcium, iron, zinc, magnesium and aluminium bind the quinolone in the gut: much less is absorbed and the infection may not be treated.',
    advice: 'Give the quinolone at least 2 hours before, or well after (ciprofloxacin: 6 hours), the cation-containing product.',
    source: 'Cipro (ciprofloxacin) US PI, Dosage and Administration and Drug Interactions: multivalent cation-containing products.',
  },
  {
    id: 'tetracycline-cations',
    between: [TETRACYCLINES, POLYVALENT_CATIONS],
    severity: 'moderate',
    effect: 'Antacids, calcium and iron bind tetracyclines in the gut: absorption falls.',
    advice: 'Separate the doses by at least 2 hours, the tetracycline first.',
    source:
      'Vibramycin (doxycycline) US PI, Drug Interactions: antacids containing aluminium, calcium or magnesium, and iron preparations.',
  },
  {
    id: 'theophylline-ciprofloxacin',
    between: [['theophylline', 'aminophylline'], ['ciprofloxacin']],
    severity: 'major',
    effect: 'Ciprofloxacin inhibits CYP1A2: theophylline levels rise; seizures, arrhythmias and deaths have been reported.',
    advice: 'Choose another antibiotic; if unavoidable, monitor theophylline levels and reduce its dose.',
    source: 'Cipro (ciprofloxacin) US PI, Warnings and Precautions: serious adverse reactions with concomitant theophylline.',
  },
  {
    id: 'domperidone-qt-cyp3a4',
    between: [
      ['domperidone'],
      [
        'erythromycin',
        'clarithromycin',
        'levofloxacin',
        'moxifloxacin',
        'ketoconazole',
        'itraconazole',
        'voriconazole',
        'posaconazole',
        'amiodarone',
        'haloperidol',
        'citalopram',
        'escitalopram',
      ],
    ],
    severity: 'contraindicated',
    effect:
      'QT prolongation and ventricular arrhythmia: domperidone is contraindicated with QT-prolonging drugs and potent CYP3A4 inhibitors.',
    advice: 'Do not combine; for nausea consider another antiemetic after weighing its own QT risk.',
    source: 'EMA/CMDh domperidone review, April 2014; Motilium (domperidone) SmPC, section 4.3 Contraindications.',
  },
  {
    id: 'qt-prolonging-pair',
    between: [QT_PROLONGING, QT_PROLONGING],
    severity: 'moderate',
    effect: 'Both prolong the QT interval: additive risk of torsades de pointes.',
    advice:
      'Avoid the pair where an alternative exists, especially with heart disease, low potassium or magnesium, or old age; otherwise consider an ECG.',
    source: 'CredibleMeds QTdrugs list (crediblemeds.org), Known Risk of TdP.',
  },
  {
    id: 'levothyroxine-cations',
    between: [['levothyroxine'], POLYVALENT_CATIONS],
    severity: 'moderate',
    effect: 'Calcium, iron and antacids bind levothyroxine in the gut: less is absorbed and TSH rises.',
    advice: 'Take levothyroxine on an empty stomach, at least 4 hours apart from these.',
    source:
      'Synthroid (levothyroxine) US PI, Dosage and Administration and Drug Interactions: calcium carbonate, ferrous sulfate, antacids.',
  },
];

export interface Interaction extends InteractionRule {
  /** The interacting ingredients: the new drug's first, the current drug's second. */
  ingredients: [string, string];
  /** The current drug it interacts with. */
  current: DrugInput;
}

const SEVERITY_RANK: Record<InteractionSeverity, number> = { contraindicated: 0, major: 1, moderate: 2 };

/** The two substances of a rule one ingredient from each list matches, as [new, current]; two different substances. */
function matchRule(rule: InteractionRule, fresh: string[], current: string[]): [string, string] | undefined {
  for (const [mine, theirs] of [rule.between, [rule.between[1], rule.between[0]]] as const) {
    for (const a of fresh) {
      const substanceA = whichSubstance(a, mine);
      if (!substanceA) continue;
      for (const b of current) {
        const substanceB = whichSubstance(b, theirs);
        // The same drug twice is duplication, not an interaction (it matters for QT pairs).
        if (substanceB && substanceB !== substanceA) return [substanceA, substanceB];
      }
    }
  }
  return undefined;
}

/** Ingredients that reach the circulation; eye, ear, nose and skin products contribute none. */
const systemicIngredients = (drug: DrugInput) => (actsLocally(drug) ? [] : ingredientNames(drug));

/**
 * Interactions between a drug about to be prescribed and the patient's current drugs, by generic
 * ingredient (combination products count each ingredient), most severe first. Where several rules
 * cover one pair of ingredients only the most severe is reported.
 */
export function findInteractions(newDrug: DrugInput, currentDrugs: DrugInput[]): Interaction[] {
  const fresh = systemicIngredients(newDrug);
  const found: Interaction[] = [];
  for (const current of currentDrugs) {
    const theirs = systemicIngredients(current);
    for (const rule of INTERACTIONS) {
      const ingredients = matchRule(rule, fresh, theirs);
      if (ingredients) found.push({ ...rule, ingredients, current });
    }
  }
  found.sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]);
  const seen = new Set<string>();
  return found.filter((i) => {
    const key = `${currentDrugs.indexOf(i.current)}|${[...i.ingredients].sort().join('|')}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
