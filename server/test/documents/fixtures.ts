import { randomUUID } from 'node:crypto';
import type { fhirClient } from '../helpers/server.ts';

/**
 * Realistic, ABDM-conformant data of an Indian hospital for the document tests: a hospital in
 * Pune with a branch and a pathology lab, its doctors, a patient with an ABHA number, and the
 * care contexts each ABDM record is built from. Every resource meets the ABDM profile of its
 * type (the server refuses it otherwise, PROFILE_ENFORCEMENT=abdm).
 */

type Fhir = ReturnType<typeof fhirClient>;
type Json = Record<string, any>;

export const SCT = 'http://snomed.info/sct';
export const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
const NDHM_ID = 'https://nrces.in/ndhm/fhir/r4/CodeSystem/ndhm-identifier-type-code';
const BILLING = 'https://nrces.in/ndhm/fhir/r4/CodeSystem/ndhm-billing-codes';
const PRICE = 'https://nrces.in/ndhm/fhir/r4/CodeSystem/ndhm-price-components';
const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const PARTICIPATION = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';
const OBS_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const COND_CATEGORY = 'http://terminology.hl7.org/CodeSystem/condition-category';

const sct = (code: string, display: string) => ({ system: SCT, code, display });
const loinc = (code: string, display: string) => ({ system: LOINC, code, display });
const cc = (coding: Json, text?: string) => ({ coding: [coding], ...(text ? { text } : {}) });
const ucum = (value: number, unit: string, code = unit) => ({ value, unit, system: UCUM, code });
const ref = (reference: string, display?: string) => ({ reference, ...(display ? { display } : {}) });

/** A one-page PDF, as a scanned report would arrive. */
export const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj <</Type/Catalog/Pages 2 0 R>> endobj\n2 0 obj <</Type/Pages/Kids[3 0 R]/Count 1>> endobj\n' +
    '3 0 obj <</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n',
).toString('base64');

/** Collects resources into one transaction Bundle with urn:uuid references, and posts it. */
export class Transaction {
  private readonly entries: Json[] = [];

  /** A fullUrl to reference before the resource is added. */
  urn(): string {
    return `urn:uuid:${randomUUID()}`;
  }

  add(resource: Json, urn = this.urn()): string {
    this.entries.push({ fullUrl: urn, resource, request: { method: 'POST', url: resource.resourceType } });
    return urn;
  }

  /** Commits; returns fullUrl -> `Type/id`. */
  async commit(fhir: Fhir): Promise<Map<string, string>> {
    const res = await fhir.post('', { resourceType: 'Bundle', type: 'transaction', entry: this.entries });
    if (res.status !== 200) throw new Error(`transaction failed: ${JSON.stringify(res.body, null, 1)}`);
    const out = new Map<string, string>();
    res.body.entry.forEach((e: Json, i: number) => {
      out.set(this.entries[i]?.fullUrl, /^([A-Za-z]+\/[^/]+)/.exec(e.response.location)?.[1] as string);
    });
    return out;
  }
}

async function create(fhir: Fhir, resource: Json): Promise<string> {
  const res = await fhir.post(resource.resourceType, resource);
  if (res.status !== 201) throw new Error(`${resource.resourceType} not created: ${JSON.stringify(res.body, null, 1)}`);
  return `${resource.resourceType}/${res.body.id}`;
}

// ---- the directory ------------------------------------------------------------------------------

export function organization(name: string, hfrId: string, city: string, partOf?: string): Json {
  return {
    resourceType: 'Organization',
    identifier: [
      { type: cc({ system: V2_0203, code: 'PRN', display: 'Provider number' }), system: 'https://facility.ndhm.gov.in', value: hfrId },
    ],
    type: [cc({ system: 'http://terminology.hl7.org/CodeSystem/organization-type', code: 'prov', display: 'Healthcare Provider' })],
    name,
    telecom: [{ system: 'phone', value: '+91 20 2612 8000', use: 'work' }],
    address: [{ line: ['Survey No. 12, Karve Road'], city, district: city, state: 'Maharashtra', postalCode: '411004', country: 'IN' }],
    ...(partOf ? { partOf: ref(partOf) } : {}),
  };
}

export function practitioner(name: string, hprId: string, gender: 'male' | 'female', qualification: string): Json {
  const [, given, family] = /^Dr\. (\S+) (.+)$/.exec(name) ?? [];
  return {
    resourceType: 'Practitioner',
    identifier: [
      { type: cc({ system: V2_0203, code: 'MD', display: 'Medical License number' }), system: 'https://doctor.ndhm.gov.in', value: hprId },
    ],
    name: [{ text: name, prefix: ['Dr.'], given: [given], family }],
    gender,
    telecom: [{ system: 'email', value: `${(given ?? 'dr').toLowerCase()}@sanjeevani.example.in`, use: 'work' }],
    qualification: [{ code: { text: qualification } }],
  };
}

