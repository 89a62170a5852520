import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLabMllp } from '../../src/features/lab/mllp.ts';
import { startTestServer, TENANT_A, TENANT_B, type TestServer } from '../helpers/server.ts';
import { mllpSend, msa, oru, type Reading, send } from './analyser-simulator.ts';
import { CBC, create, type Fhir, fhirClient, HBA1C, LFT, labStaff, order, params, ref } from './fixtures.ts';

let t: TestServer;
let admin: Fhir;
let analyser: Fhir;
let tech: Fhir;
let branch: string;
let patient: string;

const CBC_RUN: Reading[] = [
  { loinc: '718-7', name: 'Hemoglobin', value: 13.8, unit: 'g/dL' },
  { loinc: '6690-2', name: 'WBC', value: 32.4, unit: '10*3/uL' },
  { loinc: '777-3', name: 'Platelets', value: 250, unit: '10*3/uL' },
];

async function sample(tests: { code?: string; display: string }[]) {
  const orders = await Promise.all(tests.map((x) => create(admin, order(patient, x))));
  const res = await tech.post(
    'ServiceRequest/$collect',
    params({ request: orders.map((o) => ref(`ServiceRequest/${o}`)), branch: ref(`Organization/${branch}`) }),
  );
  return { orders, specimens: res.body.entry.map((e: any) => e.resource) };
}

beforeAll(async () => {
  t = await startTestServer();
  admin = fhirClient(t.base, TENANT_A);
  // The analyser's middleware acts as the tenant's system client; a person verifies.
  analyser = admin;
  expect((await admin.post('ActivityDefinition/$load-lab-catalogue', { resourceType: 'Parameters' })).status).toBe(200);
  branch = await create(admin, { resourceType: 'Organization', name: 'Sanjeevani Hospital, Pune', alias: ['PUN'] });
  patient = await create(admin, { resourceType: 'Patient', gender: 'male', birthDate: '1975-01-20' });
  tech = (await labStaff(t, TENANT_A)).fhir;
});
afterAll(() => t?.stop());

