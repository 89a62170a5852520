import type { Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirClient, startTestServer, TENANT_A, type TestServer } from './helpers/server.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t?.stop());

const patient = (family: string): Patient => ({
  resourceType: 'Patient',
  name: [{ family, given: ['Meera'] }],
  gender: 'female',
  birthDate: '1985-04-12',
});

/** The read audit rows about a patient, with the transaction that wrote each (rows of one commit share xmin). */
async function readAudits(patientId: string): Promise<{ rows: number; commits: number }> {
  const r = await t.server.db.transaction({ tenantId: TENANT_A }, (sql) =>
    sql.query<{ rows: number; commits: number }>(
      `SELECT count(*)::int AS rows, count(DISTINCT xmin::text)::int AS commits FROM audit_log WHERE patient = $1 AND action = 'R'`,
      [`Patient/${patientId}`],
    ),
  );
  return r.rows[0] as { rows: number; commits: number };
}

describe('read audit records share commits', () => {
  it('every answered read has its audit record, and concurrent reads share commits', async () => {
    const fhir = fhirClient(t.base);
    const created = await fhir.post<Patient>('Patient', patient('Kulkarni'));
    expect(created.status).toBe(201);
    const reads = await Promise.all(Array.from({ length: 40 }, () => fhir.get<Patient>(`Patient/${created.body.id}`)));
    expect(reads.every((r) => r.status === 200 && r.body.id === created.body.id)).toBe(true);
    // Checked at once: each read was answered only after its record committed.
    const audits = await readAudits(created.body.id as string);
    expect(audits.rows).toBe(40);
    // The embedded database runs one transaction at a time, so there reads queue rather than share.
    if (process.env.TEST_DB === 'postgres') expect(audits.commits).toBeLessThan(40);
  });

  it('a read whose audit record cannot be written is not answered', async () => {
    const fhir = fhirClient(t.base);
    const created = await fhir.post<Patient>('Patient', patient('Deshpande'));
    const ref = `Patient/${created.body.id}`;
    // The audit log refuses this patient's records (as a full disk or a lost database would refuse all).
    await t.server.db.asOwner(async (sql) => {
      await sql.exec(`CREATE FUNCTION refuse_audit_for_test() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'audit refused for the test'; END $$`);
      await sql.exec(`CREATE TRIGGER refuse_audit_for_test BEFORE INSERT ON audit_log FOR EACH ROW
        WHEN (NEW.patient = '${ref}' AND NEW.action = 'R') EXECUTE FUNCTION refuse_audit_for_test()`);
    });
    try {
      // Alone (its records ride in its own COMMIT) and among concurrent reads (a shared commit).
      const alone = await fhir.get(ref);
      const together = await Promise.all(Array.from({ length: 8 }, () => fhir.get(ref)));
      for (const read of [alone, ...together]) {
        expect(read.status).toBe(503);
        expect(read.body.resourceType).toBe('OperationOutcome');
        expect(read.body.issue[0].details.text).toContain('could not be recorded');
        expect(JSON.stringify(read.body)).not.toContain('Deshpande');
        expect(JSON.stringify(read.body)).not.toContain('audit refused for the test');
      }
    } finally {
      await t.server.db.asOwner((sql) =>
        sql.exec('DROP TRIGGER refuse_audit_for_test ON audit_log; DROP FUNCTION refuse_audit_for_test()'),
      );
    }
    // A write's record still commits with the write: the update is audited and stored.
    const updated = await fhir.put<Patient>(ref, { ...created.body, gender: 'other' });
    expect(updated.status).toBe(200);
    expect((await fhir.get<Patient>(ref)).body.gender).toBe('other');
  });
});
