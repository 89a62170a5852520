import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { syntheticPatientBundle } from '@hospital-ops/seed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileView } from '../../src/analytics/views/compile.ts';
import { fhirClient, startTestServer, TENANT_A, type TestServer } from '../helpers/server.ts';

// The views shipped for a hospital's data team (analytics/views/*.json), run over seeded data.

const dir = join(import.meta.dirname, '../../../analytics/views');
const views = Object.fromEntries(
  readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => [f.replace(/\.json$/, ''), JSON.parse(readFileSync(join(dir, f), 'utf8'))]),
);

type Row = Record<string, unknown>;
let t: TestServer;
let fhir: ReturnType<typeof fhirClient>;
const ids: Record<string, string> = {};

async function create(key: string, resource: Record<string, unknown>) {
  const res = await fhir.post(resource.resourceType as string, resource);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  ids[key] = res.body.id;
}

async function run(name: string): Promise<Row[]> {
  const stored = await fhir.post('ViewDefinition', views[name]);
  expect(stored.status, JSON.stringify(stored.body)).toBe(201);
  const res = await fhir.get(`ViewDefinition/${stored.body.id}/$run?_format=json`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as Row[];
}

beforeAll(async () => {
  t = await startTestServer();
  fhir = fhirClient(t.base, TENANT_A);
  const synthetic = await fhir.post('', syntheticPatientBundle(7, 1));
  expect(synthetic.status).toBe(200);
  await create('branch', { resourceType: 'Organization', name: 'Sanjeevani Pune' });
  await create('patient', {
    resourceType: 'Patient',
    identifier: [
      {
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] },
        system: 'https://hospital-ops.in/fhir/sid/uhid',
        value: 'PUN-00A1B2',
      },
    ],
    name: [{ use: 'official', family: 'Kulkarni', given: ['Sneha', 'R'] }],
    gender: 'female',
    birthDate: '1990-07-01',
    address: [{ city: 'Pune', state: 'Maharashtra', postalCode: '411001' }],
    communication: [{ language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'mr' }] }, preferred: true }],
  });
  const subject = { reference: `Patient/${ids.patient}` };
  await create('opd', {
    resourceType: 'Encounter',
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
    serviceType: { coding: [{ system: 'http://snomed.info/sct', code: '394579002', display: 'Cardiology' }], text: 'Cardiology' },
    extension: [
      {
        url: 'https://hospital-ops.in/fhir/StructureDefinition/opd-queue-token',
        extension: [
          { url: 'number', valuePositiveInt: 12 },
          { url: 'date', valueDate: '2026-11-25' },
        ],
      },
    ],
    subject,
    period: { start: '2026-11-25T23:40:00+05:30', end: '2026-11-25T23:55:00+05:30' },
    serviceProvider: { reference: `Organization/${ids.branch}` },
  });
  await create('ipd', {
    resourceType: 'Encounter',
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' },
    subject,
    period: { start: '2026-11-20T10:00:00+05:30', end: '2026-11-23T12:00:00+05:30' },
    length: { value: 3, unit: 'days', system: 'http://unitsofmeasure.org', code: 'd' },
  });
  await create('lab', {
    resourceType: 'Observation',
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }],
    code: { coding: [{ system: 'http://loinc.org', code: '4548-4', display: 'Hemoglobin A1c' }], text: 'HbA1c' },
    subject,
    effectiveDateTime: '2026-11-24T09:00:00+05:30',
    issued: '2026-11-24T15:30:00+05:30',
    valueQuantity: { value: 7.2, unit: '%' },
    referenceRange: [{ high: { value: 5.7 } }],
  });
  await create('report', {
    resourceType: 'DiagnosticReport',
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'LAB' }] }],
    code: { text: 'HbA1c' },
    subject,
    effectiveDateTime: '2026-11-24T09:00:00+05:30',
    issued: '2026-11-24T15:30:00+05:30',
  });
  await create('invoice', {
    resourceType: 'Invoice',
    status: 'issued',
    // As billing issues it (server/src/features/billing/invoice.ts): an OPD invoice with a medicine line and a consultation line.
    type: { coding: [{ system: 'https://nrces.in/ndhm/fhir/r4/CodeSystem/ndhm-billing-codes', code: '03', display: 'OPD' }] },
    subject,
    date: '2026-11-25T11:25:00+05:30',
    issuer: { reference: `Organization/${ids.branch}` },
    lineItem: [
      {
        sequence: 1,
        extension: [
          {
            url: 'https://hospital-ops.in/fhir/StructureDefinition/hsn-sac',
            valueCoding: { system: 'https://hospital-ops.in/fhir/sid/hsn', code: '30049099' },
          },
          { url: 'https://hospital-ops.in/fhir/StructureDefinition/gst-rule', valueString: 'medicines-2025 5%' },
        ],
        chargeItemCodeableConcept: { text: 'Paracetamol 500 mg x 10' },
        priceComponent: [
          { type: 'informational', code: { coding: [{ system: NDHM_PRICE, code: '00' }] }, amount: { value: 21, currency: 'INR' } },
          { type: 'base', code: { coding: [{ system: NDHM_PRICE, code: '01' }] }, amount: { value: 20, currency: 'INR' } },
          { type: 'tax', code: { coding: [{ system: NDHM_PRICE, code: '03' }] }, amount: { value: 0.5, currency: 'INR' } },
          { type: 'tax', code: { coding: [{ system: NDHM_PRICE, code: '04' }] }, amount: { value: 0.5, currency: 'INR' } },
        ],
      },
      {
        sequence: 2,
        extension: [
          {
            url: 'https://hospital-ops.in/fhir/StructureDefinition/hsn-sac',
            valueCoding: { system: 'https://hospital-ops.in/fhir/sid/sac', code: '999312' },
          },
          { url: 'https://hospital-ops.in/fhir/StructureDefinition/gst-rule', valueString: 'healthcare-exempt 0%' },
        ],
        chargeItemCodeableConcept: { text: 'Consultation' },
        priceComponent: [{ type: 'base', code: { coding: [{ system: NDHM_PRICE, code: '01' }] }, amount: { value: 500, currency: 'INR' } }],
      },
    ],
  });
});
afterAll(() => t?.stop());

