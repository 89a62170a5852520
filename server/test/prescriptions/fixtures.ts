import { randomUUID } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';
import type { fhirClient } from '../helpers/server.ts';

/**
 * An OPD fever-clinic visit at a Pune branch of a hospital chain, as the OPD app records it:
 * vitals, complaint and provisional diagnosis, three medicines (dosing in the 1-1-1 pattern,
 * before/after food, duration) with the patient instructions
 * translated into Hindi (FHIR translation extension), a lab order, a referral, advice and a
 * follow-up appointment. Every resource meets the ABDM profile of its type.
 */

type Fhir = ReturnType<typeof fhirClient>;
type Json = Record<string, any>;

const SCT = 'http://snomed.info/sct';
const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
const NDHM_ID = 'https://nrces.in/ndhm/fhir/r4/CodeSystem/ndhm-identifier-type-code';
const TRANSLATION = 'http://hl7.org/fhir/StructureDefinition/translation';

const cc = (system: string, code: string, display: string, text?: string) => ({
  coding: [{ system, code, display }],
  ...(text ? { text } : {}),
});
const ref = (reference: string, display?: string) => ({ reference, ...(display ? { display } : {}) });
const ucum = (value: number, unit: string, code = unit) => ({ value, unit, system: UCUM, code });
/** A string's Hindi translation, as the FHIR translation extension on the primitive. */
const hindi = (content: string) => ({
  extension: [
    {
      url: TRANSLATION,
      extension: [
        { url: 'lang', valueCode: 'hi' },
        { url: 'content', valueString: content },
      ],
    },
  ],
});

/** A small PNG of an ink scribble: a scanned signature, kept as the Practitioner's photo. */
export function signaturePng(width = 160, height = 48): string {
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 4); // filter byte 0, then RGBA
    for (let x = 0; x < width; x++) {
      const t = x / width;
      const curve = height / 2 + Math.sin(t * 19) * height * 0.28 * (1 - t * 0.6) + Math.sin(t * 5) * 4;
      const ink = Math.abs(y - curve) < 1.6 || (x > width * 0.72 && Math.abs(y - height * 0.8) < 1);
      if (ink) row.set([20, 40, 110, 255], 1 + x * 4);
    }
    rows.push(row);
  }
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8 bits, RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]).toString('base64');
}

class Transaction {
  private readonly entries: Json[] = [];

  add(resource: Json, urn = `urn:uuid:${randomUUID()}`): string {
    this.entries.push({ fullUrl: urn, resource, request: { method: 'POST', url: resource.resourceType } });
    return urn;
  }

  async commit(fhir: Fhir): Promise<(urn: string) => string> {
    const res = await fhir.post('', { resourceType: 'Bundle', type: 'transaction', entry: this.entries });
    if (res.status !== 200) throw new Error(`transaction failed: ${JSON.stringify(res.body, null, 1)}`);
    const ids = new Map<string, string>();
    res.body.entry.forEach((e: Json, i: number) => {
      ids.set(this.entries[i].fullUrl, /^([A-Za-z]+\/[^/]+)/.exec(e.response.location)?.[1] as string);
    });
    return (urn) => ids.get(urn) as string;
  }
}

function organization(name: string, hfr: string, address: Json, phone: string, partOf?: string): Json {
  return {
    resourceType: 'Organization',
    identifier: [{ type: cc(V2_0203, 'PRN', 'Provider number'), system: 'https://facility.ndhm.gov.in', value: hfr }],
    type: [cc('http://terminology.hl7.org/CodeSystem/organization-type', 'prov', 'Healthcare Provider')],
    name,
    telecom: [
      { system: 'phone', value: phone, use: 'work' },
      { system: 'email', value: 'opd.kothrud@sanjeevani.example.in', use: 'work' },
    ],
    address: [address],
    ...(partOf ? { partOf: ref(partOf) } : {}),
  };
}

