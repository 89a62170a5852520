import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backupEmbedded } from '../src/backup/embedded.ts';
import { tenantRowCounts } from '../src/tenancy/tenant-data.ts';
import { runCli } from './helpers/cli.ts';
import { fhirClient, startTestServer, TENANT_A, TENANT_B, type TestServer } from './helpers/server.ts';

// Backups of the embedded database (DATA_DIR); server mode backs up with PostgreSQL's own tools.
const dir = mkdtempSync(join(tmpdir(), 'hops-backup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const embedded = (dataDir: string) => ({ DATA_DIR: dataDir, DATABASE_URL: '' });

async function fill(t: TestServer): Promise<void> {
  for (const tenant of [TENANT_A, TENANT_B]) {
    const fhir = fhirClient(t.base, tenant);
    for (let i = 0; i < 5; i++) {
      const p = await fhir.post('Patient', { resourceType: 'Patient', name: [{ given: [`Asha ${i}`], family: 'Patil' }] });
      await fhir.put(`Patient/${p.body.id}`, { ...p.body, gender: 'female' });
    }
  }
  await t.server.sealer.sealNow();
}

describe.runIf(process.env.TEST_DB !== 'postgres')('backup and restore of the embedded database', () => {
  it('a backup taken while the server runs restores every resource, version and audit row', async () => {
    const live = join(dir, 'live');
    const t = await startTestServer(embedded(live));
    let before: Record<string, Record<string, number>>;
    const file = join(dir, 'hospital.backup.tar.gz');
    try {
      await fill(t);
      before = { a: await tenantRowCounts(t.server.db, TENANT_A), b: await tenantRowCounts(t.server.db, TENANT_B) };
      const taken = await backupEmbedded(t.server.db, file);
      expect(taken.bytes).toBeGreaterThan(100_000);
      // Written after the backup: not in it.
      await fhirClient(t.base, TENANT_A).post('Patient', { resourceType: 'Patient', name: [{ family: 'Later' }] });
      // The CLI refuses to restore over the folder while the server has it open.
      const busy = await runCli('src/admin/cli.ts', embedded(live), 'restore', '--from', file, '--replace');
      expect(busy.code).toBe(1);
      expect(busy.err).toContain('in use by');
    } finally {
      await t.stop();
    }

    const restoredDir = join(dir, 'restored');
    const restore = await runCli('src/admin/cli.ts', embedded(restoredDir), 'restore', '--from', file);
    expect(restore.code).toBe(0);
    const again = await startTestServer(embedded(restoredDir));
    try {
      expect({ a: await tenantRowCounts(again.server.db, TENANT_A), b: await tenantRowCounts(again.server.db, TENANT_B) }).toEqual(before);
      const later = await fhirClient(again.base, TENANT_A).get('Patient?family=Later');
      expect(later.body.total ?? later.body.entry?.length ?? 0).toBe(0);
      const patients = await fhirClient(again.base, TENANT_A).get('Patient?family=Patil&_count=50');
      expect(patients.body.entry).toHaveLength(5);
      const verified = await fetch(`${again.server.url}/health`);
      expect(verified.status).toBe(200);
    } finally {
      await again.stop();
    }
  }, 180_000);

  it('the CLI backs up a stopped server, and restore refuses an occupied folder or a damaged file, changing nothing', async () => {
    const data = join(dir, 'cli');
    const t = await startTestServer(embedded(data));
    await fill(t);
    await t.stop();
    const file = join(dir, 'cli.tar.gz');
    const backup = await runCli('src/admin/cli.ts', embedded(data), 'backup', '--out', file);
    expect(backup.code).toBe(0);
    expect(backup.out.bytes).toBeGreaterThan(100_000);

    const occupied = await runCli('src/admin/cli.ts', embedded(data), 'restore', '--from', file);
    expect(occupied.code).toBe(1);
    expect(JSON.parse(occupied.err).error).toContain('--replace');

    const damaged = join(dir, 'damaged.tar.gz');
    writeFileSync(damaged, 'not a backup');
    const fresh = join(dir, 'fresh');
    const bad = await runCli('src/admin/cli.ts', embedded(fresh), 'restore', '--from', damaged);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.err).error).toContain('damaged; nothing was changed');
    expect(existsSync(fresh) && readdirSync(fresh).length > 0).toBe(false);

    // --replace keeps the current database aside, then restores.
    const replaced = await runCli('src/admin/cli.ts', embedded(data), 'restore', '--from', file, '--replace');
    expect(replaced.code).toBe(0);
    expect(existsSync(replaced.out.keptAs)).toBe(true);
  }, 180_000);

  it('on PostgreSQL the CLI points to pg_dump instead', async () => {
    const res = await runCli(
      'src/admin/cli.ts',
      { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', DATA_DIR: '' },
      'backup',
      '--out',
      join(dir, 'x'),
    );
    expect(res.code).toBe(1);
  });
});
