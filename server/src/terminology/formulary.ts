import { readFileSync } from 'node:fs';
import type { CodeableConcept, Coding, Medication, Quantity } from '@medplum/fhirtypes';
import { parse } from 'csv-parse/sync';
import { SNOMED_CT } from './store.ts';

/**
 * The starter drug formulary (`terminology/formulary/formulary.csv`, see terminology/README.md):
 * common OPD medicines with strength, dose form, example Indian brands, HSN code and GST rate,
 * turned into FHIR R4 Medication resources.
 */

export const FORMULARY_CSV = new URL('../../../terminology/formulary/formulary.csv', import.meta.url);
// Hospital-Ops extensions (fhir-profiles/source/hospital-ops: gst.fsh, formulary.fsh).
export const HSN_EXTENSION = 'https://hospital-ops.in/fhir/StructureDefinition/hsn-sac-code';
export const GST_RATE_EXTENSION = 'https://hospital-ops.in/fhir/StructureDefinition/gst-rate';
export const BRAND_EXTENSION = 'https://hospital-ops.in/fhir/StructureDefinition/brand-name';
/** The ABDM Medication profile, which every formulary entry meets. */
export const ABDM_MEDICATION = 'https://nrces.in/ndhm/fhir/r4/StructureDefinition/Medication';
/** The profile package's CodeSystem/hsn (fhir-profiles/, in.hospital-ops.fhir), which the hsn search parameter uses too. */
export const HSN_SYSTEM = 'https://hospital-ops.in/fhir/CodeSystem/hsn';
const UCUM = 'http://unitsofmeasure.org';
/** The NRCeS IG's identifier type for HSN codes on Medication (ndhm-identifier-type-code#HSN). */
const NRCES_IDENTIFIER_TYPE = 'https://nrces.in/ndhm/fhir/r4/CodeSystem/ndhm-identifier-type-code';

export interface Amount {
  value: number;
  /** As written in the CSV: mg, g, mcg, IU, mL, tablet... */
  unit: string;
}

export interface FormularyEntry {
  id: string;
  genericName: string;
  /** As prescribed and printed: "500 mg + 125 mg", "250 mg/5 mL", "1% w/w". */
  strength: string;
  doseForm: string;
  route: string;
  ingredients: { name: string; amount: Amount }[];
  /** What the ingredient amounts are per: 1 tablet, 5 mL, 1 g... */
  per: Amount;
  brands: string[];
  /** 4, 6 or 8 digits, chapter 30. */
  hsnCode: string;
  /** Percent. */
  gstRate: number;
  gstEffectiveFrom: string;
  /** Only codes taken from the NRCeS IG's value sets. */
  snomed?: { code: string; display: string };
  /** Only dose-form codes found in the NRCeS IG. */
  form?: { code: string; display: string };
}

/** CSV unit → UCUM code and the unit shown to people. */
const UNITS: Record<string, { code: string; unit: string }> = {
  mg: { code: 'mg', unit: 'mg' },
  g: { code: 'g', unit: 'g' },
  mcg: { code: 'ug', unit: 'mcg' },
  IU: { code: '[iU]', unit: 'IU' },
  mL: { code: 'mL', unit: 'mL' },
  L: { code: 'L', unit: 'L' },
  tablet: { code: '{tablet}', unit: 'tablet' },
  capsule: { code: '{capsule}', unit: 'capsule' },
  sachet: { code: '{sachet}', unit: 'sachet' },
  actuation: { code: '{actuation}', unit: 'actuation' },
};

const COLUMNS = [
  'id',
  'generic_name',
  'strength',
  'dose_form',
  'route',
  'ingredients',
  'per',
  'brands',
  'hsn_code',
  'gst_rate',
  'gst_effective_from',
  'snomed_code',
  'snomed_display',
  'form_snomed_code',
  'form_snomed_display',
] as const;

function amount(text: string, where: string): Amount {
  const m = /^(\d+(?:\.\d+)?) (\S+)$/.exec(text.trim());
  if (!m || !UNITS[m[2]]) throw new Error(`${where}: "${text}" is not an amount with a known unit (${Object.keys(UNITS).join(', ')})`);
  return { value: Number(m[1]), unit: m[2] };
}

