import type { MedicationRequest } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { dosageView, restatesColumns } from '../../src/features/prescriptions/dosage.ts';
import { drawable } from '../../src/features/prescriptions/fonts.ts';
import { age, formatAbhaNumber, formatDate, formatDateTime, formatPhone } from '../../src/features/prescriptions/format.ts';
import type { Gathered } from '../../src/features/prescriptions/gather.ts';
import { buildView, localize } from '../../src/features/prescriptions/view.ts';

/**
 * What the paper says, from FHIR, without a server: dosage phrasing, dates in IST, the patient's
 * language, brand names, and which record goes in which section.
 */

const SCT = 'http://snomed.info/sct';
const TRANSLATION = 'http://hl7.org/fhir/StructureDefinition/translation';
const translated = (...pairs: [string, string][]) => ({
  extension: pairs.map(([lang, content]) => ({
    url: TRANSLATION,
    extension: [
      { url: 'lang', valueCode: lang },
      { url: 'content', valueString: content },
    ],
  })),
});

const request = (dosage: object, extra: object = {}): MedicationRequest =>
  ({
    resourceType: 'MedicationRequest',
    status: 'active',
    intent: 'order',
    subject: { reference: 'Patient/p' },
    medicationCodeableConcept: { text: 'Metformin 500 mg tablet' },
    dosageInstruction: [dosage],
    ...extra,
  }) as MedicationRequest;

describe('dosage on paper', () => {
  it('turns meal-time timing into the morning-noon-night pattern and its meal relation', () => {
    const v = dosageView(
      request({ timing: { repeat: { when: ['ACM', 'ACV'] } }, doseAndRate: [{ doseQuantity: { value: 1, unit: 'tablet' } }] }),
    );
    expect(v).toMatchObject({
      dose: '1 tablet',
      frequency: { en: '1-0-1', hi: 'सुबह 1, रात 1' },
      food: { en: 'Before food', hi: 'खाने से पहले' },
    });
    expect(
      dosageView(request({ timing: { repeat: { when: ['HS'] } }, doseAndRate: [{ doseQuantity: { value: 0.5 } }] })).frequency?.en,
    ).toBe('0-0-½');
  });

  it('names HL7 timing codes and frequencies in English and Hindi', () => {
    expect(dosageView(request({ timing: { code: { coding: [{ code: 'BID' }] } } })).frequency).toEqual({
      en: 'Twice a day',
      hi: 'दिन में दो बार',
    });
    expect(dosageView(request({ timing: { repeat: { frequency: 1, period: 8, periodUnit: 'h' } } })).frequency).toEqual({
      en: 'Every 8 hours',
      hi: 'हर 8 घंटे',
    });
    expect(dosageView(request({ timing: { repeat: { frequency: 1, period: 1, periodUnit: 'wk' } } })).frequency).toEqual({
      en: 'Once a week',
      hi: 'हफ़्ते में एक बार',
    });
    expect(dosageView(request({ asNeededBoolean: true })).frequency?.en).toBe('When needed (SOS)');
  });

  it('takes "1 - 0 - 1" text as the frequency and does not repeat it; longer text stays as a note', () => {
    expect(dosageView(request({ text: '1 - 0 - 1' }))).toMatchObject({ frequency: { en: '1-0-1' }, text: undefined });
    expect(dosageView(request({ text: 'Half a tablet at night for a week, then one' })).text).toBe(
      'Half a tablet at night for a week, then one',
    );
  });

  it('reads the duration from the timing bounds, else the expected supply, in both languages', () => {
    expect(dosageView(request({ timing: { repeat: { boundsDuration: { value: 1, code: 'wk' } } } })).duration).toEqual({
      en: '1 week',
      hi: '1 हफ़्ता',
    });
    expect(dosageView(request({}, { dispenseRequest: { expectedSupplyDuration: { value: 30, unit: 'days' } } })).duration).toEqual({
      en: '30 days',
      hi: '30 दिन',
    });
  });

  it('knows the SNOMED CT food instructions by code', () => {
    const coded = (code: string, display: string) =>
      dosageView(request({ additionalInstruction: [{ coding: [{ system: SCT, code, display }] }] })).food;
    expect(coded('311501008', 'Half to one hour before food')?.hi).toBe('खाने से पहले');
    expect(coded('311504000', 'With or after food')?.hi).toBe('खाने के बाद');
  });
});

