import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirClient, startTestServer, TENANT_B, type TestServer } from './helpers/server.ts';

// Keyset paging: `next`/`previous` links carry a `_cursor` when the order is by _lastUpdated/_id.

let t: TestServer;
let fhir: ReturnType<typeof fhirClient>;
const FAMILY = 'Kursorwala';

const patient = (given: string) => ({ resourceType: 'Patient', name: [{ family: FAMILY, given: [given] }] });
const ids = (body: any): string[] => (body.entry ?? []).map((e: any) => e.resource.id);
const link = (body: any, relation: string): string | undefined => body.link?.find((l: any) => l.relation === relation)?.url;
const path = (url: string) => url.slice(t.base.length + 1);

beforeAll(async () => {
  t = await startTestServer();
  fhir = fhirClient(t.base);
  // One transaction: many of these share a lastUpdated to the millisecond, so the id must break ties.
  const res = await fhir.post('', {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: Array.from({ length: 12 }, (_, i) => ({ request: { method: 'POST', url: 'Patient' }, resource: patient(`T${i}`) })),
  });
  expect(res.status).toBe(200);
  for (let i = 0; i < 11; i++) expect((await fhir.post('Patient', patient(`S${i}`))).status).toBe(201);
});
afterAll(() => t?.stop());

/** Follows `relation` links from `first` until there are none; the ids of every page. */
async function walk(first: string, relation = 'next'): Promise<string[][]> {
  const pages: string[][] = [];
  let next: string | undefined = first;
  while (next) {
    const res = await fhir.get(next);
    expect(res.status).toBe(200);
    pages.push(ids(res.body));
    const url = link(res.body, relation);
    next = url ? path(url) : undefined;
    expect(pages.length).toBeLessThan(20);
  }
  return pages;
}

