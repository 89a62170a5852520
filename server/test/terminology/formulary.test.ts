import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateResource } from '@medplum/core';
import type { Medication } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDefinitions } from '../../src/fhir/definitions.ts';
import { validator } from '../../src/fhir/validate.ts';
import {
  ABDM_MEDICATION,
  BRAND_EXTENSION,
  FORMULARY_CSV,
  formularyMedications,
  GST_RATE_EXTENSION,
  HSN_EXTENSION,
  HSN_SYSTEM,
  readFormulary,
} from '../../src/terminology/formulary.ts';

// SNOMED CT codes the formulary may use: exactly as listed in the NRCeS IG 6.5.0 value set
// ValueSet/ndhm-medicine-codes (code and display), and the IG example's dose form.
const IG_MEDICINE_CODES: Record<string, string> = {
  '322236009': 'Acetaminophen 500 mg oral tablet',
  '322246006': 'Acetaminophen 100 mg/mL oral solution',
  '377441009': 'Acetaminophen 325 mg and tramadol 37.5 mg oral tablet',
  '319775004': 'Aspirin 75 mg oral tablet',
  '445522003': 'Rifaximin 550 mg oral tablet',
  '766284006': 'Clotrimazole 10 mg/g cutaneous powder',
  '333020002': 'Acyclovir 50 mg/g cutaneous cream',
  '332378006': 'Adapalene 1 mg/g cutaneous gel',
  '375833002': 'Ofloxacin 3 mg/mL ear solution',
};
const IG_DOSE_FORMS: Record<string, string> = { '385055001': 'Tablet' };

