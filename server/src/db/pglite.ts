import { mkdirSync } from 'node:fs';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { lockDataDir } from './data-lock.ts';
import {
  APP_ROLE,
  contextParams,
  type Database,
  type PoolStats,
  type QueryResult,
  SET_CONTEXT_SQL,
  type Sql,
  type TenantSettings,
  type TransactionOptions,
} from './database.ts';

function wrap(tx: Pick<Transaction, 'query' | 'exec'>, pending: Promise<unknown>[] = []): Sql {
  return {
    async query<R>(text: string, params?: unknown[]): Promise<QueryResult<R>> {
      const r = await tx.query<R>(text, params as unknown[]);
      // PGlite reports affectedRows 0 for SELECTs; node-postgres counts the rows returned.
      return { rows: r.rows, rowCount: r.rows.length > 0 ? r.rows.length : (r.affectedRows ?? 0) };
    },
    async exec(text: string): Promise<void> {
      await tx.exec(text);
    },
    // PGlite runs in-process: nothing to save by batching, so scripts run at once.
    execAtCommit(script: string): void {
      pending.push(tx.exec(script));
    },
    literal: (value) => `'${value.replaceAll("'", "''")}'`,
  };
}

/**
 * Embedded PostgreSQL (PGlite, WASM). It has a single superuser connection, and superusers bypass
 * RLS, so every request transaction drops to the runtime role with SET LOCAL ROLE: the same
 * policies then apply as on a real server. PGlite runs one transaction at a time.
 */
/**
 * In-memory databases (DATA_DIR=:memory:) start as a copy of this data folder when one is set:
 * the test suites set a migrated one, which spares each test server its migrations.
 */
let memoryTemplate: Blob | undefined;
export function setMemoryTemplate(dataFolder: Blob | undefined): void {
  memoryTemplate = dataFolder;
}

/**
 * PostgreSQL's default 128 MB of shared buffers is most of an embedded server's memory, and buys
 * little here: PGlite's files sit in the operating system's page cache (or in memory) anyway.
 */
const EMBEDDED_SETTINGS = ['shared_buffers=16MB'];

export class PgliteDatabase implements Database {
  readonly kind = 'pglite' as const;
  private readonly db: PGlite;
  private readonly unlock?: () => void;
  /** Transactions running or queued on the one connection (PGlite runs them one at a time). */
  private inFlight = 0;
  private constructor(db: PGlite, unlock?: () => void) {
    this.db = db;
    this.unlock = unlock;
  }

  /**
   * Opens (or creates) the database in `dataDir`, in memory without one. `prepare` runs once the
   * folder is this process's (locked) and before PGlite opens it: it may put a new database there
   * (pglite-template.ts). Throws DataDirError while another process has the folder open.
   */
  static async open(dataDir: string | undefined, prepare?: (dataDir: string) => void): Promise<PgliteDatabase> {
    let unlock: (() => void) | undefined;
    if (dataDir) {
      mkdirSync(dataDir, { recursive: true });
      unlock = lockDataDir(dataDir);
    }
    try {
      if (dataDir) prepare?.(dataDir);
      // The same extensions the migrations create on a real server.
      const options = { extensions: { pg_trgm, btree_gist }, postgresqlconf: EMBEDDED_SETTINGS };
      const db = dataDir ? new PGlite(dataDir, options) : new PGlite({ ...options, loadDataDir: memoryTemplate });
      await db.waitReady;
      return new PgliteDatabase(db, unlock);
    } catch (err) {
      unlock?.();
      throw err;
    }
  }

  async transaction<T>(settings: TenantSettings | undefined, fn: (sql: Sql) => Promise<T>, options?: TransactionOptions): Promise<T> {
    this.inFlight++;
    try {
      return await this.run(settings, fn, options);
    } finally {
      this.inFlight--;
    }
  }

  private run<T>(settings: TenantSettings | undefined, fn: (sql: Sql) => Promise<T>, options?: TransactionOptions): Promise<T> {
    return this.db.transaction(async (tx) => {
      if (options?.readOnly) await tx.query('SET TRANSACTION READ ONLY');
      await tx.query(`SET LOCAL ROLE ${APP_ROLE}`);
      await tx.query(SET_CONTEXT_SQL, contextParams(settings));
      const pending: Promise<unknown>[] = [];
      const result = await fn(wrap(tx, pending));
      await Promise.all(pending);
      return result;
    });
  }

  /**
   * Owner work runs under PGlite's transaction lock, so a multi-statement job (its own BEGIN ...
   * COMMIT: an import, a tenant export or delete) is never interleaved with a request's statements
   * on the one connection. Its BEGIN and COMMIT nest harmlessly in PGlite's (a warning at most).
   */
  async asOwner<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => fn(wrap(tx)));
  }

  /** One connection, the owner only emulated (SET LOCAL ROLE in each transaction): nothing to close. */
  async releaseOwner(): Promise<void> {}

  /** The data folder as a gzipped tarball, taken after a checkpoint with no transaction running (PGlite's own lock). */
  async snapshot(): Promise<Blob> {
    await this.db.query('CHECKPOINT');
    return this.db.dumpDataDir('gzip');
  }

  /** The data folder as a tarball (see setMemoryTemplate and pglite-template.ts). */
  async dataFolder(compression: 'gzip' | 'none' = 'none'): Promise<Blob> {
    await this.db.query('CHECKPOINT');
    return this.db.dumpDataDir(compression);
  }

  async listen(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>> {
    return this.db.listen(channel, onMessage);
  }

  async ping(): Promise<void> {
    await this.db.query('SELECT 1');
  }

  /** One embedded connection: busy while a transaction runs, the others queued behind it. */
  poolStats(): PoolStats[] {
    return [{ pool: 'embedded', total: 1, idle: this.inFlight > 0 ? 0 : 1, waiting: Math.max(0, this.inFlight - 1) }];
  }

  async close(): Promise<void> {
    try {
      await this.db.close();
    } finally {
      this.unlock?.();
    }
  }
}