export function patient(name: string, abha: string, gender: 'male' | 'female', birthDate: string, managingOrganization: string): Json {
  const [given, family] = name.split(' ');
  return {
    resourceType: 'Patient',
    identifier: [
      {
        type: cc({ system: NDHM_ID, code: 'ABHA', display: 'Ayushman Bharat Health Account (ABHA) ID' }),
        system: 'https://healthid.abdm.gov.in',
        value: abha,
      },
      {
        type: cc({ system: V2_0203, code: 'MR', display: 'Medical record number' }),
        system: 'https://sanjeevani.example.in/mrn',
        value: `MRN-${abha.slice(-4)}`,
      },
    ],
    name: [{ text: name, given: [given], family }],
    gender,
    birthDate,
    telecom: [{ system: 'phone', value: '+919823012345', use: 'mobile' }],
    address: [{ line: ['Flat 402, Shanti Apartments, Kothrud'], city: 'Pune', state: 'Maharashtra', postalCode: '411038', country: 'IN' }],
    managingOrganization: ref(managingOrganization),
  };
}

export interface Directory {
  hospital: string;
  branch: string;
  otherBranch: string;
  lab: string;
  vaccineMaker: string;
  physician: string;
  pathologist: string;
  patient: string;
}

export async function createDirectory(fhir: Fhir): Promise<Directory> {
  const hospital = await create(fhir, organization('Sanjeevani Hospitals', 'IN2710000101', 'Pune'));
  const branch = await create(fhir, organization('Sanjeevani Hospital, Kothrud', 'IN2710000102', 'Pune', hospital));
  const otherBranch = await create(fhir, organization('Sanjeevani Hospital, Malviya Nagar', 'IN0810000103', 'Jaipur', hospital));
  const lab = await create(fhir, organization('Sanjeevani Pathology Laboratory', 'IN2710000104', 'Pune', hospital));
  const vaccineMaker = await create(fhir, organization('Serum Institute of India Pvt. Ltd.', 'IN2710009999', 'Pune'));
  const physician = await create(fhir, practitioner('Dr. Anjali Deshpande', '71-2233-4455-6677', 'female', 'MBBS, MD (General Medicine)'));
  const pathologist = await create(fhir, practitioner('Dr. Rajesh Kulkarni', '71-8899-1122-3344', 'male', 'MBBS, MD (Pathology)'));
  const person = await create(fhir, patient('Sneha Kulkarni', '91-5541-2233-7781', 'female', '1986-04-12', branch));
  return { hospital, branch, otherBranch, lab, vaccineMaker, physician, pathologist, patient: person };
}

// ---- clinical building blocks ---------------------------------------------------------------------

function encounter(
  d: Directory,
  kind: 'AMB' | 'IMP',
  start: string,
  end: string,
  diagnosis: { condition: string; use: Json }[] = [],
): Json {
  return {
    resourceType: 'Encounter',
    identifier: [{ system: 'https://sanjeevani.example.in/visit', value: `V-${randomUUID().slice(0, 8)}` }],
    status: 'finished',
    class: { system: ACT_CODE, code: kind, display: kind === 'AMB' ? 'ambulatory' : 'inpatient encounter' },
    subject: ref(d.patient, 'Sneha Kulkarni'),
    participant: [
      {
        type: [cc({ system: PARTICIPATION, code: 'PPRF', display: 'primary performer' })],
        individual: ref(d.physician, 'Dr. Anjali Deshpande'),
      },
    ],
    period: { start, end },
    ...(diagnosis.length ? { diagnosis: diagnosis.map((x) => ({ condition: ref(x.condition), use: x.use })) } : {}),
    serviceProvider: ref(d.branch, 'Sanjeevani Hospital, Kothrud'),
    ...(kind === 'IMP'
      ? {
          hospitalization: {
            dischargeDisposition: cc(
              { system: 'http://terminology.hl7.org/CodeSystem/discharge-disposition', code: 'home', display: 'Home' },
              'Discharged home',
            ),
          },
        }
      : {}),
  };
}