describe('_cursor (keyset paging)', () => {
  it('pages a search that asks for its total (the count ignores the cursor)', async () => {
    const first = await fhir.get(`Patient?family=${FAMILY}&_count=5&_total=accurate`);
    expect(first.body.total).toBe(23);
    const pages = await walk(`Patient?family=${FAMILY}&_count=5&_total=accurate`);
    expect(pages.flat()).toHaveLength(23);
    const later = await fhir.get(path(link(first.body, 'next') as string));
    expect(later.status).toBe(200);
    expect(later.body.total).toBe(23);
  });

  it('walks the default order (newest first) page by page, with ties on lastUpdated broken by id', async () => {
    const everything = (await fhir.get(`Patient?family=${FAMILY}&_count=100`)).body;
    const all = ids(everything);
    expect(all).toHaveLength(23);
    // Usually several matches share their lastUpdated (one transaction); under a loaded machine the
    // creates may fall in separate milliseconds, and the order below must hold either way.
    const first = await fhir.get(`Patient?family=${FAMILY}&_count=5`);
    const next = link(first.body, 'next') as string;
    expect(next).toContain('_cursor=');
    expect(next).not.toContain('_offset');
    expect(link(first.body, 'previous')).toBeUndefined();
    const pages = await walk(`Patient?family=${FAMILY}&_count=5`);
    expect(pages.map((p) => p.length)).toEqual([5, 5, 5, 5, 3]);
    expect(pages.flat()).toEqual(all);
  });

  it('goes back with previous links to the same pages', async () => {
    const forward = await walk(`Patient?family=${FAMILY}&_count=5`);
    let res = await fhir.get(`Patient?family=${FAMILY}&_count=5`);
    for (let i = 0; i < 4; i++) res = await fhir.get(path(link(res.body, 'next') as string));
    expect(ids(res.body)).toEqual(forward[4]);
    const back = await walk(path(link(res.body, 'previous') as string), 'previous');
    expect(back).toEqual([forward[3], forward[2], forward[1], forward[0]]);
    // A page reached by cursor links to the first page, and its self link repeats it.
    expect(path(link(res.body, 'first') as string)).not.toContain('_cursor');
    expect(ids((await fhir.get(path(link(res.body, 'self') as string))).body)).toEqual(forward[4]);
  });

  it('neither repeats nor skips when resources are written between pages', async () => {
    const page1 = await fhir.get(`Patient?family=${FAMILY}&_count=5`);
    const expected = ids((await fhir.get(`Patient?family=${FAMILY}&_count=10`)).body).slice(5);
    // A newer match lands at the top; with _offset the second page would repeat page 1's last entry.
    const created = await fhir.post('Patient', patient('Late'));
    const page2 = await fhir.get(path(link(page1.body, 'next') as string));
    expect(ids(page2.body)).toEqual(expected);
    await fhir.delete(`Patient/${created.body.id}`);
  });

  it('pages _sort=_id and _sort=_lastUpdated,-_id in their own order', async () => {
    const all = ids((await fhir.get(`Patient?family=${FAMILY}&_count=100`)).body);
    const byId = (await walk(`Patient?family=${FAMILY}&_sort=_id&_count=4`)).flat();
    expect(byId).toEqual([...all].sort());
    const oldest = ids((await fhir.get(`Patient?family=${FAMILY}&_sort=_lastUpdated,-_id&_count=100`)).body);
    expect((await walk(`Patient?family=${FAMILY}&_sort=_lastUpdated,-_id&_count=6`)).flat()).toEqual(oldest);
    expect(new Set(oldest)).toEqual(new Set(all));
  });

  it('pages a system search over several types', async () => {
    const all = ids((await fhir.get(`?_type=Patient,Observation&_count=1000`)).body);
    const pages = await walk(`?_type=Patient,Observation&_count=7`);
    expect(pages.flat()).toEqual(all);
    expect(pages.length).toBe(Math.ceil(all.length / 7));
  });

  it('keeps _offset paging for other sorts and when the client uses _offset', async () => {
    const byName = await fhir.get(`Patient?family=${FAMILY}&_sort=given&_count=5`);
    expect(link(byName.body, 'next')).toContain('_offset=5');
    const offset = await fhir.get(`Patient?family=${FAMILY}&_count=5&_offset=5`);
    expect(link(offset.body, 'next')).toContain('_offset=10');
    expect(link(offset.body, 'previous')).not.toContain('_cursor');
  });

  it('refuses a cursor that is malformed, made for another order, or mixed with _offset or another sort', async () => {
    const first = await fhir.get(`Patient?family=${FAMILY}&_count=5`);
    const cursor = new URL(link(first.body, 'next') as string).searchParams.get('_cursor') as string;
    const bad = async (query: string, text: RegExp) => {
      const res = await fhir.get(query);
      expect(res.status).toBe(400);
      expect(res.body.resourceType).toBe('OperationOutcome');
      expect(res.body.issue[0].details.text).toMatch(text);
    };
    await bad(`Patient?family=${FAMILY}&_cursor=not-a-cursor`, /Invalid _cursor/);
    await bad(
      `Patient?family=${FAMILY}&_cursor=${Buffer.from('{"o":"-last_updated,id","v":[1]}').toString('base64url')}`,
      /Invalid _cursor/,
    );
    const forged = Buffer.from('{"o":"-last_updated,id","v":["yesterday-ish","x"]}').toString('base64url');
    await bad(`Patient?family=${FAMILY}&_cursor=${forged}`, /^Invalid _cursor$/);
    await bad(`Patient?family=${FAMILY}&_sort=_id&_cursor=${cursor}`, /another _sort/);
    await bad(`Patient?family=${FAMILY}&_sort=given&_cursor=${cursor}`, /sorted by _lastUpdated and _id/);
    await bad(`Patient?family=${FAMILY}&_offset=5&_cursor=${cursor}`, /not both/);
  });

  it('a cursor carries no access: another tenant following it sees only its own rows', async () => {
    const first = await fhir.get(`Patient?family=${FAMILY}&_count=5`);
    const other = fhirClient(t.base, TENANT_B);
    const res = await other.get(path(link(first.body, 'next') as string));
    expect(res.status).toBe(200);
    expect(res.body.entry ?? []).toEqual([]);
  });
});
