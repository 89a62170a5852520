import type { Bundle, BundleEntry, Identifier, Practitioner, Resource } from '@medplum/fhirtypes';

/**
 * Synthetic Indian patients with their clinical records, as FHIR transaction Bundles, for tests
 * and benchmarks. Deterministic: the same seed and index always give the same bundle.
 */

export interface SyntheticOptions {
  encounters?: number;
  observations?: number;
  conditions?: number;
  medicationRequests?: number;
}

const DEFAULTS: Required<SyntheticOptions> = { encounters: 2, observations: 4, conditions: 1, medicationRequests: 1 };

const FEMALE = [
  'Aarti',
  'Ananya',
  'Deepa',
  'Divya',
  'Geeta',
  'Ishita',
  'Kavya',
  'Lakshmi',
  'Meera',
  'Neha',
  'Pooja',
  'Priya',
  'Radha',
  'Sana',
  'Shreya',
  'Sunita',
  'Swati',
  'Tanvi',
  'Usha',
  'Zoya',
];
const MALE = [
  'Aarav',
  'Abhishek',
  'Amit',
  'Arjun',
  'Deepak',
  'Farhan',
  'Ganesh',
  'Harish',
  'Imran',
  'Karan',
  'Manoj',
  'Nikhil',
  'Pranav',
  'Rahul',
  'Rajesh',
  'Sanjay',
  'Suresh',
  'Vikram',
  'Vinod',
  'Yash',
];
const SURNAMES = [
  'Agarwal',
  'Banerjee',
  'Chatterjee',
  'Choudhary',
  'Das',
  'Deshmukh',
  'Gupta',
  'Iyer',
  'Jain',
  'Joshi',
  'Kulkarni',
  'Kumar',
  'Menon',
  'Mishra',
  'Nair',
  'Patel',
  'Patil',
  'Pillai',
  'Reddy',
  'Shaikh',
  'Sharma',
  'Singh',
  'Verma',
  'Yadav',
];
const PLACES: [string, string, string][] = [
  ['Mumbai', 'Maharashtra', '400001'],
  ['Pune', 'Maharashtra', '411001'],
  ['Nagpur', 'Maharashtra', '440001'],
  ['Delhi', 'Delhi', '110001'],
  ['Bengaluru', 'Karnataka', '560001'],
  ['Mysuru', 'Karnataka', '570001'],
  ['Chennai', 'Tamil Nadu', '600001'],
  ['Coimbatore', 'Tamil Nadu', '641001'],
  ['Hyderabad', 'Telangana', '500001'],
  ['Kolkata', 'West Bengal', '700001'],
  ['Ahmedabad', 'Gujarat', '380001'],
  ['Surat', 'Gujarat', '395003'],
  ['Jaipur', 'Rajasthan', '302001'],
  ['Jodhpur', 'Rajasthan', '342001'],
  ['Lucknow', 'Uttar Pradesh', '226001'],
  ['Varanasi', 'Uttar Pradesh', '221001'],
  ['Patna', 'Bihar', '800001'],
  ['Bhopal', 'Madhya Pradesh', '462001'],
  ['Kochi', 'Kerala', '682001'],
  ['Guwahati', 'Assam', '781001'],
];
const VITALS: { code: string; display: string; unit: string; ucum: string; min: number; max: number; decimals: number }[] = [
  { code: '8867-4', display: 'Heart rate', unit: '/min', ucum: '/min', min: 55, max: 120, decimals: 0 },
  { code: '8310-5', display: 'Body temperature', unit: 'Cel', ucum: 'Cel', min: 36.1, max: 39.5, decimals: 1 },
  { code: '29463-7', display: 'Body weight', unit: 'kg', ucum: 'kg', min: 8, max: 110, decimals: 1 },
  { code: '8480-6', display: 'Systolic blood pressure', unit: 'mm[Hg]', ucum: 'mm[Hg]', min: 95, max: 180, decimals: 0 },
];
const CONDITIONS: [string, string][] = [
  ['38341003', 'Hypertensive disorder'],
  ['44054006', 'Diabetes mellitus type 2'],
  ['195967001', 'Asthma'],
];
const MEDICINES = [
  'Paracetamol 500 mg tablet',
  'Metformin 500 mg tablet',
  'Amlodipine 5 mg tablet',
  'Salbutamol 100 mcg inhaler',
  'Cetirizine 10 mg tablet',
];
/** SNOMED CT codes for the medicines that have one in the ABDM IG's ndhm-medicine-codes value set; the rest are text only. */
const MEDICINE_CODES: Record<string, { code: string; display: string }> = {
  'Paracetamol 500 mg tablet': { code: '322236009', display: 'Acetaminophen 500 mg oral tablet' },
};
const DOSES = ['1-0-1 after food', '1-0-0 before breakfast', '0-0-1 at bedtime', '1-1-1 after food'];

