import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirClient, startTestServer, type TestServer } from '../helpers/server.ts';

// Issue 16, items 13, 16 and 17: _elements on choices, base R4 rules on writes and $validate,
// unknown JSON properties.
let t: TestServer;
let fhir: ReturnType<typeof fhirClient>;

beforeAll(async () => {
  t = await startTestServer();
  fhir = fhirClient(t.base);
});
afterAll(() => t?.stop());

const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' };

const observation = {
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }], text: 'Heart rate' },
  valueQuantity: { value: 72, unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
  note: [{ text: 'resting' }],
};

describe('_elements (item 13)', () => {
  it('selects a choice element by its name, always returns the mandatory elements and marks the result SUBSETTED', async () => {
    const id = (await fhir.post('Observation', observation)).body.id;
    const read = await fhir.get(`Observation/${id}?_elements=code,value`);
    expect(read.status).toBe(200);
    expect(read.body.valueQuantity).toEqual(observation.valueQuantity);
    expect(read.body.status).toBe('final');
    expect(read.body.code).toBeDefined();
    expect(read.body.note).toBeUndefined();
    expect(read.body.meta.tag).toContainEqual(expect.objectContaining(SUBSETTED));

    const search = await fhir.get(`Observation?_id=${id}&_elements=value`);
    const found = search.body.entry[0].resource;
    expect(found.valueQuantity).toBeDefined();
    expect(found.status).toBe('final');
    expect(found.code).toBeDefined();
    expect(found.note).toBeUndefined();
    expect(found.meta.tag).toContainEqual(expect.objectContaining(SUBSETTED));
  });
});