describe('each thing printed once, in glyphs the fonts have', () => {
  it("drops the app's Dosage.text when the columns say it all, and reads concurrent Dosages as one pattern", () => {
    const when = (w: string[], value: number, text: string) => ({
      sequence: 1,
      text,
      timing: { repeat: { when: w, boundsDuration: { value: 5, unit: 'days', system: 'http://unitsofmeasure.org', code: 'd' } } },
      additionalInstruction: [{ coding: [{ system: SCT, code: '311504000' }], text: 'After food' }],
      doseAndRate: [{ doseQuantity: { value, unit: 'tablet' } }],
    });
    const r = request(when(['PCM'], 1, '1-0-0 after food × 5 days'), {
      dosageInstruction: [when(['PCM'], 1, '1-0-0 after food × 5 days'), when(['PCV'], 2, '0-0-2 after food × 5 days')],
    });
    const v = dosageView(r);
    expect(v.frequency).toEqual({ en: '1-0-2', hi: 'सुबह 1, रात 2' });
    expect(v.text).toBeUndefined();
    expect(v.dose).toBeUndefined();
    // Something the columns cannot say stays.
    expect(dosageView(request({ ...when(['PCM'], 1, '1-0-0 after food, with warm water'), sequence: undefined })).text).toBe(
      '1-0-0 after food, with warm water',
    );
  });

  it('restatesColumns tells a generated line from a real instruction, in English and Hindi', () => {
    expect(restatesColumns('Morning 1, Night 1 — after food — 5 days')).toBe(true);
    expect(restatesColumns('सुबह 1, रात 1 — खाने के बाद — 5 दिन')).toBe(true);
    expect(restatesColumns('Twice a day — before food — 2 weeks; then Once a day')).toBe(true);
    expect(restatesColumns('Take only if the fever is above 100°F')).toBe(false);
    expect(restatesColumns('रोज़ सुबह खाली पेट, नाश्ते से आधा घंटा पहले लें।')).toBe(false);
  });

  it('writes superscripts and fractions the embedded font lacks in plain characters', () => {
    expect(drawable('24.1 kg/m²')).toBe('24.1 kg/m2');
    expect(drawable('½-0-½')).toBe('1/2-0-1/2');
    expect(drawable('₹ 250 · सुबह')).toBe('₹ 250 · सुबह');
  });

  it('groups ABHA numbers 2-4-4-4 and Indian mobiles 5-5', () => {
    expect(formatAbhaNumber('91456789012345')).toBe('91-4567-8901-2345');
    expect(formatPhone('+919822045671')).toBe('+91 98220 45671');
    expect(formatPhone('09822045671')).toBe('+91 98220 45671');
    expect(formatPhone('+912025438800')).toBe('+91 20 2543 8800');
    expect(formatPhone('0141 222 3344')).toBe('0141 222 3344');
  });
});

describe('dates, ages and languages', () => {
  it('shows instants in IST, dates as written', () => {
    expect(formatDateTime('2025-10-06T18:45:00Z')).toBe('07/10/2025, 12:15 AM');
    expect(formatDateTime('2025-10-06T12:05:00+05:30')).toBe('06/10/2025, 12:05 PM');
    expect(formatDate('1965-01-26')).toBe('26/01/1965');
    expect(formatDateTime('2025-10-09')).toBe('09/10/2025');
  });

  it('gives ages in years, months for toddlers and days for newborns', () => {
    const on = new Date('2025-10-06T06:00:00Z');
    expect(age('1965-10-07', on)).toBe('59 Y');
    expect(age('1965-10-06', on)).toBe('60 Y');
    expect(age('2024-05-01', on)).toBe('17 M');
    expect(age('2025-09-26', on)).toBe('10 D');
  });

  it('picks the translation in the patient’s language, Hindi for a script it cannot print, the text as written for English', () => {
    const ext = translated(['hi', 'खाने के बाद लें'], ['mr', 'जेवणानंतर घ्या'], ['ta', 'உணவுக்குப் பின்']);
    expect(localize('Take after food', ext, 'mr')).toEqual({ text: 'जेवणानंतर घ्या', original: 'Take after food' });
    expect(localize('Take after food', ext, 'ta')).toEqual({ text: 'खाने के बाद लें', original: 'Take after food' });
    expect(localize('Take after food', ext, 'hi-IN')).toEqual({ text: 'खाने के बाद लें', original: 'Take after food' });
    expect(localize('Take after food', ext, 'en-IN')).toEqual({ text: 'Take after food' });
    expect(localize(undefined, translated(['hi', 'आराम करें']), 'en')).toEqual({ text: 'आराम करें' });
  });
});

