// vitest globalSetup: migrating a fresh database costs seconds per test file (PGlite most of all),
// so the run migrates once into a template of each kind, and each test server starts from a copy:
// PostgreSQL with CREATE DATABASE ... TEMPLATE, PGlite from a dump of its data folder.
// Templates are named after a hash of the migrations, so a changed schema builds new ones.
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { loadConfig } from '../../src/config.ts';
import { openDatabase } from '../../src/db/open.ts';
import { buildTemplate, schemaKey } from '../../src/db/pglite-template.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Database on the test PostgreSQL server holding every migration (CREATE DATABASE ... TEMPLATE it). */
    postgresTemplate: string;
    /** File holding a migrated PGlite data folder (PGlite's loadDataDir). */
    pgliteTemplate: string;
  }
}

export const ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

function urlOf(database: string): string {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Builds the PostgreSQL template unless this schema's exists; a run beside this one may race to build it. */
async function postgresTemplate(key: string): Promise<string> {
  const name = `hops_template_${key}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    if ((await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount) return name;
    const building = `hops_building_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    await admin.query(`CREATE DATABASE ${building}`);
    const db = await openDatabase(loadConfig({ DATABASE_URL: urlOf(building), LOG_LEVEL: 'silent' }));
    await db.close();
    try {
      await admin.query(`ALTER DATABASE ${building} RENAME TO ${name}`);
    } catch {
      // Another run finished first: its template is the same schema.
      await admin.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`);
    }
    return name;
  } finally {
    await admin.end();
  }
}

/** Runs once per project: each database project builds (or finds) its own kind of template. */
export default async function setup(project: TestProject): Promise<void> {
  if (project.name === 'postgres') project.provide('postgresTemplate', await postgresTemplate(schemaKey()));
  if (project.name === 'pglite') project.provide('pgliteTemplate', await buildTemplate(tmpdir(), 'none'));
}
