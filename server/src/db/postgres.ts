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

function wrap(client: pg.PoolClient | pg.Pool): Sql {
  return {
    async query<R>(text: string, params?: unknown[]): Promise<QueryResult<R>> {
      const r = await client.query(text, params as unknown[]);
      return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 };
    },
    async exec(text: string): Promise<void> {
      await client.query(text);
    },
  };
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
    let broken = false;
    try {
      try {
        // BEGIN and the tenant context travel together: one round trip instead of two.
        const context = contextParams(settings).map((v) => pg.escapeLiteral(v));
        await client.query(`${beginStatement(options)}; ${SET_CONTEXT_SQL.replace(/\$(\d)/g, (_, i) => context[Number(i) - 1])}`);
        const result = await fn(wrap(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw err;
      }
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
