import type { Medication } from '@medplum/fhirtypes';
import { describe, expect, test } from 'vitest';
import { formularyMedications } from './formulary-fixture.ts';
import { findInteractions, INTERACTIONS } from './interactions.ts';

const summary = (newDrug: Parameters<typeof findInteractions>[0], current: Parameters<typeof findInteractions>[1]) =>
  findInteractions(newDrug, current).map((i) => [i.id, i.severity, ...i.ingredients]);

describe('findInteractions', () => {
  test('warfarin with an NSAID, from either side', () => {
    expect(summary('Ibuprofen', ['Warfarin sodium 5 mg'])).toEqual([['coumarin-nsaid', 'major', 'ibuprofen', 'warfarin']]);
    expect(summary('Warfarin', ['Diclofenac sodium'])).toEqual([['coumarin-nsaid', 'major', 'warfarin', 'diclofenac']]);
  });

  test('an ingredient inside a combination product counts', () => {
    expect(summary('Paracetamol + Tramadol hydrochloride', ['Escitalopram 10 mg'])).toEqual([
      ['serotonergic-tramadol', 'major', 'tramadol', 'escitalopram'],
    ]);
    expect(summary('Methotrexate 7.5 mg', ['Cotrimoxazole DS'])).toEqual([
      ['methotrexate-trimethoprim', 'major', 'methotrexate', 'trimethoprim'],
    ]);
  });

  test('checks every current drug and reports the most severe first', () => {
    const found = summary('Clarithromycin', ['Simvastatin 20 mg', 'Amlodipine', 'Azithromycin']);
    expect(found).toEqual([
      ['simvastatin-strong-cyp3a4', 'contraindicated', 'clarithromycin', 'simvastatin'],
      ['qt-prolonging-pair', 'moderate', 'clarithromycin', 'azithromycin'],
    ]);
  });

  test('one pair covered by two rules is reported once, at the higher severity', () => {
    expect(summary('Domperidone', ['Escitalopram'])).toEqual([['domperidone-qt-cyp3a4', 'contraindicated', 'domperidone', 'escitalopram']]);
    expect(summary('Ondansetron', ['Domperidone'])).toEqual([['qt-prolonging-pair', 'moderate', 'ondansetron', 'domperidone']]);
  });

  test('the same drug twice is not an interaction', () => {
    expect(findInteractions('Azithromycin', ['Azithromycin'])).toEqual([]);
  });

  test('chelation: quinolones and tetracyclines with calcium or oral iron, not with ORS', () => {
    expect(summary('Ciprofloxacin 500 mg', ['Calcium carbonate + Cholecalciferol'])).toEqual([
      ['quinolone-cations', 'moderate', 'ciprofloxacin', 'calcium'],
    ]);
    expect(summary('Doxycycline', ['Ferrous ascorbate + Folic acid'])).toEqual([
      ['tetracycline-cations', 'moderate', 'doxycycline', 'ferrous'],
    ]);
    expect(
      findInteractions('Ciprofloxacin', ['Sodium chloride + Glucose anhydrous + Potassium chloride + Trisodium citrate dihydrate']),
    ).toEqual([]);
  });

  test('eye and ear drops do not interact systemically', () => {
    const eyeDrops: Medication = {
      resourceType: 'Medication',
      code: { text: 'Moxifloxacin 0.5% eye drops' },
      form: { text: 'Eye drops (solution)' },
    };
    expect(findInteractions(eyeDrops, ['Azithromycin', 'Calcium carbonate'])).toEqual([]);
  });

  test('reads Medication resources as the formulary builds them', () => {
    const clopidogrel: Medication = {
      resourceType: 'Medication',
      code: { text: 'Clopidogrel 75 mg tablet' },
      ingredient: [{ itemCodeableConcept: { text: 'Clopidogrel' } }],
    };
    const omeprazole: Medication = {
      resourceType: 'Medication',
      code: { coding: [{ display: 'Omeprazole 20 mg gastro-resistant capsule' }] },
    };
    const pantoprazole: Medication = { resourceType: 'Medication', code: { text: 'Pantoprazole 40 mg tablet' } };
    expect(summary(omeprazole, [clopidogrel])).toEqual([['clopidogrel-omeprazole', 'major', 'omeprazole', 'clopidogrel']]);
    expect(findInteractions(pantoprazole, [clopidogrel])).toEqual([]);
  });

  test('the result names the current drug it concerns', () => {
    const [hit] = findInteractions('Spironolactone', ['Metformin', 'Telmisartan 40 mg']);
    expect(hit.current).toBe('Telmisartan 40 mg');
    expect(hit.advice).toMatch(/potassium/);
  });

  test.each([
    ['Sildenafil', 'Isosorbide mononitrate', 'pde5-nitrate'],
    ['Aspirin', 'Warfarin', 'coumarin-aspirin'],
    ['Metronidazole', 'Acenocoumarol', 'coumarin-metronidazole'],
    ['Fluconazole', 'Warfarin', 'coumarin-fluconazole'],
    ['Amiodarone', 'Digoxin', 'digoxin-amiodarone'],
    ['Naproxen', 'Lithium carbonate', 'lithium-nsaid'],
    ['Hydrochlorothiazide', 'Lithium carbonate', 'lithium-raas-thiazide'],
    ['Alprazolam', 'Tramadol', 'benzodiazepine-opioid'],
    ['Pregabalin', 'Tramadol', 'gabapentinoid-opioid'],
    ['Ciprofloxacin', 'Theophylline', 'theophylline-ciprofloxacin'],
    ['Levothyroxine sodium', 'Calcium carbonate', 'levothyroxine-cations'],
    ['Clarithromycin', 'Atorvastatin', 'atorvastatin-clarithromycin'],
  ])('%s with %s: %s', (fresh, current, id) => {
    expect(findInteractions(fresh, [current]).map((i) => i.id)).toContain(id);
  });

  test('unrelated drugs give nothing', () => {
    expect(findInteractions('Paracetamol', ['Metformin', 'Amlodipine', 'Atorvastatin'])).toEqual([]);
  });
});