let meds: Medication[];
const tmp = mkdtempSync(join(tmpdir(), 'hops-formulary-'));
beforeAll(() => {
  loadDefinitions();
  meds = formularyMedications();
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const byId = (id: string) => meds.find((m) => m.id === id) as Medication;
const ext = (m: Medication, url: string) => m.extension?.find((e) => e.url === url);

describe('drug formulary', () => {
  it('has 65 common OPD medicines, each a valid R4 Medication', () => {
    expect(meds).toHaveLength(65);
    expect(new Set(meds.map((m) => m.id)).size).toBe(65);
    for (const m of meds) expect(() => validateResource(m), m.id).not.toThrow();
  });

  it('each entry meets the ABDM Medication profile and the definitions of its extensions', () => {
    for (const m of meds) {
      expect(m.meta?.profile).toEqual([ABDM_MEDICATION]);
      const errors = validator()
        .validate(m)
        .filter((i) => i.severity === 'error')
        .map((i) => `${i.expression?.[0]}: ${i.details?.text}`);
      expect(errors, m.id).toEqual([]);
    }
    const wrongRate = structuredClone(byId('paracetamol-500-tablet'));
    (ext(wrongRate, GST_RATE_EXTENSION) as { valueDecimal: number }).valueDecimal = 120;
    expect(
      validator()
        .validate(wrongRate)
        .some((i) => i.severity === 'error' && /hops-gst-rate-1/.test(i.details?.text ?? '')),
    ).toBe(true);
  });

  it('the validator does reject a broken Medication (so the check above means something)', () => {
    const broken = structuredClone(byId('paracetamol-500-tablet')) as any;
    broken.ingredient[0].strength.numerator.value = 'five hundred';
    expect(() => validateResource(broken)).toThrow();
    const noUrl = structuredClone(byId('paracetamol-500-tablet')) as any;
    noUrl.extension[0] = { valueDecimal: 5 };
    expect(() => validateResource(noUrl)).toThrow();
  });

  it('carries the HSN code and GST rate as extensions, and the HSN code as the IG identifier', () => {
    for (const m of meds) {
      const hsn = ext(m, HSN_EXTENSION)?.valueCoding;
      expect(hsn?.system).toBe('https://hospital-ops.in/fhir/CodeSystem/hsn');
      expect(hsn?.system).toBe(HSN_SYSTEM);
      expect(hsn?.code).toMatch(/^30(\d{2}|\d{4}|\d{6})$/);
      expect(ext(m, GST_RATE_EXTENSION)?.valueDecimal).toBe(5);
      expect(m.identifier?.[0]).toMatchObject({ type: { coding: [{ code: 'HSN' }] }, value: hsn?.code });
    }
    expect(ext(byId('amoxicillin-clavulanate-625-tablet'), HSN_EXTENSION)?.valueCoding?.code).toBe('300410');
    expect(ext(byId('insulin-glargine-100iu-pen'), HSN_EXTENSION)?.valueCoding?.code).toBe('300431');
    expect(ext(byId('ciprofloxacin-500-tablet'), HSN_EXTENSION)?.valueCoding?.code).toBe('3004');
  });

  it('codes with SNOMED CT only what the IG lists, with its display', () => {
    const coded = meds.flatMap((m) => (m.code?.coding ?? []).filter((c) => c.system === 'http://snomed.info/sct'));
    expect(coded).toHaveLength(9);
    for (const c of coded) expect(IG_MEDICINE_CODES[c.code as string]).toBe(c.display);
    for (const m of meds) {
      for (const c of m.form?.coding ?? []) expect(IG_DOSE_FORMS[c.code as string]).toBe(c.display);
      expect(m.form?.text).toBeTruthy();
    }
    expect(byId('paracetamol-500-tablet').code?.coding?.[0]).toEqual({
      system: 'http://snomed.info/sct',
      code: '322236009',
      display: 'Acetaminophen 500 mg oral tablet',
    });
    expect(byId('paracetamol-500-tablet').form).toEqual({
      text: 'Tablet',
      coding: [{ system: 'http://snomed.info/sct', code: '385055001', display: 'Tablet' }],
    });
    expect(byId('amoxicillin-500-capsule').form).toEqual({ text: 'Capsule' });
  });

  it('lists brands in the brand-name extension, and a readable text', () => {
    const m = byId('paracetamol-650-tablet');
    expect(m.code).toEqual({ text: 'Paracetamol 650 mg tablet' });
    expect(m.extension?.filter((e) => e.url === BRAND_EXTENSION).map((e) => e.valueString)).toEqual([
      'Dolo 650',
      'Calpol 650',
      'Crocin 650',
    ]);
  });

  it('gives each ingredient a UCUM strength ratio per dose unit', () => {
    expect(byId('amoxicillin-clavulanate-625-tablet').ingredient).toEqual([
      {
        itemCodeableConcept: { text: 'Amoxicillin' },
        isActive: true,
        strength: {
          numerator: { value: 500, unit: 'mg', system: 'http://unitsofmeasure.org', code: 'mg' },
          denominator: { value: 1, unit: 'tablet', system: 'http://unitsofmeasure.org', code: '{tablet}' },
        },
      },
      {
        itemCodeableConcept: { text: 'Clavulanic acid' },
        isActive: true,
        strength: {
          numerator: { value: 125, unit: 'mg', system: 'http://unitsofmeasure.org', code: 'mg' },
          denominator: { value: 1, unit: 'tablet', system: 'http://unitsofmeasure.org', code: '{tablet}' },
        },
      },
    ]);
    const syrup = byId('paracetamol-250-suspension').ingredient?.[0].strength;
    expect(syrup).toEqual({
      numerator: { value: 250, unit: 'mg', system: 'http://unitsofmeasure.org', code: 'mg' },
      denominator: { value: 5, unit: 'mL', system: 'http://unitsofmeasure.org', code: 'mL' },
    });
    expect(byId('insulin-glargine-100iu-pen').ingredient?.[0].strength?.numerator).toEqual({
      value: 100,
      unit: 'IU',
      system: 'http://unitsofmeasure.org',
      code: '[iU]',
    });
    expect(byId('levothyroxine-50mcg-tablet').ingredient?.[0].strength?.numerator?.code).toBe('ug');
    expect(byId('ors-who-sachet').ingredient).toHaveLength(4);
    const entry = readFormulary().find((e) => e.id === 'salbutamol-100mcg-inhaler');
    expect(entry).toMatchObject({ route: 'Inhalation', per: { value: 1, unit: 'actuation' }, gstEffectiveFrom: '2025-09-22' });
  });

  it('refuses a formulary row it cannot turn into a Medication', () => {
    const header = readFileSync(FORMULARY_CSV, 'utf8').split('\n')[0];
    const write = (row: string) => {
      const path = join(tmp, 'formulary.csv');
      writeFileSync(path, `${header}\n${row}\n`);
      return path;
    };
    const good = 'x-tablet,X,1 mg,Tablet,Oral,X 1 mg,1 tablet,,300490,5,2025-09-22,,,,';
    expect(readFormulary(write(good))).toHaveLength(1);
    expect(() => readFormulary(write(good.replace('300490', '9999')))).toThrow(/HSN code "9999"/);
    expect(() => readFormulary(write(good.replace('X 1 mg', 'X 1 grain')))).toThrow(/not an amount with a known unit/);
    expect(() => readFormulary(write(good.replace(',5,', ',,')))).toThrow(/bad GST rate/);
  });
});