describe('ORU^R01 from an analyser', () => {
  it('puts a CBC run in as preliminary results with flags, matched by accession number, and ACKs AA', async () => {
    const { orders, specimens } = await sample([CBC]);
    const sent = await send(analyser.post, oru(specimens[0].accessionIdentifier.value, CBC_RUN, { controlId: 'RUN0001' }));
    expect(sent).toMatchObject({ status: 200, code: 'AA', controlId: 'RUN0001' });
    const reports = await tech.get(`DiagnosticReport?based-on=ServiceRequest/${orders[0]}&_include=DiagnosticReport:result`);
    const report = reports.body.entry.find((e: any) => e.resource.resourceType === 'DiagnosticReport').resource;
    expect(report.status).toBe('preliminary');
    const obs = reports.body.entry.filter((e: any) => e.resource.resourceType === 'Observation').map((e: any) => e.resource);
    const wbc = obs.find((o: any) => o.code.coding[0].code === '6690-2');
    expect(wbc).toMatchObject({ status: 'preliminary', valueQuantity: { value: 32.4, code: '10*3/uL' } });
    expect(wbc.interpretation[0].coding[0].code).toBe('HH');
    // A person verifies what the analyser sent.
    expect((await tech.post(`DiagnosticReport/${report.id}/$verify`, {})).status).toBe(200);
  });

  it('splits one tube’s run between the orders on it (CBC and HbA1c share the EDTA tube)', async () => {
    const { orders, specimens } = await sample([CBC, HBA1C]);
    expect(specimens).toHaveLength(1);
    const run = [...CBC_RUN, { loinc: '4548-4', name: 'HbA1c', value: 7.2, unit: '%' }];
    expect((await send(analyser.post, oru(specimens[0].accessionIdentifier.value, run))).code).toBe('AA');
    const hba1c = await tech.get(`Observation?based-on=ServiceRequest/${orders[1]}`);
    expect(hba1c.body.entry.map((e: any) => [e.resource.code.coding[0].code, e.resource.interpretation[0].coding[0].code])).toEqual([
      ['4548-4', 'H'],
    ]);
    expect((await tech.get(`Observation?based-on=ServiceRequest/${orders[0]}`)).body.entry).toHaveLength(3);
  });

  it('answers AE, writing nothing, for an unknown accession, a duplicate, an unknown analyte and a bad value', async () => {
    const { orders, specimens } = await sample([LFT]);
    const accession = specimens[0].accessionIdentifier.value;
    const unknown = await send(analyser.post, oru('PUN9901010001', CBC_RUN, { controlId: 'X1' }));
    expect(unknown).toMatchObject({ status: 200, code: 'AE', controlId: 'X1', text: 'No sample has accession number PUN9901010001' });
    const wrongAnalyte = await send(analyser.post, oru(accession, [{ loinc: '1742-6', name: 'ALT', value: 30, unit: 'U/L' }, CBC_RUN[0]]));
    expect(wrongAnalyte.code).toBe('AE');
    expect(wrongAnalyte.text).toMatch(/718-7 is not an analyte of any test ordered on sample/);
    const badValue = await send(analyser.post, oru(accession, [{ loinc: '1742-6', name: 'ALT', value: '>>', unit: 'U/L' }]));
    expect(badValue.code).toBe('AE');
    expect(badValue.text).toMatch(/ALT \(SGPT\) takes a number/);
    expect((await tech.get(`Observation?based-on=ServiceRequest/${orders[0]}`)).body.entry ?? []).toEqual([]);
    // The run goes in once; the same message again is a duplicate.
    const run = [{ loinc: '1742-6', name: 'ALT', value: 30, unit: 'U/L' }];
    expect((await send(analyser.post, oru(accession, run, { controlId: 'D1' }))).code).toBe('AA');
    const dup = await send(analyser.post, oru(accession, run, { controlId: 'D1' }));
    expect(dup.code).toBe('AE');
    expect(dup.text).toMatch(/already entered/);
    expect((await tech.get(`Observation?based-on=ServiceRequest/${orders[0]}`)).body.entry).toHaveLength(1);
  });

  it('answers AE to a malformed message and 400 to a request without one', async () => {
    const garbage = await send(analyser.post, 'hello analyser');
    expect(garbage).toMatchObject({ status: 200, code: 'AE', text: 'The message does not start with an MSH segment' });
    const adt = await send(analyser.post, 'MSH|^~\\&|A|B|C|D|20261206||ADT^A01|M1|P|2.5.1\rPID|1');
    expect(adt).toMatchObject({ code: 'AE', controlId: 'M1', text: 'Only ORU\\S\\R01 is accepted, not ADT\\S\\A01' });
    expect(adt.body.parameter[1].resource.issue[0].details.text).toBe('Only ORU^R01 is accepted, not ADT^A01');
    const noObx = await send(analyser.post, 'MSH|^~\\&|A|B|C|D|20261206||ORU^R01|M2|P|2.5.1\rOBR|1||PUN2612060001');
    expect(noObx).toMatchObject({ code: 'AE', text: 'The message has no OBX segment' });
    expect((await analyser.post('Specimen/$analyser-result', { resourceType: 'Parameters' })).status).toBe(400);
  });

  it('never matches another tenant’s accession number', async () => {
    const { orders, specimens } = await sample([CBC]);
    const otherAnalyser = fhirClient(t.base, TENANT_B);
    const sent = await send(otherAnalyser.post, oru(specimens[0].accessionIdentifier.value, CBC_RUN));
    expect(sent.code).toBe('AE');
    expect(sent.text).toMatch(/^No sample has accession number/);
    expect((await tech.get(`Observation?based-on=ServiceRequest/${orders[0]}`)).body.entry ?? []).toEqual([]);
  });

  it('takes messages over MLLP: framed ACKs in order, split and joined frames, malformed and unknown answered AE', async () => {
    const listener = await startLabMllp(t.server.db, {
      tenantId: TENANT_A,
      clientId: 'xn550-middleware',
      baseUrl: t.base.replace(/\/fhir\/R4$/, ''),
    });
    try {
      const { orders, specimens } = await sample([CBC]);
      const accession = specimens[0].accessionIdentifier.value;
      const good = oru(accession, CBC_RUN, { controlId: 'M-OK' });
      // Three messages in one connection, delivered in 7-byte pieces.
      const acks = await mllpSend(listener.port, [good, 'not hl7 at all', oru('PUN0000000000', CBC_RUN, { controlId: 'M-UNK' })], {
        chunk: 7,
      });
      expect(acks.map((a) => msa(a).slice(1, 3))).toEqual([
        ['AA', 'M-OK'],
        ['AE', ''],
        ['AE', 'M-UNK'],
      ]);
      const obs = await tech.get(`Observation?based-on=ServiceRequest/${orders[0]}`);
      expect(obs.body.entry).toHaveLength(3);
      // The same run again (a retransmission) is a duplicate: AE, nothing more written.
      const [dup] = await mllpSend(listener.port, [good]);
      expect(msa(dup)[1]).toBe('AE');
      expect((await tech.get(`Observation?based-on=ServiceRequest/${orders[0]}`)).body.entry).toHaveLength(3);
      // Whoever verifies, it is not the middleware that entered them.
      const report = (await tech.get(`DiagnosticReport?based-on=ServiceRequest/${orders[0]}`)).body.entry[0].resource;
      expect(report.extension[0].valueString).toBe('client:xn550-middleware');
      expect((await tech.post(`DiagnosticReport/${report.id}/$verify`, {})).status).toBe(200);
    } finally {
      await listener.close();
    }
  });
});
