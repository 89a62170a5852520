import type { Medication } from '@medplum/fhirtypes';
import { describe, expect, test } from 'vitest';
import { actsLocally, ingredientNames, isSubstance, normaliseIngredient } from './ingredients.ts';

describe('normaliseIngredient', () => {
  test('lower case, no strength, no SNOMED tag, one name per substance', () => {
    expect(normaliseIngredient('Tramadol Hydrochloride 37.5 mg')).toBe('tramadol hydrochloride');
    expect(normaliseIngredient('Acetaminophen (substance)')).toBe('paracetamol');
    expect(normaliseIngredient('Frusemide 40mg')).toBe('furosemide');
    expect(normaliseIngredient('Amoxycillin trihydrate')).toBe('amoxicillin trihydrate');
    expect(normaliseIngredient('Vitamin B12')).toBe('vitamin b12');
  });
});

describe('ingredientNames', () => {
  test('a typed combination is split into its generics', () => {
    expect(ingredientNames('Paracetamol + Ibuprofen')).toEqual(['paracetamol', 'ibuprofen']);
    expect(ingredientNames('Cotrimoxazole')).toEqual(['sulfamethoxazole', 'trimethoprim']);
  });

  test('a formulary Medication gives its ingredients and its product name', () => {
    const med: Medication = {
      resourceType: 'Medication',
      code: {
        coding: [{ system: 'http://snomed.info/sct', code: '377441009', display: 'Acetaminophen 325 mg and tramadol 37.5 mg oral tablet' }],
        text: 'Paracetamol + Tramadol hydrochloride 325 mg + 37.5 mg tablet',
      },
      ingredient: [{ itemCodeableConcept: { text: 'Paracetamol' } }, { itemCodeableConcept: { text: 'Tramadol hydrochloride' } }],
    };
    expect(ingredientNames(med)).toEqual(['paracetamol', 'tramadol hydrochloride', 'tramadol']);
  });

  test('strengths like 250 mg/5 mL do not become ingredients', () => {
    expect(ingredientNames('Paracetamol 250 mg/5 mL oral suspension')).toEqual(['paracetamol']);
    expect(ingredientNames('Oral rehydration salts (WHO, reduced osmolarity)')).toEqual(['oral rehydration salts']);
  });
});

test('a name covers its salts but not a different substance', () => {
  expect(isSubstance('metformin hydrochloride', 'metformin')).toBe(true);
  expect(isSubstance('levosalbutamol', 'salbutamol')).toBe(false);
  expect(isSubstance('esomeprazole', 'omeprazole')).toBe(false);
});

test('eye, ear, nose and skin products act locally; oral ones do not', () => {
  const med = (form: string, text: string): Medication => ({ resourceType: 'Medication', form: { text: form }, code: { text } });
  expect(actsLocally(med('Eye drops (solution)', 'Moxifloxacin 0.5% eye drops'))).toBe(true);
  expect(actsLocally(med('Ear drops (solution)', 'Ofloxacin 0.3% ear drops'))).toBe(true);
  expect(actsLocally(med('Cream', 'Clotrimazole 1% cream'))).toBe(true);
  expect(actsLocally(med('Tablet', 'Ciprofloxacin 500 mg tablet'))).toBe(false);
  expect(actsLocally(med('Oral gel', 'Aluminium hydroxide + Magnesium hydroxide oral gel'))).toBe(false);
  expect(actsLocally('Ciprofloxacin')).toBe(false);
});
