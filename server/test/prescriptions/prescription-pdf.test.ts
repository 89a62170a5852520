import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/auth/policies.ts';
import { createUser } from '../../src/auth/store.ts';
import { fhirClient, startTestServer, TENANT_A, TENANT_B, type TestServer } from '../helpers/server.ts';
import { userToken } from '../helpers/staff.ts';
import {
  type Clinic,
  createAppVisit,
  createClinic,
  createFeverVisit,
  createLongVisit,
  createUnsignedVisit,
  type Visit,
} from './fixtures.ts';
import { flatText, type PdfText, readPdf, visualOrder } from './pdf-reader.ts';
import { occurrences, pdftotext } from './pdftotext.ts';

/**
 * `Encounter/[id]/$prescription-pdf`: the printable bilingual prescription, checked the way a
 * reader sees it: the PDF's pages, its embedded fonts, and the text a viewer extracts through the
 * fonts' ToUnicode maps.
 */

let t: TestServer;
let system: ReturnType<typeof fhirClient>;
let clinic: Clinic;
let visit: Visit;
let doctor: ReturnType<typeof fhirClient>;

/** GETs the operation and returns the raw answer (the test client would parse JSON). */
async function fetchPdf(token: string, encounter: string, accept = 'application/pdf', method = 'GET') {
  return fetch(`${t.base}/${encounter}/$prescription-pdf`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(accept ? { accept } : {}),
      ...(method === 'POST' ? { 'content-type': 'application/fhir+json' } : {}),
    },
    body: method === 'POST' ? JSON.stringify({ resourceType: 'Parameters' }) : undefined,
  });
}

let staffCount = 0;

/**
 * A staff member of the branch (an ABDM-conformant Practitioner and a login) with a SMART token
 * (user/*.cruds), as the OPD app would have.
 */
async function tokenOf(role: Role, branch: string): Promise<string> {
  const n = ++staffCount;
  const practitioner = await system.post('Practitioner', {
    resourceType: 'Practitioner',
    identifier: [
      {
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MD', display: 'Medical License number' }] },
        system: 'https://doctor.ndhm.gov.in',
        value: `71-0000-0000-${String(n).padStart(4, '0')}`,
      },
    ],
    name: [{ text: `Staff ${role} ${n}`, family: `${role}-${n}` }],
  });
  if (practitioner.status !== 201) throw new Error(JSON.stringify(practitioner.body));
  const user = await createUser(t.server.db, TENANT_A, {
    email: `${role}.${n}@sanjeevani.example.in`,
    name: `Staff ${role} ${n}`,
    password: `pw-${role}-${n}-long-enough`,
    role,
    branchIds: [branch.split('/')[1]],
    practitionerId: practitioner.body.id,
  });
  return userToken(t, user);
}

beforeAll(async () => {
  t = await startTestServer({ PROFILE_ENFORCEMENT: 'abdm' });
  system = fhirClient(t.base);
  clinic = await createClinic(system);
  visit = await createFeverVisit(system, clinic);
  doctor = fhirClient(t.base, TENANT_A, await tokenOf('doctor', clinic.branch));
});
afterAll(() => t?.stop());

