import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kolkataInstant } from '../../src/features/opd/kolkata.ts';
import { validator } from '../../src/fhir/validate.ts';
import { fhirClient, startTestServer, TENANT_A, TENANT_B, type TestServer } from '../helpers/server.ts';
import { createStaff, type Staff, staffClient, userToken } from '../helpers/staff.ts';
import { create, type Fhir } from '../opd/fixtures.ts';
import { visualOrder } from '../prescriptions/pdf-reader.ts';
import { pdftotext } from '../prescriptions/pdftotext.ts';
import { admitParams, type Wards, wards } from './fixtures.ts';

// The discharge summary: drafted from the stay, edited and signed by the doctor as the ABDM
// DischargeSummaryRecord, amended by signing again, printed in English and Hindi.
let t: TestServer;
let system: Fhir;
let ward: Wards;
let doctor: Staff;
let asDoctor: Fhir;
let asNurse: Fhir;

const text = (res: { body: any }) => res.body.issue?.[0]?.details?.text as string;
const param = (p: any, name: string) => p.parameter?.find((x: any) => x.name === name);
const value = (p: any, name: string) => {
  const x = param(p, name);
  return x?.valueString ?? x?.valueDate ?? x?.valueCode ?? x?.valueDateTime ?? x?.valueReference?.reference;
};
const sign = (client: Fhir, encounter: string, fields: Record<string, string>) =>
  client.post(`Encounter/${encounter}/$discharge-summary`, {
    resourceType: 'Parameters',
    parameter: Object.entries(fields).map(([name, v]) => (name === 'followUp' ? { name, valueDate: v } : { name, valueString: v })),
  });
const dispose = (client: Fhir, encounter: string, disposition: string) =>
  client.post(`Encounter/${encounter}/$discharge`, {
    resourceType: 'Parameters',
    parameter: [{ name: 'disposition', valueCode: disposition }],
  });

async function pdfText(encounter: string, staff: Staff): Promise<string> {
  const res = await fetch(`${t.base}/Encounter/${encounter}/$discharge-summary-pdf`, {
    headers: { authorization: `Bearer ${await userToken(t, staff.user)}` },
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/application\/pdf/);
  return pdftotext(Buffer.from(await res.arrayBuffer())).replaceAll(/\s+/g, ' ');
}

async function patientWithUhid(name: string, uhid: string): Promise<string> {
  const [given, family] = name.split(' ');
  return create(system, {
    resourceType: 'Patient',
    identifier: [{ type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] }, value: uhid }],
    name: [{ text: name, given: [given], family }],
    gender: 'male',
    birthDate: '1980-04-02',
  });
}

async function admitted(name: string, uhid: string, bed: string, extra: Record<string, unknown> = {}) {
  const p = await patientWithUhid(name, uhid);
  const res = await asDoctor.post('Encounter/$admit', admitParams(p, bed, doctor.practitionerId, extra));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { patient: p, encounter: res.body.id as string };
}

beforeAll(async () => {
  t = await startTestServer();
  system = fhirClient(t.base, TENANT_A);
  ward = await wards(system, 'Summary branch');
  doctor = await createStaff(t, TENANT_A, 'doctor', [ward.branch]);
  await system.put(`Practitioner/${doctor.practitionerId}`, {
    resourceType: 'Practitioner',
    id: doctor.practitionerId,
    name: [{ text: 'Dr. Sunita Rao', prefix: ['Dr.'], given: ['Sunita'], family: 'Rao' }],
  });
  asDoctor = await staffClient(t, doctor);
  asNurse = await staffClient(t, await createStaff(t, TENANT_A, 'nurse', [ward.branch]));
}, 120_000);
afterAll(async () => {
  await t?.stop();
});

