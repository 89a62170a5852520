import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirClient, startTestServer, type TestServer } from '../helpers/server.ts';

// Clients get a sentence of the platform's own; PostgreSQL's and the runtime's messages stay in the log.
const LEAKS =
  /invalid byte sequence|invalid input syntax|Maximum call stack|SQLSTATE|syntax error at|unsupported Unicode escape|violates|RangeError|TypeError/i;

let t: TestServer;
let fhir: ReturnType<typeof fhirClient>;
beforeAll(async () => {
  t = await startTestServer();
  fhir = fhirClient(t.base);
});
afterAll(() => t?.stop());

function expectOwnWords(res: { status: number; body: any }, status = 400) {
  expect(res.status).toBe(status);
  expect(res.body.resourceType).toBe('OperationOutcome');
  expect(JSON.stringify(res.body)).not.toMatch(LEAKS);
}

describe('errors in our own words', () => {
  it('a NUL character in a search value or a body', async () => {
    expectOwnWords(await fhir.get('Patient?name=ab%00cd'));
    expectOwnWords(await fhir.get('Patient?identifier=x%00|y'));
    const res = await fhir.post('Patient', { resourceType: 'Patient', name: [{ family: 'a\u0000b' }] });
    expectOwnWords(res);
    expect(res.body.issue[0].details.text).toMatch(/NUL/);
  });

  it('a crafted _cursor whose timestamp is not one', async () => {
    const first = await fhir.get('Patient?_count=1');
    expect(first.status).toBe(200);
    const forged = Buffer.from(JSON.stringify({ o: '-last_updated,id', v: ['not-a-time', 'x'] })).toString('base64url');
    const res = await fhir.get(`Patient?_cursor=${forged}`);
    expectOwnWords(res);
    expect(res.body.issue[0].details.text).toMatch(/_cursor/);
  });

  it('JSON nested 10,000 deep', async () => {
    const deep = `{"resourceType":"Patient","extension":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    const res = await fhir.post('Patient', deep);
    expectOwnWords(res);
    expect(res.body.issue[0].details.text).toMatch(/nested/);
    const deepObject = `{"resourceType":"Patient","extension":[${'{"extension":['.repeat(5_000)}${']}'.repeat(5_000)}]}`;
    expectOwnWords(await fhir.post('Patient', deepObject));
  });

  it('values of the wrong type in searches', async () => {
    for (const q of [
      'Patient?birthdate=2020-13-45',
      'Observation?value-quantity=abc',
      'Patient?_lastUpdated=gt99999-01-01',
      'Patient?_id=%00',
    ]) {
      const res = await fhir.get(q);
      expect(res.status, q).toBe(400);
      expect(JSON.stringify(res.body), q).not.toMatch(LEAKS);
    }
  });
});

describe('conditional writes need criteria', () => {
  it('refuses a conditional delete or update with no search parameters, and changes nothing', async () => {
    const made = await fhir.post('Basic', { resourceType: 'Basic', code: { text: 'the only Basic' } });
    expect(made.status).toBe(201);
    const del = await fhir.delete('Basic');
    expectOwnWords(del);
    expect(del.body.issue[0].details.text).toMatch(/criteria|search parameters/i);
    const put = await fhir.put('Basic', { resourceType: 'Basic', code: { text: 'replaced' } });
    expectOwnWords(put);
    const still = await fhir.get(`Basic/${made.body.id}`);
    expect(still.status).toBe(200);
    expect(still.body.code.text).toBe('the only Basic');
    // Result parameters alone are no criteria either.
    expectOwnWords(await fhir.delete('Basic?_count=1'));
  });
});