describe('$prescription-pdf', () => {
  let pdf: Buffer;
  let read: PdfText;
  let text: string;

  beforeAll(async () => {
    const res = await fetchPdf(await tokenOf('doctor', clinic.branch), visit.encounter);
    expect(res.status, await res.clone().text()).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-disposition')).toBe(`inline; filename="prescription-${visit.encounter.split('/')[1]}.pdf"`);
    expect(res.headers.get('cache-control')).toBe('no-store');
    pdf = Buffer.from(await res.arrayBuffer());
    // To look at it: PRESCRIPTION_PDF_OUT=/tmp/rx.pdf, then render with any PDF viewer.
    if (process.env.PRESCRIPTION_PDF_OUT) writeFileSync(process.env.PRESCRIPTION_PDF_OUT, pdf);
    read = readPdf(pdf);
    text = flatText(read);
  });

  it('is an A4 PDF of one page with the page count in its footer', () => {
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.subarray(-6).toString('latin1')).toContain('%%EOF');
    expect(pdf.toString('latin1')).toContain('/MediaBox [0 0 595.28 841.89]');
    expect(read.pages).toHaveLength(1);
    expect(text).toContain('Page 1 of 1');
  });

  it('embeds Noto Sans Devanagari (regular and bold) and no other font for its text', () => {
    const names = new Set(read.fonts.map((f) => f.name));
    expect(names).toEqual(new Set(['NotoSansDevanagari-Regular', 'NotoSansDevanagari-Bold']));
    expect(read.fonts.every((f) => f.embedded)).toBe(true);
  });

  it('has the letterhead, the doctor with registration and council, and the patient with UHID and ABHA', () => {
    for (const expected of [
      'Sanjeevani Hospital, Kothrud',
      'A unit of Sanjeevani Hospitals',
      'Survey No. 12, Karve Road, Kothrud',
      'Pune, Maharashtra 411038',
      'Phone: +91 20 2543 8800',
      'HFR ID: IN2710000102',
      'Dr. Anjali Deshpande',
      'MBBS, MD (General Medicine)',
      'Reg. No. MMC-2009-45871',
      'Maharashtra Medical Council',
      'Sunita Sharma',
      '60 Y / Female',
      'SH-PUN-004417',
      '91-4567-8901-2345',
      'sunita.sharma@abdm',
      '+91 88065 43219',
      'Penicillin (severe, Hives)',
      'BMI',
      '24.1 kg/m2',
      'Check platelets again if bleeding gums or black stools.',
    ]) {
      expect(text).toContain(expected);
    }
  });

  it('dates the visit in India Standard Time, DD/MM/YYYY with a 12-hour clock', () => {
    // 04:30Z is 10:00 IST; the follow-up at 04:30Z on the 9th likewise.
    expect(text).toContain('06/10/2025, 10:00 AM');
    expect(text).toContain('09/10/2025, 10:00 AM - Review with the CBC report');
  });

  it('lists vitals, complaints and the provisional diagnosis with its ICD-10 code', () => {
    for (const expected of [
      '128/84 mmHg',
      '96/min',
      '38.9 °C',
      '97%',
      '61.5 kg',
      'Fever for 3 days with body ache',
      'Dengue fever (A90) - provisional',
    ]) {
      expect(text).toContain(expected);
    }
  });

  it('prints the issued medicines with dose, frequency, food and duration in English and Hindi; not the draft', () => {
    for (const expected of [
      'Paracetamol 650 mg tablet',
      '1-1-1',
      'After food',
      '5 days',
      'ORS sachet (WHO formula)',
      'Three times a day',
      'One sachet in 1 litre of water, sip through the day',
      '3 days',
      'Pantoprazole 40 mg tablet',
      '1-0-0',
      'Before food',
      '2 weeks',
      'खाने के बाद',
      'खाने से पहले',
      // What the pattern means, not a generic legend.
      'सुबह 1, दोपहर 1, रात 1',
      'सुबह 1 ',
      visualOrder('दिन में तीन बार'),
      visualOrder('5 दिन'),
      '2 हफ़्ते',
    ]) {
      expect(text).toContain(expected);
    }
    expect(text).not.toContain('Ibuprofen 400 mg');
    // In the order the doctor wrote them (authoredOn), not the order the server stored them.
    const at = (name: string) => text.indexOf(name);
    expect(at('Pantoprazole 40 mg tablet')).toBeLessThan(at('Paracetamol 650 mg tablet'));
    expect(at('Paracetamol 650 mg tablet')).toBeLessThan(at('ORS sachet (WHO formula)'));
  });

  it('gives each instruction in the patient’s language (Hindi, shaped), with the English as written', () => {
    expect(text).toContain(visualOrder('रोज़ सुबह खाली पेट, नाश्ते से आधा घंटा पहले लें।'));
    expect(text).toContain('Every morning on an empty stomach, half an hour before breakfast.');
    expect(text).toContain(visualOrder('एक पैकेट एक लीटर साफ़ पानी में घोलकर दिनभर थोड़ा-थोड़ा पिएँ।'));
    // Shaping moved each ि in front of its consonant: the Unicode order is nowhere in the glyph stream.
    expect(text).not.toContain('दिनभर');
  });

  it('has bilingual headings, the lab order with its Hindi instruction, the referral, the advice and the follow-up', () => {
    for (const expected of [
      'Rx / दवाइयाँ',
      `Diagnosis / ${visualOrder('निदान')}`,
      'Investigations / जाँचें',
      'CBC with platelet count',
      visualOrder('कल सुबह जाँच करवाएँ; खाली पेट आने की ज़रूरत नहीं।'),
      'Referral / रेफ़रल',
      'Infectious diseases clinic if platelets fall (Sanjeevani Hospital, Malviya Nagar)',
      'Advice / सलाह',
      'Drink plenty of fluids and rest. Do not take aspirin or ibuprofen.',
      visualOrder('Follow-up / दोबारा दिखाएँ'),
      'Signature / हस्ताक्षर',
    ]) {
      expect(text).toContain(expected);
    }
  });

  it('signs with the doctor’s signature image (the Practitioner photo)', () => {
    expect(read.imageCount).toBe(1);
  });

  it('POST works too, and Accept: application/fhir+json gets the Binary resource', async () => {
    const token = await tokenOf('doctor', clinic.branch);
    const posted = await fetchPdf(token, visit.encounter, '*/*', 'POST');
    expect(posted.status).toBe(200);
    expect(posted.headers.get('content-type')).toBe('application/pdf');
    const json = await fetchPdf(token, visit.encounter, 'application/fhir+json');
    expect(json.status).toBe(200);
    expect(json.headers.get('content-type')).toContain('application/fhir+json');
    const binary = await json.json();
    expect(binary).toMatchObject({
      resourceType: 'Binary',
      contentType: 'application/pdf',
      securityContext: { reference: visit.encounter },
    });
    const bytes = Buffer.from(binary.data, 'base64');
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(flatText(readPdf(bytes))).toContain('Sunita Sharma');
    // The test client's default Accept (*/*) and no Accept at all both get the PDF.
    const plain = await doctor.get(`${visit.encounter}/$prescription-pdf`);
    expect(plain.headers.get('content-type')).toBe('application/pdf');
    const none = await fetchPdf(token, visit.encounter, '');
    expect(none.headers.get('content-type')).toBe('application/pdf');
    // _format=json asks for FHIR.
    const format = await doctor.get(`${visit.encounter}/$prescription-pdf?_format=json`);
    expect(format.body.resourceType).toBe('Binary');
  });

  it('a stored Binary is still read as FHIR JSON (only operations answer with raw content)', async () => {
    const created = await system.post('Binary', {
      resourceType: 'Binary',
      contentType: 'application/pdf',
      data: pdf.subarray(0, 64).toString('base64'),
    });
    expect(created.status).toBe(201);
    const got = await system.get(`Binary/${created.body.id}`, { accept: '*/*' });
    expect(got.headers.get('content-type')).toContain('application/fhir+json');
    expect(got.body.resourceType).toBe('Binary');
  });
});

