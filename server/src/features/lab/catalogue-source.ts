import type {
  ActivityDefinition,
  Bundle,
  CodeableConcept,
  Extension,
  ObservationDefinition,
  ObservationDefinitionQualifiedInterval,
  SpecimenDefinition,
} from '@medplum/fhirtypes';
import { CATALOGUE_TAG, DELTA_CHECK_URL, DEPARTMENT_SYSTEM, LOINC, REFERENCE_MEANING, SNOMED, UCUM } from './fhir.ts';

/**
 * The starter catalogue of a typical Indian hospital lab, written once as data and turned into
 * FHIR by `buildCatalogue` (`npx node server/src/features/lab/build-catalogue.ts` writes catalogue.json,
 * which is what ships and loads). Ranges are common adult (and, where they differ a lot, child)
 * ranges from routine Indian lab practice; each hospital edits its own copy to its analysers.
 * LOINC codes are only those we are sure of; a test without a sure panel code has a local code.
 */

type Sex = 'male' | 'female';
/** [low, high] of a range; undefined = open. Age band in years: low inclusive, high exclusive. */
interface Band {
  low?: number;
  high?: number;
  sex?: Sex;
  age?: [number, number | undefined];
}
export interface Analyte {
  key: string;
  loinc: string;
  display: string;
  /** UCUM code and the unit as printed. Absent: a coded or text result. */
  unit?: [string, string];
  decimals?: number;
  ranges?: Band[];
  /** Values at or below `low`, or at or above `high`, are critical. */
  critical?: { low?: number; high?: number };
  /** Delta check: a change from the patient's previous result within `days` of at least `change` (in the unit, or percent) is flagged. */
  delta?: { change: number; percent?: boolean; days: number };
}
interface Container {
  key: string;
  display: string;
  /** SNOMED CT specimen type. */
  type: [string, string];
  cap: string;
  additive: string;
  volume: string;
}
export interface Test {
  key: string;
  title: string;
  aliases: string[];
  /** LOINC panel code, when we are sure of one. */
  loinc?: string;
  /** The SNOMED CT procedure the OPD app orders it by (apps/opd/src/consultation/orders.ts). */
  snomed?: [string, string];
  department: string;
  container: string;
  analytes: string[];
  /** Turnaround time in hours. */
  tat: number;
}

export const CATALOGUE_VERSION = '2026.12.1';

const CONTAINERS: Container[] = [
  {
    key: 'edta',
    display: 'EDTA tube (lavender top)',
    type: ['119297000', 'Blood specimen'],
    cap: 'lavender',
    additive: 'K2 EDTA',
    volume: '2',
  },
  {
    key: 'sst',
    display: 'Plain / SST tube (yellow or red top)',
    type: ['119364003', 'Serum specimen'],
    cap: 'yellow',
    additive: 'Clot activator with gel',
    volume: '4',
  },
  {
    key: 'fluoride',
    display: 'Fluoride tube (grey top)',
    type: ['119361006', 'Plasma specimen'],
    cap: 'grey',
    additive: 'Sodium fluoride / potassium oxalate',
    volume: '2',
  },
  { key: 'urine', display: 'Sterile urine container', type: ['122575003', 'Urine specimen'], cap: 'white', additive: 'None', volume: '30' },
];

const adult: [number, undefined] = [12, undefined];
const child: [number, number] = [1, 12];