function practitioner(given: string, family: string, reg: string, council: string, degrees: string[], photo?: string): Json {
  return {
    resourceType: 'Practitioner',
    identifier: [
      {
        type: { ...cc(V2_0203, 'MD', 'Medical License number'), text: 'Medical council registration' },
        system: 'https://doctor.ndhm.gov.in',
        value: reg,
        assigner: { display: council },
      },
    ],
    name: [{ use: 'official', text: `Dr. ${given} ${family}`, prefix: ['Dr.'], given: [given], family }],
    gender: 'female',
    qualification: degrees.map((text) => ({ code: { text } })),
    ...(photo ? { photo: [{ contentType: 'image/png', data: photo, title: 'Signature' }] } : {}),
  };
}

export interface Clinic {
  chain: string;
  branch: string;
  otherBranch: string;
  building: string;
  doctor: string;
  /** A doctor without a signature image. */
  locum: string;
  patient: string;
}

export async function createClinic(fhir: Fhir): Promise<Clinic> {
  const tx = new Transaction();
  const chain = tx.add(
    organization(
      'Sanjeevani Hospitals',
      'IN2710000101',
      { line: ['12 Prabhat Road, Erandwane'], city: 'Pune', state: 'Maharashtra', postalCode: '411004', country: 'IN' },
      '+912025670000',
    ),
  );
  const branch = tx.add(
    organization(
      'Sanjeevani Hospital, Kothrud',
      'IN2710000102',
      {
        line: ['Survey No. 12, Karve Road', 'Kothrud'],
        city: 'Pune',
        district: 'Pune',
        state: 'Maharashtra',
        postalCode: '411038',
        country: 'IN',
      },
      '+912025438800',
      chain,
    ),
  );
  const otherBranch = tx.add(
    organization(
      'Sanjeevani Hospital, Malviya Nagar',
      'IN0810000103',
      { line: ['8 JLN Marg'], city: 'Jaipur', state: 'Rajasthan', postalCode: '302017', country: 'IN' },
      '+911412367890',
      chain,
    ),
  );
  const building = tx.add({
    resourceType: 'Location',
    status: 'active',
    name: 'Sanjeevani Hospital, Kothrud - OPD block',
    mode: 'instance',
    managingOrganization: ref(branch),
  });
  const doctor = tx.add(
    practitioner('Anjali', 'Deshpande', 'MMC-2009-45871', 'Maharashtra Medical Council', ['MBBS', 'MD (General Medicine)'], signaturePng()),
  );
  const locum = tx.add(practitioner('Kavita', 'Joshi', 'MMC-2014-55120', 'Maharashtra Medical Council', ['MBBS']));
  const patient = tx.add({
    resourceType: 'Patient',
    identifier: [
      {
        type: { ...cc(V2_0203, 'MR', 'Medical record number'), text: 'UHID' },
        system: 'https://sanjeevani.example.in/uhid',
        value: 'SH-PUN-004417',
      },
      {
        type: { ...cc(NDHM_ID, 'HIN', 'Health ID issued by NDHM'), text: 'ABHA number' },
        system: 'https://healthid.ndhm.gov.in',
        value: '91456789012345',
      },
      {
        type: { ...cc(NDHM_ID, 'ABHA', 'Ayushman Bharat Health Account (ABHA) ID'), text: 'ABHA address' },
        system: 'https://healthid.ndhm.gov.in/health-id',
        value: 'sunita.sharma@abdm',
      },
    ],
    name: [{ use: 'official', text: 'Sunita Sharma', given: ['Sunita'], family: 'Sharma' }],
    gender: 'female',
    birthDate: '1965-01-26',
    telecom: [{ system: 'phone', value: '+918806543219', use: 'mobile' }],
    address: [{ use: 'home', line: ['3 ITI Road, Aundh'], city: 'Pune', state: 'Maharashtra', postalCode: '411007', country: 'IN' }],
    communication: [{ language: cc('urn:ietf:bcp:47', 'hi', 'Hindi'), preferred: true }],
    managingOrganization: ref(branch),
  });
  const id = await tx.commit(fhir);
  return {
    chain: id(chain),
    branch: id(branch),
    otherBranch: id(otherBranch),
    building: id(building),
    doctor: id(doctor),
    locum: id(locum),
    patient: id(patient),
  };
}

