import { readdirSync, readFileSync } from 'node:fs';
import { APP_ROLE, type Database, type Sql } from './database.ts';

const MIGRATIONS_DIR = new URL('../../migrations/', import.meta.url);
// Any constant: serialises migrators of several server processes starting at once.
const MIGRATION_LOCK = 724_311_001;

export interface Migration {
  version: string;
  sql: string;
}

export function listMigrations(): Migration[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d{4}_.+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: f.replace(/\.sql$/, ''), sql: readFileSync(new URL(f, MIGRATIONS_DIR), 'utf8') }));
}

/**
 * The runtime role: may log in (on a real server), owns nothing, cannot bypass RLS. Roles are
 * cluster-wide, so this is idempotent and also resets attributes someone may have widened.
 */
async function ensureAppRole(sql: Sql, db: Database, password: string): Promise<void> {
  const login = db.kind === 'postgres' ? `LOGIN PASSWORD '${password.replaceAll("'", "''")}'` : 'NOLOGIN';
  // The migration lock is per database; the role is the cluster's. Servers of other databases on the
  // same cluster may create or alter it at the same moment ("tuple concurrently updated", or a
  // duplicate on create): try again, it is idempotent.
  for (let attempt = 1; ; attempt++) {
    try {
      const exists = await sql.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [APP_ROLE]);
      const verb = exists.rowCount > 0 ? 'ALTER' : 'CREATE';
      await sql.exec(`${verb} ROLE ${APP_ROLE} ${login} NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE`);
      break;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (attempt >= 5 || (code !== 'XX000' && code !== '23505' && code !== '42710')) throw err;
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 80 * attempt));
    }
  }
  const dbName = (await sql.query<{ db: string }>('SELECT current_database() AS db')).rows[0].db;
  await sql.exec(`GRANT CONNECT ON DATABASE "${dbName}" TO ${APP_ROLE}; GRANT USAGE ON SCHEMA public TO ${APP_ROLE};`);
}

/** Applies every migration not yet applied, each in its own transaction, as the schema owner. */
export async function migrate(db: Database, appPassword: string): Promise<string[]> {
  return db.asOwner(async (sql) => {
    await sql.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await ensureAppRole(sql, db, appPassword);
      await sql.exec(
        'CREATE TABLE IF NOT EXISTS schema_migration (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      const done = new Set((await sql.query<{ version: string }>('SELECT version FROM schema_migration')).rows.map((r) => r.version));
      const applied: string[] = [];
      for (const m of listMigrations()) {
        if (done.has(m.version)) continue;
        await sql.exec('BEGIN');
        try {
          await sql.exec(m.sql);
          await sql.query('INSERT INTO schema_migration (version) VALUES ($1)', [m.version]);
          await sql.exec('COMMIT');
        } catch (err) {
          await sql.exec('ROLLBACK');
          throw new Error(`Migration ${m.version} failed: ${(err as Error).message}`);
        }
        applied.push(m.version);
      }
      return applied;
    } finally {
      await sql.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  });
}
