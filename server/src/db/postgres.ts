import pg from 'pg';
import {
  APP_ROLE,
  beginStatement,
  contextParams,
  type Database,
  type QueryResult,
  SET_CONTEXT_SQL,
  type Sql,
  type TenantSettings,
  type TransactionOptions,
} from './database.ts';

// Keep timestamps and bigints as strings: the repository formats them itself, exactly.
pg.types.setTypeParser(pg.types.builtins.TIMESTAMPTZ, (v) => v);
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => v);

/**
 * Statements on one client; `atCommit` collects scripts for the COMMIT message. Statements are
 * sent one after another even when callers overlap them (includes run in parallel): a pg client
 * must not be given a query while another is in flight.
 */
function wrap(client: pg.PoolClient | pg.Pool, before?: () => Promise<void>, atCommit?: string[]): Sql {
  let tail: Promise<unknown> = Promise.resolve();
  const inTurn = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };
  return {
    async query<R>(text: string, params?: unknown[]): Promise<QueryResult<R>> {
      await before?.();
      const r = await inTurn(() => client.query(text, params as unknown[]));
      return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 };
    },
    async exec(text: string): Promise<void> {
      await before?.();
      await inTurn(() => client.query(text));
    },
    execAtCommit(script: string): void {
      if (!atCommit) throw new Error('execAtCommit needs a transaction');
      atCommit.push(script);
    },
    literal: sqlLiteral,
  };
}

/**
 * pg.escapeLiteral walks the string a character at a time, too slow for the kilobytes of JSON a
 * flush inlines; native replaceAll gives the same result. E'' form only when backslashes occur.
 */
export function sqlLiteral(value: string): string {
  const quoted = value.replaceAll("'", "''");
  return value.includes('\\') ? ` E'${quoted.replaceAll('\\', '\\\\')}'` : `'${quoted}'`;
}

/**
 * An idle pooled connection that the server closes (restart, failover, pg_terminate_backend)
 * is dropped from the pool and the next query opens a new one; it must not crash the process.
 */
function ignoreIdleClientError(): void {}

/** The runtime role's URL: the owner's URL with the app role's name and password. */
export function deriveAppUrl(ownerUrl: string, password: string): string {
  const u = new URL(ownerUrl);
  u.username = APP_ROLE;
  u.password = password;
  return u.toString();
}

export class PostgresDatabase implements Database {
  readonly kind = 'postgres' as const;
  private readonly ownerPool: pg.Pool;
  private appPool: pg.Pool | undefined;

  private readonly appUrl: string;
  private readonly poolSize: number;

  constructor(ownerUrl: string, appUrl: string, poolSize: number) {
    this.appUrl = appUrl;
    this.poolSize = poolSize;
    this.ownerPool = new pg.Pool({ connectionString: ownerUrl, max: 2 });
    this.ownerPool.on('error', ignoreIdleClientError);
  }

  private pool(): pg.Pool {
    // Created lazily: the app role may only exist after the first migration has run.
    if (!this.appPool) {
      this.appPool = new pg.Pool({ connectionString: this.appUrl, max: this.poolSize });
      this.appPool.on('error', ignoreIdleClientError);
    }
    return this.appPool;
  }

  async transaction<T>(settings: TenantSettings | undefined, fn: (sql: Sql) => Promise<T>, options?: TransactionOptions): Promise<T> {
    const client = await this.pool().connect();
    const context = contextParams(settings).map(sqlLiteral);
    const begin = `${beginStatement(options)}; ${SET_CONTEXT_SQL.replace(/\$(\d)/g, (_, i) => context[Number(i) - 1])}`;
    // BEGIN and the tenant context go out with the first statement that needs them, or with the
    // COMMIT message when the transaction only writes.
    let begun = false;
    const ensureBegun = async () => {
      if (begun) return;
      begun = true;
      await client.query(begin);
    };
    const atCommit: string[] = [];
    let broken = false;
    try {
      const result = await fn(wrap(client, ensureBegun, atCommit));
      if (begun || atCommit.length > 0) {
        await client.query([...(begun ? [] : [begin]), ...atCommit, 'COMMIT'].join('; '));
      }
      return result;
    } catch (err) {
      if (begun || atCommit.length > 0) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
      }
      throw err;
    } finally {
      client.release(broken);
    }
  }

  async asOwner<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    const client = await this.ownerPool.connect();
    try {
      return await fn(wrap(client));
    } finally {
      client.release();
    }
  }

  async ping(): Promise<void> {
    await this.pool().query('SELECT 1');
  }

  async close(): Promise<void> {
    await Promise.all([this.appPool?.end(), this.ownerPool.end()]);
  }
}
