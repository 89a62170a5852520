import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import type { Database } from '../../src/db/database.ts';
import { openDatabase } from '../../src/db/open.ts';
import { DatabaseJobQueue } from '../../src/jobs/database-queue.ts';
import { openJobQueue } from '../../src/jobs/open.ts';
import { createLogger } from '../../src/logger.ts';
import { scratchDatabase } from '../helpers/server.ts';
import { type Harness, jobQueueSuite, until } from './suite.ts';

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

describe('database backend: schedules', () => {
  it('runs an occurrence once when two processes registered its schedule and both work its queue', async () => {
    const [a, b] = [await harness.open(), await harness.open()];
    try {
      const queue = `sched-${randomUUID().slice(0, 8)}`;
      const definition = { name: `${queue}-minutely`, queue, cron: '* * * * *', timezone: 'Asia/Kolkata' };
      await Promise.all([a.schedule(definition), b.schedule(definition)]);
      const [stored] = await a.list({ queue });
      expect(stored.id).toMatch(new RegExp(`^schedule:${definition.name}:\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:00\\.000Z$`));
      // Its time comes (without waiting for the minute): both processes look for it.
      await databases[databases.length - 1].asOwner((sql) => sql.query('UPDATE job SET run_at = now() WHERE queue = $1', [queue]));
      const runs: string[] = [];
      a.work(queue, async (j) => {
        runs.push(`a:${j.id}`);
      });
      b.work(queue, async (j) => {
        runs.push(`b:${j.id}`);
      });
      await until(async () => (await a.list({ queue, state: 'completed' })).length === 1, 'the occurrence to run');
      await new Promise((r) => setTimeout(r, 300));
      expect(runs).toHaveLength(1);
      expect(runs[0]).toContain(stored.id);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe('database backend: retired schedules', () => {
  it('removes what an earlier version scheduled on queues nobody works, and nothing else', async () => {
    const db = databases[0] ?? (await openDatabase(loadConfig(env)));
    if (!databases.includes(db)) databases.push(db);
    // What the earlier version left: a pile of due reminder occurrences, and a job of someone else's on the same queue.
    await db.asOwner((sql) =>
      sql.query(
        `INSERT INTO job (queue, id, name, max_attempts, backoff_ms, run_at) VALUES
           ('appointment-reminders', 'schedule:appointment-reminders:2026-12-01T03:30:00.000Z', 'appointment-reminders', 5, 5000, now()),
           ('appointment-reminders', 'schedule:appointment-reminders:2026-12-01T03:35:00.000Z', 'appointment-reminders', 5, 5000, now()),
           ('stock-alerts', 'schedule:stock-alerts:2026-12-02T02:30:00.000Z', 'stock-alerts', 5, 5000, now()),
           ('stock-alerts', 'pharmacy-check-1', 'pharmacy-check', 5, 5000, now())
         ON CONFLICT DO NOTHING`,
      ),
    );
    const queue = await openJobQueue(loadConfig(env), db, logger);
    try {
      const left = await db.asOwner((sql) =>
        sql.query<{ id: string }>(`SELECT id FROM job WHERE queue IN ('appointment-reminders', 'stock-alerts') ORDER BY id`),
      );
      expect(left.rows.map((r) => r.id)).toEqual(['pharmacy-check-1']);
    } finally {
      await queue.close();
    }
  });
});
