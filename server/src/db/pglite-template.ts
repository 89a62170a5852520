// A new embedded database starts as a copy of a migrated data folder instead of running initdb and
// every migration itself (about 4 of the 9 seconds a first start took; docs/benchmarks.md). The copy is a tarball in a
// cache folder, named after a hash of the migrations: a changed schema never opens an old copy,
// and a database opened from one still runs migrate(), which then has nothing to do.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tar from 'tar';
import { listMigrations, migrate } from './migrate.ts';
import { PgliteDatabase } from './pglite.ts';

/** server/.cache: beside the sources, so every checkout (and every CI clone) has its own. */
export const DEFAULT_TEMPLATE_DIR = fileURLToPath(new URL('../../.cache/', import.meta.url));

/** Hash of every migration's name and text. */
export function schemaKey(): string {
  const hash = createHash('sha256');
  for (const m of listMigrations()) hash.update(m.version).update('\0').update(m.sql).update('\0');
  return hash.digest('hex').slice(0, 16);
}

export type TemplateCompression = 'gzip' | 'none';

export function templatePath(dir: string, compression: TemplateCompression = 'gzip'): string {
  return join(dir, `pglite-${schemaKey()}.${compression === 'gzip' ? 'tgz' : 'tar'}`);
}

/**
 * Puts a copy of this schema's template into `dataDir` (which holds no database) and returns true;
 * false when `templateDir` has none. node-tar unpacks in about a third of the time PGlite's own
 * loader takes (it goes through the WASM file system). The copy is unpacked beside the folder's
 * other files and moved in with PG_VERSION last: a start that dies half-way leaves no PG_VERSION,
 * so the next start copies again.
 */
export function restoreTemplate(templateDir: string, dataDir: string): boolean {
  const file = templatePath(templateDir);
  if (!existsSync(file)) return false;
  const staging = join(dataDir, '.new-database');
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging);
  const damaged = (why: string) => new Error(`The embedded database template ${file} cannot be read (${why}); delete it.`);
  try {
    // The dump names its files from the root ("/base/5/1259"): node-tar strips it, with a notice
    // (TAR_ENTRY_INFO). Anything else it would only warn about (a damaged entry) stops the start.
    tar.x({
      file,
      cwd: staging,
      sync: true,
      noChmod: true,
      onwarn: (code, message) => {
        if (code !== 'TAR_ENTRY_INFO') throw damaged(message);
      },
    });
  } catch (err) {
    throw (err as Error).message.startsWith('The embedded database template') ? err : damaged((err as Error).message);
  }
  const entries = readdirSync(staging).filter((name) => name !== 'PG_VERSION');
  for (const name of [...entries, 'PG_VERSION']) {
    rmSync(join(dataDir, name), { recursive: true, force: true });
    renameSync(join(staging, name), join(dataDir, name));
  }
  rmSync(staging, { recursive: true });
  return true;
}

/**
 * Builds the template unless this schema's exists; returns its path. Written under a temporary
 * name and renamed, so a process reading the folder at the same time never sees half a file.
 */
export async function buildTemplate(dir: string = DEFAULT_TEMPLATE_DIR, compression: TemplateCompression = 'gzip'): Promise<string> {
  const file = templatePath(dir, compression);
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  const db = await PgliteDatabase.open(undefined);
  try {
    // The embedded database's runtime role cannot log in; no password is stored.
    await migrate(db, '');
    const partial = `${file}.${randomUUID()}`;
    writeFileSync(partial, Buffer.from(await (await db.dataFolder(compression)).arrayBuffer()));
    renameSync(partial, file);
  } finally {
    await db.close();
  }
  return file;
}
