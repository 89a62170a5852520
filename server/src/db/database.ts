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
}

export interface Database {
  readonly kind: 'postgres' | 'pglite';
  /**
   * Runs `fn` in one transaction as the runtime role (no table ownership, no BYPASSRLS), after
   * setting the tenant context with set_config(..., true) so it lasts only for this transaction.
   * Without settings the transaction has no tenant and RLS shows it no rows.
   */
  transaction<T>(settings: TenantSettings | undefined, fn: (sql: Sql) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** Runs `fn` as the schema owner (migrations, tenant registry). Not for request handling. */
  asOwner<T>(fn: (sql: Sql) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
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
  return parts.join(' ');
}
