import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirClient, startTestServer, type TestServer } from '../helpers/server.ts';

// Issue 16, items 10 to 12: prefixes in value lists, modifier combinations, own-base references.
let t: TestServer;
let fhir: ReturnType<typeof fhirClient>;
let patientId: string;
const obs: Record<string, string> = {};

const ids = (bundle: any) => (bundle.entry ?? []).map((e: any) => e.resource.id).sort();

beforeAll(async () => {
  t = await startTestServer();
  fhir = fhirClient(t.base);
  patientId = (await fhir.post('Patient', { resourceType: 'Patient', name: [{ family: 'Prefix', given: ['Xavier'] }] })).body.id;
  for (const [name, value, date] of [
    ['low', 50, '2020-01-10'],
    ['mid', 80, '2021-06-15'],
    ['high', 120, '2023-03-01'],
  ] as const) {
    const res = await fhir.post('Observation', {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
      subject: { reference: `Patient/${patientId}` },
      effectiveDateTime: date,
      valueQuantity: { value, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
    });
    obs[name] = res.body.id;
  }
});
afterAll(() => t?.stop());

describe('each value of a list takes its own prefix (item 10)', () => {
  it('value-quantity=lt60,gt100 finds the low and the high value', async () => {
    const res = await fhir.get('Observation?value-quantity=lt60,gt100');
    expect(res.status).toBe(200);
    expect(ids(res.body)).toEqual([obs.low, obs.high].sort());
  });

  it('a later value without a prefix means eq', async () => {
    const res = await fhir.get('Observation?value-quantity=gt100,80');
    expect(res.status).toBe(200);
    expect(ids(res.body)).toEqual([obs.mid, obs.high].sort());
  });

  it('dates: date=lt2020-06-01,ge2023-01-01', async () => {
    const res = await fhir.get('Observation?date=lt2020-06-01,ge2023-01-01');
    expect(res.status).toBe(200);
    expect(ids(res.body)).toEqual([obs.low, obs.high].sort());
  });

  it('quantities with units keep each prefix', async () => {
    const res = await fhir.get(
      `Observation?value-quantity=${encodeURIComponent('le50|http://unitsofmeasure.org|/min,ge120|http://unitsofmeasure.org|/min')}`,
    );
    expect(res.status).toBe(200);
    expect(ids(res.body)).toEqual([obs.low, obs.high].sort());
  });

  it('the self link carries the list as it ran', async () => {
    const res = await fhir.get('Observation?value-quantity=lt60,gt100');
    const self = new URL(res.body.link.find((l: any) => l.relation === 'self').url);
    expect(self.searchParams.get('value-quantity')).toBe('lt60,gt100');
  });

  it('a bad value in the list is still refused', async () => {
    const res = await fhir.get('Observation?value-quantity=lt60,gtabc');
    expect(res.status).toBe(400);
    expect(res.body.issue[0].details.text).toContain('abc');
  });
});

describe('modifier combinations (item 11)', () => {
  it('a double modifier is refused with 400', async () => {
    const res = await fhir.get('Patient?name:exact:contains=Prefix');
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue[0].details.text).toContain('name:exact:contains');
  });

  it('an unknown modifier is refused with 400', async () => {
    const res = await fhir.get('Patient?name:bogus=Prefix');
    expect(res.status).toBe(400);
    expect(res.body.issue[0].details.text).toContain(':bogus');
  });

  it('under Prefer: handling=lenient they are dropped, and the self link shows the search as run', async () => {
    const res = await fhir.get('Patient?name:exact:contains=Nobody&family=Prefix&given:bogus=x', { prefer: 'handling=lenient' });
    expect(res.status).toBe(200);
    expect(ids(res.body)).toEqual([patientId]);
    const self = new URL(res.body.link.find((l: any) => l.relation === 'self').url);
    expect([...self.searchParams.keys()].filter((k) => !k.startsWith('_'))).toEqual(['family']);
  });

  it('the same holds for a search across types', async () => {
    const res = await fhir.get('?_type=Patient,Practitioner&name:exact:contains=x');
    expect(res.status).toBe(400);
  });
});

describe('references to this server written absolute (item 12)', () => {
  it('are searched as local references', async () => {
    const absolute = `${t.base}/Patient/${patientId}`;
    const res = await fhir.get(`Observation?subject=${encodeURIComponent(absolute)}`);
    expect(res.status).toBe(200);
    expect(ids(res.body)).toEqual(Object.values(obs).sort());
  });

  it('are stored as local, so a local search finds them', async () => {
    const written = await fhir.post('Observation', {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'absolute' },
      subject: { reference: `${t.base}/Patient/${patientId}` },
    });
    expect(written.status).toBe(201);
    expect(written.body.subject.reference).toBe(`Patient/${patientId}`);
    const res = await fhir.get(`Observation?subject=Patient/${patientId}&code:text=absolute`);
    expect(ids(res.body)).toEqual([written.body.id]);
    const compartment = await fhir.get(`Patient/${patientId}/Observation?code:text=absolute`);
    expect(ids(compartment.body)).toEqual([written.body.id]);
  });

  it('leave other servers’ absolute references as written', async () => {
    const other = 'https://elsewhere.example.org/fhir/R4/Patient/abc';
    const written = await fhir.post('Observation', {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'foreign' },
      subject: { reference: other },
    });
    expect(written.body.subject.reference).toBe(other);
    const res = await fhir.get(`Observation?subject=${encodeURIComponent(other)}`);
    expect(ids(res.body)).toEqual([written.body.id]);
  });
});
