import { afterAll, beforeAll } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import type { Database } from '../../src/db/database.ts';
import { openDatabase } from '../../src/db/open.ts';
import { DatabaseJobQueue } from '../../src/jobs/database-queue.ts';
import { createLogger } from '../../src/logger.ts';
import { scratchDatabase } from '../helpers/server.ts';
import { type Harness, jobQueueSuite } from './suite.ts';

// The embedded backend on the database TEST_DB names. On PostgreSQL each queue instance has its
// own connection pool, as a separate server process would; PGlite is one process's database.
const logger = createLogger('silent');
const databases: Database[] = [];
let drop: (() => Promise<void>) | undefined;
let env: Record<string, string>;

beforeAll(async () => {
  if (process.env.TEST_DB === 'postgres') {
    const scratch = await scratchDatabase();
    drop = scratch.drop;
    env = { DATABASE_URL: scratch.url };
  } else {
    env = { DATA_DIR: ':memory:' };
    databases.push(await openDatabase(loadConfig(env)));
  }
});

afterAll(async () => {
  await Promise.all(databases.map((d) => d.close()));
  await drop?.();
});

const harness: Harness = {
  async open(settings = {}) {
    let db = databases[0];
    if (process.env.TEST_DB === 'postgres') {
      db = await openDatabase(loadConfig(env));
      databases.push(db);
    }
    return new DatabaseJobQueue(db, logger, { pollMs: 50, leaseMs: settings.leaseMs ?? 5000 });
  },
};

jobQueueSuite(() => harness);