describe('buildView', () => {
  const base = (): Gathered =>
    ({
      encounter: {
        resourceType: 'Encounter',
        id: 'e1',
        status: 'finished',
        class: { code: 'AMB' },
        period: { start: '2025-10-06T04:30:00Z' },
        reasonCode: [{ text: 'Cough for a week' }],
        serviceProvider: { reference: 'Organization/o', display: 'Shanti Clinic' },
      },
      patient: {
        resourceType: 'Patient',
        id: 'p',
        name: [{ given: ['Ramesh'], family: 'Meena' }],
        gender: 'male',
        birthDate: '2024-01-10',
        identifier: [
          { type: { coding: [{ code: 'HIN' }] }, system: 'https://healthid.ndhm.gov.in', value: '91-7890-1234-5678' },
          { system: 'https://healthid.ndhm.gov.in/health-id', value: 'ramesh.meena@abdm' },
        ],
        communication: [{ language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'ta' }] } }],
      },
      parents: [],
      doctor: { resourceType: 'Practitioner', name: [{ prefix: ['Dr.'], given: ['Vikram'], family: 'Shekhawat' }] },
      observations: [],
      conditions: [
        {
          resourceType: 'Condition',
          id: 'c1',
          subject: {},
          code: { text: 'Acute bronchitis' },
          category: [{ coding: [{ code: 'problem-list-item' }] }],
        },
        {
          resourceType: 'Condition',
          id: 'c2',
          subject: {},
          code: { text: 'Pneumonia' },
          verificationStatus: { coding: [{ code: 'refuted' }] },
        },
        { resourceType: 'Condition', id: 'c3', subject: {}, code: { coding: [{ display: 'Wheezing' }] } },
      ],
      medicationRequests: [
        request(
          { patientInstruction: 'Take with warm water', _patientInstruction: translated(['hi', 'गुनगुने पानी के साथ लें']) },
          { medicationCodeableConcept: undefined, medicationReference: { reference: 'Medication/m', display: 'Crocin 500' } },
        ),
      ],
      medications: new Map([
        [
          'Medication/m',
          {
            resourceType: 'Medication',
            code: { text: 'Paracetamol 500 mg tablet' },
            extension: [
              { url: 'https://hospital-ops.in/fhir/StructureDefinition/brand-name', valueString: 'Crocin' },
              { url: 'https://hospital-ops.in/fhir/StructureDefinition/brand-name', valueString: 'Dolo' },
            ],
          },
        ],
      ]),
      serviceRequests: [],
      carePlans: [
        {
          resourceType: 'CarePlan',
          status: 'active',
          intent: 'plan',
          subject: {},
          activity: [
            { detail: { status: 'scheduled', kind: 'Appointment', scheduledString: 'After 5 days', description: 'Review' } },
            { detail: { status: 'not-started', description: 'Steam inhalation twice a day' } },
          ],
        },
      ],
      appointments: [],
      allergies: [],
      adviceNotes: [],
    }) as unknown as Gathered;

  it('names the Medication the request references, with its generic name and brands', () => {
    const view = buildView(base(), new Date('2025-10-06T06:00:00Z'));
    expect(view.medicines[0]).toMatchObject({ name: 'Crocin 500', detail: 'Paracetamol 500 mg tablet · Brand: Crocin, Dolo' });
    // Tamil cannot be printed with the embedded fonts: the Hindi translation is used.
    expect(view.medicines[0].instruction).toEqual({ text: 'गुनगुने पानी के साथ लें', original: 'Take with warm water' });
    // An instruction that only restates the columns is not printed a third time.
    const plain = base();
    plain.medicationRequests[0].dosageInstruction = [{ patientInstruction: 'Morning 1, Night 1 — after food — 5 days' }];
    expect(buildView(plain, new Date()).medicines[0].instruction).toBeUndefined();
  });

  it('sorts conditions into complaints and diagnoses, leaving refuted ones out', () => {
    const view = buildView(base(), new Date());
    expect(view.complaints).toEqual(['Cough for a week', 'Wheezing']);
    expect(view.diagnoses).toEqual(['Acute bronchitis']);
  });

  it('takes a planned visit from the CarePlan as the follow-up and its other activities as advice', () => {
    const view = buildView(base(), new Date());
    expect(view.followUp).toEqual([{ when: 'After 5 days', note: 'Review' }]);
    expect(view.advice).toEqual([{ text: 'Steam inhalation twice a day' }]);
  });

  it('prints the letterhead from the encounter’s display when the Organization cannot be read, and the patient as an infant', () => {
    const view = buildView(base(), new Date());
    expect(view.clinic.name).toBe('Shanti Clinic');
    expect(view.doctor.name).toBe('Dr. Vikram Shekhawat');
    expect(view.patient).toMatchObject({
      name: 'Ramesh Meena',
      ageSex: '20 M / Male',
      abhaNumber: '91-7890-1234-5678',
      abhaAddress: 'ramesh.meena@abdm',
    });
    expect(view.visit.when).toBe('06/10/2025, 10:00 AM');
  });
});