describe('a discharge summary from a dengue stay', () => {
  let stay: { patient: string; encounter: string };

  it('drafts diagnoses, procedures, the course, medicines still active and the follow-up from the stay', async () => {
    const p = await patientWithUhid('Rajesh Patil', 'SH-PUN-000777');
    const dx = await create(system, {
      resourceType: 'Condition',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'encounter-diagnosis' }] }],
      code: {
        coding: [{ system: 'http://snomed.info/sct', code: '38362002', display: 'Dengue' }],
        text: 'Dengue fever with thrombocytopenia',
      },
      subject: { reference: `Patient/${p}` },
    });
    const res = await asDoctor.post(
      'Encounter/$admit',
      admitParams(p, ward.beds[0], doctor.practitionerId, { diagnosis: { valueReference: { reference: `Condition/${dx}` } } }),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    stay = { patient: p, encounter: res.body.id };
    const e = { reference: `Encounter/${stay.encounter}` };
    const subject = { reference: `Patient/${p}` };
    const med = (name: string, status: string, dose: string) => ({
      resourceType: 'MedicationRequest',
      status,
      intent: 'order',
      medicationCodeableConcept: { text: name },
      subject,
      encounter: e,
      authoredOn: kolkataInstant(Date.now()),
      requester: { reference: `Practitioner/${doctor.practitionerId}` },
      dosageInstruction: [{ text: dose }],
    });
    await create(system, med('Paracetamol 650 mg tablet', 'active', '1-1-1 after food for 3 days'));
    await create(system, med('Ceftriaxone 1 g injection', 'stopped', 'IV BD'));
    await create(system, {
      resourceType: 'Procedure',
      status: 'completed',
      code: { text: 'Platelet transfusion' },
      subject,
      encounter: e,
      performedDateTime: '2026-12-01T11:00:00+05:30',
    });
    await create(system, {
      resourceType: 'ClinicalImpression',
      status: 'completed',
      subject,
      encounter: e,
      date: '2026-12-02T09:00:00+05:30',
      summary: 'Platelets rose to 85,000 after transfusion; afebrile for 48 hours',
    });
    await create(system, {
      resourceType: 'Appointment',
      status: 'booked',
      start: '2026-12-20T10:00:00+05:30',
      end: '2026-12-20T10:15:00+05:30',
      // In the ward of the doctor's branch: doctors see their branches' appointments.
      participant: [
        { actor: subject, status: 'accepted' },
        { actor: { reference: `Location/${ward.general}` }, status: 'accepted' },
      ],
      supportingInformation: [e],
    });

    const draft = await asDoctor.get(`Encounter/${stay.encounter}/$discharge-summary-draft`);
    expect(draft.status, JSON.stringify(draft.body)).toBe(200);
    expect(value(draft.body, 'patient')).toBe(`Patient/${p}`);
    expect(value(draft.body, 'diagnoses')).toBe('Dengue fever with thrombocytopenia');
    expect(value(draft.body, 'procedures')).toBe('01-12-2026: Platelet transfusion');
    expect(value(draft.body, 'course')).toBe('02-12-2026: Platelets rose to 85,000 after transfusion; afebrile for 48 hours');
    // Only what the patient goes home on: the stopped antibiotic is left out.
    expect(value(draft.body, 'medications')).toBe('Paracetamol 650 mg tablet — 1-1-1 after food for 3 days');
    expect(value(draft.body, 'advice')).toBe('');
    expect(value(draft.body, 'followUp')).toBe('2026-12-20');
    expect(param(draft.body, 'composition')).toBeUndefined();
    // The nurse may read the draft (her branch's stay); the system client too.
    expect((await asNurse.get(`Encounter/${stay.encounter}/$discharge-summary-draft`)).status).toBe(200);
  });

  it('refuses a nurse, an administrator without a practitioner and bad input, writing nothing', async () => {
    const fields = { diagnoses: 'Dengue fever' };
    const byNurse = await sign(asNurse, stay.encounter, fields);
    expect(byNurse.status).toBe(403);
    expect(text(byNurse)).toBe('Signing a discharge summary is for doctors');
    expect((await sign(system, stay.encounter, fields)).status).toBe(403);
    const noDiagnosis = await sign(asDoctor, stay.encounter, { diagnoses: '  ', course: 'x' });
    expect(noDiagnosis.status).toBe(400);
    expect(text(noDiagnosis)).toBe('Give the diagnosis at discharge (parameter diagnoses)');
    expect((await sign(asDoctor, stay.encounter, { diagnoses: 'x', followUp: '20-12-2026' })).status).toBe(400);
    expect((await system.get(`Composition?encounter=Encounter/${stay.encounter}`)).body.total).toBe(0);
  });

  it('stores the signed text as a final DischargeSummaryRecord attested by the doctor; signing again amends it', async () => {
    await dispose(asDoctor, stay.encounter, 'home');
    const signed = await sign(asDoctor, stay.encounter, {
      diagnoses: 'Dengue fever with thrombocytopenia\nDehydration, resolved',
      procedures: 'Platelet transfusion (01-12-2026)',
      course: 'Admitted with fever and platelets of 22,000.\nTransfused; platelets rose to 85,000.',
      medications: 'Paracetamol 650 mg 1-1-1 after food for 3 days',
      advice: 'Drink plenty of fluids / खूब पानी पिएँ',
      followUp: '2026-12-20',
    });
    expect(signed.status, JSON.stringify(signed.body)).toBe(201);
    const c = signed.body;
    expect(c.status).toBe('final');
    expect(c.meta.profile).toContain('https://nrces.in/ndhm/fhir/r4/StructureDefinition/DischargeSummaryRecord');
    expect(c.type.coding[0].code).toBe('373942005');
    expect(c.encounter.reference).toBe(`Encounter/${stay.encounter}`);
    expect(c.attester).toEqual([
      { mode: 'legal', time: c.date, party: { reference: `Practitioner/${doctor.practitionerId}`, display: 'Dr. Sunita Rao' } },
    ]);
    expect(c.author[0].reference).toBe(`Practitioner/${doctor.practitionerId}`);
    const titles = c.section.map((s: any) => s.title);
    expect(titles).toEqual(
      expect.arrayContaining(['Diagnosis at discharge', 'Course in hospital', 'Medications on discharge', 'Follow-up']),
    );
    expect(c.section.find((s: any) => s.title === 'Course in hospital').text.div).toContain('<p>Transfused; platelets rose to 85,000.</p>');
    // It meets the ABDM profile, alone and as the document $document assembles.
    const errors = (r: any) =>
      validator()
        .validate(r)
        .filter((i) => i.severity === 'error' || i.severity === 'fatal');
    expect(errors(c)).toEqual([]);
    const doc = await system.get(`Composition/${c.id}/$document`);
    expect(doc.status, JSON.stringify(doc.body)).toBe(200);
    expect(doc.body.entry[0].resource.id).toBe(c.id);
    // The DocumentBundle and its Composition are valid; what remains is only that this suite's
    // patient, doctor and orders are not written to the ABDM profiles (it runs without enforcement).
    const left = errors(doc.body).map((i) => i.details?.text ?? i.diagnostics ?? '');
    expect(left.filter((m) => !/^The referenced \w+ does not meet https:\/\/nrces\.in\//.test(m))).toEqual([]);

    // The draft now starts from what was signed.
    const draft = (await asDoctor.get(`Encounter/${stay.encounter}/$discharge-summary-draft`)).body;
    expect(value(draft, 'diagnoses')).toBe('Dengue fever with thrombocytopenia\nDehydration, resolved');
    expect(value(draft, 'advice')).toBe('Drink plenty of fluids / खूब पानी पिएँ');
    expect(value(draft, 'composition')).toBe(`Composition/${c.id}`);
    expect(value(draft, 'status')).toBe('final');
    expect(value(draft, 'signedBy')).toBe(`Practitioner/${doctor.practitionerId}`);

    const amended = await sign(asDoctor, stay.encounter, {
      diagnoses: 'Dengue fever with thrombocytopenia',
      course: 'Admitted with fever.',
      advice: 'Drink plenty of fluids',
    });
    expect(amended.status, JSON.stringify(amended.body)).toBe(200);
    expect(amended.body.id).toBe(c.id);
    expect(amended.body.status).toBe('amended');
    const history = (await system.get(`Composition/${c.id}/_history`)).body.entry.map((e: any) => e.resource);
    expect(history.map((h: any) => h.status)).toEqual(['amended', 'final']);
    expect(history[1].section.find((s: any) => s.title === 'Diagnosis at discharge').text.div).toContain('Dehydration, resolved');
    expect((await system.get(`Composition?encounter=Encounter/${stay.encounter}`)).body.total).toBe(1);
  });

  it('prints the signed summary as an A4 PDF with English and Hindi headings', async () => {
    const pdf = await pdfText(stay.encounter, doctor);
    for (const expected of [
      'Summary branch',
      // pdftotext gives Devanagari in visual order: the i-sign before its consonant (visualOrder), a reph after.
      `सारांश (amended / ${visualOrder('संशोधित')})`,
      'Patient / मरीज़: Rajesh Patil',
      'UHID: SH-PUN-000777',
      `Diagnosis / ${visualOrder('निदान')}`,
      'Dengue fever with thrombocytopenia',
      'Course in hospital / अस्पताल में उपचार का क्रम',
      'Admitted with fever.',
      'Advice / सलाह',
      'Home / घर',
      'Signed by / हस्ताक्षर: Dr. Sunita Rao',
    ]) {
      expect(pdf).toContain(expected);
    }
  });
});