export const ANALYTES: Analyte[] = [
  {
    key: 'hb',
    loinc: '718-7',
    display: 'Haemoglobin',
    unit: ['g/dL', 'g/dL'],
    decimals: 1,
    ranges: [
      { sex: 'male', age: adult, low: 13, high: 17 },
      { sex: 'female', age: adult, low: 12, high: 15 },
      { age: child, low: 11, high: 14.5 },
    ],
    critical: { low: 7, high: 20 },
    delta: { change: 2, days: 7 },
  },
  {
    key: 'wbc',
    loinc: '6690-2',
    display: 'Total leucocyte count',
    unit: ['10*3/uL', '×10³/µL'],
    decimals: 2,
    ranges: [
      { age: adult, low: 4, high: 10 },
      { age: child, low: 5, high: 13 },
    ],
    critical: { low: 2, high: 30 },
    delta: { change: 50, percent: true, days: 7 },
  },
  {
    key: 'plt',
    loinc: '777-3',
    display: 'Platelet count',
    unit: ['10*3/uL', '×10³/µL'],
    decimals: 0,
    ranges: [{ low: 150, high: 410 }],
    critical: { low: 20, high: 1000 },
    delta: { change: 50, percent: true, days: 7 },
  },
  {
    key: 'rbc',
    loinc: '789-8',
    display: 'RBC count',
    unit: ['10*6/uL', '×10⁶/µL'],
    decimals: 2,
    ranges: [
      { sex: 'male', age: adult, low: 4.5, high: 5.5 },
      { sex: 'female', age: adult, low: 3.8, high: 4.8 },
      { age: child, low: 4, high: 5.2 },
    ],
  },
  {
    key: 'hct',
    loinc: '4544-3',
    display: 'Haematocrit (PCV)',
    unit: ['%', '%'],
    decimals: 1,
    ranges: [
      { sex: 'male', age: adult, low: 40, high: 50 },
      { sex: 'female', age: adult, low: 36, high: 46 },
      { age: child, low: 35, high: 45 },
    ],
  },
  { key: 'mcv', loinc: '787-2', display: 'MCV', unit: ['fL', 'fL'], decimals: 1, ranges: [{ low: 83, high: 101 }] },
  {
    key: 'alt',
    loinc: '1742-6',
    display: 'ALT (SGPT)',
    unit: ['U/L', 'U/L'],
    decimals: 0,
    ranges: [
      { sex: 'male', low: 0, high: 50 },
      { sex: 'female', low: 0, high: 35 },
    ],
    critical: { high: 1000 },
  },
  {
    key: 'ast',
    loinc: '1920-8',
    display: 'AST (SGOT)',
    unit: ['U/L', 'U/L'],
    decimals: 0,
    ranges: [
      { sex: 'male', low: 0, high: 50 },
      { sex: 'female', low: 0, high: 35 },
    ],
    critical: { high: 1000 },
  },
  {
    key: 'tbil',
    loinc: '1975-2',
    display: 'Bilirubin, total',
    unit: ['mg/dL', 'mg/dL'],
    decimals: 2,
    ranges: [{ low: 0.3, high: 1.2 }],
    critical: { high: 15 },
  },
  { key: 'dbil', loinc: '1968-7', display: 'Bilirubin, direct', unit: ['mg/dL', 'mg/dL'], decimals: 2, ranges: [{ low: 0, high: 0.3 }] },
  {
    key: 'alp',
    loinc: '6768-6',
    display: 'Alkaline phosphatase',
    unit: ['U/L', 'U/L'],
    decimals: 0,
    ranges: [
      { age: adult, low: 30, high: 120 },
      { age: child, low: 100, high: 400 },
    ],
  },
  { key: 'alb', loinc: '1751-7', display: 'Albumin', unit: ['g/dL', 'g/dL'], decimals: 1, ranges: [{ low: 3.5, high: 5.2 }] },
  { key: 'tp', loinc: '2885-2', display: 'Total protein', unit: ['g/dL', 'g/dL'], decimals: 1, ranges: [{ low: 6, high: 8.3 }] },
  {
    key: 'bun',
    loinc: '3094-0',
    display: 'Blood urea nitrogen',
    unit: ['mg/dL', 'mg/dL'],
    decimals: 0,
    ranges: [{ low: 7, high: 20 }],
    critical: { high: 100 },
  },
  {
    key: 'creat',
    loinc: '2160-0',
    display: 'Creatinine',
    unit: ['mg/dL', 'mg/dL'],
    decimals: 2,
    ranges: [
      { sex: 'male', age: adult, low: 0.7, high: 1.3 },
      { sex: 'female', age: adult, low: 0.6, high: 1.1 },
      { age: child, low: 0.3, high: 0.7 },
    ],
    critical: { high: 7 },
    delta: { change: 50, percent: true, days: 7 },
  },
  {
    key: 'egfr',
    loinc: '98979-8',
    display: 'eGFR (CKD-EPI 2021, calculated)',
    unit: ['mL/min/{1.73_m2}', 'mL/min/1.73 m²'],
    decimals: 0,
    // KDIGO: 90 or more is normal (G1); the formula holds for adults only.
    ranges: [{ age: adult, low: 90 }],
  },
  {
    key: 'na',
    loinc: '2951-2',
    display: 'Sodium',
    unit: ['mmol/L', 'mmol/L'],
    decimals: 0,
    ranges: [{ low: 135, high: 145 }],
    critical: { low: 120, high: 160 },
    delta: { change: 8, days: 2 },
  },
  {
    key: 'k',
    loinc: '2823-3',
    display: 'Potassium',
    unit: ['mmol/L', 'mmol/L'],
    decimals: 1,
    ranges: [{ low: 3.5, high: 5.1 }],
    critical: { low: 2.8, high: 6.2 },
    delta: { change: 1, days: 3 },
  },
  { key: 'cl', loinc: '2075-0', display: 'Chloride', unit: ['mmol/L', 'mmol/L'], decimals: 0, ranges: [{ low: 98, high: 107 }] },
  {
    key: 'uric',
    loinc: '3084-1',
    display: 'Uric acid',
    unit: ['mg/dL', 'mg/dL'],
    decimals: 1,
    ranges: [
      { sex: 'male', low: 3.5, high: 7.2 },
      { sex: 'female', low: 2.6, high: 6 },
    ],
  },
  { key: 'chol', loinc: '2093-3', display: 'Total cholesterol', unit: ['mg/dL', 'mg/dL'], decimals: 0, ranges: [{ high: 200 }] },
  {
    key: 'hdl',
    loinc: '2085-9',
    display: 'HDL cholesterol',
    unit: ['mg/dL', 'mg/dL'],
    decimals: 0,
    ranges: [
      { sex: 'male', low: 40 },
      { sex: 'female', low: 50 },
    ],
  },
  { key: 'ldl', loinc: '13457-7', display: 'LDL cholesterol (calculated)', unit: ['mg/dL', 'mg/dL'], decimals: 0, ranges: [{ high: 100 }] },
  {
    key: 'tg',
    loinc: '2571-8',
    display: 'Triglycerides',
    unit: ['mg/dL', 'mg/dL'],
    decimals: 0,
    ranges: [{ high: 150 }],
    critical: { high: 1000 },
  },
  { key: 'hba1c', loinc: '4548-4', display: 'HbA1c', unit: ['%', '%'], decimals: 1, ranges: [{ low: 4, high: 5.6 }] },
  {
    key: 'fbs',
    loinc: '1558-6',
    display: 'Glucose, fasting',
    unit: ['mg/dL', 'mg/dL'],
    decimals: 0,
    ranges: [{ low: 70, high: 100 }],
    critical: { low: 40, high: 400 },
  },
  { key: 'tsh', loinc: '3016-3', display: 'TSH', unit: ['m[IU]/L', 'µIU/mL'], decimals: 2, ranges: [{ low: 0.4, high: 4.2 }] },
  { key: 't3', loinc: '3053-6', display: 'T3, total', unit: ['ng/dL', 'ng/dL'], decimals: 0, ranges: [{ low: 80, high: 200 }] },
  { key: 't4', loinc: '3026-2', display: 'T4, total', unit: ['ug/dL', 'µg/dL'], decimals: 1, ranges: [{ low: 5.1, high: 14.1 }] },
  { key: 'u-ph', loinc: '5803-2', display: 'Urine pH', unit: ['[pH]', 'pH'], decimals: 1, ranges: [{ low: 4.5, high: 8 }] },
  { key: 'u-sg', loinc: '5811-5', display: 'Urine specific gravity', unit: ['1', ''], decimals: 3, ranges: [{ low: 1.005, high: 1.03 }] },
  { key: 'u-prot', loinc: '20454-5', display: 'Urine protein (strip)' },
  { key: 'u-glu', loinc: '25428-4', display: 'Urine glucose (strip)' },
];