// Identifier types (ABDM IG 6.5.0 ValueSet ndhm-identifier-type-code: the NRCeS codes and HL7 v2 table 0203).
const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
const NDHM_IDENTIFIER_TYPE = 'https://nrces.in/ndhm/fhir/r4/CodeSystem/ndhm-identifier-type-code';
const MEDICAL_RECORD_NUMBER = { coding: [{ system: V2_0203, code: 'MR', display: 'Medical record number' }] };
const ABHA_NUMBER_TYPE = {
  coding: [{ system: NDHM_IDENTIFIER_TYPE, code: 'HIN', display: 'Health ID issued by NDHM' }],
  text: 'ABHA number',
};
const MEDICAL_LICENSE_NUMBER = { coding: [{ system: V2_0203, code: 'MD', display: 'Medical License number' }] };
/** The Healthcare Professionals Registry (HPR), as in the IG's examples. */
const HPR_SYSTEM = 'https://doctor.ndhm.gov.in';

/** mulberry32: a tiny, fast, well-distributed 32-bit PRNG (shared with tests that need one). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function uuidFrom(rand: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(rand() * 16).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${'89ab'[Math.floor(rand() * 4)]}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Entries in a bundle: the patient, their records and, when there are prescriptions, the prescribing doctor. */
export function syntheticResourceCount(options: SyntheticOptions = {}): number {
  const o = { ...DEFAULTS, ...options };
  return 1 + o.encounters + o.observations + o.conditions + o.medicationRequests + (o.medicationRequests > 0 ? 1 : 0);
}

/**
 * The doctor who wrote a synthetic patient's prescriptions: one per bundle, so bundles stay self-contained. The
 * registration is typed and namespaced as in the ABDM IG's examples (v2-0203 MD, https://doctor.ndhm.gov.in).
 */
function prescribingDoctor(seed: number, index: number): { fullUrl: string; name: string; entry: BundleEntry } {
  const rand = prng((seed * 1_000_003 + index) ^ 0x0d0c7012);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)];
  const fullUrl = `urn:uuid:${uuidFrom(rand)}`;
  const female = rand() < 0.5;
  const given = pick(female ? FEMALE : MALE);
  const family = pick(SURNAMES);
  const digits = () => String(Math.floor(rand() * 1e4)).padStart(4, '0');
  const name = `Dr. ${given} ${family}`;
  const resource: Practitioner = {
    resourceType: 'Practitioner',
    active: true,
    identifier: [
      {
        type: MEDICAL_LICENSE_NUMBER,
        system: HPR_SYSTEM,
        value: `${String(10 + Math.floor(rand() * 90))}-${digits()}-${digits()}-${digits()}`,
      },
    ],
    name: [{ use: 'official', prefix: ['Dr.'], family, given: [given], text: name }],
    gender: female ? 'female' : 'male',
  };
  return { fullUrl, name, entry: { fullUrl, resource, request: { method: 'POST', url: 'Practitioner' } } };
}

