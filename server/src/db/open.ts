import { resolve } from 'node:path';
import type { Config } from '../config.ts';
import type { Database } from './database.ts';
import { migrate } from './migrate.ts';
import { PgliteDatabase } from './pglite.ts';
import { deriveAppUrl, PostgresDatabase } from './postgres.ts';

/**
 * Opens the configured database and brings its schema up to date: PostgreSQL when DATABASE_URL
 * is set, otherwise the embedded PGlite in DATA_DIR.
 */
export async function openDatabase(config: Config): Promise<Database> {
  let db: Database;
  if (config.DATABASE_URL) {
    const appUrl = config.DATABASE_APP_URL ?? deriveAppUrl(config.DATABASE_URL, config.DATABASE_APP_PASSWORD);
    db = new PostgresDatabase(config.DATABASE_URL, appUrl, config.DATABASE_POOL_SIZE);
  } else {
    db = await PgliteDatabase.open(config.DATA_DIR === ':memory:' ? undefined : resolve(config.DATA_DIR));
  }
  try {
    await migrate(db, config.DATABASE_APP_PASSWORD);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}
