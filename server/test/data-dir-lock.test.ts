import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listUsers } from '../src/auth/store.ts';
import { LOCK_FILE } from '../src/db/data-lock.ts';
import { type RunningServer, startServer } from '../src/server.ts';
import { runCli } from './helpers/cli.ts';

const TENANT = '0c0c0c0c-0000-4000-8000-00000000000c';
const root = mkdtempSync(join(tmpdir(), 'hops-lock-'));
const dir = join(root, 'data');
const embedded = { DATA_DIR: dir, DATABASE_URL: '' };
const admin = (...args: string[]) => runCli('src/admin/cli.ts', embedded, ...args);
let server: RunningServer | undefined;

/** The server as `npm start` runs it, on the embedded database in `dir`. */
const start = () =>
  startServer({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    DATA_DIR: dir,
    SEED_DEMO: 'false',
    TENANT_ID: TENANT,
    ADMIN_PASSWORD: 'admin-password-for-tests',
    SYSTEM_CLIENT_SECRET: 'test-system-secret-0123456789',
    AUDIT_SEAL_INTERVAL_MS: '3600000',
  });

afterAll(async () => {
  await server?.stop();
  rmSync(root, { recursive: true, force: true });
});

// Embedded mode only: on PostgreSQL any number of processes share the database.
describe.skipIf(process.env.TEST_DB === 'postgres')('one process at a time on an embedded database', () => {
  it('refuses the admin, terminology and seed tools while the server has the folder open, naming the folder and the server', async () => {
    server = await start();
    const refused = await admin(
      'user',
      'create',
      '--tenant',
      TENANT,
      '--role',
      'doctor',
      '--name',
      'Dr. Iyer',
      '--email',
      'iyer@clinic.example',
    );
    expect(refused.code).toBe(1);
    const { error } = JSON.parse(refused.err);
    expect(error).toContain(`The embedded database in ${dir} is in use by process ${process.pid}`);
    expect(error).toContain('Stop that process');
    expect(error).toContain('admin API');

    const terminology = await runCli('src/terminology/cli.ts', embedded, 'list');
    expect(terminology.code).toBe(1);
    expect(JSON.parse(terminology.err).error).toContain(`in use by process ${process.pid}`);
    const seed = await runCli('src/seed-cli.ts', { ...embedded, TENANT_ID: TENANT });
    expect(seed.code).toBe(1);
    expect(seed.err).toContain(`The embedded database in ${dir} is in use by process ${process.pid}`);
    expect(seed.err).not.toMatch(/at .*\.ts:\d+/);
  }, 300_000);

  it('works once the server has stopped, and the server sees the write after its restart', async () => {
    await server?.stop();
    server = undefined;
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    const created = await admin(
      'user',
      'create',
      '--tenant',
      TENANT,
      '--role',
      'doctor',
      '--name',
      'Dr. Iyer',
      '--email',
      'iyer@clinic.example',
    );
    expect(created.code).toBe(0);
    server = await start();
    expect((await listUsers(server.db, TENANT)).map((u) => u.email)).toContain('iyer@clinic.example');
    await server.stop();
    server = undefined;
  }, 300_000);

  it('takes over a lock left by a process that is gone', async () => {
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: gone, command: 'node src/main.ts', since: '2025-01-01T00:00:00.000Z' }));
    const list = await admin('tenant', 'list');
    expect(list.code).toBe(0);
    expect(list.out.map((t: { id: string }) => t.id)).toContain(TENANT);
    // Released on exit.
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  }, 120_000);

  it('says where it looked when there is no database, and creates no folder for a listing', async () => {
    const nowhere = join(root, 'elsewhere', 'data');
    const list = await runCli('src/admin/cli.ts', { DATA_DIR: nowhere, DATABASE_URL: '' }, 'tenant', 'list');
    expect(list.code).toBe(1);
    expect(JSON.parse(list.err).error).toBe(
      `There is no embedded database in ${nowhere}. Run this in the folder the server runs in, ` +
        'or set DATA_DIR to the folder that holds its database, or DATABASE_URL when it runs on PostgreSQL.',
    );
    expect(existsSync(join(root, 'elsewhere'))).toBe(false);
  }, 60_000);
});
