import { loadConfig } from '../../src/config.ts';
import type { Database } from '../../src/db/database.ts';
import { openDatabase } from '../../src/db/open.ts';
import { scratchDatabase } from '../helpers/server.ts';

export const FIXTURES = new URL('../fixtures/terminology/', import.meta.url).pathname;

/**
 * A migrated database for one test file, as TEST_DB says: embedded PGlite in memory, or a fresh
 * PostgreSQL database (owner connection for imports, the runtime role for reads) dropped on close.
 */
export async function openTestDatabase(): Promise<{ db: Database; url?: string; close(): Promise<void> }> {
  const scratch = process.env.TEST_DB === 'postgres' ? await scratchDatabase() : undefined;
  const db = await openDatabase(loadConfig({ DATA_DIR: ':memory:', DATABASE_URL: scratch?.url }));
  return {
    db,
    url: scratch?.url,
    async close() {
      await db.close();
      await scratch?.drop();
    },
  };
}
