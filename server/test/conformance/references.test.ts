import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirClient, startTestServer, type TestServer } from '../helpers/server.ts';

// Issue 16, item 6: conditional references (`Patient?identifier=...`) are resolved, never stored.
let t: TestServer;
let fhir: ReturnType<typeof fhirClient>;
let patientId: string;
const SYSTEM = 'https://hospital.example.in/uhid';

const observation = (reference: string, text = 'pulse') => ({
  resourceType: 'Observation',
  status: 'final',
  code: { text },
  subject: { reference },
});

beforeAll(async () => {
  t = await startTestServer();
  fhir = fhirClient(t.base);
  patientId = (await fhir.post('Patient', { resourceType: 'Patient', identifier: [{ system: SYSTEM, value: 'U-1' }] })).body.id;
  for (let i = 0; i < 2; i++) await fhir.post('Patient', { resourceType: 'Patient', identifier: [{ system: SYSTEM, value: 'TWIN' }] });
});
afterAll(() => t?.stop());

const count = async (query: string) => (await fhir.get(`Observation?${query}&_total=accurate&_count=0`)).body.total as number;

describe('conditional references in a transaction', () => {
  it('resolve to the one match', async () => {
    const res = await fhir.post('', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ resource: observation(`Patient?identifier=${SYSTEM}|U-1`, 'tx-one'), request: { method: 'POST', url: 'Observation' } }],
    });
    expect(res.status).toBe(200);
    const id = res.body.entry[0].response.location.match(/Observation\/([^/]+)/)[1];
    const read = await fhir.get(`Observation/${id}`);
    expect(read.body.subject.reference).toBe(`Patient/${patientId}`);
    expect(await count(`subject=Patient/${patientId}&code:text=tx-one`)).toBe(1);
  });

  it('resolve to a resource created earlier in the same transaction', async () => {
    const res = await fhir.post('', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          resource: { resourceType: 'Patient', identifier: [{ system: SYSTEM, value: 'NEW-1' }] },
          request: { method: 'POST', url: 'Patient' },
        },
        {
          resource: observation(`Patient?identifier=${SYSTEM}|NEW-1`, 'tx-new'),
          request: { method: 'PUT', url: 'Observation?code:text=tx-new' },
        },
      ],
    });
    expect(res.status).toBe(200);
    const newPatient = res.body.entry[0].response.location.match(/Patient\/([^/]+)/)[1];
    expect(await count(`subject=Patient/${newPatient}&code:text=tx-new`)).toBe(1);
  });

  it('fail the whole transaction with 404 when nothing matches, and nothing is stored', async () => {
    const res = await fhir.post('', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: observation(`Patient/${patientId}`, 'tx-none-a'), request: { method: 'POST', url: 'Observation' } },
        { resource: observation(`Patient?identifier=${SYSTEM}|NOBODY`, 'tx-none-b'), request: { method: 'POST', url: 'Observation' } },
      ],
    });
    expect(res.status).toBe(404);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue[0].details.text).toContain('matches no resource');
    expect(await count('code:text=tx-none-a')).toBe(0);
  });

  it('fail the whole transaction with 412 when several match', async () => {
    const res = await fhir.post('', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ resource: observation(`Patient?identifier=${SYSTEM}|TWIN`, 'tx-twin'), request: { method: 'POST', url: 'Observation' } }],
    });
    expect(res.status).toBe(412);
    expect(res.body.issue[0].details.text).toContain('more than one');
    expect(await count('code:text=tx-twin')).toBe(0);
  });

  it('with an unknown search parameter answer 400', async () => {
    const res = await fhir.post('', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ resource: observation('Patient?nonsense=1', 'tx-bad'), request: { method: 'POST', url: 'Observation' } }],
    });
    expect(res.status).toBe(400);
  });
});

describe('conditional references in a batch', () => {
  it('resolve per entry: the unmatched entry fails alone', async () => {
    const res = await fhir.post('', {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { resource: observation(`Patient?identifier=${SYSTEM}|U-1`, 'b-ok'), request: { method: 'POST', url: 'Observation' } },
        { resource: observation(`Patient?identifier=${SYSTEM}|NOBODY`, 'b-none'), request: { method: 'POST', url: 'Observation' } },
        { resource: observation(`Patient?identifier=${SYSTEM}|TWIN`, 'b-twin'), request: { method: 'POST', url: 'Observation' } },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.entry.map((e: any) => e.response.status.slice(0, 3))).toEqual(['201', '404', '412']);
    expect(await count(`subject=Patient/${patientId}&code:text=b-ok`)).toBe(1);
    expect(await count('code:text=b-none')).toBe(0);
  });
});

describe('conditional references in plain writes', () => {
  it('a create stores the resolved reference, never the search URL', async () => {
    const res = await fhir.post('Observation', observation(`Patient?identifier=${encodeURIComponent(`${SYSTEM}|U-1`)}`, 'plain'));
    expect(res.status).toBe(201);
    expect(res.body.subject.reference).toBe(`Patient/${patientId}`);
  });

  it('an update does the same, and refuses an ambiguous one', async () => {
    const created = (await fhir.post('Observation', observation(`Patient/${patientId}`, 'upd'))).body;
    const ok = await fhir.put(`Observation/${created.id}`, { ...created, subject: { reference: `Patient?identifier=${SYSTEM}|U-1` } });
    expect(ok.status).toBe(200);
    expect(ok.body.subject.reference).toBe(`Patient/${patientId}`);
    const twin = await fhir.put(`Observation/${created.id}`, { ...created, subject: { reference: `Patient?identifier=${SYSTEM}|TWIN` } });
    expect(twin.status).toBe(412);
    const none = await fhir.post('Observation', observation(`Patient?identifier=${SYSTEM}|NOBODY`));
    expect(none.status).toBe(404);
  });
});
