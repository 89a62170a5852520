import type { AllergyIntolerance, Medication } from '@medplum/fhirtypes';
import { describe, expect, test } from 'vitest';
import { allergyWarnings } from './allergies.ts';
import { formularyMedications } from './formulary-fixture.ts';

const SNOMED = 'http://snomed.info/sct';
const med = (text: string, ...ingredients: string[]): Medication => ({
  resourceType: 'Medication',
  code: { text },
  ingredient: ingredients.map((i) => ({ itemCodeableConcept: { text: i } })),
});
const allergy = (code: AllergyIntolerance['code'], extra: Partial<AllergyIntolerance> = {}): AllergyIntolerance => ({
  resourceType: 'AllergyIntolerance',
  patient: { reference: 'Patient/p1' },
  code,
  ...extra,
});
const status = (system: string, code: string) => ({
  coding: [{ system: `http://terminology.hl7.org/CodeSystem/allergyintolerance-${system}`, code }],
});
const summary = (m: Medication, a: AllergyIntolerance[]) => allergyWarnings(m, a).map((w) => [w.severity, w.reason, w.ingredient]);

const coAmoxiclav = med('Amoxicillin + Clavulanic acid 500 mg + 125 mg tablet', 'Amoxicillin', 'Clavulanic acid');

describe('allergyWarnings', () => {
  test('the same SNOMED CT code', () => {
    const aspirin: Medication = {
      resourceType: 'Medication',
      code: { coding: [{ system: SNOMED, code: '319775004', display: 'Aspirin 75 mg oral tablet' }] },
    };
    const [w] = allergyWarnings(aspirin, [allergy({ coding: [{ system: SNOMED, code: '319775004' }] })]);
    expect([w.severity, w.reason]).toEqual(['high', 'code']);
    expect(w.message).toContain('Aspirin 75 mg oral tablet');
  });

  test('the same ingredient by name, any case, inside a combination', () => {
    expect(summary(med('Paracetamol + Ibuprofen'), [allergy({ text: 'IBUPROFEN' })])).toEqual([['high', 'ingredient', 'ibuprofen']]);
    expect(
      summary(coAmoxiclav, [allergy({ coding: [{ system: SNOMED, code: '372687004', display: 'Amoxicillin (substance)' }] })]),
    ).toEqual([['high', 'ingredient', 'amoxicillin']]);
  });

  test('a penicillin allergy covers every penicillin', () => {
    const penicillin = allergy({ coding: [{ system: SNOMED, code: '91936005', display: 'Allergy to penicillin (disorder)' }] });
    for (const drug of [coAmoxiclav, med('Ampicillin 500 mg capsule'), med('Cloxacillin 250 mg capsule')]) {
      const [w] = allergyWarnings(drug, [penicillin]);
      expect([w.severity, w.reason], drug.code?.text).toEqual(['high', 'class']);
      expect(w.message).toMatch(/is a penicillin/);
    }
  });

  test('an allergy to one penicillin covers the others', () => {
    expect(summary(med('Cloxacillin 500 mg'), [allergy({ text: 'Amoxicillin' })])).toEqual([['high', 'class', 'cloxacillin']]);
  });

  test('penicillin allergy and cephalosporins: a low cross-reactivity warning', () => {
    const [w] = allergyWarnings(med('Cefixime 200 mg tablet', 'Cefixime'), [allergy({ text: 'Penicillin allergy' })]);
    expect([w.severity, w.reason, w.ingredient]).toEqual(['low', 'cross-reactivity', 'cefixime']);
    expect(w.message).toMatch(/uncommon but possible/);
  });

  test('cephalosporin allergy: another cephalosporin is moderate, a penicillin low', () => {
    const cefuroximeAllergy = allergy({ text: 'Cefuroxime' });
    expect(summary(med('Cefixime 200 mg'), [cefuroximeAllergy])).toEqual([['moderate', 'class', 'cefixime']]);
    expect(summary(med('Amoxicillin 500 mg'), [cefuroximeAllergy])).toEqual([['low', 'cross-reactivity', 'amoxicillin']]);
  });

  test('sulfa allergy covers cotrimoxazole but not furosemide', () => {
    const sulfa = allergy({ text: 'Sulfa drugs' });
    expect(summary(med('Cotrimoxazole DS tablet'), [sulfa])).toEqual([['high', 'class', 'sulfamethoxazole']]);
    expect(allergyWarnings(med('Furosemide 40 mg', 'Furosemide'), [sulfa])).toEqual([]);
  });

  test('NSAID allergy covers NSAIDs and aspirin; one NSAID warns moderately of another', () => {
    const nsaids = allergy({ text: 'NSAIDs' });
    expect(summary(med('Diclofenac sodium 50 mg'), [nsaids])).toEqual([['high', 'class', 'diclofenac sodium']]);
    expect(summary(med('Aspirin 75 mg'), [nsaids])).toEqual([['high', 'class', 'aspirin']]);
    expect(summary(med('Aceclofenac + Paracetamol'), [allergy({ text: 'Ibuprofen' })])).toEqual([['moderate', 'class', 'aceclofenac']]);
    expect(allergyWarnings(med('Paracetamol 650 mg'), [nsaids])).toEqual([]);
  });

  test('the allergen may be named in a reaction', () => {
    const viaReaction = allergy(undefined, {
      reaction: [{ substance: { text: 'Ciprofloxacin' }, manifestation: [{ text: 'Urticaria' }] }],
    });
    expect(summary(med('Ciprofloxacin 500 mg tablet'), [viaReaction])).toEqual([['high', 'ingredient', 'ciprofloxacin']]);
  });

  test.each([
    ['inactive', { clinicalStatus: status('clinical', 'inactive') }],
    ['resolved', { clinicalStatus: status('clinical', 'resolved') }],
    ['refuted', { verificationStatus: status('verification', 'refuted') }],
    ['entered in error', { verificationStatus: status('verification', 'entered-in-error') }],
  ])('a record that is %s warns of nothing', (_what, extra) => {
    expect(allergyWarnings(coAmoxiclav, [allergy({ text: 'Penicillin' }, extra)])).toEqual([]);
  });

  test('active and unconfirmed records still warn', () => {
    const active = allergy(
      { text: 'Penicillin' },
      { clinicalStatus: status('clinical', 'active'), verificationStatus: status('verification', 'unconfirmed') },
    );
    expect(allergyWarnings(coAmoxiclav, [active])).toHaveLength(1);
  });

  test('one warning per record, the most severe record first', () => {
    const warnings = allergyWarnings(coAmoxiclav, [
      allergy({ text: 'Cefalexin' }),
      allergy({ text: 'Penicillin' }),
      allergy({ text: 'Peanut' }),
    ]);
    expect(warnings.map((w) => [w.allergen, w.severity])).toEqual([
      ['Penicillin', 'high'],
      ['Cefalexin', 'low'],
    ]);
  });

  test('formulary products against a coded penicillin allergy', () => {
    const formulary = formularyMedications();
    const penicillin = allergy({ coding: [{ system: SNOMED, code: '91936005', display: 'Allergy to penicillin' }] });
    const check = (id: string) => allergyWarnings(formulary.get(id)!, [penicillin]).map((w) => [w.severity, w.ingredient]);
    expect(check('amoxicillin-clavulanate-625-tablet')).toEqual([['high', 'amoxicillin']]);
    expect(check('amoxicillin-500-capsule')).toEqual([['high', 'amoxicillin']]);
    expect(check('cefixime-200-tablet')).toEqual([['low', 'cefixime']]);
    expect(check('cefuroxime-500-tablet')).toEqual([['low', 'cefuroxime axetil']]);
    expect(check('azithromycin-500-tablet')).toEqual([]);
  });
});
