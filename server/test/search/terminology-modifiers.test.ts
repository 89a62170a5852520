import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TerminologyItem, TerminologyStore } from '../../src/terminology/store.ts';
import { fhirClient, startTestServer, TENANT_B, type TestServer } from '../helpers/server.ts';

// Token :below, :above, :in and :not-in, over an imported hierarchy (tables) and a FHIR core code
// system held in memory (v3 NullFlavor: NI > INV > OTH > PINF).
const SCT = 'http://snomed.info/sct';
const NULL_FLAVOR = 'http://terminology.hl7.org/CodeSystem/v3-NullFlavor';

function* hierarchy(): Generator<TerminologyItem> {
  const rows: [string, string, string?][] = [
    ['100', 'Clinical finding'],
    ['200', 'Disorder of heart', '100'],
    ['210', 'Myocardial infarction', '200'],
    ['211', 'Acute myocardial infarction', '210'],
    ['300', 'Disorder of lung', '100'],
    ['310', 'Asthma', '300'],
  ];
  for (const [code, display, parent] of rows) {
    yield { kind: 'concept', code, display };
    if (parent) yield { kind: 'parent', child: code, parent };
  }
}

let t: TestServer;
let fhir: ReturnType<typeof fhirClient>;
const ids: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestServer();
  fhir = fhirClient(t.base);
  await new TerminologyStore(t.server.db).replaceSystem({ url: SCT, version: 'test', name: 'SNOMED CT (test hierarchy)' }, hierarchy());
  const patient = (await fhir.post('Patient', { resourceType: 'Patient', gender: 'female' })).body.id;
  ids.patient = patient;
  ids.male = (await fhir.post('Patient', { resourceType: 'Patient', gender: 'male' })).body.id;
  ids.unknownGender = (await fhir.post('Patient', { resourceType: 'Patient', gender: 'unknown' })).body.id;
  for (const [key, code] of [
    ['mi', '211'],
    ['heart', '200'],
    ['asthma', '310'],
  ]) {
    const res = await fhir.post('Condition', {
      resourceType: 'Condition',
      subject: { reference: `Patient/${patient}` },
      code: { coding: [{ system: SCT, code }] },
    });
    ids[key as string] = res.body.id;
  }
  for (const [key, code] of [
    ['oth', 'OTH'],
    ['pinf', 'PINF'],
    ['unk', 'UNK'],
  ]) {
    const res = await fhir.post('Observation', {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: NULL_FLAVOR, code }] },
      subject: { reference: `Patient/${patient}` },
    });
    ids[key as string] = res.body.id;
  }
});
afterAll(() => t?.stop());

async function found(path: string, client = fhir): Promise<string[]> {
  const res = await client.get(path);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return (res.body.entry ?? []).map((e: { resource: { id: string } }) => Object.keys(ids).find((k) => ids[k] === e.resource.id)).sort();
}

describe('token modifiers over terminology', () => {
  it(':below on an imported hierarchy', async () => {
    expect(await found(`Condition?code:below=${SCT}|200`)).toEqual(['heart', 'mi']);
    expect(await found(`Condition?code:below=${SCT}|100`)).toEqual(['asthma', 'heart', 'mi']);
    expect(await found(`Condition?code:below=${SCT}|211`)).toEqual(['mi']);
  });

  it(':above on an imported hierarchy', async () => {
    expect(await found(`Condition?code:above=${SCT}|211`)).toEqual(['heart', 'mi']);
    expect(await found(`Condition?code:above=${SCT}|310`)).toEqual(['asthma']);
  });

  it(':below and :above on a code system held in memory', async () => {
    expect(await found(`Observation?code:below=${NULL_FLAVOR}|OTH`)).toEqual(['oth', 'pinf']);
    expect(await found(`Observation?code:above=${NULL_FLAVOR}|PINF`)).toEqual(['oth', 'pinf']);
    expect(await found(`Observation?code:below=${NULL_FLAVOR}|NI`)).toEqual(['oth', 'pinf', 'unk']);
  });

  it(':in and :not-in a value set, including code-typed elements', async () => {
    const gender = 'http://hl7.org/fhir/ValueSet/administrative-gender';
    expect(await found(`Patient?gender:in=${gender}`)).toEqual(['male', 'patient', 'unknownGender']);
    expect(await found(`Observation?code:not-in=http://terminology.hl7.org/ValueSet/v3-NullFlavor`)).toEqual([]);
    expect(await found(`Condition?code:not-in=${gender}`)).toEqual(['asthma', 'heart', 'mi']);
  });

  it(":in and :not-in a tenant's own value set (explicit codes, and a filter over an imported system)", async () => {
    const url = 'https://hospital.example/fhir/ValueSet/cardiac-and-other';
    const vs = await fhir.post('ValueSet', {
      resourceType: 'ValueSet',
      url,
      status: 'active',
      compose: {
        include: [
          { system: SCT, filter: [{ property: 'concept', op: 'is-a', value: '200' }] },
          { system: NULL_FLAVOR, concept: [{ code: 'OTH' }] },
        ],
      },
    });
    expect(vs.status).toBe(201);
    expect(await found(`Condition?code:in=${url}`)).toEqual(['heart', 'mi']);
    expect(await found(`Condition?code:not-in=${url}`)).toEqual(['asthma']);
    expect(await found(`Observation?code:in=${url}`)).toEqual(['oth']);
    expect(await found(`Observation?_filter=${encodeURIComponent(`code in "${url}"`)}`)).toEqual(['oth']);
    // Another tenant has no such value set: the URL is unknown there.
    expect((await fhirClient(t.base, TENANT_B).get(`Condition?code:in=${url}`)).status).toBe(400);
  });

  it('asks for system|code and a known value set', async () => {
    expect((await fhir.get('Condition?code:below=211')).status).toBe(400);
    expect((await fhir.get('Patient?gender:in=https://example.org/ValueSet/nope')).status).toBe(400);
  });

  it('never reaches another tenant', async () => {
    expect(await found(`Condition?code:below=${SCT}|100`, fhirClient(t.base, TENANT_B))).toEqual([]);
  });
});
