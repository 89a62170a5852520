// vitest globalSetup: migrating a fresh database costs seconds per test file (PGlite most of all),
// so the run migrates once into a template of each kind, and each test server starts from a copy:
// PostgreSQL with CREATE DATABASE ... TEMPLATE, PGlite from a dump of its data folder.
// Templates are named after a hash of the migrations, so a changed schema builds new ones.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { loadConfig } from '../../src/config.ts';
import { listMigrations, migrate } from '../../src/db/migrate.ts';
import { openDatabase } from '../../src/db/open.ts';
import { PgliteDatabase } from '../../src/db/pglite.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Database on the test PostgreSQL server holding every migration (CREATE DATABASE ... TEMPLATE it). */
    postgresTemplate: string;
    /** File holding a migrated PGlite data folder (PGlite's loadDataDir). */
    pgliteTemplate: string;
  }
}

export const ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

function schemaKey(): string {
  const hash = createHash('sha256');
  for (const m of listMigrations()) hash.update(m.version).update('\0').update(m.sql).update('\0');
  return hash.digest('hex').slice(0, 16);
}

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

async function pgliteTemplate(key: string): Promise<string> {
  const file = join(tmpdir(), `hops-pglite-template-${key}.tar`);
  if (existsSync(file)) return file;
  const db = await PgliteDatabase.open(undefined);
  try {
    await migrate(db, loadConfig({}).DATABASE_APP_PASSWORD);
    const partial = `${file}.${randomUUID()}`;
    writeFileSync(partial, Buffer.from(await (await db.dataFolder()).arrayBuffer()));
    renameSync(partial, file);
  } finally {
    await db.close();
  }
  return file;
}

/** Runs once per project: each database project builds (or finds) its own kind of template. */
export default async function setup(project: TestProject): Promise<void> {
  if (project.name === 'postgres') project.provide('postgresTemplate', await postgresTemplate(schemaKey()));
  if (project.name === 'pglite') project.provide('pgliteTemplate', await pgliteTemplate(schemaKey()));
}
