import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { fhirClient, scratchDatabase, startTestServer, TENANT_A, type TestServer } from '../helpers/server.ts';
import { download, keys, searchAll } from './helpers.ts';

/**
 * A server killed (SIGKILL) in the middle of an export: another process on the same database and
 * export folder takes the job when its lease runs out and finishes it. The manifest lists whole
 * files only and equals a search. PostgreSQL only: two processes cannot share one PGlite.
 */

const SYSTEM = { id: 'test-system-a', secret: 'test-system-secret-0123456789' };
const PATIENTS = 30_000;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function token(origin: string): Promise<string> {
  const res = await fetch(`${origin}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: SYSTEM.id,
      client_secret: SYSTEM.secret,
      scope: 'system/*.cruds',
    }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

let child: ChildProcess | undefined;
let t: TestServer | undefined;
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  child?.kill('SIGKILL');
  await t?.stop();
  for (const c of cleanup) await c();
});

describe.skipIf(process.env.TEST_DB !== 'postgres')('a server killed mid-export', () => {
  it('the job is taken over and ends with a whole manifest', { timeout: 180_000 }, async () => {
    const db = await scratchDatabase();
    cleanup.push(db.drop);
    const dataDir = await mkdtemp(join(tmpdir(), 'hops-bulk-kill-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const shared = {
      DATABASE_URL: db.url,
      BULK_EXPORT_DIR: join(dataDir, 'exports'),
      BULK_EXPORT_FILE_RESOURCES: '5000',
      JOBS_LEASE_MS: '2000',
      JOBS_POLL_MS: '100',
      PROFILE_ENFORCEMENT: 'claimed',
      RATE_LIMIT_API: '0',
      RATE_LIMIT_TOKEN: '0',
    };
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, ['src/main.ts'], {
      cwd: join(import.meta.dirname, '../..'),
      env: {
        ...process.env,
        ...shared,
        PORT: String(port),
        HOST: '127.0.0.1',
        BASE_URL: origin,
        LOG_LEVEL: 'silent',
        DATA_DIR: join(dataDir, 'first'),
        SEED_DEMO: 'false',
        TENANT_ID: TENANT_A,
        ADMIN_PASSWORD: 'admin-password-for-tests',
        SYSTEM_CLIENT_ID: SYSTEM.id,
        SYSTEM_CLIENT_SECRET: SYSTEM.secret,
      },
      stdio: 'ignore',
    });
    for (let i = 0; ; i++) {
      const ready = await fetch(`${origin}/health/ready`).catch(() => undefined);
      if (ready?.status === 200) break;
      if (i > 600) throw new Error('the first server did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    const first = fhirClient(`${origin}/fhir/R4`, TENANT_A, await token(origin));
    // Rows made by PostgreSQL itself (a system export reads the resource table only): enough that
    // the export runs long enough to be killed in the middle.
    const owner = new pg.Client({ connectionString: db.url });
    await owner.connect();
    await owner.query(
      `INSERT INTO "Patient" (tenant_id, id, version_id, last_updated, deleted, content)
       SELECT $1::uuid, 'k' || n, 1, now() - (($2::int - n) * interval '1 millisecond'), false,
              jsonb_build_object('resourceType', 'Patient', 'id', 'k' || n, 'name', jsonb_build_array(jsonb_build_object('family', 'Kill-' || n)),
                'meta', jsonb_build_object('versionId', '1', 'lastUpdated', to_char((now() - (($2::int - n) * interval '1 millisecond')) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')))
       FROM generate_series(1, $2::int) AS n`,
      [TENANT_A, PATIENTS],
    );
    await owner.end();
    const kick = await first.get('$export?_type=Patient', { prefer: 'respond-async' });
    expect(kick.status).toBe(202);
    const statusPath = (kick.headers.get('content-location') as string).split('/fhir/R4/')[1];
    const exportId = statusPath.split('/').at(-1) as string;

    // Kill it once it has written some of the export, but not all.
    let progress = '';
    for (let i = 0; ; i++) {
      const res = await first.get(statusPath);
      expect(res.status, 'the export finished before the kill; make it larger').toBe(202);
      progress = res.headers.get('x-progress') ?? '';
      const written = Number(/(\d+) resources written/.exec(progress)?.[1] ?? 0);
      if (written > 0) break;
      if (i > 5000) throw new Error(`the export never started: ${progress}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child?.once('exit', r));
    child = undefined;

    // A second process on the same database and export folder.
    t = await startTestServer(shared);
    const second = fhirClient(t.base, TENANT_A);
    let done: { status: number; body: { output: { type: string; url: string; count: number }[] } } | undefined;
    for (let i = 0; i < 600; i++) {
      const res = await second.get(statusPath);
      if (res.status !== 202) {
        done = res;
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(done?.status, JSON.stringify(done?.body)).toBe(200);
    const manifest = done?.body as { output: { type: string; url: string; count: number }[] };
    expect(manifest.output.reduce((n, f) => n + f.count, 0)).toBe(PATIENTS);
    const exported = await download(second, manifest.output);
    expect(keys(exported)).toEqual(keys(await searchAll(second, 'Patient')));
    // Only whole files, each listed: nothing the killed attempt left behind.
    const files = (await readdir(join(shared.BULK_EXPORT_DIR, TENANT_A, exportId))).sort();
    expect(files).toEqual(manifest.output.map((f) => f.url.split('/').at(-1) as string).sort());
    // The job ran twice: the killed attempt and the one that finished.
    const job = await t.server.db.asOwner((sql) =>
      sql.query<{ attempts: number; state: string }>(`SELECT attempts, state FROM job WHERE queue = 'bulk-export' AND id = $1`, [exportId]),
    );
    expect(job.rows[0]).toEqual({ attempts: 2, state: 'completed' });
    expect(progress).toMatch(/exporting Patient/);
  });
});
