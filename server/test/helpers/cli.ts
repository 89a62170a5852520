import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { scratchDatabase } from './server.ts';

const run = promisify(execFile);

export interface CliResult {
  code: number;
  out: any;
  err: string;
}

/**
 * Runs one of the server's command-line tools (`src/admin/cli.ts`, `src/terminology/cli.ts`) the
 * way an operator would: a child process on a scratch database (a scratch PostgreSQL database on
 * the postgres project, else embedded PGlite in a temp folder). JSON output is parsed.
 */
export async function cliRunner(script: string) {
  const dir = mkdtempSync(join(tmpdir(), 'hops-cli-'));
  const scratch = process.env.TEST_DB === 'postgres' ? await scratchDatabase() : undefined;
  return {
    dir,
    async run(...args: string[]): Promise<CliResult> {
      // Vite's BASE_URL ('/') must not leak into the server's own BASE_URL setting.
      const env = { ...process.env, DATA_DIR: dir, DATABASE_URL: scratch?.url ?? '', BASE_URL: '', LOG_LEVEL: 'silent' };
      try {
        const { stdout, stderr } = await run(process.execPath, [script, ...args], { env, cwd: join(import.meta.dirname, '../..') });
        return { code: 0, out: JSON.parse(stdout), err: stderr };
      } catch (e) {
        const x = e as { code: number; stdout: string; stderr: string };
        return { code: x.code, out: x.stdout, err: x.stderr };
      }
    },
    async cleanup(): Promise<void> {
      rmSync(dir, { recursive: true, force: true });
      await scratch?.drop();
    },
  };
}