/**
 * Issue 14, item 13: the printed prescription read back with poppler's pdftotext (not our own
 * reader), point by point. Devanagari comes out in glyph order, hence visualOrder().
 */
describe('$prescription-pdf as pdftotext reads it', () => {
  let text: string;
  let app: string;
  beforeAll(async () => {
    const token = await tokenOf('doctor', clinic.branch);
    text = pdftotext(Buffer.from(await (await fetchPdf(token, visit.encounter)).arrayBuffer()));
    const appVisit = await createAppVisit(system, clinic);
    app = pdftotext(Buffer.from(await (await fetchPdf(token, appVisit.encounter)).arrayBuffer()));
  });

  it('writes the BMI unit kg/m2 with glyphs the font has: no superscript two, no missing-glyph box', () => {
    expect(text).toContain('24.1 kg/m2');
    expect(text).not.toMatch(/[²\uFFFD]/u);
  });

  it("prints the doctor's advice and the patient's allergies", () => {
    expect(text).toContain('Allergies / ');
    expect(text).toContain('Penicillin (severe, Hives)');
    expect(text).toContain('Advice / सलाह');
    expect(text).toContain('Check platelets again if bleeding gums or black stools.');
  });

  it('gives a Hindi-preferring patient each instruction in Hindi and in English', () => {
    expect(text).toContain(visualOrder('रोज़ सुबह खाली पेट, नाश्ते से आधा घंटा पहले लें।'));
    expect(text).toContain('Every morning on an empty stomach, half an hour before breakfast.');
    expect(text).toContain('Take only if the fever is above 100°F. Keep 6 hours between doses.');
  });

  it('says in Hindi what the pattern means under Frequency, not the generic legend', () => {
    expect(text).not.toContain('सुबह - दोपहर - रात');
    expect(text).toMatch(/1-0-0[\s\S]*?सुबह 1\n/u);
    expect(text).toContain('सुबह 1, दोपहर 1, रात 1');
  });

  it('formats the ABHA number 2-4-4-4 and the mobile +91 98220 45671 style, whatever was stored', () => {
    // Stored as 91456789012345 and +918806543219.
    expect(text).toContain('91-4567-8901-2345');
    expect(text).not.toContain('91456789012345');
    expect(text).toContain('+91 88065 43219');
    expect(text).not.toContain('+918806543219');
  });

  it('prints each instruction once', () => {
    expect(occurrences(text, 'Every morning on an empty stomach')).toBe(1);
    expect(occurrences(text, visualOrder('रोज़ सुबह खाली पेट'))).toBe(1);
    expect(occurrences(text, 'Take only if the fever is above 100°F.')).toBe(1);
    expect(occurrences(text, 'Dissolve one sachet')).toBe(1);
  });

  it('prints an app-written prescription by its line numbers, each instruction once and only when it says more than the columns', () => {
    expect(app.indexOf('Pantoprazole 40 mg tablet')).toBeGreaterThan(-1);
    expect(app.indexOf('Pantoprazole 40 mg tablet')).toBeLessThan(app.indexOf('Paracetamol 650 mg tablet'));
    // Line 1's instruction only restates 1-0-1, after food, 5 days (printed in the columns).
    expect(app).not.toContain('Morning 1, Night 1');
    // Line 2's English says more: printed once, though its Hindi translation only restates.
    expect(occurrences(app, 'Stop if a rash appears.')).toBe(1);
    expect(occurrences(app, 'सुबह 1, रात 1')).toBe(2);
    // The pattern once per line, in its column: Dosage.text "1-0-1" is not printed again under the name.
    expect(occurrences(app, '1-0-1')).toBe(2);
  });
});

