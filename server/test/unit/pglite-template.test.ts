// A new embedded database starts from the migrated template (src/db/pglite-template.ts): it must
// be a complete, lasting database of the current schema, and never replace one that exists.
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import type { Database } from '../../src/db/database.ts';
import { listMigrations } from '../../src/db/migrate.ts';
import { openDatabase } from '../../src/db/open.ts';
import { buildTemplate, templatePath } from '../../src/db/pglite-template.ts';

const root = mkdtempSync(join(tmpdir(), 'hops-template-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const open = (dataDir: string, templateDir: string) =>
  openDatabase(loadConfig({ DATA_DIR: dataDir, EMBEDDED_TEMPLATE_DIR: templateDir, LOG_LEVEL: 'silent' }));

async function appliedMigrations(db: Database): Promise<string[]> {
  const r = await db.asOwner((sql) => sql.query<{ version: string }>('SELECT version FROM schema_migration ORDER BY version'));
  return r.rows.map((x) => x.version);
}

describe('the embedded database template', () => {
  const templates = join(root, 'templates');
  const every = listMigrations().map((m) => m.version);

  it('is built once per schema, under a name that carries the schema', async () => {
    const file = await buildTemplate(templates);
    expect(file).toBe(templatePath(templates));
    expect(file).toMatch(/pglite-[0-9a-f]{16}\.tgz$/);
    const built = statSync(file).mtimeMs;
    expect(await buildTemplate(templates)).toBe(file);
    expect(statSync(file).mtimeMs).toBe(built);
  }, 120_000);

  it('gives a new data folder every migration, and what is written there lasts', async () => {
    const dataDir = join(root, 'from-template');
    const db = await open(dataDir, templates);
    try {
      expect(await appliedMigrations(db)).toEqual(every);
      await db.asOwner((sql) => sql.exec("CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')"));
    } finally {
      await db.close();
    }
    // Reopened without a template: the folder alone holds the database.
    const again = await open(dataDir, 'none');
    try {
      const r = await again.asOwner((sql) => sql.query<{ v: string }>('SELECT v FROM kept'));
      expect(r.rows).toEqual([{ v: 'still here' }]);
      expect(await appliedMigrations(again)).toEqual(every);
    } finally {
      await again.close();
    }
    // And a template offered to a folder that holds a database changes nothing there.
    const third = await open(dataDir, templates);
    try {
      expect((await third.asOwner((sql) => sql.query('SELECT v FROM kept'))).rowCount).toBe(1);
    } finally {
      await third.close();
    }
  }, 120_000);

  it('is copied again over what a start that died half-way left', async () => {
    const dataDir = join(root, 'interrupted');
    // Half of an earlier copy: no PG_VERSION (it is moved in last), a stale catalogue folder.
    mkdirSync(join(dataDir, '.new-database', 'base'), { recursive: true });
    mkdirSync(join(dataDir, 'base', '5'), { recursive: true });
    writeFileSync(join(dataDir, 'base', '5', '1259'), 'half a file');
    const db = await open(dataDir, templates);
    try {
      expect(await appliedMigrations(db)).toEqual(every);
    } finally {
      await db.close();
    }
    expect(existsSync(join(dataDir, '.new-database'))).toBe(false);
  }, 120_000);

  it('stops the start with a sentence when the copy is damaged', async () => {
    const damaged = join(root, 'damaged');
    mkdirSync(damaged);
    writeFileSync(templatePath(damaged), 'not a data folder');
    await expect(open(join(root, 'never-opened'), damaged)).rejects.toThrow(/template .* cannot be read .*delete it/);
  });

  it('is not used for another schema: a folder of other copies, or none, means initdb and the migrations', async () => {
    const other = join(root, 'other-schema');
    mkdirSync(other);
    // A copy named after another schema (an older checkout's) sits there; the current one does not.
    writeFileSync(join(other, 'pglite-0000000000000000.tgz'), 'not a data folder');
    const db = await open(join(root, 'without-template'), other);
    try {
      expect(await appliedMigrations(db)).toEqual(every);
    } finally {
      await db.close();
    }
  }, 120_000);
});
