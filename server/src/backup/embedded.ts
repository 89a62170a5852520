import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { LOCK_FILE, lockDataDir } from '../db/data-lock.ts';
import type { Database } from '../db/database.ts';

/**
 * Backup and restore of the embedded database (DATA_DIR): the whole data folder as one gzipped
 * tarball, taken between transactions after a checkpoint, so it opens like a cleanly stopped
 * database. Server mode backs up with PostgreSQL's own tools (docs/operations.md).
 */

export class BackupError extends Error {}

/** Writes a backup of `db` to `file` (through a temporary name, so a failed backup never leaves a truncated file under the real one). */
export async function backupEmbedded(db: Database, file: string): Promise<{ file: string; bytes: number }> {
  if (!db.snapshot)
    throw new BackupError('This server runs on PostgreSQL: back it up with pg_dump or continuous archiving (docs/operations.md).');
  const snapshot = await db.snapshot();
  const bytes = Buffer.from(await snapshot.arrayBuffer());
  writeFileSync(`${file}.partial`, bytes);
  renameSync(`${file}.partial`, file);
  return { file, bytes: bytes.length };
}

/**
 * Restores a backup into `dataDir`. An existing database there is kept aside as
 * `<dataDir>.before-restore-<time>` only when `replace` is set; otherwise a non-empty folder is refused.
 * The restore is opened and checked before it takes the folder's name, so a bad file changes nothing.
 */
export async function restoreEmbedded(file: string, dataDir: string, replace = false): Promise<{ dataDir: string; keptAs?: string }> {
  if (!existsSync(file)) throw new BackupError(`No backup file at ${file}.`);
  const occupied = existsSync(dataDir) && readdirSync(dataDir).length > 0;
  if (occupied && !replace)
    throw new BackupError(`${dataDir} already holds a database; add --replace to keep it aside and restore over it.`);
  // Refused while a server has the folder open (DataDirError), held until the restore is in place.
  const unlock = occupied ? lockDataDir(dataDir) : undefined;
  try {
    return await restoreInto(file, dataDir, occupied);
  } finally {
    unlock?.();
  }
}

async function restoreInto(file: string, dataDir: string, occupied: boolean): Promise<{ dataDir: string; keptAs?: string }> {
  const staging = `${dataDir}.restoring`;
  rmSync(staging, { recursive: true, force: true });
  try {
    const pg = new PGlite(staging, { loadDataDir: new Blob([readFileSync(file)]) });
    await pg.waitReady;
    await pg.query('SELECT count(*) FROM tenant');
    await pg.close();
    // A backup of a running server carries that server's lock file: the restored folder is free.
    rmSync(join(staging, LOCK_FILE), { force: true });
  } catch {
    rmSync(staging, { recursive: true, force: true });
    throw new BackupError(`${file} is not a Hospital-Ops embedded backup, or it is damaged; nothing was changed.`);
  }
  let keptAs: string | undefined;
  if (occupied) {
    keptAs = `${dataDir}.before-restore-${new Date().toISOString().replaceAll(':', '-')}`;
    renameSync(dataDir, keptAs);
  } else rmSync(dataDir, { recursive: true, force: true });
  renameSync(staging, dataDir);
  return { dataDir, keptAs };
}
