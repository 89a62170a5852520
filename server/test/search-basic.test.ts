import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirClient, startTestServer, systemToken, TENANT_A, type TestServer } from './helpers/server.ts';

let t: TestServer;
let fhir: ReturnType<typeof fhirClient>;
const ids: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestServer();
  fhir = fhirClient(t.base);
  const people = [
    { key: 'priya', family: 'Patil', given: 'Priyā', birthDate: '1990-05-01', gender: 'female', phone: '+919876543210', city: 'Pune' },
    { key: 'rahul', family: 'Deshmukh', given: 'Rahul', birthDate: '1985-11-20', gender: 'male', phone: '+919123456789', city: 'Nagpur' },
    { key: 'anita', family: 'Patel', given: 'Anita', birthDate: '2001-02-14', gender: 'female', phone: '+918765432109', city: 'Ahmedabad' },
  ];
  for (const p of people) {
    const r = await fhir.post('Patient', {
      resourceType: 'Patient',
      name: [{ family: p.family, given: [p.given] }],
      gender: p.gender,
      birthDate: p.birthDate,
      telecom: [{ system: 'phone', value: p.phone }],
      address: [{ city: p.city, state: 'Maharashtra', postalCode: '411004', country: 'IN' }],
      identifier: [{ system: 'https://healthid.ndhm.gov.in', value: `91-0000-0000-000${people.indexOf(p)}` }],
    });
    ids[p.key] = r.body.id;
  }
  const obs = (value: number, date: string) => ({
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
    subject: { reference: `Patient/${ids.priya}` },
    effectiveDateTime: date,
    valueQuantity: { value, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
  });
  ids.obs1 = (await fhir.post('Observation', obs(72, '2024-03-05T10:00:00+05:30'))).body.id;
  ids.obs2 = (await fhir.post('Observation', obs(110, '2024-06-01T09:30:00+05:30'))).body.id;
});
afterAll(() => t?.stop());

const found = async (query: string) => ((await fhir.get(query)).body.entry ?? []).map((e: any) => e.resource.id).sort();
const expectIds = async (query: string, keys: string[]) => expect(await found(query)).toEqual(keys.map((k) => ids[k]).sort());

describe('basic search (the foundation subset)', () => {
  it('string: case- and accent-insensitive prefix, :exact, :contains', async () => {
    await expectIds('Patient?family=pat', ['priya', 'anita']);
    await expectIds('Patient?given=priya', ['priya']);
    await expectIds('Patient?name=PATIL', ['priya']);
    await expectIds('Patient?family:exact=Patil', ['priya']);
    await expectIds('Patient?family:exact=patil', []);
    await expectIds('Patient?address-city:contains=med', ['anita']);
  });

  it('token: code, system|code, :not, OR with commas', async () => {
    await expectIds('Patient?gender=female', ['priya', 'anita']);
    await expectIds('Patient?gender:not=female', ['rahul']);
    await expectIds('Patient?identifier=https://healthid.ndhm.gov.in|91-0000-0000-0001', ['rahul']);
    await expectIds('Patient?phone=%2B919876543210,%2B918765432109', ['priya', 'anita']);
    await expectIds('Observation?code=http://loinc.org|8867-4', ['obs1', 'obs2']);
  });

  it('date: precision and prefixes', async () => {
    await expectIds('Patient?birthdate=1990', ['priya']);
    await expectIds('Patient?birthdate=ge1990-01-01', ['priya', 'anita']);
    await expectIds('Patient?birthdate=lt1990-05-01', ['rahul']);
    await expectIds('Patient?birthdate=ge1985-01-01&birthdate=le1995-12-31', ['priya', 'rahul']);
    await expectIds('Observation?date=2024-03-05', ['obs1']);
    await expectIds('Observation?date=gt2024-04', ['obs2']);
  });

  it('reference and quantity', async () => {
    await expectIds(`Observation?subject=Patient/${ids.priya}`, ['obs1', 'obs2']);
    await expectIds(`Observation?patient=${ids.priya}`, ['obs1', 'obs2']);
    await expectIds('Observation?value-quantity=gt100', ['obs2']);
    await expectIds('Observation?value-quantity=72|http://unitsofmeasure.org|/min', ['obs1']);
  });

  it('_id, :missing, _sort and paging', async () => {
    await expectIds(`Patient?_id=${ids.rahul}`, ['rahul']);
    await expectIds('Patient?death-date:missing=true', ['priya', 'rahul', 'anita']);
    const sorted = await fhir.get('Patient?_sort=-birthdate');
    expect(sorted.body.entry.map((e: any) => e.resource.id)).toEqual([ids.anita, ids.priya, ids.rahul]);
    const page1 = await fhir.get('Patient?_sort=family&_count=2');
    expect(page1.body.entry.map((e: any) => e.resource.name[0].family)).toEqual(['Deshmukh', 'Patel']);
    const next = page1.body.link.find((l: any) => l.relation === 'next').url as string;
    const page2 = await fhir.get(next.slice(t.base.length + 1));
    expect(page2.body.entry.map((e: any) => e.resource.name[0].family)).toEqual(['Patil']);
    expect(page2.body.total).toBe(3);
  });

  it('_total, _summary=count, _include and POST _search', async () => {
    expect((await fhir.get('Patient?_summary=count')).body.total).toBe(3);
    const inc = await fhir.get(`Observation?subject=Patient/${ids.priya}&_include=Observation:subject`);
    expect(inc.body.entry.filter((e: any) => e.search.mode === 'include').map((e: any) => e.resource.id)).toEqual([ids.priya]);
    const res = await fetch(`${t.base}/Patient/_search`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${await systemToken(t.base, TENANT_A)}` },
      body: 'family=deshmukh',
    });
    const body = await res.json();
    expect(body.entry.map((e: any) => e.resource.id)).toEqual([ids.rahul]);
  });

  it('does not find deleted resources, and finds updated values', async () => {
    const r = await fhir.post('Patient', { resourceType: 'Patient', name: [{ family: 'Temporary' }] });
    expect(await found('Patient?family=Temporary')).toEqual([r.body.id]);
    await fhir.put(`Patient/${r.body.id}`, { resourceType: 'Patient', id: r.body.id, name: [{ family: 'Renamed' }] });
    expect(await found('Patient?family=Temporary')).toEqual([]);
    expect(await found('Patient?family=Renamed')).toEqual([r.body.id]);
    await fhir.delete(`Patient/${r.body.id}`);
    expect(await found('Patient?family=Renamed')).toEqual([]);
  });
});
