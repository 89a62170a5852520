import type { Bundle, Composition, Reference, Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { referencesIn } from '../../src/features/documents/references.ts';
import { validator } from '../../src/fhir/validate.ts';
import { fhirClient, startTestServer, TENANT_B, type TestServer } from '../helpers/server.ts';
import {
  type Admission,
  createAdmission,
  createDirectory,
  createOpdVisit,
  createPharmacyBill,
  createScannedDocument,
  createVaccination,
  createWellnessVisit,
  type Directory,
  LOINC,
  type OpdVisit,
  PDF,
  type PharmacyBill,
  SCT,
  type ScannedDocument,
  type Vaccination,
  type WellnessVisit,
} from './fixtures.ts';

const ABDM = 'https://nrces.in/ndhm/fhir/r4/StructureDefinition/';

let t: TestServer;
let fhir: ReturnType<typeof fhirClient>;
let d: Directory;
let opd: OpdVisit;
let admission: Admission;
let vaccination: Vaccination;
let wellness: WellnessVisit;
let scanned: ScannedDocument;
let bill: PharmacyBill;

beforeAll(async () => {
  // The product default: every write meets the ABDM profile of its type, fixtures included.
  t = await startTestServer({ PROFILE_ENFORCEMENT: 'abdm' });
  fhir = fhirClient(t.base);
  d = await createDirectory(fhir);
  opd = await createOpdVisit(fhir, d);
  admission = await createAdmission(fhir, d);
  vaccination = await createVaccination(fhir, d);
  wellness = await createWellnessVisit(fhir, d);
  scanned = await createScannedDocument(fhir, d);
  bill = await createPharmacyBill(fhir, d, opd.encounter);
});
afterAll(() => t?.stop());

// ---- helpers ------------------------------------------------------------------------------------

const errors = (resource: Resource) =>
  validator()
    .validate(resource)
    .filter((i) => i.severity === 'error' || i.severity === 'fatal');

/** The resource an entry holds for a stored `Type/id`. */
function entryFor(bundle: Bundle, key: string): Resource | undefined {
  const [type, id] = key.split('/');
  return bundle.entry?.find((e) => e.resource?.resourceType === type && e.resource.id === id)?.resource;
}

function fullUrlOf(bundle: Bundle, key: string): string | undefined {
  const [type, id] = key.split('/');
  return bundle.entry?.find((e) => e.resource?.resourceType === type && e.resource.id === id)?.fullUrl;
}

function resolve(bundle: Bundle, reference: Reference | undefined): Resource | undefined {
  return bundle.entry?.find((e) => e.fullUrl === reference?.reference)?.resource;
}

function composition(bundle: Bundle): Composition {
  return bundle.entry?.[0]?.resource as Composition;
}

function section(bundle: Bundle, code: string) {
  return composition(bundle).section?.find((s) => s.code?.coding?.some((c) => c.code === code));
}

/** `Type/id` of each entry of a section. */
function sectionKeys(bundle: Bundle, s: { entry?: Reference[] } | undefined): string[] {
  return (s?.entry ?? []).map((e) => {
    const r = resolve(bundle, e);
    return `${r?.resourceType}/${r?.id}`;
  });
}

/** What every document must be: the DocumentBundle shape, and every reference resolved inside it. */
function expectWellFormedDocument(bundle: Bundle, profile: string): void {
  expect(bundle.resourceType).toBe('Bundle');
  expect(bundle.type).toBe('document');
  expect(bundle.meta?.profile).toEqual([`${ABDM}DocumentBundle`]);
  expect(bundle.meta?.versionId).toBeDefined();
  expect(bundle.meta?.lastUpdated).toBeDefined();
  expect(bundle.identifier?.system).toBe('urn:ietf:rfc:3986');
  expect(bundle.identifier?.value).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
  expect(bundle.timestamp).toBeDefined();
  const first = composition(bundle);
  expect(first.resourceType).toBe('Composition');
  expect(first.meta?.profile).toContain(`${ABDM}${profile}`);
  const fullUrls = (bundle.entry ?? []).map((e) => e.fullUrl);
  expect(fullUrls.every((u) => /^urn:uuid:[0-9a-f-]{36}$/.test(u ?? ''))).toBe(true);
  expect(new Set(fullUrls).size).toBe(fullUrls.length);
  // Every reference in every entry points at an entry (the system client may read everything).
  for (const e of bundle.entry ?? []) {
    for (const found of referencesIn(e.resource as Resource)) {
      expect(fullUrls, `${e.resource?.resourceType}: ${found.path} -> ${found.reference.reference}`).toContain(found.reference.reference);
    }
  }
  // And it validates: DocumentBundle, the record profile, and every profile an entry claims.
  expect(errors(bundle)).toEqual([]);
}

async function build(context: string, type: string, body?: unknown) {
  return body === undefined ? fhir.post(`${context}/$abdm-document?type=${type}`, {}) : fhir.post(`${context}/$abdm-document`, body);
}

// ---- the eight records ----------------------------------------------------------------------------

describe('ABDM records built from stored data', () => {
  it('OPConsultRecord from an OPD Encounter: every section the visit has, with the IG section codes', async () => {
    const res = await build(opd.encounter, 'OPConsultRecord');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const bundle = res.body as Bundle;
    expectWellFormedDocument(bundle, 'OPConsultRecord');
    const c = composition(bundle);
    expect(c.type.coding?.[0]).toEqual({ system: SCT, code: '371530004', display: 'Clinical consultation report' });
    expect(c.status).toBe('final');
    expect(resolve(bundle, c.subject)?.id).toBe(d.patient.split('/')[1]);
    expect(resolve(bundle, c.encounter)?.id).toBe(opd.encounter.split('/')[1]);
    expect(resolve(bundle, c.author[0])?.id).toBe(d.physician.split('/')[1]);
    expect(resolve(bundle, c.custodian)?.id).toBe(d.branch.split('/')[1]);
    expect(c.section?.map((s) => s.code?.coding?.[0]?.code)).toEqual([
      '422843007', // chief complaints
      '425044008', // physical examination
      '722446000', // allergies
      '371529009', // medical history
      '422432008', // family history
      '721963009', // investigation advice
      '721912009', // medications
      '390906007', // follow-up
      '371525003', // procedure
      '306206005', // referral
      '404684003', // other observations
      '371530004', // document reference
    ]);
    const complaints = sectionKeys(bundle, section(bundle, '422843007'));
    expect(complaints).toContain(opd.complaint);
    // A problem-list item is history, not a complaint; the diagnosis the Encounter names comes with the Encounter.
    expect(complaints).not.toContain(opd.hypertension);
    expect(complaints).not.toContain(opd.dengue);
    expect(sectionKeys(bundle, section(bundle, '371529009'))).toEqual([opd.hypertension]);
    expect(entryFor(bundle, opd.dengue)).toBeDefined();
    expect(sectionKeys(bundle, section(bundle, '721963009'))).toEqual([opd.cbcOrder]);
    expect(sectionKeys(bundle, section(bundle, '306206005'))).toEqual([opd.referral]);
    expect(sectionKeys(bundle, section(bundle, '390906007'))).toEqual([opd.followUp]);
    expect(sectionKeys(bundle, section(bundle, '425044008'))).toHaveLength(3);
    expect(sectionKeys(bundle, section(bundle, '404684003'))).toHaveLength(1);
    // The referral's performer (another branch) and the branch's parent organisation came along.
    expect(entryFor(bundle, d.otherBranch)).toBeDefined();
    expect(entryFor(bundle, d.hospital)).toBeDefined();
    // Entries claim the ABDM profile they meet.
    expect(entryFor(bundle, opd.hypertension)?.meta?.profile).toContain(`${ABDM}Condition`);
    expect(entryFor(bundle, d.patient)?.meta?.profile).toContain(`${ABDM}Patient`);
    expect(section(bundle, '722446000')?.text?.div).toContain('Penicillin allergy');
  });

  it('PrescriptionRecord: one section of the issued MedicationRequests, typed for the closed slicing', async () => {
    const res = await build(opd.encounter, 'PrescriptionRecord');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const bundle = res.body as Bundle;
    expectWellFormedDocument(bundle, 'PrescriptionRecord');
    const c = composition(bundle);
    expect(c.type.coding?.[0]?.code).toBe('440545006');
    expect(c.section).toHaveLength(1);
    expect(c.section?.[0]?.code?.coding?.[0]?.code).toBe('440545006');
    expect(c.section?.[0]?.entry?.map((e) => e.type)).toEqual(['MedicationRequest', 'MedicationRequest']);
    expect(sectionKeys(bundle, c.section?.[0])).not.toContain(opd.draftPrescription);
    const drugs = c.section?.[0]?.entry?.map((e) => e.display);
    expect(drugs).toContainEqual(expect.stringMatching(/^Paracetamol 500 mg oral tablet, 1 tablet three times a day/));
  });

  it('DischargeSummaryRecord from an admission: investigations with the lab report, care plan, procedures', async () => {
    const res = await build(admission.encounter, 'DischargeSummaryRecord');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const bundle = res.body as Bundle;
    expectWellFormedDocument(bundle, 'DischargeSummaryRecord');
    const c = composition(bundle);
    expect(c.type.coding?.[0]?.code).toBe('373942005');
    expect(c.section?.map((s) => s.code?.coding?.[0]?.code)).toEqual([
      '422843007',
      '425044008',
      '722446000',
      '1003642006',
      '422432008',
      '721981007',
      '1003606003',
      '1003640003',
      '734163000',
      '373942005',
    ]);
    expect(sectionKeys(bundle, section(bundle, '721981007'))).toEqual([admission.report]);
    expect(sectionKeys(bundle, section(bundle, '734163000'))).toEqual([admission.carePlan]);
    // The report's results, specimen and order were followed.
    for (const r of [...admission.results, admission.specimen, admission.order, d.lab, d.pathologist])
      expect(entryFor(bundle, r)).toBeDefined();
    expect(entryFor(bundle, admission.report)?.meta?.profile).toContain(`${ABDM}DiagnosticReportLab`);
  });

  it('DiagnosticReportRecord from a lab report with several results, and the signed report document', async () => {
    const res = await build(admission.report, 'DiagnosticReportRecord');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const bundle = res.body as Bundle;
    expectWellFormedDocument(bundle, 'DiagnosticReportRecord');
    const c = composition(bundle);
    expect(c.type.coding?.[0]).toEqual({ system: SCT, code: '721981007', display: 'Diagnostic studies report' });
    expect(c.title).toBe('Complete blood count');
    expect(c.section?.[0]?.code?.coding?.[0]).toEqual({ system: SCT, code: '4241000179101', display: 'Laboratory report' });
    expect(c.section?.[0]?.entry?.map((e) => e.type)).toEqual(['DiagnosticReport', 'DocumentReference']);
    expect(sectionKeys(bundle, c.section?.[0])).toEqual([admission.report, admission.reportDocument]);
    expect(resolve(bundle, c.author[0])?.id).toBe(d.pathologist.split('/')[1]);
    expect(resolve(bundle, c.encounter)?.id).toBe(admission.encounter.split('/')[1]);
    const report = entryFor(bundle, admission.report) as Resource & { result: Reference[] };
    expect(report.meta?.profile).toContain(`${ABDM}DiagnosticReportLab`);
    expect(report.result.map((r) => `${resolve(bundle, r)?.resourceType}/${resolve(bundle, r)?.id}`)).toEqual(admission.results);
    const hb = entryFor(bundle, admission.results[0] as string) as Resource & { code: { coding: { system: string }[] } };
    expect(hb.code.coding[0]?.system).toBe(LOINC);
  });

  it('ImmunizationRecord from an Immunization, with the recommendation for the next dose', async () => {
    const res = await build(vaccination.immunization, 'ImmunizationRecord');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const bundle = res.body as Bundle;
    expectWellFormedDocument(bundle, 'ImmunizationRecord');
    const c = composition(bundle);
    expect(c.type.coding?.[0]?.code).toBe('41000179103');
    expect(c.section?.[0]?.entry?.map((e) => e.type)).toEqual(['Immunization', 'ImmunizationRecommendation']);
    expect(sectionKeys(bundle, c.section?.[0])).toEqual([vaccination.immunization, vaccination.recommendation]);
    expect(c.encounter).toBeUndefined();
    const immunization = entryFor(bundle, vaccination.immunization) as Resource & { extension: { valueString: string }[] };
    expect(immunization.extension[0]?.valueString).toBe('Gene Vac-B');
    expect(immunization.meta?.profile).toContain(`${ABDM}Immunization`);
    expect(entryFor(bundle, d.vaccineMaker)).toBeDefined();
  });

  it('WellnessRecord: Observations sorted into the IG title slices by the value sets of its Observation profiles', async () => {
    const res = await build(wellness.encounter, 'WellnessRecord');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const bundle = res.body as Bundle;
    expectWellFormedDocument(bundle, 'WellnessRecord');
    const c = composition(bundle);
    expect(c.type).toEqual({ text: 'Wellness Record' });
    expect(c.section?.map((s) => s.title)).toEqual(Object.keys(wellness.bySection));
    // Resources written in one transaction share their lastUpdated, so their order is not fixed.
    for (const s of c.section ?? [])
      expect(sectionKeys(bundle, s).sort()).toEqual([...(wellness.bySection[s.title as string] ?? [])].sort());
    const profileOf = (key: string) => entryFor(bundle, key)?.meta?.profile;
    expect(profileOf(wellness.bySection['Vital Signs']?.[0] as string)).toContain(`${ABDM}ObservationVitalSigns`);
    expect(profileOf(wellness.bySection['Body Measurement']?.[0] as string)).toContain(`${ABDM}ObservationBodyMeasurement`);
    expect(profileOf(wellness.bySection['Physical Activity']?.[0] as string)).toContain(`${ABDM}ObservationPhysicalActivity`);
    expect(profileOf(wellness.bySection['General Assessment']?.[0] as string)).toContain(`${ABDM}ObservationGeneralAssessment`);
    expect(profileOf(wellness.bySection['Women Health']?.[0] as string)).toContain(`${ABDM}ObservationWomenHealth`);
    expect(profileOf(wellness.bySection.Lifestyle?.[0] as string)).toContain(`${ABDM}ObservationLifestyle`);
    expect(profileOf(wellness.bySection['Other Observations']?.[0] as string)).toContain(`${ABDM}Observation`);
  });

  it('HealthDocumentRecord from a scanned DocumentReference: the PDF inline, its Binary URL made absolute', async () => {
    const res = await build(scanned.document, 'HealthDocumentRecord');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const bundle = res.body as Bundle;
    expectWellFormedDocument(bundle, 'HealthDocumentRecord');
    const c = composition(bundle);
    expect(c.type.coding?.[0]?.code).toBe('419891008');
    expect(c.title).toBe('Discharge summary from Ruby Hall Clinic, Pune (appendicectomy, March 2023)');
    expect(sectionKeys(bundle, c.section?.[0])).toEqual([scanned.document]);
    const doc = entryFor(bundle, scanned.document) as Resource & { content: { attachment: { data: string; url: string } }[] };
    expect(doc.content[0]?.attachment.data).toBe(PDF);
    expect(doc.content[0]?.attachment.url).toBe(`${t.base}/${scanned.binary}`);
    // From the Encounter too: the documents recorded in it.
    const byEncounter = await build(admission.encounter, 'HealthDocumentRecord');
    expect(byEncounter.status, JSON.stringify(byEncounter.body)).toBe(200);
    expectWellFormedDocument(byEncounter.body, 'HealthDocumentRecord');
    expect(sectionKeys(byEncounter.body, composition(byEncounter.body).section?.[0])).toHaveLength(2);
  });

  it('InvoiceRecord from an Invoice with GST price components, its ChargeItems and the HSN-coded Medication', async () => {
    const res = await build(bill.invoice, 'InvoiceRecord');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const bundle = res.body as Bundle;
    expectWellFormedDocument(bundle, 'InvoiceRecord');
    const c = composition(bundle);
    expect(c.type).toEqual({ text: 'Invoice Record' });
    expect(c.title).toBe('Invoice OPD/2025-26/004817');
    expect(c.section?.[0]?.entry).toEqual([expect.objectContaining({ type: 'Invoice', reference: fullUrlOf(bundle, bill.invoice) })]);
    expect(resolve(bundle, c.custodian)?.id).toBe(d.branch.split('/')[1]);
    for (const r of [...bill.chargeItems, bill.medication]) expect(entryFor(bundle, r)).toBeDefined();
    const invoice = entryFor(bundle, bill.invoice) as Resource & {
      lineItem: { priceComponent: { code: { coding: { code: string }[] } }[] }[];
    };
    expect(invoice.lineItem[1]?.priceComponent.map((p) => p.code.coding[0]?.code)).toEqual(['00', '01', '02', '03', '04']);
    expect(entryFor(bundle, bill.medication)?.meta?.profile).toContain(`${ABDM}Medication`);
  });
});

// ---- $document ------------------------------------------------------------------------------------

describe('Composition/$document', () => {
  it('persist=true stores the generated Composition, and $document on it gives the same document again', async () => {
    const res = await fhir.post(`${opd.encounter}/$abdm-document`, {
      resourceType: 'Parameters',
      parameter: [
        { name: 'type', valueCode: 'OPConsultRecord' },
        { name: 'persist', valueBoolean: true },
      ],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const generated = res.body as Bundle;
    const stored = composition(generated);
    expect(stored.meta?.versionId).toBe('1');
    const read = await fhir.get(`Composition/${stored.id}`);
    expect(read.status).toBe(200);
    expect(read.body.subject.reference).toBe(d.patient);
    const again = await fhir.get(`Composition/${stored.id}/$document`);
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expectWellFormedDocument(again.body, 'OPConsultRecord');
    expect(again.body.entry.map((e: { fullUrl: string }) => e.fullUrl)).toEqual(generated.entry?.map((e) => e.fullUrl));
    expect(composition(again.body)).toEqual(stored);
    expect(again.body.identifier.value).not.toBe(generated.identifier?.value);
  });

  it('assembles a Composition written through the API, and Composition/$document?id= is the same operation', async () => {
    const prescriptions = await fhir.get(`MedicationRequest?encounter=${opd.encounter}&status=active`);
    const entries = prescriptions.body.entry.map((e: { resource: Resource }) => ({
      reference: `MedicationRequest/${e.resource.id}`,
      type: 'MedicationRequest',
    }));
    const ok = await fhir.post('Composition', {
      resourceType: 'Composition',
      meta: { profile: [`${ABDM}PrescriptionRecord`] },
      status: 'final',
      type: { coding: [{ system: SCT, code: '440545006', display: 'Prescription record' }] },
      subject: { reference: d.patient },
      encounter: { reference: opd.encounter },
      date: '2025-10-06T10:45:00+05:30',
      author: [{ reference: d.physician }],
      title: 'Prescription',
      attester: [{ mode: 'legal', time: '2025-10-06T10:46:00+05:30', party: { reference: d.physician } }],
      custodian: { reference: d.branch },
      section: [
        {
          title: 'Prescription record',
          code: { coding: [{ system: SCT, code: '440545006', display: 'Prescription record' }] },
          entry: entries,
        },
      ],
    });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    const res = await fhir.get(`Composition/${ok.body.id}/$document`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const bundle = res.body as Bundle;
    expectWellFormedDocument(bundle, 'PrescriptionRecord');
    const c = composition(bundle);
    expect(bundle.entry?.[0]?.fullUrl).toBe(`urn:uuid:${ok.body.id}`);
    expect(resolve(bundle, c.attester?.[0]?.party)?.id).toBe(d.physician.split('/')[1]);
    expect(sectionKeys(bundle, c.section?.[0])).toEqual(entries.map((e: Reference) => e.reference));
    const typeLevel = await fhir.get(`Composition/$document?id=${ok.body.id}`);
    expect(typeLevel.status).toBe(200);
    expect(typeLevel.body.entry.map((e: { fullUrl: string }) => e.fullUrl)).toEqual(bundle.entry?.map((e) => e.fullUrl));
  });

  it('persist=true on $document stores the document Bundle', async () => {
    const made = await fhir.post(`${vaccination.immunization}/$abdm-document?type=ImmunizationRecord&persist=true`, {});
    expect(made.status).toBe(200);
    const id = composition(made.body).id;
    const res = await fhir.post(`Composition/${id}/$document?persist=true`, {});
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const read = await fhir.get(`Bundle/${res.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body.type).toBe('document');
    expect(read.body.identifier).toEqual(res.body.identifier);
    expect(read.body.entry).toHaveLength(res.body.entry.length);
  });
});

// ---- errors -------------------------------------------------------------------------------------

describe('errors', () => {
  it('an unknown record type is 400, naming the allowed types', async () => {
    const res = await build(opd.encounter, 'DischargeNote');
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
    const text = res.body.issue[0].details.text as string;
    for (const type of [
      'OPConsultRecord',
      'PrescriptionRecord',
      'DischargeSummaryRecord',
      'DiagnosticReportRecord',
      'ImmunizationRecord',
      'WellnessRecord',
      'HealthDocumentRecord',
      'InvoiceRecord',
    ]) {
      expect(text).toContain(type);
    }
    const missing = await fhir.post(`${opd.encounter}/$abdm-document`, {});
    expect(missing.status).toBe(400);
    expect(missing.body.issue[0].details.text).toContain('OPConsultRecord');
  });

  it('a care context of the wrong resource type is 400', async () => {
    const onPatient = await build(d.patient, 'OPConsultRecord');
    expect(onPatient.status).toBe(400);
    expect(onPatient.body.issue[0].details.text).toContain('Encounter');
    const onEncounter = await build(opd.encounter, 'DiagnosticReportRecord');
    expect(onEncounter.status).toBe(400);
    expect(onEncounter.body.issue[0].details.text).toContain('DiagnosticReport');
    const notAComposition = await fhir.get(`Encounter/${opd.encounter.split('/')[1]}/$document`);
    expect(notAComposition.status).toBe(400);
  });

  it('a missing Encounter or Composition is 404', async () => {
    expect((await build('Encounter/does-not-exist', 'OPConsultRecord')).status).toBe(404);
    expect((await fhir.get('Composition/does-not-exist/$document')).status).toBe(404);
  });

  it('another tenant cannot build a document from this tenant’s Encounter (404), nor read its Composition', async () => {
    const other = fhirClient(t.base, TENANT_B);
    const res = await other.post(`${opd.encounter}/$abdm-document?type=OPConsultRecord`, {});
    expect(res.status).toBe(404);
    expect(JSON.stringify(res.body)).not.toContain('Sneha');
    const made = await build(opd.encounter, 'PrescriptionRecord&persist=true');
    expect(made.status).toBe(200);
    expect((await other.get(`Composition/${composition(made.body).id}/$document`)).status).toBe(404);
  });

  it('persist needs POST, and a record the data cannot fill is 422', async () => {
    const get = await fhir.get(`${opd.encounter}/$abdm-document?type=PrescriptionRecord&persist=true`);
    expect(get.status).toBe(400);
    // The wellness visit prescribed nothing: a PrescriptionRecord needs at least one MedicationRequest.
    const empty = await build(wellness.encounter, 'PrescriptionRecord');
    expect(empty.status).toBe(422);
    expect(empty.body.issue[0].details.text).toContain('PrescriptionRecord');
  });

  it('GET works like POST when nothing is stored', async () => {
    const res = await fhir.get(`${vaccination.immunization}/$abdm-document?type=ImmunizationRecord`);
    expect(res.status).toBe(200);
    expect(composition(res.body).type.coding?.[0]?.code).toBe('41000179103');
  });
});