export const TESTS: Test[] = [
  {
    key: 'cbc',
    title: 'Complete blood count',
    aliases: ['CBC', 'CBP', 'Haemogram'],
    loinc: '58410-2',
    snomed: ['26604007', 'Complete blood count'],
    department: 'Haematology',
    container: 'edta',
    analytes: ['hb', 'wbc', 'plt', 'rbc', 'hct', 'mcv'],
    tat: 4,
  },
  {
    key: 'lft',
    title: 'Liver function test',
    aliases: ['LFT', 'Hepatic function panel'],
    loinc: '24325-3',
    snomed: ['26958001', 'Hepatic function panel'],
    department: 'Biochemistry',
    container: 'sst',
    analytes: ['tbil', 'dbil', 'alt', 'ast', 'alp', 'tp', 'alb'],
    tat: 6,
  },
  {
    key: 'kft',
    title: 'Renal function test (urea, creatinine, electrolytes)',
    aliases: ['KFT', 'RFT', 'Kidney function test'],
    loinc: '24362-6',
    department: 'Biochemistry',
    container: 'sst',
    analytes: ['bun', 'creat', 'egfr', 'uric', 'na', 'k', 'cl'],
    tat: 6,
  },
  {
    key: 'lipid',
    title: 'Lipid profile',
    aliases: ['Lipid panel'],
    loinc: '24331-1',
    snomed: ['16254007', 'Lipid panel'],
    department: 'Biochemistry',
    container: 'sst',
    analytes: ['chol', 'tg', 'hdl', 'ldl'],
    tat: 6,
  },
  {
    key: 'hba1c',
    title: 'HbA1c',
    aliases: ['Glycated haemoglobin', 'A1c'],
    loinc: '4548-4',
    snomed: ['43396009', 'Hemoglobin A1c measurement'],
    department: 'Biochemistry',
    container: 'edta',
    analytes: ['hba1c'],
    tat: 6,
  },
  {
    key: 'thyroid',
    title: 'Thyroid profile (T3, T4, TSH)',
    aliases: ['Thyroid profile', 'TFT', 'Thyroid stimulating hormone (TSH)'],
    department: 'Immunoassay',
    container: 'sst',
    analytes: ['t3', 't4', 'tsh'],
    tat: 24,
  },
  {
    key: 'fbs',
    title: 'Glucose, fasting',
    aliases: ['FBS', 'Fasting blood sugar', 'Glucose measurement, blood'],
    loinc: '1558-6',
    snomed: ['33747003', 'Glucose measurement, blood'],
    department: 'Biochemistry',
    container: 'fluoride',
    analytes: ['fbs'],
    tat: 2,
  },
  {
    key: 'urine',
    title: 'Urine routine examination',
    aliases: ['Urine R/M', 'Urinalysis'],
    loinc: '24356-8',
    snomed: ['27171005', 'Urinalysis'],
    department: 'Clinical pathology',
    container: 'urine',
    analytes: ['u-ph', 'u-sg', 'u-prot', 'u-glu'],
    tat: 4,
  },
];

