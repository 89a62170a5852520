import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirClient, startTestServer, type TestServer } from './helpers/server.ts';

let t: TestServer;
let fhir: ReturnType<typeof fhirClient>;

beforeAll(async () => {
  t = await startTestServer({ MAX_BODY_SIZE: '64kb' });
  fhir = fhirClient(t.base);
});
afterAll(() => t?.stop());

function expectOutcome(res: { status: number; body: any; headers: Headers }, status: number, text?: RegExp) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/fhir+json');
  expect(res.body.resourceType).toBe('OperationOutcome');
  expect(res.body.issue[0].severity).toBe('error');
  if (text) expect(JSON.stringify(res.body.issue)).toMatch(text);
}

async function patientCount(): Promise<number> {
  return (await fhir.get('Patient?_total=accurate&_count=0')).body.total;
}

describe('bad input gets an OperationOutcome with the right status and writes nothing', () => {
  it('400 for malformed JSON', async () => {
    const before = await patientCount();
    expectOutcome(await fhir.post('Patient', '{"resourceType": "Patient", '), 400, /Malformed JSON/);
    expect(await patientCount()).toBe(before);
  });

  it('400 for a body that is not a resource', async () => {
    expectOutcome(await fhir.post('Patient', [1, 2, 3]), 400);
    expectOutcome(await fhir.post('Patient', '"just a string"'), 400);
    expectOutcome(await fhir.post('Patient', { name: 'no resourceType' }), 400);
  });

  it('400 when the body type does not match the URL type', async () => {
    expectOutcome(await fhir.post('Patient', { resourceType: 'Observation' }), 400, /Incorrect resource type/);
  });

  it('404 for an unknown resource type', async () => {
    expectOutcome(await fhir.post('Unicorn', { resourceType: 'Unicorn' }), 404, /Unknown resource type: Unicorn/);
    expectOutcome(await fhir.get('Unicorn?name=x'), 404, /Unicorn/);
  });

  it('422 with the element path for a resource that fails validation', async () => {
    const before = await patientCount();
    const res = await fhir.post('Patient', { resourceType: 'Patient', gender: 42, birthDate: '12/04/1988' });
    expectOutcome(res, 422);
    const expressions = res.body.issue.flatMap((i: any) => i.expression ?? []);
    expect(expressions).toEqual(expect.arrayContaining(['Patient.gender', 'Patient.birthDate']));
    const missingRequired = await fhir.post('Observation', { resourceType: 'Observation', status: 'final' });
    expectOutcome(missingRequired, 422, /Observation.code/);
    expect(await patientCount()).toBe(before);
  });

  it('400 for an element R4 does not define: the body is not parseable as the resource', async () => {
    const unknownElement = await fhir.post('Patient', { resourceType: 'Patient', favouriteColour: 'blue' });
    expectOutcome(unknownElement, 400, /favouriteColour/);
  });

  it('413 for a body over the size limit', async () => {
    const big = { resourceType: 'Patient', name: [{ text: 'x'.repeat(100_000) }] };
    expectOutcome(await fhir.post('Patient', big), 413);
  });

  it('415 for an unsupported media type', async () => {
    const res = await fhir.call('POST', 'Patient', '<Patient xmlns="http://hl7.org/fhir"/>', { 'content-type': 'application/fhir+xml' });
    expectOutcome(res, 415);
    const text = await fhir.call('POST', 'Patient', 'hello', { 'content-type': 'text/plain' });
    expectOutcome(text, 415);
  });

  it('400 for an invalid id in update-as-create', async () => {
    expectOutcome(await fhir.put('Patient/bad_id!', { resourceType: 'Patient', id: 'bad_id!' }), 400);
  });

  it('400 for an unknown search parameter, naming it', async () => {
    expectOutcome(await fhir.get('Patient?shoe-size=9'), 400, /shoe-size/);
  });

  it('404 with an OperationOutcome for paths outside the API', async () => {
    const res = await fetch(`${t.server.url}/nowhere`);
    expect(res.status).toBe(404);
    expect((await res.json()).resourceType).toBe('OperationOutcome');
  });
});
