import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { DataDirError } from './data-lock.ts';
import type { Database } from './database.ts';
import { migrate } from './migrate.ts';
import { PgliteDatabase } from './pglite.ts';
import { DEFAULT_TEMPLATE_DIR, restoreTemplate } from './pglite-template.ts';
import { deriveAppUrl, PostgresDatabase } from './postgres.ts';
import { RedisWriteMarks } from './redis-write-marks.ts';
import { LocalWriteMarks, ReplicaReads } from './replica.ts';

export interface OpenOptions {
  /**
   * Refuse to create an embedded database that is not there yet: for commands that only read or
   * change existing data, where a new empty database would hide a wrong DATA_DIR.
   */
  existing?: boolean;
}

/**
 * Opens the configured database and brings its schema up to date: PostgreSQL when DATABASE_URL
 * is set, otherwise the embedded PGlite in DATA_DIR (which one process at a time may open).
 */
export async function openDatabase(config: Config, options: OpenOptions = {}): Promise<Database> {
  let db: Database;
  if (config.DATABASE_URL) {
    const appUrl = config.DATABASE_APP_URL ?? deriveAppUrl(config.DATABASE_URL, config.DATABASE_APP_PASSWORD);
    db = new PostgresDatabase(config.DATABASE_URL, appUrl, config.DATABASE_POOL_SIZE);
  } else if (config.DATA_DIR === ':memory:') {
    db = await PgliteDatabase.open(undefined);
  } else {
    const dir = resolve(config.DATA_DIR);
    if (options.existing && !existsSync(join(dir, 'PG_VERSION'))) {
      throw new DataDirError(
        `There is no embedded database in ${dir}${dir === config.DATA_DIR ? '' : ` (DATA_DIR=${config.DATA_DIR})`}. ` +
          'Run this in the folder the server runs in, ' +
          'or set DATA_DIR to the folder that holds its database, or DATABASE_URL when it runs on PostgreSQL.',
      );
    }
    const templateDir = config.EMBEDDED_TEMPLATE_DIR ?? DEFAULT_TEMPLATE_DIR;
    db = await PgliteDatabase.open(dir, (locked) => {
      if (templateDir !== 'none' && !existsSync(join(locked, 'PG_VERSION'))) restoreTemplate(templateDir, locked);
    });
  }
  try {
    await migrate(db, config.DATABASE_APP_PASSWORD);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}

/**
 * The read replica for searches, when DATABASE_REPLICA_URL is set (PostgreSQL only): connected as
 * the runtime role, its lag followed from now on. Write marks go to Redis when several processes
 * may serve one client (REDIS_URL), else stay in this process.
 */
export function openReplica(config: Config, primary: Database, logger: Logger): ReplicaReads | undefined {
  if (!config.DATABASE_REPLICA_URL) return undefined;
  const appUrl = deriveAppUrl(config.DATABASE_REPLICA_URL, config.DATABASE_APP_PASSWORD);
  const replica = new PostgresDatabase(appUrl, appUrl, config.DATABASE_POOL_SIZE);
  void replica.releaseOwner();
  const ttlMs = 10 * 60_000;
  const marks = config.REDIS_URL ? new RedisWriteMarks(config.REDIS_URL, config.JOBS_PREFIX, ttlMs) : new LocalWriteMarks(ttlMs);
  return new ReplicaReads(primary, replica, {
    pollMs: config.REPLICA_POLL_MS,
    staleAfterMs: Math.max(5_000, config.REPLICA_POLL_MS * 10),
    maxLagMs: config.REPLICA_MAX_LAG_MS,
    marks,
    logger,
  }).start();
}