function condition(
  d: Directory,
  enc: string | undefined,
  coding: Json[],
  text: string,
  category?: 'problem-list-item' | 'encounter-diagnosis',
): Json {
  return {
    resourceType: 'Condition',
    clinicalStatus: cc({ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active', display: 'Active' }),
    ...(category
      ? {
          category: [
            cc({
              system: COND_CATEGORY,
              code: category,
              display: category === 'problem-list-item' ? 'Problem List Item' : 'Encounter Diagnosis',
            }),
          ],
        }
      : {}),
    code: { coding, text },
    subject: ref(d.patient),
    ...(enc ? { encounter: ref(enc) } : {}),
    recordedDate: '2025-10-06T10:20:00+05:30',
    recorder: ref(d.physician),
  };
}

function observation(d: Directory, enc: string, category: string, code: Json, value: Json, extra: Json = {}): Json {
  return {
    resourceType: 'Observation',
    status: 'final',
    category: [cc({ system: OBS_CATEGORY, code: category, display: category })],
    code: cc(code, code.display),
    subject: ref(d.patient),
    encounter: ref(enc),
    effectiveDateTime: '2025-10-06T10:15:00+05:30',
    performer: [ref(d.physician)],
    ...value,
    ...extra,
  };
}

function medicationRequest(d: Directory, enc: string, drug: Json, dosage: string, status = 'active'): Json {
  return {
    resourceType: 'MedicationRequest',
    status,
    intent: 'order',
    medicationCodeableConcept: cc(drug, drug.display),
    subject: ref(d.patient),
    encounter: ref(enc),
    authoredOn: '2025-10-06T10:40:00+05:30',
    requester: ref(d.physician, 'Dr. Anjali Deshpande'),
    dosageInstruction: [
      {
        text: dosage,
        additionalInstruction: [cc(sct('311504000', 'With or after food'))],
        route: cc(sct('26643006', 'Oral route')),
      },
    ],
  };
}

function documentReference(d: Directory, type: Json, title: string, context: Json): Json {
  return {
    resourceType: 'DocumentReference',
    status: 'current',
    docStatus: 'final',
    type: cc(type, type.display),
    subject: ref(d.patient),
    date: '2025-10-06T11:00:00+05:30',
    author: [ref(d.physician)],
    content: [
      { attachment: { contentType: 'application/pdf', language: 'en-IN', data: PDF, title, creation: '2025-10-06T11:00:00+05:30' } },
    ],
    context,
  };
}

// ---- care contexts --------------------------------------------------------------------------------

export interface OpdVisit {
  encounter: string;
  complaint: string;
  dengue: string;
  hypertension: string;
  cbcOrder: string;
  referral: string;
  followUp: string;
  draftPrescription: string;
}

/** A fever clinic visit: complaints, dengue diagnosis, vitals, NS1 result, orders, prescription, referral, follow-up. */
export async function createOpdVisit(fhir: Fhir, d: Directory): Promise<OpdVisit> {
  const tx = new Transaction();
  const enc = tx.urn();
  const dengue = tx.urn();
  tx.add(
    encounter(d, 'AMB', '2025-10-06T10:00:00+05:30', '2025-10-06T10:45:00+05:30', [
      { condition: dengue, use: cc(sct('148006', 'Preliminary diagnosis')) },
    ]),
    enc,
  );
  const complaint = tx.add(condition(d, enc, [sct('386661006', 'Fever')], 'Fever for 3 days with body ache'));
  tx.add(condition(d, enc, [sct('25064002', 'Headache')], 'Frontal headache'));
  tx.add(
    condition(
      d,
      enc,
      [
        sct('38362002', 'Dengue fever'),
        { system: 'http://hl7.org/fhir/sid/icd-10', code: 'A90', display: 'Dengue fever [classical dengue]' },
      ],
      'Dengue fever',
      'encounter-diagnosis',
    ),
    dengue,
  );
  const hypertension = tx.add(
    condition(
      d,
      undefined,
      [
        sct('59621000', 'Essential hypertension'),
        { system: 'http://hl7.org/fhir/sid/icd-10', code: 'I10', display: 'Essential (primary) hypertension' },
      ],
      'Hypertension since 2019',
      'problem-list-item',
    ),
  );
  tx.add(
    observation(d, enc, 'vital-signs', loinc('85354-9', 'Blood pressure panel with all children optional'), {
      component: [
        { code: cc(loinc('8480-6', 'Systolic blood pressure')), valueQuantity: ucum(128, 'mmHg', 'mm[Hg]') },
        { code: cc(loinc('8462-4', 'Diastolic blood pressure')), valueQuantity: ucum(84, 'mmHg', 'mm[Hg]') },
      ],
    }),
  );
  tx.add(observation(d, enc, 'vital-signs', loinc('8310-5', 'Body temperature'), { valueQuantity: ucum(38.9, '°C', 'Cel') }));
  tx.add(observation(d, enc, 'exam', sct('271807003', 'Eruption of skin'), { valueString: 'Faint maculopapular rash over forearms' }));
  tx.add(
    observation(d, enc, 'laboratory', loinc('75377-6', 'Dengue virus NS1 Ag [Presence] in Serum or Plasma by Immunoassay'), {
      valueCodeableConcept: cc(sct('10828004', 'Positive')),
    }),
  );
  tx.add({
    resourceType: 'AllergyIntolerance',
    clinicalStatus: cc({ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active', display: 'Active' }),
    verificationStatus: cc({
      system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification',
      code: 'confirmed',
      display: 'Confirmed',
    }),
    code: cc(sct('91936005', 'Allergy to penicillin'), 'Penicillin allergy'),
    patient: ref(d.patient),
    recordedDate: '2021-02-11',
    recorder: ref(d.physician),
    reaction: [{ manifestation: [cc(sct('271807003', 'Eruption of skin'))] }],
  });
  tx.add({
    resourceType: 'FamilyMemberHistory',
    status: 'completed',
    patient: ref(d.patient),
    relationship: cc({ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: 'FTH', display: 'father' }),
    condition: [{ code: cc(sct('44054006', 'Diabetes mellitus type 2')) }],
  });
  const cbcOrder = tx.add({
    resourceType: 'ServiceRequest',
    status: 'active',
    intent: 'order',
    category: [cc(sct('108252007', 'Laboratory procedure'))],
    code: cc(sct('26604007', 'Complete blood count'), 'CBC with platelet count'),
    subject: ref(d.patient),
    encounter: ref(enc),
    authoredOn: '2025-10-06T10:35:00+05:30',
    requester: ref(d.physician),
  });
  const referral = tx.add({
    resourceType: 'ServiceRequest',
    status: 'active',
    intent: 'order',
    category: [cc(sct('3457005', 'Patient referral'))],
    code: cc(sct('306206005', 'Referral to service'), 'Referral to infectious diseases clinic'),
    subject: ref(d.patient),
    encounter: ref(enc),
    authoredOn: '2025-10-06T10:38:00+05:30',
    requester: ref(d.physician),
    performer: [ref(d.otherBranch)],
  });
  tx.add(medicationRequest(d, enc, sct('322236009', 'Paracetamol 500 mg oral tablet'), '1 tablet three times a day after food for 5 days'));
  tx.add(
    medicationRequest(
      d,
      enc,
      sct('1208956001', 'Oral rehydration salts powder for oral solution'),
      'One sachet in 1 litre of water, sip through the day',
    ),
  );
  const draftPrescription = tx.add(medicationRequest(d, enc, sct('387517004', 'Paracetamol'), 'draft, not issued', 'draft'));
  tx.add({
    resourceType: 'MedicationStatement',
    status: 'active',
    medicationCodeableConcept: cc(sct('386864001', 'Amlodipine 5 mg oral tablet')),
    subject: ref(d.patient),
    context: ref(enc),
    dateAsserted: '2025-10-06T10:25:00+05:30',
    informationSource: ref(d.patient),
  });
  tx.add({
    resourceType: 'Procedure',
    status: 'completed',
    code: cc(sct('18629005', 'Administration of drug or medicament'), 'Intramuscular antipyretic injection'),
    subject: ref(d.patient),
    encounter: ref(enc),
    performedDateTime: '2025-10-06T10:42:00+05:30',
    performer: [{ actor: ref(d.physician) }],
  });
  const followUp = tx.add({
    resourceType: 'Appointment',
    status: 'booked',
    appointmentType: cc(sct('185389009', 'Follow-up visit')),
    description: 'Review with CBC report',
    start: '2025-10-09T04:30:00Z',
    end: '2025-10-09T04:45:00Z',
    supportingInformation: [ref(enc)],
    participant: [
      { actor: ref(d.patient), status: 'accepted' },
      { actor: ref(d.physician), status: 'accepted' },
    ],
  });
  tx.add(documentReference(d, sct('371530004', 'Clinical consultation report'), 'OPD consultation note', { encounter: [ref(enc)] }));
  const refs = await tx.commit(fhir);
  const id = (urn: string) => refs.get(urn) as string;
  return {
    encounter: id(enc),
    complaint: id(complaint),
    dengue: id(dengue),
    hypertension: id(hypertension),
    cbcOrder: id(cbcOrder),
    referral: id(referral),
    followUp: id(followUp),
    draftPrescription: id(draftPrescription),
  };
}

/**
 * A hypertension review at the OPD on `day` (YYYY-MM-DD): what one more visit of a patient with a
 * long history adds (complaint, diagnosis, blood pressure, a prescription, the consultation note),
 * without repeating the patient-level history createOpdVisit records.
 */
export async function createReviewVisit(fhir: Fhir, d: Directory, day: string): Promise<string> {
  const tx = new Transaction();
  const enc = tx.urn();
  const diagnosis = tx.urn();
  tx.add(
    encounter(d, 'AMB', `${day}T11:00:00+05:30`, `${day}T11:15:00+05:30`, [
      { condition: diagnosis, use: cc(sct('148006', 'Preliminary diagnosis')) },
    ]),
    enc,
  );
  tx.add(condition(d, enc, [sct('25064002', 'Headache')], 'Morning headaches for a week'));
  tx.add(
    condition(
      d,
      enc,
      [
        sct('59621000', 'Essential hypertension'),
        { system: 'http://hl7.org/fhir/sid/icd-10', code: 'I10', display: 'Essential (primary) hypertension' },
      ],
      'Hypertension, review',
      'encounter-diagnosis',
    ),
    diagnosis,
  );
  tx.add(
    observation(d, enc, 'vital-signs', loinc('85354-9', 'Blood pressure panel with all children optional'), {
      component: [
        { code: cc(loinc('8480-6', 'Systolic blood pressure')), valueQuantity: ucum(142, 'mmHg', 'mm[Hg]') },
        { code: cc(loinc('8462-4', 'Diastolic blood pressure')), valueQuantity: ucum(90, 'mmHg', 'mm[Hg]') },
      ],
    }),
  );
  tx.add(medicationRequest(d, enc, sct('386864001', 'Amlodipine 5 mg oral tablet'), '1 tablet once a day in the morning for 30 days'));
  tx.add(documentReference(d, sct('371530004', 'Clinical consultation report'), 'OPD review note', { encounter: [ref(enc)] }));
  const refs = await tx.commit(fhir);
  return refs.get(enc) as string;
}

export interface Admission {
  encounter: string;
  report: string;
  results: string[];
  specimen: string;
  order: string;
  reportDocument: string;
  carePlan: string;
}

/** A five-day admission for community-acquired pneumonia, with a CBC report of four results. */
export async function createAdmission(fhir: Fhir, d: Directory): Promise<Admission> {
  const tx = new Transaction();
  const enc = tx.urn();
  const pneumonia = tx.urn();
  tx.add(
    encounter(d, 'IMP', '2025-09-20T18:30:00+05:30', '2025-09-25T11:00:00+05:30', [
      { condition: pneumonia, use: cc(sct('89100005', 'Final diagnosis (discharge)')) },
    ]),
    enc,
  );
  tx.add(condition(d, enc, [sct('49727002', 'Cough')], 'Productive cough and breathlessness for 4 days'));
  tx.add(
    condition(
      d,
      enc,
      [
        sct('385093006', 'Community acquired pneumonia'),
        { system: 'http://hl7.org/fhir/sid/icd-10', code: 'J18.9', display: 'Pneumonia, unspecified' },
      ],
      'Community acquired pneumonia, right lower lobe',
      'encounter-diagnosis',
    ),
    pneumonia,
  );
  tx.add(observation(d, enc, 'vital-signs', loinc('2708-6', 'Oxygen saturation in Arterial blood'), { valueQuantity: ucum(91, '%') }));
  tx.add(
    observation(d, enc, 'exam', sct('48409008', 'Respiratory crackles'), { valueString: 'Coarse crackles, right infrascapular area' }),
  );
  const order = tx.add({
    resourceType: 'ServiceRequest',
    status: 'completed',
    intent: 'order',
    category: [cc(sct('108252007', 'Laboratory procedure'))],
    code: cc(sct('26604007', 'Complete blood count')),
    subject: ref(d.patient),
    encounter: ref(enc),
    authoredOn: '2025-09-20T19:00:00+05:30',
    requester: ref(d.physician),
  });
  const specimen = tx.add({
    resourceType: 'Specimen',
    status: 'available',
    type: cc(sct('119297000', 'Blood specimen')),
    subject: ref(d.patient),
    receivedTime: '2025-09-20T19:40:00+05:30',
    request: [ref(order)],
    collection: { collectedDateTime: '2025-09-20T19:20:00+05:30' },
  });
  const result = (code: Json, value: Json, low: number, high: number, unit: string, ucumCode: string) =>
    tx.add({
      ...observation(d, enc, 'laboratory', code, { valueQuantity: value }),
      performer: [ref(d.lab)],
      specimen: ref(specimen),
      referenceRange: [{ low: ucum(low, unit, ucumCode), high: ucum(high, unit, ucumCode) }],
    });
  const results = [
    result(loinc('718-7', 'Hemoglobin [Mass/volume] in Blood'), ucum(11.8, 'g/dL'), 12, 15.5, 'g/dL', 'g/dL'),
    result(loinc('6690-2', 'Leukocytes [#/volume] in Blood by Automated count'), ucum(14.2, '10*3/uL'), 4, 11, '10*3/uL', '10*3/uL'),
    result(loinc('777-3', 'Platelets [#/volume] in Blood by Automated count'), ucum(265, '10*3/uL'), 150, 410, '10*3/uL', '10*3/uL'),
    result(loinc('770-8', 'Neutrophils/100 leukocytes in Blood by Automated count'), ucum(82, '%'), 40, 75, '%', '%'),
  ];
  const report = tx.add({
    resourceType: 'DiagnosticReport',
    identifier: [{ system: 'https://sanjeevani.example.in/lab/reports', value: 'LAB-2025-09-4471' }],
    basedOn: [ref(order)],
    status: 'final',
    category: [cc(sct('708196005', 'Hematology service'))],
    code: cc(loinc('58410-2', 'CBC panel - Blood by Automated count'), 'Complete blood count'),
    subject: ref(d.patient),
    encounter: ref(enc),
    effectiveDateTime: '2025-09-20T19:20:00+05:30',
    issued: '2025-09-20T21:05:00+05:30',
    performer: [ref(d.lab, 'Sanjeevani Pathology Laboratory')],
    resultsInterpreter: [ref(d.pathologist, 'Dr. Rajesh Kulkarni')],
    specimen: [ref(specimen)],
    result: results.map((r) => ref(r)),
    conclusion: 'Neutrophilic leukocytosis with mild anaemia, consistent with bacterial infection.',
    conclusionCode: [cc(sct('165517008', 'Neutrophil count raised'))],
    presentedForm: [{ contentType: 'application/pdf', language: 'en-IN', data: PDF, title: 'CBC report' }],
  });
  const reportDocument = tx.add(
    documentReference(d, sct('4241000179101', 'Laboratory report'), 'CBC report (signed)', {
      encounter: [ref(enc)],
      related: [ref(report)],
    }),
  );
  tx.add(
    medicationRequest(
      d,
      enc,
      sct('392259005', 'Amoxicillin 500 mg and clavulanic acid 125 mg oral tablet'),
      '1 tablet twice a day for 7 days',
    ),
  );
  tx.add({
    resourceType: 'Procedure',
    status: 'completed',
    code: cc(sct('56251003', 'Nebulization'), 'Salbutamol nebulisation'),
    subject: ref(d.patient),
    encounter: ref(enc),
    performedDateTime: '2025-09-21T08:00:00+05:30',
  });
  const carePlan = tx.add({
    resourceType: 'CarePlan',
    status: 'active',
    intent: 'plan',
    category: [cc(sct('736353004', 'Inpatient care plan'))],
    title: 'Discharge advice',
    description: 'Complete the oral antibiotic course, breathing exercises, review in the OPD after 7 days with a chest X-ray.',
    subject: ref(d.patient),
    encounter: ref(enc),
    author: ref(d.physician),
  });
  tx.add(documentReference(d, sct('373942005', 'Discharge summary'), 'Discharge summary (signed)', { encounter: [ref(enc)] }));
  const refs = await tx.commit(fhir);
  const id = (urn: string) => refs.get(urn) as string;
  return {
    encounter: id(enc),
    report: id(report),
    results: results.map(id),
    specimen: id(specimen),
    order: id(order),
    reportDocument: id(reportDocument),
    carePlan: id(carePlan),
  };
}

export interface Vaccination {
  immunization: string;
  recommendation: string;
}

/** Hepatitis B, first dose, with the recommendation for the second. */
export async function createVaccination(fhir: Fhir, d: Directory): Promise<Vaccination> {
  const tx = new Transaction();
  const immunization = tx.add({
    resourceType: 'Immunization',
    extension: [{ url: 'https://nrces.in/ndhm/fhir/r4/StructureDefinition/BrandName', valueString: 'Gene Vac-B' }],
    status: 'completed',
    vaccineCode: cc(sct('871822003', 'Hepatitis B virus antigen-containing vaccine product')),
    patient: ref(d.patient),
    occurrenceDateTime: '2025-08-14T11:30:00+05:30',
    primarySource: true,
    manufacturer: ref(d.vaccineMaker),
    lotNumber: 'HBV2507A19',
    expirationDate: '2027-06-30',
    route: cc(sct('78421000', 'Intramuscular route')),
    doseQuantity: { value: 1, unit: 'mL', system: UCUM, code: 'mL' },
    performer: [
      {
        function: cc({ system: 'http://terminology.hl7.org/CodeSystem/v2-0443', code: 'AP', display: 'Administering Provider' }),
        actor: ref(d.physician),
      },
    ],
    protocolApplied: [{ series: '0-1-6 months', doseNumberPositiveInt: 1, seriesDosesPositiveInt: 3 }],
  });
  const recommendation = tx.add({
    resourceType: 'ImmunizationRecommendation',
    patient: ref(d.patient),
    date: '2025-08-14T11:35:00+05:30',
    authority: ref(d.branch),
    recommendation: [
      {
        vaccineCode: [cc(sct('871822003', 'Hepatitis B virus antigen-containing vaccine product'))],
        forecastStatus: cc({
          system: 'http://terminology.hl7.org/CodeSystem/immunization-recommendation-status',
          code: 'due',
          display: 'Due',
        }),
        dateCriterion: [{ code: cc(loinc('30980-7', 'Date vaccine due')), value: '2025-09-14' }],
        doseNumberPositiveInt: 2,
        seriesDosesPositiveInt: 3,
        supportingImmunization: [ref(immunization)],
      },
    ],
  });
  const refs = await tx.commit(fhir);
  return { immunization: refs.get(immunization) as string, recommendation: refs.get(recommendation) as string };
}

export interface WellnessVisit {
  encounter: string;
  bySection: Record<string, string[]>;
}

/** An annual health check: vitals, body measurements, activity, glucose, menstrual history, lifestyle, HbA1c. */
export async function createWellnessVisit(fhir: Fhir, d: Directory): Promise<WellnessVisit> {
  const tx = new Transaction();
  const enc = tx.add(encounter(d, 'AMB', '2025-10-01T08:00:00+05:30', '2025-10-01T09:30:00+05:30'));
  const obs = (category: string, code: Json, value: Json) => tx.add(observation(d, enc, category, code, value));
  const bySection: Record<string, string[]> = {
    'Vital Signs': [
      obs('vital-signs', loinc('8867-4', 'Heart rate'), { valueQuantity: ucum(76, 'beats/min', '/min') }),
      obs('vital-signs', loinc('9279-1', 'Respiratory rate'), { valueQuantity: ucum(16, 'breaths/min', '/min') }),
      obs('vital-signs', loinc('2708-6', 'Oxygen saturation in Arterial blood'), { valueQuantity: ucum(98, '%') }),
      obs('vital-signs', loinc('61008-9', 'Body surface temperature'), { valueQuantity: ucum(36.7, '°C', 'Cel') }),
      obs('vital-signs', loinc('85354-9', 'Blood pressure panel with all children optional'), {
        component: [
          { code: cc(loinc('8480-6', 'Systolic blood pressure')), valueQuantity: ucum(118, 'mmHg', 'mm[Hg]') },
          { code: cc(loinc('8462-4', 'Diastolic blood pressure')), valueQuantity: ucum(76, 'mmHg', 'mm[Hg]') },
        ],
      }),
    ],
    'Body Measurement': [
      obs('vital-signs', loinc('8302-2', 'Body height'), { valueQuantity: ucum(162, 'cm') }),
      obs('vital-signs', loinc('29463-7', 'Body weight'), { valueQuantity: ucum(61.5, 'kg') }),
      obs('vital-signs', loinc('39156-5', 'Body mass index (BMI) [Ratio]'), { valueQuantity: ucum(23.4, 'kg/m2', 'kg/m2') }),
    ],
    'Physical Activity': [
      obs('activity', loinc('55423-8', 'Number of steps in unspecified time Pedometer'), { valueQuantity: ucum(8400, 'steps/day', '/d') }),
    ],
    'General Assessment': [obs('laboratory', loinc('2339-0', 'Glucose [Mass/volume] in Blood'), { valueQuantity: ucum(94, 'mg/dL') })],
    'Women Health': [obs('exam', loinc('8665-2', 'Last menstrual period start date'), { valueString: '2025-09-18' })],
    Lifestyle: [
      obs('social-history', sct('365981007', 'Finding of tobacco smoking behavior'), {
        valueCodeableConcept: cc(sct('266919005', 'Never smoked tobacco')),
      }),
    ],
    'Other Observations': [
      obs('laboratory', loinc('4548-4', 'Hemoglobin A1c/Hemoglobin.total in Blood'), { valueQuantity: ucum(5.4, '%') }),
    ],
  };
  const doc = tx.add(documentReference(d, sct('4241000179101', 'Laboratory report'), 'Health check report', { encounter: [ref(enc)] }));
  const refs = await tx.commit(fhir);
  const id = (urn: string) => refs.get(urn) as string;
  return {
    encounter: id(enc),
    bySection: { ...Object.fromEntries(Object.entries(bySection).map(([k, v]) => [k, v.map(id)])), 'Document Reference': [id(doc)] },
  };
}

export interface ScannedDocument {
  binary: string;
  document: string;
}

/** A discharge summary from another hospital, brought by the patient and scanned: a Binary and its DocumentReference. */
export async function createScannedDocument(fhir: Fhir, d: Directory): Promise<ScannedDocument> {
  const binary = await create(fhir, { resourceType: 'Binary', contentType: 'application/pdf', data: PDF });
  const document = await create(fhir, {
    ...documentReference(d, sct('373942005', 'Discharge summary'), 'Discharge summary, Ruby Hall Clinic, 2023', {}),
    description: 'Discharge summary from Ruby Hall Clinic, Pune (appendicectomy, March 2023)',
    content: [
      {
        attachment: {
          contentType: 'application/pdf',
          language: 'en-IN',
          url: binary,
          data: PDF,
          title: 'Ruby Hall Clinic discharge summary',
        },
      },
    ],
    context: undefined,
  });
  return { binary, document };
}

export interface PharmacyBill {
  invoice: string;
  chargeItems: string[];
  medication: string;
}

/** An OPD bill: consultation (GST-exempt health care service) and medicines at 5% GST split into CGST and SGST. */
export async function createPharmacyBill(fhir: Fhir, d: Directory, enc: string): Promise<PharmacyBill> {
  const tx = new Transaction();
  const medication = tx.add({
    resourceType: 'Medication',
    identifier: [{ type: cc({ system: NDHM_ID, code: 'HSN', display: 'Harmonized System of Nomenclature' }), value: '30049099' }],
    code: cc(sct('322236009', 'Paracetamol 500 mg oral tablet'), 'Paracetamol 500 mg tablet (strip of 15)'),
    form: cc(sct('385055001', 'Tablet')),
    batch: { lotNumber: 'PCM25B0412', expirationDate: '2027-11-30' },
  });
  const charge = (code: Json, quantity: Json, product: Json) =>
    tx.add({
      resourceType: 'ChargeItem',
      status: 'billed',
      code: cc(code),
      subject: ref(d.patient),
      context: ref(enc),
      occurrenceDateTime: '2025-10-06T10:50:00+05:30',
      performer: [{ actor: ref(d.physician) }],
      quantity,
      ...product,
    });
  const consultation = charge(
    { system: BILLING, code: '00', display: 'Consultation' },
    { value: 1 },
    {
      productCodeableConcept: cc(sct('11429006', 'Consultation')),
    },
  );
  const tablets = charge(
    { system: BILLING, code: '05', display: 'Medicines' },
    { value: 2, unit: 'strip' },
    { productReference: ref(medication) },
  );
  const price = (code: string, display: string, type: string, value: number) => ({
    type,
    code: cc({ system: PRICE, code, display }),
    amount: { value, currency: 'INR' },
  });
  const invoice = tx.add({
    resourceType: 'Invoice',
    identifier: [{ type: { text: 'Bill number' }, system: 'https://sanjeevani.example.in/bills', value: 'OPD/2025-26/004817' }],
    status: 'issued',
    type: cc({ system: BILLING, code: '03', display: 'OPD' }),
    subject: ref(d.patient),
    recipient: ref(d.patient),
    date: '2025-10-06T10:55:00+05:30',
    participant: [{ actor: ref(d.physician) }],
    issuer: ref(d.branch),
    lineItem: [
      { sequence: 1, chargeItemReference: ref(consultation), priceComponent: [price('01', 'Rate', 'base', 500)] },
      {
        sequence: 2,
        chargeItemReference: ref(tablets),
        priceComponent: [
          price('00', 'MRP', 'informational', 64),
          price('01', 'Rate', 'base', 60.96),
          price('02', 'Discount', 'discount', 3.05),
          price('03', 'CGST', 'tax', 1.45),
          price('04', 'SGST', 'tax', 1.45),
        ],
      },
    ],
    totalNet: { value: 557.91, currency: 'INR' },
    totalGross: { value: 560.81, currency: 'INR' },
    paymentTerms: 'Paid at the counter by UPI',
  });
  const refs = await tx.commit(fhir);
  const id = (urn: string) => refs.get(urn) as string;
  return { invoice: id(invoice), chargeItems: [id(consultation), id(tablets)], medication: id(medication) };
}
