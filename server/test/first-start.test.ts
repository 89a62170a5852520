import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { bootstrapTenant } from '../src/auth/bootstrap.ts';
import { findClient, listUsers } from '../src/auth/store.ts';
import { scratchDatabase, startTestServer, type TestServer } from './helpers/server.ts';

const root = mkdtempSync(join(tmpdir(), 'hops-first-start-'));
let child: ChildProcess | undefined;
let t: TestServer | undefined;
let scratch: Awaited<ReturnType<typeof scratchDatabase>> | undefined;

afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((r) => child?.once('exit', r));
  }
  await t?.stop();
  await scratch?.drop();
  rmSync(root, { recursive: true, force: true });
});

/** KEY=value lines of a credentials file. */
const parse = (text: string) =>
  Object.fromEntries(text.split('\n').flatMap((l) => (/^[A-Z_]+=/.test(l) ? [l.split(/=(.*)/s).slice(0, 2)] : [])));

describe('first start', () => {
  it('writes the generated admin password and client secret to an owner-only file, and logs only where it is', async () => {
    scratch = process.env.TEST_DB === 'postgres' ? await scratchDatabase() : undefined;
    const dataDir = join(root, 'data');
    // `npm start` as an operator runs it, with stdout and stderr going to a log collector (not a terminal).
    child = spawn(process.execPath, ['src/main.ts'], {
      cwd: join(import.meta.dirname, '..'),
      env: {
        ...process.env,
        PORT: '0',
        HOST: '127.0.0.1',
        BASE_URL: '',
        DATA_DIR: dataDir,
        DATABASE_URL: scratch?.url ?? '',
        SEED_DEMO: 'false',
        LOG_LEVEL: 'info',
        ADMIN_PASSWORD: '',
        SYSTEM_CLIENT_SECRET: '',
        CREDENTIALS_FILE: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (d) => {
      output += d;
    });
    child.stderr?.on('data', (d) => {
      output += d;
    });
    const url = await new Promise<string>((resolve, reject) => {
      const check = () => {
        const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)".*Hospital-Ops FHIR server listening/.exec(output);
        if (m) resolve(m[1]);
      };
      child?.stdout?.on('data', check);
      child?.once('exit', (code) => reject(new Error(`server exited with ${code}: ${output}`)));
    });

    const file = join(dataDir, 'first-start-credentials.txt');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const creds = parse(readFileSync(file, 'utf8'));
    expect(creds).toEqual({
      ADMIN_EMAIL: 'admin@hospital-ops.local',
      ADMIN_PASSWORD: expect.stringMatching(/^[\w-]{16}$/),
      SYSTEM_CLIENT_ID: 'hospital-ops-system',
      SYSTEM_CLIENT_SECRET: expect.stringMatching(/^[\w-]{43}$/),
    });
    expect(output).not.toContain(creds.ADMIN_PASSWORD);
    expect(output).not.toContain(creds.SYSTEM_CLIENT_SECRET);
    const notice = output
      .split('\n')
      .filter((l) => l.includes('first start'))
      .map((l) => JSON.parse(l));
    expect(notice).toEqual([
      expect.objectContaining({ level: 40, file, adminEmail: 'admin@hospital-ops.local', systemClientId: 'hospital-ops-system' }),
    ]);

    const token = await fetch(`${url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: creds.SYSTEM_CLIENT_ID,
        client_secret: creds.SYSTEM_CLIENT_SECRET,
        scope: 'system/*.rs',
      }),
    });
    expect(token.status).toBe(200);
    expect((await token.json()).access_token).toBeTruthy();

    child.kill('SIGTERM');
    await new Promise((r) => child?.once('exit', r));
  }, 300_000);

  it('shows them at a terminal too, replaces an old file that others could read, and creates nothing it could not show', async () => {
    t = await startTestServer();
    let logged = '';
    const logger = pino({ level: 'info' }, { write: (s: string) => (logged += s) });
    let shown = '';
    const terminal = { isTTY: true, write: (s: string) => (shown += s) };
    const config = {
      ...t.server.config,
      TENANT_ID: '0d0d0d0d-0000-4000-8000-00000000000d',
      SYSTEM_CLIENT_ID: 'bootstrap-tty',
      ADMIN_EMAIL: 'admin@tty.example',
      ADMIN_PASSWORD: undefined,
      SYSTEM_CLIENT_SECRET: undefined,
    };

    // A file that cannot be written: a clear error, and no login whose password nobody has seen.
    const blocked = join(root, 'blocked');
    writeFileSync(blocked, 'a file where a folder should be');
    const unwritable = join(blocked, 'credentials.txt');
    await expect(bootstrapTenant(t.server.db, { ...config, CREDENTIALS_FILE: unwritable }, logger, 'TTY Clinic', terminal)).rejects.toThrow(
      `Cannot write the generated first-start credentials to ${unwritable}`,
    );
    expect(await listUsers(t.server.db, config.TENANT_ID)).toEqual([]);
    expect(await findClient(t.server.db, 'bootstrap-tty')).toBeUndefined();

    // A copy left from an earlier database, readable by everyone: replaced by an owner-only file.
    const file = join(root, 'credentials.txt');
    writeFileSync(file, 'ADMIN_PASSWORD=an-old-one\n', { mode: 0o644 });
    const result = await bootstrapTenant(t.server.db, { ...config, CREDENTIALS_FILE: file }, logger, 'TTY Clinic', terminal);
    expect(result.credentialsFile).toBe(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const creds = parse(readFileSync(file, 'utf8'));
    expect(creds.ADMIN_EMAIL).toBe('admin@tty.example');
    expect(shown).toContain(`ADMIN_PASSWORD=${creds.ADMIN_PASSWORD}`);
    expect(shown).toContain(`SYSTEM_CLIENT_SECRET=${creds.SYSTEM_CLIENT_SECRET}`);
    expect(shown).toContain(file);
    expect(logged).toContain(file);
    expect(logged).not.toContain(creds.ADMIN_PASSWORD);
    expect(logged).not.toContain(creds.SYSTEM_CLIENT_SECRET);
    expect((await listUsers(t.server.db, config.TENANT_ID)).map((u) => u.email)).toEqual(['admin@tty.example']);

    // Later starts create and show nothing.
    shown = '';
    expect(await bootstrapTenant(t.server.db, { ...config, CREDENTIALS_FILE: file }, logger, 'TTY Clinic', terminal)).toEqual({});
    expect(shown).toBe('');
  }, 120_000);
});
