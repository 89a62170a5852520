import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * PostgreSQL clusters of a test's own (Debian's pg_createcluster), for what the machine's shared
 * server must not go through: being stopped under load, or serving as a replication primary.
 */
const PG_VERSION = existsSync('/etc/postgresql') ? readdirSync('/etc/postgresql').sort().at(-1) : undefined;

/** Root on a machine with Debian's PostgreSQL tools: the tests that need their own cluster can run. */
export const canRunOwnCluster = PG_VERSION !== undefined && process.getuid?.() === 0 && existsSync('/usr/bin/pg_createcluster');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export interface OwnCluster {
  /** Superuser URL (trust auth) of its `postgres` database. */
  url: string;
  port: number;
  /** Waits without blocking the event loop: a test server in this process keeps serving meanwhile. */
  ctl(action: 'start' | 'stop' | 'restart', ...extra: string[]): Promise<void>;
  drop(): void;
}

function cluster(name: string, port: number): OwnCluster {
  const ctl = async (action: string, ...extra: string[]) => {
    await run('pg_ctlcluster', ['--skip-systemctl-redirect', PG_VERSION as string, name, action, ...extra]);
  };
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    ctl,
    drop: () => execFileSync('pg_dropcluster', [PG_VERSION as string, name, '--stop'], { stdio: 'pipe' }),
  };
}

/** A new running cluster on a free port, trust auth. */
export async function createOwnCluster(name: string): Promise<OwnCluster> {
  const port = await freePort();
  execFileSync('pg_createcluster', [PG_VERSION as string, name, '-p', String(port), '--', '--auth=trust'], { stdio: 'pipe' });
  const c = cluster(name, port);
  await c.ctl('start');
  return c;
}

/** A running hot standby of `primary`, streaming from it (pg_basebackup -R). */
export async function createStandby(name: string, primary: OwnCluster): Promise<OwnCluster> {
  const port = await freePort();
  execFileSync('pg_createcluster', [PG_VERSION as string, name, '-p', String(port), '--', '--auth=trust'], { stdio: 'pipe' });
  const c = cluster(name, port);
  const dataDir = `/var/lib/postgresql/${PG_VERSION}/${name}`;
  // Emptied, not removed: only the postgres user may create folders there.
  for (const entry of readdirSync(dataDir)) rmSync(`${dataDir}/${entry}`, { recursive: true, force: true });
  execFileSync(
    'runuser',
    [
      '-u',
      'postgres',
      '--',
      'pg_basebackup',
      '-h',
      '127.0.0.1',
      '-p',
      String(primary.port),
      '-U',
      'postgres',
      '-D',
      dataDir,
      '-R',
      '-X',
      'stream',
      '--checkpoint=fast',
    ],
    { stdio: 'pipe' },
  );
  await c.ctl('start');
  return c;
}