function encounter(c: Clinic, doctor: string, start: string): Json {
  return {
    resourceType: 'Encounter',
    identifier: [{ system: 'https://sanjeevani.example.in/visit', value: `OPD-${randomUUID().slice(0, 8).toUpperCase()}` }],
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB', display: 'ambulatory' },
    subject: ref(c.patient, 'Sunita Sharma'),
    participant: [
      {
        type: [cc('http://terminology.hl7.org/CodeSystem/v3-ParticipationType', 'PPRF', 'primary performer')],
        individual: ref(doctor),
      },
    ],
    period: { start, end: start.replace('T04:30', 'T04:50') },
    serviceProvider: ref(c.branch, 'Sanjeevani Hospital, Kothrud'),
  };
}

function vital(enc: string, c: Clinic, code: Json, value: Json): Json {
  return {
    resourceType: 'Observation',
    status: 'final',
    category: [cc('http://terminology.hl7.org/CodeSystem/observation-category', 'vital-signs', 'Vital Signs')],
    code: { coding: [code], text: code.display },
    subject: ref(c.patient),
    encounter: ref(enc),
    effectiveDateTime: '2025-10-06T10:05:00+05:30',
    ...value,
  };
}

function medicationRequest(enc: string, c: Clinic, doctor: string, medication: Json, dosage: Json, extra: Json = {}): Json {
  return {
    resourceType: 'MedicationRequest',
    status: 'active',
    intent: 'order',
    ...medication,
    subject: ref(c.patient),
    encounter: ref(enc),
    authoredOn: '2025-10-06T10:40:00+05:30',
    requester: ref(doctor, 'Dr. Anjali Deshpande'),
    dosageInstruction: [{ route: cc(SCT, '26643006', 'Oral route'), ...dosage }],
    ...extra,
  };
}

export interface Visit {
  encounter: string;
}