const NDHM_PRICE = 'https://nrces.in/ndhm/fhir/r4/CodeSystem/ndhm-price-components';

describe('shipped views', () => {
  it('every shipped view is a valid ViewDefinition', () => {
    expect(Object.keys(views).sort()).toEqual(
      ['admissions', 'lab_results', 'lab_turnaround', 'medication_requests', 'opd_visits', 'patients', 'pharmacy_sales_by_hsn'].sort(),
    );
    for (const view of Object.values(views)) expect(() => compileView(view)).not.toThrow();
  });

  it('opd_visits: the queue day, department and branch of each outpatient visit', async () => {
    const rows = await run('opd_visits');
    expect(rows.find((r) => r.encounter_id === ids.opd)).toEqual({
      encounter_id: ids.opd,
      patient_id: ids.patient,
      status: 'finished',
      visit_date: '2026-11-25',
      started_at: '2026-11-25T23:40:00+05:30',
      ended_at: '2026-11-25T23:55:00+05:30',
      department_code: '394579002',
      department: 'Cardiology',
      branch_id: ids.branch,
      doctor_id: null,
      queue_token: 12,
    });
    // The synthetic patient's two ambulatory encounters too; the admission is not an OPD visit.
    expect(rows).toHaveLength(3);
    expect(rows.map((r) => r.encounter_id)).not.toContain(ids.ipd);
  });

  it('admissions: inpatient stays with their times and recorded length', async () => {
    const rows = await run('admissions');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ encounter_id: ids.ipd, class: 'IMP', admitted_at: '2026-11-20T10:00:00+05:30', length_days: 3 });
  });

  it('patients: UHID, names, language and address flattened', async () => {
    const rows = await run('patients');
    expect(rows).toHaveLength(2);
    expect(rows.find((r) => r.patient_id === ids.patient)).toMatchObject({
      uhid: 'PUN-00A1B2',
      family_name: 'Kulkarni',
      given_names: 'Sneha R',
      gender: 'female',
      birth_date: '1990-07-01',
      deceased: false,
      city: 'Pune',
      postal_code: '411001',
      preferred_language: 'mr',
    });
  });

  it('lab_results: laboratory Observations only, not the vital signs', async () => {
    const rows = await run('lab_results');
    expect(rows).toEqual([
      expect.objectContaining({
        observation_id: ids.lab,
        loinc_code: '4548-4',
        test_name: 'HbA1c',
        value: 7.2,
        unit: '%',
        range_high: 5.7,
      }),
    ]);
  });

  it('lab_turnaround, medication_requests and pharmacy_sales_by_hsn', async () => {
    expect(await run('lab_turnaround')).toEqual([
      expect.objectContaining({ report_id: ids.report, collected_at: '2026-11-24T09:00:00+05:30', issued_at: '2026-11-24T15:30:00+05:30' }),
    ]);
    const prescriptions = await run('medication_requests');
    expect(prescriptions.length).toBeGreaterThanOrEqual(1);
    expect(prescriptions[0]).toMatchObject({ status: 'active', intent: 'order' });
    expect(typeof prescriptions[0].medication).toBe('string');
    expect(await run('pharmacy_sales_by_hsn')).toEqual([
      {
        invoice_id: ids.invoice,
        invoice_number: null,
        invoice_date: '2026-11-25',
        patient_id: ids.patient,
        branch_id: ids.branch,
        line: 1,
        hsn_code: '30049099',
        gst_rule: 'medicines-2025 5%',
        base_amount: 20,
        cgst: 0.5,
        sgst: 0.5,
        igst: null,
      },
    ]);
  });
});
