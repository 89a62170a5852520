import { closeSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * One process at a time on an embedded database. PGlite loads the data folder into its own memory
 * and writes it back, so a second process (an admin CLI beside the running server) would report
 * success and then lose its writes when the other one saves. The lock is a file in the folder
 * naming the process that holds it; a lock whose process is gone is stale and is taken over.
 */
export const LOCK_FILE = 'hospital-ops.lock';

/** A database folder problem the operator has to solve; its message says how. */
export class DataDirError extends Error {}

interface Holder {
  pid: number;
  command: string;
  since: string;
}

/** Folders this process holds: a second open in the same process must fail too. */
const held = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(path: string): { raw: string; holder?: Holder } | undefined {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const h = JSON.parse(raw) as Holder;
    return Number.isInteger(h.pid) ? { raw, holder: h } : { raw };
  } catch {
    return { raw };
  }
}

function inUse(dir: string, path: string, holder: Holder | undefined): DataDirError {
  const who = holder ? `process ${holder.pid} (${holder.command}), since ${holder.since}` : 'a process that is starting';
  return new DataDirError(
    `The embedded database in ${dir} is in use by ${who}. Two processes must not open it at once: ` +
      'the second one would lose its writes. Stop that process and run this again; while the server runs, use its admin API ' +
      `instead (POST /admin/staff adds a staff login), or run it on PostgreSQL (DATABASE_URL). If no such process is running, delete ${path}.`,
  );
}

/** The command line that took the lock, for the message another process shows. */
function describeCommand(): string {
  const script = process.argv[1] ? [process.argv[1].replace(`${process.cwd()}/`, '')] : [];
  return ['node', ...script, ...process.argv.slice(2, 4)].join(' ');
}

/**
 * Takes the folder's lock, or throws DataDirError naming the process that holds it. Returns the
 * release function; the lock is also released when the process exits.
 */
export function lockDataDir(dir: string): () => void {
  const path = join(dir, LOCK_FILE);
  if (held.has(path)) throw inUse(dir, path, { pid: process.pid, command: 'this process', since: 'earlier' });
  const content = JSON.stringify({ pid: process.pid, command: describeCommand(), since: new Date().toISOString() });
  for (let attempt = 0; ; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o644);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const found = readHolder(path);
      if (!found) continue;
      const { holder } = found;
      // An empty or torn file may be a lock being written right now; only an old one is stale.
      if (!holder && Date.now() - safeMtime(path) < 5_000) throw inUse(dir, path, undefined);
      // Our own pid in a lock we do not hold: left by an earlier process that had this pid (containers restart with the same pids).
      if (holder && holder.pid !== process.pid && alive(holder.pid)) throw inUse(dir, path, holder);
      // Other processes are taking it over at the same moment: leave it to them.
      if (attempt >= 3) throw inUse(dir, path, holder);
      takeOver(path, found.raw);
      continue;
    }
    try {
      writeSync(fd, content);
    } finally {
      closeSync(fd);
    }
    break;
  }
  held.add(path);
  const release = () => {
    if (!held.delete(path)) return;
    process.off('exit', release);
    // Only our own lock: a process that judged ours stale may have replaced it.
    if (readHolder(path)?.raw === content) unlinkSync(path);
  };
  process.on('exit', release);
  return release;
}

function safeMtime(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/**
 * Removes a stale lock. It is moved aside first (only one process can move a given file) and
 * checked: if what moved is no longer the stale lock, another process took it over in between,
 * and its lock goes back.
 */
function takeOver(path: string, staleRaw: string): void {
  const aside = `${path}.${process.pid}.stale`;
  try {
    renameSync(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (readHolder(aside)?.raw !== staleRaw) {
    try {
      linkSync(aside, path); // fails if yet another process has locked it since
    } catch {}
  }
  unlinkSync(aside);
}