describe('the interaction table', () => {
  test('every rule has a distinct id, both sides, an effect, advice and a source', () => {
    expect(new Set(INTERACTIONS.map((r) => r.id)).size).toBe(INTERACTIONS.length);
    for (const rule of INTERACTIONS) {
      expect(rule.between[0].length && rule.between[1].length, rule.id).toBeTruthy();
      expect(rule.effect && rule.advice && rule.source, rule.id).toBeTruthy();
    }
  });

  test('formulary Medications trigger the rules their generics are in', () => {
    const formulary = formularyMedications();
    const ids = (fresh: string, current: string) => findInteractions(formulary.get(fresh)!, [formulary.get(current)!]).map((i) => i.id);
    expect(ids('ciprofloxacin-500-tablet', 'calcium-carbonate-vitamin-d3-tablet')).toEqual(['quinolone-cations']);
    expect(ids('ciprofloxacin-500-tablet', 'ferrous-ascorbate-folic-acid-tablet')).toEqual(['quinolone-cations']);
    expect(ids('levothyroxine-50mcg-tablet', 'calcium-carbonate-vitamin-d3-tablet')).toEqual(['levothyroxine-cations']);
    expect(ids('paracetamol-tramadol-tablet', 'escitalopram-10-tablet')).toEqual(['serotonergic-tramadol']);
    expect(ids('alprazolam-0.25-tablet', 'paracetamol-tramadol-tablet')).toEqual(['benzodiazepine-opioid']);
    expect(ids('pregabalin-75-capsule', 'paracetamol-tramadol-tablet')).toEqual(['gabapentinoid-opioid']);
    expect(ids('pantoprazole-domperidone-capsule', 'escitalopram-10-tablet')).toEqual(['domperidone-qt-cyp3a4']);
    expect(ids('ondansetron-4-odt', 'domperidone-10-tablet')).toEqual(['qt-prolonging-pair']);
    expect(ids('azithromycin-500-tablet', 'chloroquine-250-tablet')).toEqual(['qt-prolonging-pair']);
    expect(ids('moxifloxacin-0.5pct-eye-drops', 'azithromycin-500-tablet')).toEqual([]);
    expect(ids('ofloxacin-0.3pct-ear-drops', 'calcium-carbonate-vitamin-d3-tablet')).toEqual([]);
  });

  test('no two formulary products interact unless a rule says so (no false hits from name matching)', () => {
    const meds = [...formularyMedications().values()];
    const hits = new Set(meds.flatMap((m) => findInteractions(m, meds).map((i) => i.id)));
    expect([...hits].sort()).toEqual([
      'benzodiazepine-opioid',
      'domperidone-qt-cyp3a4',
      'gabapentinoid-opioid',
      'levothyroxine-cations',
      'qt-prolonging-pair',
      'quinolone-cations',
      'serotonergic-tramadol',
    ]);
  });
});