/** 10:00 IST on 6 October 2025: dengue suspected, three medicines, CBC, referral, advice, review in 3 days. */
export async function createFeverVisit(fhir: Fhir, c: Clinic): Promise<Visit> {
  const tx = new Transaction();
  const enc = `urn:uuid:${randomUUID()}`;
  const dengue = `urn:uuid:${randomUUID()}`;
  tx.add(
    {
      ...encounter(c, c.doctor, '2025-10-06T04:30:00Z'),
      diagnosis: [{ condition: ref(dengue), use: cc(SCT, '148006', 'Preliminary diagnosis') }],
    },
    enc,
  );
  tx.add(
    vital(
      enc,
      c,
      { system: LOINC, code: '85354-9', display: 'Blood pressure panel with all children optional' },
      {
        component: [
          { code: cc(LOINC, '8480-6', 'Systolic blood pressure'), valueQuantity: ucum(128, 'mmHg', 'mm[Hg]') },
          { code: cc(LOINC, '8462-4', 'Diastolic blood pressure'), valueQuantity: ucum(84, 'mmHg', 'mm[Hg]') },
        ],
      },
    ),
  );
  tx.add(vital(enc, c, { system: LOINC, code: '8867-4', display: 'Heart rate' }, { valueQuantity: ucum(96, 'beats/minute', '/min') }));
  tx.add(vital(enc, c, { system: LOINC, code: '8310-5', display: 'Body temperature' }, { valueQuantity: ucum(38.9, 'Cel') }));
  tx.add(
    vital(enc, c, { system: LOINC, code: '2708-6', display: 'Oxygen saturation in Arterial blood' }, { valueQuantity: ucum(97, '%') }),
  );
  tx.add(vital(enc, c, { system: LOINC, code: '29463-7', display: 'Body weight' }, { valueQuantity: ucum(61.5, 'kg') }));
  tx.add(
    vital(enc, c, { system: LOINC, code: '39156-5', display: 'Body mass index (BMI) [Ratio]' }, { valueQuantity: ucum(24.1, 'kg/m2') }),
  );
  // Recorded at an earlier visit: allergies belong to the patient, and every prescription shows them.
  tx.add({
    resourceType: 'AllergyIntolerance',
    clinicalStatus: cc('http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', 'active', 'Active'),
    verificationStatus: cc('http://terminology.hl7.org/CodeSystem/allergyintolerance-verification', 'confirmed', 'Confirmed'),
    code: { coding: [{ system: SCT, code: '764146007', display: 'Penicillin' }], text: 'Penicillin' },
    criticality: 'high',
    patient: ref(c.patient),
    reaction: [{ manifestation: [{ coding: [{ system: SCT, code: '247472004', display: 'Hives' }], text: 'Hives' }] }],
  });
  // The advice the OPD app records as the visit's Instructions note.
  tx.add({
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: LOINC, code: '69730-0', display: 'Instructions' }], text: 'Instructions' },
    subject: ref(c.patient),
    encounter: ref(enc),
    effectiveDateTime: '2025-10-06T10:45:00+05:30',
    valueString: 'Check platelets again if bleeding gums or black stools.',
  });
  const condition = (code: Json, text: string, category?: string, verification = 'confirmed') => ({
    resourceType: 'Condition',
    clinicalStatus: cc('http://terminology.hl7.org/CodeSystem/condition-clinical', 'active', 'Active'),
    verificationStatus: cc(
      'http://terminology.hl7.org/CodeSystem/condition-ver-status',
      verification,
      verification === 'provisional' ? 'Provisional' : 'Confirmed',
    ),
    ...(category ? { category: [cc('http://terminology.hl7.org/CodeSystem/condition-category', category, 'Encounter Diagnosis')] } : {}),
    code: { ...code, text },
    subject: ref(c.patient),
    encounter: ref(enc),
    recordedDate: '2025-10-06T10:20:00+05:30',
  });
  tx.add(condition({ coding: [{ system: SCT, code: '386661006', display: 'Fever' }] }, 'Fever for 3 days with body ache'));
  tx.add(
    condition(
      {
        coding: [
          { system: SCT, code: '38362002', display: 'Dengue fever' },
          { system: 'http://hl7.org/fhir/sid/icd-10', code: 'A90', display: 'Dengue fever [classical dengue]' },
        ],
      },
      'Dengue fever',
      'encounter-diagnosis',
      'provisional',
    ),
    dengue,
  );
  tx.add(
    medicationRequest(
      enc,
      c,
      c.doctor,
      { medicationCodeableConcept: cc(SCT, '1187321000', 'Paracetamol 650 mg oral tablet', 'Paracetamol 650 mg tablet') },
      {
        additionalInstruction: [cc(SCT, '311504000', 'With or after food')],
        timing: { repeat: { when: ['MORN', 'AFT', 'NIGHT'], boundsDuration: { value: 5, unit: 'days', system: UCUM, code: 'd' } } },
        doseAndRate: [{ doseQuantity: { value: 1, unit: 'tablet' } }],
        patientInstruction: 'Take only if the fever is above 100°F. Keep 6 hours between doses.',
        _patientInstruction: hindi('बुखार 100°F से ऊपर हो तभी लें। दो खुराकों के बीच 6 घंटे का अंतर रखें।'),
      },
    ),
  );
  tx.add(
    medicationRequest(
      enc,
      c,
      c.doctor,
      { medicationCodeableConcept: cc(SCT, '1208956001', 'Oral rehydration salts powder for oral solution', 'ORS sachet (WHO formula)') },
      {
        text: 'One sachet in 1 litre of water, sip through the day',
        timing: { repeat: { frequency: 3, period: 1, periodUnit: 'd' } },
        doseAndRate: [{ doseQuantity: { value: 1, unit: 'sachet' } }],
        patientInstruction: 'Dissolve one sachet in a litre of clean water and sip through the day.',
        _patientInstruction: hindi('एक पैकेट एक लीटर साफ़ पानी में घोलकर दिनभर थोड़ा-थोड़ा पिएँ।'),
      },
      // Written last, though stored second: the prescription lists lines in the order they were written.
      {
        dispenseRequest: { expectedSupplyDuration: { value: 3, unit: 'days', system: UCUM, code: 'd' } },
        authoredOn: '2025-10-06T10:41:00+05:30',
      },
    ),
  );
  tx.add(
    medicationRequest(
      enc,
      c,
      c.doctor,
      { medicationCodeableConcept: cc(SCT, '317470008', 'Pantoprazole 40 mg gastro-resistant oral tablet', 'Pantoprazole 40 mg tablet') },
      {
        text: '1-0-0',
        additionalInstruction: [{ text: 'Before food' }],
        timing: { repeat: { boundsDuration: { value: 2, unit: 'weeks', system: UCUM, code: 'wk' } } },
        doseAndRate: [{ doseQuantity: { value: 1, unit: 'tablet' } }],
        patientInstruction: 'Every morning on an empty stomach, half an hour before breakfast.',
        _patientInstruction: hindi('रोज़ सुबह खाली पेट, नाश्ते से आधा घंटा पहले लें।'),
      },
      { authoredOn: '2025-10-06T10:38:00+05:30' },
    ),
  );
  // Not issued: a draft is not part of the prescription.
  tx.add({
    ...medicationRequest(
      enc,
      c,
      c.doctor,
      { medicationCodeableConcept: cc(SCT, '387207008', 'Ibuprofen', 'Ibuprofen 400 mg tablet') },
      { text: '1-0-1' },
    ),
    status: 'draft',
  });
  tx.add({
    resourceType: 'ServiceRequest',
    status: 'active',
    intent: 'order',
    category: [cc(SCT, '108252007', 'Laboratory procedure')],
    code: { coding: [{ system: SCT, code: '26604007', display: 'Complete blood count' }], text: 'CBC with platelet count' },
    subject: ref(c.patient),
    encounter: ref(enc),
    authoredOn: '2025-10-06T10:35:00+05:30',
    requester: ref(c.doctor),
    patientInstruction: 'Tomorrow morning; no fasting needed.',
    _patientInstruction: hindi('कल सुबह जाँच करवाएँ; खाली पेट आने की ज़रूरत नहीं।'),
  });
  tx.add({
    resourceType: 'ServiceRequest',
    status: 'active',
    intent: 'order',
    category: [cc(SCT, '3457005', 'Patient referral')],
    code: {
      coding: [{ system: SCT, code: '306206005', display: 'Referral to service' }],
      text: 'Infectious diseases clinic if platelets fall',
    },
    subject: ref(c.patient),
    encounter: ref(enc),
    authoredOn: '2025-10-06T10:38:00+05:30',
    requester: ref(c.doctor),
    performer: [ref(c.otherBranch, 'Sanjeevani Hospital, Malviya Nagar')],
  });
  tx.add({
    resourceType: 'CarePlan',
    status: 'active',
    intent: 'plan',
    category: [cc(SCT, '734163000', 'Care plan')],
    description: 'Drink plenty of fluids and rest. Do not take aspirin or ibuprofen.',
    _description: hindi('खूब पानी, नारियल पानी पिएँ और आराम करें। एस्पिरिन या आइबुप्रोफ़ेन न लें।'),
    subject: ref(c.patient),
    encounter: ref(enc),
    author: ref(c.doctor),
  });
  tx.add({
    resourceType: 'Appointment',
    status: 'booked',
    appointmentType: cc(SCT, '185389009', 'Follow-up visit'),
    description: 'Review with the CBC report',
    start: '2025-10-09T04:30:00Z',
    end: '2025-10-09T04:45:00Z',
    supportingInformation: [ref(enc)],
    participant: [
      { actor: ref(c.patient), status: 'accepted' },
      { actor: ref(c.doctor), status: 'accepted' },
      { actor: ref(c.building), status: 'accepted' },
    ],
  });
  const id = await tx.commit(fhir);
  return { encounter: id(enc) };
}