export function syntheticPatientBundle(seed: number, index: number, options: SyntheticOptions = {}): Bundle {
  const o = { ...DEFAULTS, ...options };
  const rand = prng(seed * 1_000_003 + index);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)];
  const between = (min: number, max: number) => min + rand() * (max - min);
  const entries: BundleEntry[] = [];
  const add = (resource: Resource): string => {
    const fullUrl = `urn:uuid:${uuidFrom(rand)}`;
    entries.push({ fullUrl, resource, request: { method: 'POST', url: resource.resourceType } });
    return fullUrl;
  };

  const female = rand() < 0.5;
  const given = pick(female ? FEMALE : MALE);
  const family = pick(SURNAMES);
  const [city, state, pin] = pick(PLACES);
  const birthYear = 1940 + Math.floor(rand() * 80);
  const birthDate = `${birthYear}-${String(1 + Math.floor(rand() * 12)).padStart(2, '0')}-${String(1 + Math.floor(rand() * 28)).padStart(2, '0')}`;
  const phone = `+91${6 + Math.floor(rand() * 4)}${String(Math.floor(rand() * 1e9)).padStart(9, '0')}`;
  const digits = () => String(Math.floor(rand() * 1e4)).padStart(4, '0');
  // The hospital's medical record number and, for about half, the 14-digit ABHA number.
  const identifier: Identifier[] = [
    { type: MEDICAL_RECORD_NUMBER, system: 'https://hospital-ops.in/fhir/sid/synthetic', value: `S${seed}-${index}` },
  ];
  if (rand() < 0.5) {
    identifier.push({ type: ABHA_NUMBER_TYPE, system: 'https://healthid.ndhm.gov.in', value: `91-${digits()}-${digits()}-${digits()}` });
  }

  const patient = add({
    resourceType: 'Patient',
    identifier,
    name: [{ use: 'official', family, given: [given], text: `${given} ${family}` }],
    gender: female ? 'female' : 'male',
    birthDate,
    telecom: [{ system: 'phone', value: phone, use: 'mobile' }],
    address: [{ use: 'home', city, state, postalCode: pin, country: 'IN' }],
  });

  const encounters: { ref: string; date: string }[] = [];
  for (let i = 0; i < o.encounters; i++) {
    const day = new Date(Date.UTC(2023, 0, 1) + Math.floor(rand() * 700) * 86_400_000);
    const start = new Date(day.getTime() + (3 + Math.floor(rand() * 8)) * 3_600_000);
    const end = new Date(start.getTime() + 20 * 60_000);
    const ref = add({
      resourceType: 'Encounter',
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB', display: 'ambulatory' },
      subject: { reference: patient },
      period: { start: start.toISOString(), end: end.toISOString() },
    });
    encounters.push({ ref, date: start.toISOString() });
  }
  for (let i = 0; i < o.observations; i++) {
    const v = VITALS[i % VITALS.length];
    const enc = encounters.length ? encounters[i % encounters.length] : undefined;
    add({
      resourceType: 'Observation',
      status: 'final',
      category: [
        { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs', display: 'Vital Signs' }] },
      ],
      code: { coding: [{ system: 'http://loinc.org', code: v.code, display: v.display }], text: v.display },
      subject: { reference: patient },
      ...(enc ? { encounter: { reference: enc.ref } } : {}),
      effectiveDateTime: enc?.date ?? '2024-01-01T09:00:00.000Z',
      valueQuantity: {
        value: Number(between(v.min, v.max).toFixed(v.decimals)),
        unit: v.unit,
        system: 'http://unitsofmeasure.org',
        code: v.ucum,
      },
    });
  }
  for (let i = 0; i < o.conditions; i++) {
    const [code, display] = pick(CONDITIONS);
    add({
      resourceType: 'Condition',
      clinicalStatus: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active', display: 'Active' }],
      },
      verificationStatus: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed', display: 'Confirmed' }],
      },
      code: { coding: [{ system: 'http://snomed.info/sct', code, display }], text: display },
      subject: { reference: patient },
      ...(encounters[0] ? { encounter: { reference: encounters[0].ref }, recordedDate: encounters[0].date } : {}),
    });
  }
  const prescriber = o.medicationRequests > 0 ? prescribingDoctor(seed, index) : undefined;
  for (let i = 0; i < o.medicationRequests; i++) {
    const text = pick(MEDICINES);
    const coded = MEDICINE_CODES[text];
    add({
      resourceType: 'MedicationRequest',
      status: 'active',
      intent: 'order',
      medicationCodeableConcept: { ...(coded ? { coding: [{ system: 'http://snomed.info/sct', ...coded }] } : {}), text },
      subject: { reference: patient },
      ...(encounters[0] ? { encounter: { reference: encounters[0].ref } } : {}),
      authoredOn: encounters[0]?.date ?? '2024-01-01T09:00:00.000Z',
      ...(prescriber ? { requester: { reference: prescriber.fullUrl, display: prescriber.name } } : {}),
      dosageInstruction: [{ text: pick(DOSES) }],
    });
  }
  // The prescriber goes right after the patient (who stays first). It is drawn from its own PRNG so
  // that everything else in the bundle is what it was before prescribers were added.
  if (prescriber) entries.splice(1, 0, prescriber.entry);
  return { resourceType: 'Bundle', type: 'transaction', entry: entries };
}