const tag = (key: string) => ({ tag: [{ system: CATALOGUE_TAG, code: key }] });
const urn = (kind: string, key: string) => `urn:hospital-ops:lab:${kind}:${key}`;
const cc = (system: string, code: string, display: string): CodeableConcept => ({ coding: [{ system, code, display }], text: display });

function intervals(a: Analyte): ObservationDefinitionQualifiedInterval[] {
  const unit = a.unit as [string, string];
  const q = (value: number) => ({ value, unit: unit[1], system: UCUM, code: unit[0] });
  const out: ObservationDefinitionQualifiedInterval[] = (a.ranges ?? []).map((b) => ({
    category: 'reference',
    context: { coding: [{ system: REFERENCE_MEANING, code: 'normal', display: 'Normal Range' }] },
    range: { ...(b.low !== undefined ? { low: q(b.low) } : {}), ...(b.high !== undefined ? { high: q(b.high) } : {}) },
    ...(b.sex ? { gender: b.sex } : {}),
    ...(b.age
      ? {
          age: {
            low: { value: b.age[0], unit: 'years', system: UCUM, code: 'a' },
            ...(b.age[1] !== undefined ? { high: { value: b.age[1], unit: 'years', system: UCUM, code: 'a' } } : {}),
          },
        }
      : {}),
  }));
  if (a.critical?.low !== undefined) out.push({ category: 'critical', range: { high: q(a.critical.low) } });
  if (a.critical?.high !== undefined) out.push({ category: 'critical', range: { low: q(a.critical.high) } });
  return out;
}

