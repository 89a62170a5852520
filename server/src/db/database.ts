/**
 * The one interface the rest of the server uses to reach PostgreSQL, whether the real server
 * (node-postgres pool) or the embedded PGlite. Everything above this file is driver-agnostic.
 */

export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

export interface Sql {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<QueryResult<R>>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(text: string): Promise<void>;
  /**
   * Queues a parameterless script to run just before COMMIT, sent in the same message as COMMIT
   * (and as BEGIN, when nothing else ran): a write-only transaction costs one round trip.
   * Values in the script must be quoted with `literal()`.
   */
  execAtCommit(script: string): void;
  /** Quotes a string as a SQL literal for scripts. */
  literal(value: string): string;
}

/** Per-transaction session settings that row-level security policies read. */
export interface TenantSettings {
  tenantId: string;
  branchId?: string;
  userId?: string;
}

export interface TransactionOptions {
  serializable?: boolean;
  readOnly?: boolean;
  /** PostgreSQL's statement_timeout for this transaction only (ignored by the embedded PGlite). */
  statementTimeoutMs?: number;
}

/** Connections of one pool right now: open, idle, and callers waiting for one. */
export interface PoolStats {
  pool: string;
  total: number;
  idle: number;
  waiting: number;
}

export interface Database {
  readonly kind: 'postgres' | 'pglite';
  /**
   * Runs `fn` in one transaction as the runtime role (no table ownership, no BYPASSRLS), after
   * setting the tenant context with set_config(..., true) so it lasts only for this transaction.
   * Without settings the transaction has no tenant and RLS shows it no rows.
   */
  transaction<T>(settings: TenantSettings | undefined, fn: (sql: Sql) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Runs `fn` as the schema owner: migrations, start-up and the administrator's acts (admin CLI).
   * Never for request handling or background work: those run as the runtime role and reach
   * across tenants only through the SECURITY DEFINER functions of migration 0046.
   */
  asOwner<T>(fn: (sql: Sql) => Promise<T>): Promise<T>;
  /**
   * Start-up is over: the owner's pooled connections close, so none is held while the server
   * serves. A later asOwner (an administrator's act) opens a connection of its own and closes it.
   * The embedded database has one connection, where the owner is only emulated: nothing to close.
   */
  releaseOwner(): Promise<void>;
  /**
   * Calls `onMessage` with each NOTIFY payload on `channel` from any process, for as long as the
   * returned function is not called. Best effort: what is notified while the connection is being
   * re-established is missed, so listeners must not carry state that only notifications keep.
   */
  listen(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>>;
  ping(): Promise<void>;
  /** Usage of each connection pool, for /metrics. */
  poolStats(): PoolStats[];
  /** The embedded database only: its data folder as a gzipped tarball (src/backup). */
  snapshot?(): Promise<Blob>;
  close(): Promise<void>;
}

/** The role request handling runs as. Created by the first migration. */
export const APP_ROLE = 'hospital_ops_app';

export const SET_CONTEXT_SQL =
  "SELECT set_config('app.current_tenant_id', $1, true), set_config('app.current_branch_id', $2, true), set_config('app.current_user_id', $3, true)";

export function contextParams(s: TenantSettings | undefined): string[] {
  return [s?.tenantId ?? '', s?.branchId ?? '', s?.userId ?? ''];
}

export function beginStatement(options?: TransactionOptions): string {
  const parts = ['BEGIN'];
  if (options?.serializable) parts.push('ISOLATION LEVEL SERIALIZABLE');
  if (options?.readOnly) parts.push('READ ONLY');
  const timeout = options?.statementTimeoutMs ? `; SET LOCAL statement_timeout = ${Math.floor(options.statementTimeoutMs)}` : '';
  return parts.join(' ') + timeout;
}

/**
 * The database could not be reached, or the connection was lost mid-transaction (a restart, a
 * failover, pg_terminate_backend). `committed` says what became of the transaction: 'no' when it
 * failed before COMMIT was sent (PostgreSQL rolled it back; running it again is safe), 'unknown'
 * when the connection died while the COMMIT was on its way.
 */
export class DatabaseUnavailableError extends Error {
  readonly committed: 'no' | 'unknown';
  constructor(cause: unknown, committed: 'no' | 'unknown') {
    super('The database is unavailable', { cause });
    this.name = 'DatabaseUnavailableError';
    this.committed = committed;
  }
}

// Node socket errors that mean the server is unreachable or the link broke.
const SOCKET_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
]);
// SQLSTATEs of a server going away: admin/crash shutdown, cannot connect now, too many connections.
const SERVER_GONE = new Set(['57P01', '57P02', '57P03', '53300']);

/** Whether an error means the connection or the server is gone, as opposed to the statement failing. */
export function isConnectionLoss(err: unknown): boolean {
  if (err instanceof DatabaseUnavailableError) return true;
  const e = err as { code?: unknown; message?: unknown } | undefined;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (code.startsWith('08') || SERVER_GONE.has(code) || SOCKET_ERRORS.has(code)) return true;
  // node-postgres reports a dropped socket and a dead client by message only.
  const message = typeof e?.message === 'string' ? e.message : '';
  return /^Connection terminated|not queryable|Connection ended/.test(message);
}
