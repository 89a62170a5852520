import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { scratchDatabase } from './server.ts';

const exec = promisify(execFile);

export interface CliResult {
  code: number;
  out: any;
  err: string;
}

/**
 * Runs a command-line tool of the server (`src/admin/cli.ts`, `src/seed-cli.ts`, ...) as an
 * operator would, in a child process from the repository root with `env` over the test's
 * environment. JSON output is parsed; other output is returned as text.
 */
export async function runCli(script: string, env: Record<string, string>, ...args: string[]): Promise<CliResult> {
  // Vite's BASE_URL ('/') must not leak into the server's own BASE_URL setting.
  const full = { ...process.env, BASE_URL: '', LOG_LEVEL: 'silent', ...env };
  const parse = (s: string) => {
    try {
      return JSON.parse(s);
    } catch {
      return s;
    }
  };
  try {
    const { stdout, stderr } = await exec(process.execPath, [script, ...args], { env: full, cwd: join(import.meta.dirname, '../..') });
    return { code: 0, out: parse(stdout), err: stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
}

/**
 * A tool on a scratch database: a scratch PostgreSQL database on the postgres project, else
 * embedded PGlite in a temp folder (`dir`).
 */
export async function cliRunner(script: string) {
  const dir = mkdtempSync(join(tmpdir(), 'hops-cli-'));
  const scratch = process.env.TEST_DB === 'postgres' ? await scratchDatabase() : undefined;
  return {
    dir,
    /** The scratch database's owner URL (postgres project only). */
    databaseUrl: scratch?.url,
    run: (...args: string[]) => runCli(script, { DATA_DIR: dir, DATABASE_URL: scratch?.url ?? '' }, ...args),
    async cleanup(): Promise<void> {
      rmSync(dir, { recursive: true, force: true });
      await scratch?.drop();
    },
  };
}
