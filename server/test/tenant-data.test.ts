import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteTenant, exportTenant, TenantDataError, tenantRowCounts } from '../src/tenancy/tenant-data.ts';
import { fhirClient, startTestServer, TENANT_A, TENANT_B, type TestServer } from './helpers/server.ts';

let t: TestServer;
const tmp = mkdtempSync(join(tmpdir(), 'hops-tenant-data-'));
beforeAll(async () => {
  t = await startTestServer();
  for (const tenant of [TENANT_A, TENANT_B]) {
    const fhir = fhirClient(t.base, tenant);
    for (const name of ['Asha', 'Ravi', 'Meera']) {
      const p = await fhir.post('Patient', { resourceType: 'Patient', name: [{ given: [name], family: 'Kulkarni' }], gender: 'female' });
      expect(p.status).toBe(201);
      await fhir.put(`Patient/${p.body.id}`, { ...p.body, gender: 'male' });
      await fhir.post('Observation', {
        resourceType: 'Observation',
        status: 'final',
        code: { text: 'Pulse' },
        subject: { reference: `Patient/${p.body.id}` },
        valueQuantity: { value: 72, unit: '/min' },
      });
    }
  }
  await t.server.sealer.sealNow();
});
afterAll(async () => {
  await t?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

describe('tenant export', () => {
  it("writes each resource type's current resources as NDJSON, the audit trail, and a manifest; nothing of another tenant, no secrets", async () => {
    const out = join(tmp, 'export-a');
    const result = await exportTenant(t.server.db, TENANT_A, out);
    const patients = lines(join(out, 'Patient.ndjson'));
    expect(patients).toHaveLength(3);
    // The current version, not the history.
    expect(patients.every((p) => p.gender === 'male' && p.meta.versionId === '2')).toBe(true);
    const mine = await fhirClient(t.base, TENANT_A).get('Patient?_count=50');
    expect(patients.map((p) => p.id).sort()).toEqual(mine.body.entry.map((e: { resource: { id: string } }) => e.resource.id).sort());
    expect(lines(join(out, 'Observation.ndjson'))).toHaveLength(3);
    const audit = lines(join(out, 'AuditEvent.ndjson'));
    expect(audit.length).toBeGreaterThanOrEqual(9);
    expect(audit.every((a) => a.resourceType === 'AuditEvent')).toBe(true);

    const theirs = await fhirClient(t.base, TENANT_B).get('Patient?_count=50');
    const all = readdirSync(out)
      .map((f) => readFileSync(join(out, f), 'utf8'))
      .join('\n');
    for (const e of theirs.body.entry) expect(all).not.toContain(e.resource.id);
    expect(all).not.toMatch(/password_hash|secret_hash|private_jwk|\$argon|\$scrypt/);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.files).toEqual(result.files);
    expect(result.files.find((f) => f.type === 'Patient')?.count).toBe(3);
  });
});

describe('tenant delete', () => {
  it('refuses without the exact name and changes nothing', async () => {
    const before = await tenantRowCounts(t.server.db, TENANT_B);
    await expect(deleteTenant(t.server.db, TENANT_B, 'Tenant B')).rejects.toThrow(TenantDataError);
    await expect(deleteTenant(t.server.db, '0f0f0f0f-0000-4000-8000-00000000000f', 'x')).rejects.toThrow(/no tenant/);
    expect(await tenantRowCounts(t.server.db, TENANT_B)).toEqual(before);
  });

  it('removes every row of the tenant in every table, and not one row of another tenant', async () => {
    const a = await tenantRowCounts(t.server.db, TENANT_A);
    const b = await tenantRowCounts(t.server.db, TENANT_B);
    // The tenant really had rows across the platform: resources, history, search index, audit, clients.
    for (const table of ['"Patient"', '"Patient_History"', '"Observation"', 'sp_token', 'audit_log', 'oauth_client'])
      expect(b[table]).toBeGreaterThan(0);

    const result = await deleteTenant(t.server.db, TENANT_B, 'Tenant B Clinics');
    expect(result.deleted['"Patient"']).toBe(3);
    expect(await tenantRowCounts(t.server.db, TENANT_B)).toEqual({});
    expect(await tenantRowCounts(t.server.db, TENANT_A)).toEqual(a);
    const tenants = await t.server.db.asOwner((sql) => sql.query<{ id: string }>('SELECT id FROM tenant'));
    expect(tenants.rows.map((r) => r.id)).not.toContain(TENANT_B);

    // The other tenant carries on.
    const mine = await fhirClient(t.base, TENANT_A).get('Patient?_count=50');
    expect(mine.status).toBe(200);
    expect(mine.body.entry).toHaveLength(3);
  });
});
