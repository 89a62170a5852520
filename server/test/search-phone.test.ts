import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMigrations } from '../src/db/migrate.ts';
import { fhirClient, startTestServer, type TestServer } from './helpers/server.ts';

let t: TestServer;
let fhir: ReturnType<typeof fhirClient>;

beforeAll(async () => {
  t = await startTestServer();
  fhir = fhirClient(t.base);
});
afterAll(() => t?.stop());

const found = async (query: string) => ((await fhir.get(query)).body.entry ?? []).map((e: any) => e.resource.id).sort();
const withPhone = async (value: string, system = 'phone') =>
  (await fhir.post('Patient', { resourceType: 'Patient', telecom: [{ system, value }] })).body.id as string;

describe('phone numbers in search', () => {
  it('match however an Indian number is written (+91, 0, spaces, dashes), stored or searched', async () => {
    const plus = await withPhone('+919822045671');
    const bare = await withPhone('98220 45672');
    const email = await withPhone('9822045673', 'email');
    const only = `&_id=${[plus, bare, email].join(',')}`;
    const ids = (q: string) => found(q + only);
    expect(await ids('Patient?phone=9822045671')).toEqual([plus]);
    expect(await ids('Patient?phone=09822045671')).toEqual([plus]);
    expect(await ids(`Patient?phone=${encodeURIComponent('+91 98220-45671')}`)).toEqual([plus]);
    expect(await ids('Patient?phone=%2B919822045672')).toEqual([bare]);
    expect(await ids('Patient?telecom=phone|098220-45672')).toEqual([bare]);
    expect(await ids('Patient?telecom=9822045671')).toEqual([plus]);
    expect(await ids('Patient?phone:not=9822045671')).toEqual([bare, email].sort());
    // An e-mail value is not a phone number, however it looks.
    expect(await ids('Patient?telecom=email|09822045673')).toEqual([]);
    expect(await ids('Patient?telecom=email|9822045673')).toEqual([email]);
  });

  it('the 0017 migration rewrites telecom rows stored in the old form', async () => {
    const id = await withPhone('+91 98220 45674');
    const migration = listMigrations().find((m) => m.version === '0017_phone_keys');
    expect(migration).toBeDefined();
    // (No request inside the owner's work: on the embedded database it holds the one connection.)
    await t.server.db.asOwner((sql) =>
      sql.query("UPDATE sp_token SET value = '+91 98220-45674' WHERE resource_id = $1 AND code IN ('phone', 'telecom')", [id]),
    );
    expect(await found('Patient?phone=9822045674')).toEqual([]);
    await t.server.db.asOwner((sql) => sql.exec(migration?.sql as string));
    expect(await found('Patient?phone=9822045674')).toEqual([id]);
  });
});