function deltaExtension(d: NonNullable<Analyte['delta']>): Extension {
  return {
    url: DELTA_CHECK_URL,
    extension: [
      { url: 'change', valueDecimal: d.change },
      { url: 'unit', valueCode: d.percent ? 'percent' : 'absolute' },
      { url: 'days', valueInteger: d.days },
    ],
  };
}

function observationDefinition(a: Analyte): ObservationDefinition {
  return {
    resourceType: 'ObservationDefinition',
    meta: tag(`obs-${a.key}`),
    category: [
      { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory', display: 'Laboratory' }] },
    ],
    code: cc(LOINC, a.loinc, a.display),
    permittedDataType: a.unit ? ['Quantity'] : ['CodeableConcept', 'string'],
    ...(a.unit
      ? {
          quantitativeDetails: {
            unit: { coding: [{ system: UCUM, code: a.unit[0], display: a.unit[1] }], text: a.unit[1] },
            decimalPrecision: a.decimals ?? 0,
          },
          qualifiedInterval: intervals(a),
        }
      : {}),
    ...(a.delta ? { extension: [deltaExtension(a.delta)] } : {}),
  };
}

function specimenDefinition(c: Container): SpecimenDefinition {
  return {
    resourceType: 'SpecimenDefinition',
    meta: tag(`spec-${c.key}`),
    typeCollected: cc(SNOMED, c.type[0], c.type[1]),
    typeTested: [
      {
        preference: 'preferred',
        container: {
          type: { text: c.display },
          cap: { text: c.cap },
          additive: [{ additiveCodeableConcept: { text: c.additive } }],
          minimumVolumeQuantity: { value: Number(c.volume), unit: 'mL', system: UCUM, code: 'mL' },
        },
        handling: [
          { instruction: c.key === 'urine' ? 'Deliver to the lab within 2 hours' : 'Mix gently; deliver to the lab within 2 hours' },
        ],
      },
    ],
  };
}

function activityDefinition(t: Test): ActivityDefinition {
  const coding = [
    ...(t.loinc ? [{ system: LOINC, code: t.loinc, display: t.title }] : [{ system: `${CATALOGUE_TAG}`, code: t.key, display: t.title }]),
    ...(t.snomed ? [{ system: SNOMED, code: t.snomed[0], display: t.snomed[1] }] : []),
  ];
  return {
    resourceType: 'ActivityDefinition',
    meta: tag(`test-${t.key}`),
    url: `https://hospital-ops.in/fhir/ActivityDefinition/lab-${t.key}`,
    version: CATALOGUE_VERSION,
    name: `Lab${t.key.replace(/^./, (c) => c.toUpperCase())}`,
    title: t.title,
    subtitle: t.aliases.join(', '),
    status: 'active',
    kind: 'ServiceRequest',
    topic: [
      {
        coding: [{ system: DEPARTMENT_SYSTEM, code: t.department.toLowerCase().replace(/ /g, '-'), display: t.department }],
        text: t.department,
      },
    ],
    code: { coding, text: t.title },
    timingDuration: { value: t.tat, unit: 'h', system: UCUM, code: 'h' },
    specimenRequirement: [{ reference: urn('spec', t.container) }],
    observationResultRequirement: t.analytes.map((a) => ({ reference: urn('obs', a) })),
  };
}

/** The starter catalogue as a collection Bundle; references between entries are its fullUrls. */
export function buildCatalogue(): Bundle {
  const entry = [
    ...CONTAINERS.map((c) => ({ fullUrl: urn('spec', c.key), resource: specimenDefinition(c) })),
    ...ANALYTES.map((a) => ({ fullUrl: urn('obs', a.key), resource: observationDefinition(a) })),
    ...TESTS.map((t) => ({ fullUrl: urn('test', t.key), resource: activityDefinition(t) })),
  ];
  return { resourceType: 'Bundle', type: 'collection', identifier: { system: CATALOGUE_TAG, value: CATALOGUE_VERSION }, entry };
}