/** A long prescription (a discharge-style medicine list) that needs more than one page. */
export async function createLongVisit(fhir: Fhir, c: Clinic, medicines: number): Promise<Visit> {
  const tx = new Transaction();
  const enc = tx.add(encounter(c, c.locum, '2025-10-07T04:30:00Z'));
  for (let i = 1; i <= medicines; i++) {
    tx.add(
      medicationRequest(
        enc,
        c,
        c.locum,
        { medicationCodeableConcept: { text: `Medicine number ${i} 10 mg tablet` } },
        {
          text: i % 2 ? '1-0-1' : '0-0-1',
          additionalInstruction: [{ text: i % 2 ? 'After food' : 'Before food' }],
          timing: { repeat: { boundsDuration: { value: i, unit: 'days', system: UCUM, code: 'd' } } },
          patientInstruction: `Dose ${i}.`,
          _patientInstruction: hindi(`दवा ${i}: रात को सोने से पहले पानी के साथ लें।`),
        },
      ),
    );
  }
  const id = await tx.commit(fhir);
  return { encounter: id(enc) };
}

const LINE = 'https://hospital-ops.in/fhir/StructureDefinition/prescription-line';

/**
 * A visit as the OPD app writes it: each line numbered (prescription-line), its instruction in
 * English with the Hindi as its translation. Line 1 was stamped later than line 2 and is stored
 * after it, so only the line number puts it first. Line 1's instruction only restates its columns
 * in both languages; line 2's English says more while its Hindi only restates.
 */
