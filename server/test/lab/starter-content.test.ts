import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirClient, startTestServer, TENANT_A, TENANT_B, type TestServer } from '../helpers/server.ts';

// STARTER_CONTENT on (the product default; other suites turn it off): the first start's tenant is
// created with the lab catalogue, through the catalogue's FHIR operation.
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ STARTER_CONTENT: 'true' });
});
afterAll(() => t?.stop());

describe('a tenant created by the first start', () => {
  it('has the starter lab catalogue; another tenant, not created that way, does not see it', async () => {
    const a = fhirClient(t.base, TENANT_A);
    const tests = await a.get('ActivityDefinition?status=active&_count=100');
    expect(tests.status).toBe(200);
    expect(tests.body.entry.map((e: any) => e.resource.title)).toContain('Complete blood count');
    expect(tests.body.entry).toHaveLength(8);
    expect((await a.get('ObservationDefinition?_count=0&_total=accurate')).body.total).toBe(33);
    // Loading again keeps all 45 entries.
    const again = await a.post('ActivityDefinition/$load-lab-catalogue', { resourceType: 'Parameters' });
    expect(again.body.parameter).toEqual([
      { name: 'created', valueInteger: 0 },
      { name: 'kept', valueInteger: 45 },
    ]);
    // Tenant B (the test helper's plain ensureTenant) holds none of A's.
    const b = await fhirClient(t.base, TENANT_B).get('ActivityDefinition?_count=100');
    expect(b.body.entry ?? []).toHaveLength(0);
  });
});
