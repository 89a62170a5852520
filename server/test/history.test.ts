import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirClient, startTestServer, type TestServer } from './helpers/server.ts';

let t: TestServer;
let fhir: ReturnType<typeof fhirClient>;
let id: string;
const stamps: string[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  t = await startTestServer();
  fhir = fhirClient(t.base);
  const created = await fhir.post('Practitioner', { resourceType: 'Practitioner', name: [{ family: 'Rao' }] });
  id = created.body.id;
  stamps.push(created.body.meta.lastUpdated);
  for (const family of ['Rao2', 'Rao3']) {
    await sleep(15);
    const r = await fhir.put(`Practitioner/${id}`, { resourceType: 'Practitioner', id, name: [{ family }] });
    stamps.push(r.body.meta.lastUpdated);
  }
  await sleep(15);
  await fhir.post('Organization', { resourceType: 'Organization', name: 'Other' });
});
afterAll(() => t?.stop());

describe('history', () => {
  it('instance history lists every version, newest first, with request and response', async () => {
    const h = await fhir.get(`Practitioner/${id}/_history`);
    expect(h.status).toBe(200);
    expect(h.body.type).toBe('history');
    expect(h.body.total).toBe(3);
    expect(h.body.entry.map((e: any) => e.resource.meta.versionId)).toEqual(['3', '2', '1']);
    expect(h.body.entry.map((e: any) => e.request.method)).toEqual(['PUT', 'PUT', 'POST']);
    expect(h.body.entry[0].response.etag).toBe('W/"3"');
    expect(h.body.entry[0].fullUrl).toBe(`${t.base}/Practitioner/${id}`);
  });

  it('pages with _count and working next/previous links', async () => {
    const first = await fhir.get(`Practitioner/${id}/_history?_count=2`);
    expect(first.body.entry).toHaveLength(2);
    const next = first.body.link.find((l: any) => l.relation === 'next').url as string;
    const second = await fhir.get(next.slice(t.base.length + 1));
    expect(second.body.entry.map((e: any) => e.resource.meta.versionId)).toEqual(['1']);
    expect(second.body.link.find((l: any) => l.relation === 'next')).toBeUndefined();
    expect(second.body.link.find((l: any) => l.relation === 'previous')).toBeDefined();
  });

  it('_since keeps versions changed at or after the instant', async () => {
    const h = await fhir.get(`Practitioner/${id}/_history?_since=${encodeURIComponent(stamps[1])}`);
    expect(h.body.entry.map((e: any) => e.resource.meta.versionId)).toEqual(['3', '2']);
  });

  it('_at returns the version current at that instant', async () => {
    const between = new Date(Date.parse(stamps[1]) + 5).toISOString();
    const h = await fhir.get(`Practitioner/${id}/_history?_at=${encodeURIComponent(between)}`);
    expect(h.body.entry.map((e: any) => e.resource.meta.versionId)).toEqual(['2']);
  });

  it('type history covers all resources of the type; system history covers all types', async () => {
    const type = await fhir.get('Practitioner/_history');
    expect(type.body.total).toBe(3);
    const system = await fhir.get('_history');
    // The tenant's store also holds the profile packages' code systems and value sets and the
    // starter formulary, copied at start.
    let copied = 0;
    for (const type of ['CodeSystem', 'ValueSet', 'Medication']) copied += (await fhir.get(`${type}?_summary=count`)).body.total;
    expect(copied).toBeGreaterThan(0);
    expect(system.body.total).toBe(4 + copied);
    expect(system.body.entry[0].resource.resourceType).toBe('Organization');
    const since = await fhir.get(`_history?_since=${encodeURIComponent(stamps[2])}`);
    expect(since.body.entry.map((e: any) => e.resource.resourceType).sort()).toEqual(['Organization', 'Practitioner']);
  });

  it('rejects a malformed _since and _count', async () => {
    expect((await fhir.get('_history?_since=yesterday')).status).toBe(400);
    expect((await fhir.get('Practitioner/_history?_count=many')).status).toBe(400);
  });
});
