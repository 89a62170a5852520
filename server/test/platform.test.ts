import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';
import { fhirClient, startTestServer, type TestServer } from './helpers/server.ts';

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t?.stop());

describe('CapabilityStatement', () => {
  it('is served without a tenant and tells what the server does', async () => {
    const res = await fetch(`${t.base}/metadata`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/fhir+json; charset=utf-8');
    const cs = await res.json();
    expect(cs.resourceType).toBe('CapabilityStatement');
    expect(cs.fhirVersion).toBe('4.0.1');
    const rest = cs.rest[0];
    expect(rest.interaction.map((i: any) => i.code).sort()).toEqual(['batch', 'history-system', 'search-system', 'transaction']);
    expect(rest.compartment).toEqual(
      ['patient', 'device', 'encounter', 'practitioner', 'relatedPerson'].map((c) => `http://hl7.org/fhir/CompartmentDefinition/${c}`),
    );
    const patient = rest.resource.find((r: any) => r.type === 'Patient');
    expect(patient.interaction.map((i: any) => i.code)).toEqual(
      expect.arrayContaining(['read', 'vread', 'update', 'patch', 'delete', 'create', 'search-type']),
    );
    expect(patient.searchParam.map((p: any) => p.name)).toEqual(
      expect.arrayContaining(['name', 'birthdate', 'identifier', '_id', '_lastUpdated']),
    );
    expect(rest.resource.length).toBeGreaterThan(140);
  });

  it('claims only search parameters the server answers', async () => {
    const cs = await (await fetch(`${t.base}/metadata`)).json();
    const fhir = fhirClient(t.base);
    const observation = cs.rest[0].resource.find((r: any) => r.type === 'Observation');
    expect(observation.searchParam.some((p: any) => p.type === 'special')).toBe(false);
    expect(observation.searchParam.some((p: any) => p.type === 'composite')).toBe(true);
    for (const p of observation.searchParam.filter((x: any) => x.type !== 'reference')) {
      const composite = p.name.includes('quantity') ? 'x$1' : p.name.includes('date') ? 'x$2020' : 'x$x';
      const value = { token: 'x', string: 'x', date: '2020', number: '1', quantity: '1', uri: 'http://x', composite }[p.type as string];
      const res = await fhir.get(`Observation?${p.name}=${value}`);
      expect(res.status, `${p.name} (${p.type})`).toBe(200);
    }
  });
});

describe('health', () => {
  it('reports database status, liveness and readiness', async () => {
    const health = await (await fetch(`${t.server.url}/health`)).json();
    expect(health.status).toBe('healthy');
    expect(health.checks.database).toBe('healthy');
    expect((await fetch(`${t.server.url}/health/live`)).status).toBe(200);
    expect((await fetch(`${t.server.url}/health/ready`)).status).toBe(200);
  });

  it('every response carries a request id', async () => {
    const res = await fetch(`${t.server.url}/health/live`, { headers: { 'x-request-id': 'abc-123' } });
    expect(res.headers.get('x-request-id')).toBe('abc-123');
  });
});

describe('configuration', () => {
  it('names every bad variable in one readable message', () => {
    expect(() => loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud' })).toThrow(ConfigError);
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud' });
    } catch (err) {
      const msg = (err as Error).message;
      expect(msg).toContain('PORT');
      expect(msg).toContain('DATABASE_URL');
      expect(msg).toContain('LOG_LEVEL');
    }
  });

  it('defaults to the embedded database on port 8080', () => {
    const c = loadConfig({});
    expect(c.PORT).toBe(8080);
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.DATA_DIR).toBe('./data');
    expect(c.baseUrl).toBe('http://localhost:8080');
  });
});

describe('shutdown', () => {
  it('turns not-ready, finishes the request in flight, then stops listening', async () => {
    const own = await startTestServer();
    const fhir = fhirClient(own.base);
    await fhir.post('Patient', { resourceType: 'Patient' });
    // Stop only once the server has the request: on a loaded machine a fixed pause may end before it arrives.
    const arrived = new Promise((r) => own.server.http.once('request', r));
    const inFlight = fhir.post('', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: Array.from({ length: 40 }, () => ({ resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } })),
    });
    await arrived;
    const stopping = own.stop();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(res.body.entry).toHaveLength(40);
    await stopping;
    await expect(fetch(`${own.server.url}/health/live`)).rejects.toThrow();
  });
});
