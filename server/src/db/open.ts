import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../config.ts';
import { DataDirError } from './data-lock.ts';
import type { Database } from './database.ts';
import { migrate } from './migrate.ts';
import { PgliteDatabase } from './pglite.ts';
import { deriveAppUrl, PostgresDatabase } from './postgres.ts';

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
    db = await PgliteDatabase.open(dir);
  }
  try {
    await migrate(db, config.DATABASE_APP_PASSWORD);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}
