import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemoTenant, seedOnFirstStart } from '../src/seed.ts';
import { fhirClient, startTestServer, type TestServer } from './helpers/server.ts';

const DEMO = '4f1a7f52-8c1e-4d0b-9a53-0c6b1f7e2a01';
let t: TestServer;

beforeAll(async () => {
  // As `npm start` does on the embedded default: the demo tenant is loaded at start.
  t = await startTestServer({ SEED_DEMO: 'true', TENANT_ID: DEMO });
});
afterAll(() => t?.stop());

describe('demo tenant', () => {
  it('is loaded at start with its chain, branches, doctors and patients', async () => {
    const fhir = fhirClient(t.base, DEMO);
    const count = async (q: string) => (await fhir.get(`${q}${q.includes('?') ? '&' : '?'}_summary=count`)).body.total;
    expect(await count('Organization')).toBe(3);
    expect(await count('Organization?partof:missing=false')).toBe(2);
    expect(await count('Practitioner')).toBe(5);
    expect(await count('Patient')).toBe(10);
    const pune = await fhir.get('Patient?address-city=pune&_count=50');
    expect(pune.body.entry.length).toBeGreaterThan(0);
    const branchOf = pune.body.entry[0].resource.managingOrganization.reference as string;
    expect((await fhir.get(branchOf)).body.name).toContain('Pune');
    // The Lab app has its starter catalogue from the first start: a CBC with its analytes.
    const cbc = await fhir.get('ActivityDefinition?title:contains=blood%20count');
    expect(cbc.body.entry?.length).toBe(1);
    expect(await count('ObservationDefinition')).toBeGreaterThan(20);
  });

  it('is not loaded again on the next start, so users’ edits stay', async () => {
    const fhir = fhirClient(t.base, DEMO);
    const patient = (await fhir.get('Patient?_count=1')).body.entry[0].resource;
    await fhir.put(`Patient/${patient.id}`, { ...patient, gender: 'other' });
    await seedOnFirstStart(t.server.db, t.server.config, t.server.logger);
    expect((await fhir.get(`Patient/${patient.id}`)).body.gender).toBe('other');
  });

  it('loads idempotently: a second load creates nothing', async () => {
    const again = await loadDemoTenant(t.server.db, t.server.config);
    expect(again.created).toBe(0);
    expect((await fhirClient(t.base, DEMO).get('Patient?_summary=count')).body.total).toBe(10);
  });
});