export async function createAppVisit(fhir: Fhir, c: Clinic): Promise<Visit> {
  const tx = new Transaction();
  const enc = tx.add(encounter(c, c.doctor, '2025-10-09T04:30:00Z'));
  const fiveDays = { boundsDuration: { value: 5, unit: 'days', system: UCUM, code: 'd' } };
  tx.add(
    medicationRequest(
      enc,
      c,
      c.doctor,
      { medicationCodeableConcept: cc(SCT, '1187321000', 'Paracetamol 650 mg oral tablet', 'Paracetamol 650 mg tablet') },
      {
        text: '1-0-1',
        additionalInstruction: [cc(SCT, '311504000', 'With or after food')],
        timing: { repeat: fiveDays },
        doseAndRate: [{ doseQuantity: { value: 1, unit: 'tablet' } }],
        patientInstruction: 'Stop if a rash appears.',
        _patientInstruction: hindi('सुबह 1, रात 1 — खाने के बाद — 5 दिन'),
      },
      { extension: [{ url: LINE, valuePositiveInt: 2 }], authoredOn: '2025-10-09T10:05:00+05:30' },
    ),
  );
  tx.add(
    medicationRequest(
      enc,
      c,
      c.doctor,
      { medicationCodeableConcept: cc(SCT, '317470008', 'Pantoprazole 40 mg gastro-resistant oral tablet', 'Pantoprazole 40 mg tablet') },
      {
        text: '1-0-1',
        additionalInstruction: [cc(SCT, '311504000', 'With or after food')],
        timing: { repeat: fiveDays },
        doseAndRate: [{ doseQuantity: { value: 1, unit: 'tablet' } }],
        patientInstruction: 'Morning 1, Night 1 — after food — 5 days',
        _patientInstruction: hindi('सुबह 1, रात 1 — खाने के बाद — 5 दिन'),
      },
      { extension: [{ url: LINE, valuePositiveInt: 1 }], authoredOn: '2025-10-09T10:07:00+05:30' },
    ),
  );
  const id = await tx.commit(fhir);
  return { encounter: id(enc) };
}

/** A visit nobody can sign for: no doctor among the participants, nothing prescribed by anyone. */
export async function createUnsignedVisit(fhir: Fhir, c: Clinic): Promise<Visit> {
  const tx = new Transaction();
  const enc = tx.add({ ...encounter(c, c.doctor, '2025-10-08T04:30:00Z'), participant: undefined });
  const id = await tx.commit(fhir);
  return { encounter: id(enc) };
}