/** Reads and checks the formulary CSV. */
export function readFormulary(path: string | URL = FORMULARY_CSV): FormularyEntry[] {
  const rows = parse(readFileSync(path, 'utf8'), { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
  const ids = new Set<string>();
  return rows.map((r, i) => {
    const where = `formulary.csv row ${i + 2}`;
    for (const c of COLUMNS) if (!(c in r)) throw new Error(`${where}: no column ${c}`);
    if (!/^[A-Za-z0-9\-.]{1,64}$/.test(r.id) || ids.has(r.id)) throw new Error(`${where}: bad or repeated id "${r.id}"`);
    ids.add(r.id);
    if (!/^30(\d{2}|\d{4}|\d{6})$/.test(r.hsn_code))
      throw new Error(`${where}: HSN code "${r.hsn_code}" is not 4, 6 or 8 digits of chapter 30`);
    const gstRate = Number(r.gst_rate);
    if (!r.gst_rate || !Number.isFinite(gstRate) || gstRate < 0 || gstRate > 28) throw new Error(`${where}: bad GST rate "${r.gst_rate}"`);
    const ingredients = r.ingredients.split(' + ').map((part) => {
      const m = /^(.+) (\d+(?:\.\d+)? \S+)$/.exec(part.trim());
      if (!m) throw new Error(`${where}: ingredient "${part}" is not "<name> <amount> <unit>"`);
      return { name: m[1], amount: amount(m[2], where) };
    });
    return {
      id: r.id,
      genericName: r.generic_name,
      strength: r.strength,
      doseForm: r.dose_form,
      route: r.route,
      ingredients,
      per: amount(r.per, where),
      brands: r.brands
        .split(';')
        .map((b) => b.trim())
        .filter(Boolean),
      hsnCode: r.hsn_code,
      gstRate,
      gstEffectiveFrom: r.gst_effective_from,
      ...(r.snomed_code ? { snomed: { code: r.snomed_code, display: r.snomed_display } } : {}),
      ...(r.form_snomed_code ? { form: { code: r.form_snomed_code, display: r.form_snomed_display } } : {}),
    };
  });
}

function quantity(a: Amount): Quantity {
  const u = UNITS[a.unit];
  return { value: a.value, unit: u.unit, system: UCUM, code: u.code };
}

/** One formulary entry as a FHIR R4 Medication (a product definition, no batch). */
export function toMedication(e: FormularyEntry): Medication {
  // The ABDM Medication profile allows one coding (SNOMED CT where known); brands go in extensions.
  const coding: Coding[] = e.snomed ? [{ system: SNOMED_CT, code: e.snomed.code, display: e.snomed.display }] : [];
  const form: CodeableConcept = { text: e.doseForm };
  if (e.form) form.coding = [{ system: SNOMED_CT, code: e.form.code, display: e.form.display }];
  return {
    resourceType: 'Medication',
    id: e.id,
    meta: { profile: [ABDM_MEDICATION] },
    extension: [
      { url: HSN_EXTENSION, valueCoding: { system: HSN_SYSTEM, code: e.hsnCode } },
      { url: GST_RATE_EXTENSION, valueDecimal: e.gstRate },
      ...e.brands.map((brand) => ({ url: BRAND_EXTENSION, valueString: brand })),
    ],
    // Where the NRCeS IG's Medication profile carries the HSN code.
    identifier: [
      {
        type: { coding: [{ system: NRCES_IDENTIFIER_TYPE, code: 'HSN', display: 'Harmonized System of Nomenclature' }] },
        system: HSN_SYSTEM,
        value: e.hsnCode,
      },
    ],
    code: { ...(coding.length > 0 ? { coding } : {}), text: `${e.genericName} ${e.strength} ${e.doseForm.toLowerCase()}` },
    status: 'active',
    form,
    ingredient: e.ingredients.map((i) => ({
      itemCodeableConcept: { text: i.name },
      isActive: true,
      strength: { numerator: quantity(i.amount), denominator: quantity(e.per) },
    })),
  };
}

/** Every formulary entry as a Medication. */
export function formularyMedications(path: string | URL = FORMULARY_CSV): Medication[] {
  return readFormulary(path).map(toMedication);
}