describe('$prescription-pdf over several pages', () => {
  it('repeats the table header and the patient on later pages, numbers every page, draws a signature line', async () => {
    const long = await createLongVisit(system, clinic, 30);
    const res = await fetchPdf(await tokenOf('doctor', clinic.branch), long.encounter);
    expect(res.status).toBe(200);
    const read = readPdf(Buffer.from(await res.arrayBuffer()));
    const pages = read.pages.length;
    expect(pages).toBeGreaterThanOrEqual(2);
    read.pages.forEach((page, i) => {
      const flat = page.replaceAll(/\s+/g, ' ');
      expect(flat).toContain(`Page ${i + 1} of ${pages}`);
      if (i > 0) expect(flat).toContain('Sunita Sharma · UHID SH-PUN-004417');
    });
    // Every medicine is there once, the table header on the pages it continues on.
    const all = flatText(read);
    for (let i = 1; i <= 30; i++) expect(all).toContain(`Medicine number ${i} 10 mg tablet`);
    expect(read.pages.filter((p) => p.includes('Duration')).length).toBeGreaterThanOrEqual(2);
    expect(all).toContain('Dr. Kavita Joshi');
    expect(read.imageCount).toBe(0);
  });
});

describe('$prescription-pdf and access', () => {
  it('another tenant is told the Encounter does not exist', async () => {
    const res = await fhirClient(t.base, TENANT_B).get(`${visit.encounter}/$prescription-pdf`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/fhir+json');
    expect(JSON.stringify(res.body)).not.toContain('Sunita');
  });

  it('a doctor of another branch gets 404; a pharmacist, who may not read Encounters, 403', async () => {
    const elsewhere = await fetchPdf(await tokenOf('doctor', clinic.otherBranch), visit.encounter);
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.headers.get('content-type')).toContain('application/fhir+json');
    const pharmacist = await fetchPdf(await tokenOf('pharmacist', clinic.branch), visit.encounter);
    expect(pharmacist.status).toBe(403);
    expect((await pharmacist.json()).resourceType).toBe('OperationOutcome');
  });

  it('a nurse may read the visit but not its lab orders: no partial prescription (403)', async () => {
    const nurse = await fetchPdf(await tokenOf('nurse', clinic.branch), visit.encounter);
    expect(nurse.status).toBe(403);
    const outcome = await nurse.json();
    expect(JSON.stringify(outcome)).toContain('ServiceRequest');
    expect(JSON.stringify(outcome)).not.toContain('Sunita');
  });

  it('answers 400 on another resource type, 404 for an unknown Encounter, 422 when no doctor can sign', async () => {
    const token = await tokenOf('doctor', clinic.branch);
    expect((await fetchPdf(token, clinic.patient)).status).toBe(400);
    expect((await fetchPdf(token, 'Encounter/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    const unsigned = await createUnsignedVisit(system, clinic);
    const res = await fetchPdf(token, unsigned.encounter);
    expect(res.status).toBe(422);
    expect(JSON.stringify(await res.json())).toContain('No doctor can be named');
  });
});
