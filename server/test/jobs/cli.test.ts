import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { openDatabase } from '../../src/db/open.ts';
import { DatabaseJobQueue } from '../../src/jobs/database-queue.ts';
import { createLogger } from '../../src/logger.ts';
import { cliRunner } from '../helpers/cli.ts';
import { until } from './suite.ts';

const cli = await cliRunner('src/admin/cli.ts');
// Each command is a process of its own that loads the FHIR definitions and opens the database:
// several seconds apiece on a busy 2-core machine.
const CLI_TIMEOUT = 120_000;
const admin = cli.run;
afterAll(() => cli.cleanup());

/** A job dead-lettered by a worker that ran against the CLI's database, then went away. */
beforeAll(async () => {
  expect((await admin('tenant', 'create', '--name', 'Jobs Clinic')).code).toBe(0);
  const db = await openDatabase(loadConfig(cli.databaseUrl ? { DATABASE_URL: cli.databaseUrl } : { DATA_DIR: cli.dir }));
  const jobs = new DatabaseJobQueue(db, createLogger('silent'), { pollMs: 50, leaseMs: 5000 });
  jobs.work('pharmacy-sync', async () => {
    throw new Error('pharmacy system said no');
  });
  await jobs.add('pharmacy-sync', 'sync', { item: 'amoxicillin' }, { jobId: 'stock:42', attempts: 1 });
  await jobs.add('pharmacy-sync', 'sync', {}, { jobId: 'later', delayMs: 3_600_000 });
  await until(async () => (await jobs.list({ state: 'failed' })).length === 1, 'dead-lettering');
  await jobs.close();
  await db.close();
}, 120_000);

describe('npm run admin -- jobs', () => {
  it(
    'lists jobs and counts, filtered by queue and state',
    async () => {
      const all = await admin('jobs', 'list');
      expect(all.code).toBe(0);
      expect(all.out.backend).toBe('database');
      expect(all.out.counts['pharmacy-sync']).toEqual({ waiting: 0, delayed: 1, active: 0, completed: 0, failed: 1 });
      const failed = await admin('jobs', 'list', '--queue', 'pharmacy-sync', '--state', 'failed');
      expect(failed.out.jobs).toEqual([
        expect.objectContaining({ id: 'stock:42', state: 'failed', lastError: 'pharmacy system said no', data: { item: 'amoxicillin' } }),
      ]);
    },
    CLI_TIMEOUT,
  );

  it(
    'retries a failed job once, and refuses what it cannot retry',
    async () => {
      const first = await admin('jobs', 'retry', '--queue', 'pharmacy-sync', '--id', 'stock:42');
      expect(first).toMatchObject({ code: 0, out: { queue: 'pharmacy-sync', id: 'stock:42', retried: true } });
      const listed = await admin('jobs', 'list', '--queue', 'pharmacy-sync', '--state', 'waiting');
      expect(listed.out.jobs).toEqual([expect.objectContaining({ id: 'stock:42', attempts: 0 })]);
      const again = await admin('jobs', 'retry', '--queue', 'pharmacy-sync', '--id', 'stock:42');
      expect(again.code).toBe(1);
      expect(again.err).toContain('holds no failed job stock:42');
      expect((await admin('jobs', 'retry', '--queue', 'pharmacy-sync')).err).toContain('--id is required');
    },
    CLI_TIMEOUT,
  );

  it(
    'refuses bad input with a sentence of its own',
    async () => {
      const bad = await admin('jobs', 'list', '--state', 'stuck');
      expect(bad.code).toBe(1);
      expect(bad.err).toContain('--state is one of');
      expect((await admin('jobs', 'list', '--queue', 'no spaces')).err).toContain('queue name');
      expect((await admin('jobs', 'list', '--limit', '0')).err).toContain('--limit');
    },
    CLI_TIMEOUT,
  );
});