describe('DAMA and death', () => {
  it('states a DAMA in both languages, and a death with its date and time', async () => {
    const dama = await admitted('Kiran More', 'SH-PUN-000778', ward.beds[1]);
    await dispose(asDoctor, dama.encounter, 'aadvice');
    expect((await sign(asDoctor, dama.encounter, { diagnoses: 'Acute gastroenteritis' })).status).toBe(201);
    const damaPdf = await pdfText(dama.encounter, doctor);
    expect(damaPdf).toContain('The patient left against medical advice (DAMA)');
    expect(damaPdf).toContain(visualOrder('चिकित्सकीय सलाह के विरुद्ध'));
    const draft = (await asDoctor.get(`Encounter/${dama.encounter}/$discharge-summary-draft`)).body;
    expect(value(draft, 'disposition')).toBe('aadvice');

    const died = await admitted('Vasant Joshi', 'SH-PUN-000779', ward.icuBeds[0]);
    const out = await dispose(asDoctor, died.encounter, 'exp');
    const at = out.body.period.end as string;
    const signed = await sign(asDoctor, died.encounter, { diagnoses: 'Septic shock\nMulti-organ failure' });
    expect(signed.status).toBe(201);
    expect(signed.body.section.find((s: any) => s.title === 'Discharge disposition').text.div).toContain('The patient died on');
    const deathDraft = (await asDoctor.get(`Encounter/${died.encounter}/$discharge-summary-draft`)).body;
    expect(value(deathDraft, 'deathAt')).toBe(at);
    const deathPdf = await pdfText(died.encounter, doctor);
    const [date, time] = [at.slice(0, 10).split('-').reverse().join('-'), at.slice(11, 16)];
    expect(deathPdf).toContain(`Date and time of death / ${visualOrder('मृत्यु की तिथि और समय')}: ${date} ${time}`);
    expect(deathPdf).toContain('Septic shock');
  });

  it('has no PDF before a doctor signs', async () => {
    const open = await admitted('Anil Kulkarni', 'SH-PUN-000780', ward.beds[2]);
    const res = await asDoctor.get(`Encounter/${open.encounter}/$discharge-summary-pdf`);
    expect(res.status).toBe(409);
    expect(text(res)).toBe('The discharge summary is not signed yet: a doctor signs it first');
  });
});

describe('tenant isolation', () => {
  it("never drafts, signs or prints another tenant's stay", async () => {
    const systemB = fhirClient(t.base, TENANT_B);
    const wardB = await wards(systemB, 'Other chain');
    const asDoctorB = await staffClient(t, await createStaff(t, TENANT_B, 'doctor', [wardB.branch]));
    const stayA = await admitted('Tenant Apatient', 'SH-PUN-000781', ward.icuBeds[1]);
    expect((await asDoctorB.get(`Encounter/${stayA.encounter}/$discharge-summary-draft`)).status).toBe(422);
    const signB = await sign(asDoctorB, stayA.encounter, { diagnoses: 'Anything' });
    expect(signB.status).toBe(422);
    expect(text(signB)).toBe(`Encounter/${stayA.encounter} does not exist`);
    expect((await asDoctorB.get(`Encounter/${stayA.encounter}/$discharge-summary-pdf`)).status).toBe(422);
    expect((await system.get(`Composition?encounter=Encounter/${stayA.encounter}`)).body.total).toBe(0);
    expect((await systemB.get('Composition')).body.total).toBe(0);
  });
});
