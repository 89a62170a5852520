import pg from 'pg';
import {
  APP_ROLE,
  beginStatement,
  contextParams,
  type Database,
  DatabaseUnavailableError,
  isConnectionLoss,
  type PoolStats,
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

// A connection attempt that hangs (a failover in progress, a dropped network) fails after this,
// so a request answers 503 instead of waiting for ever.
const CONNECT_TIMEOUT_MS = 5_000;

/** Checks a client out of the pool; an unreachable server becomes DatabaseUnavailableError. */
async function checkOut(pool: pg.Pool): Promise<pg.PoolClient> {
  try {
    return await pool.connect();
  } catch (err) {
    throw isConnectionLoss(err) ? new DatabaseUnavailableError(err, 'no') : err;
  }
}

/** The error that ended each pooled client's connection, for as long as the client exists. */
const lostConnections = new WeakMap<pg.ClientBase, unknown>();

/**
 * node-postgres emits 'error' on a client whose connection dies, and the pool listens only while
 * the client is idle. A backend terminated while a request holds its client (or in the instant a
 * new connection is handed over) would be an unhandled 'error' event that ends the process, so
 * every client gets a listener for its whole life that remembers the loss instead.
 */
function trackLoss(client: pg.ClientBase): void {
  client.on('error', (err) => {
    if (!lostConnections.has(client)) lostConnections.set(client, err);
  });
}

/** How long a lost LISTEN connection waits before connecting again. */
const LISTEN_RETRY_MS = 1000;

/** What the owner's connections call themselves in pg_stat_activity, so they can be counted. */
export const OWNER_APPLICATION_NAME = 'hospital-ops-owner';

function newPool(connectionString: string, max: number, applicationName?: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    keepAlive: true,
    ...(applicationName ? { application_name: applicationName } : {}),
  });
  pool.on('connect', trackLoss);
  pool.on('error', ignoreIdleClientError);
  return pool;
}

/** The connection loss behind a failure, if that is what it was. */
function lossBehind(client: pg.ClientBase, err: unknown): unknown {
  return lostConnections.get(client) ?? (isConnectionLoss(err) ? err : undefined);
}

/** The runtime role's URL: the owner's URL with the app role's name and password. */
export function deriveAppUrl(ownerUrl: string, password: string): string {
  const u = new URL(ownerUrl);
  u.username = APP_ROLE;
  u.password = password;
  return u.toString();
}

export class PostgresDatabase implements Database {
  readonly kind = 'postgres' as const;
  /** Until releaseOwner(): start-up's owner connections. Afterwards each owner act has its own. */
  private ownerPool: pg.Pool | undefined;
  private appPool: pg.Pool | undefined;

  private readonly ownerUrl: string;
  private readonly appUrl: string;
  private readonly poolSize: number;

  constructor(ownerUrl: string, appUrl: string, poolSize: number) {
    this.ownerUrl = ownerUrl;
    this.appUrl = appUrl;
    this.poolSize = poolSize;
    this.ownerPool = newPool(ownerUrl, 2, OWNER_APPLICATION_NAME);
  }

  async releaseOwner(): Promise<void> {
    const pool = this.ownerPool;
    this.ownerPool = undefined;
    await pool?.end();
  }

  private pool(): pg.Pool {
    // Created lazily: the app role may only exist after the first migration has run.
    if (!this.appPool) {
      this.appPool = newPool(this.appUrl, this.poolSize);
    }
    return this.appPool;
  }

  async transaction<T>(settings: TenantSettings | undefined, fn: (sql: Sql) => Promise<T>, options?: TransactionOptions): Promise<T> {
    const client = await checkOut(this.pool());
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
    let commitSent = false;
    let broken: unknown;
    try {
      const result = await fn(wrap(client, ensureBegun, atCommit));
      if (begun || atCommit.length > 0) {
        commitSent = true;
        await client.query([...(begun ? [] : [begin]), ...atCommit, 'COMMIT'].join('; '));
      }
      return result;
    } catch (err) {
      const lost = lossBehind(client, err);
      if (lost) {
        // The server has rolled back whatever was not committed; the client is dead.
        broken = lost;
        throw new DatabaseUnavailableError(lost, commitSent ? 'unknown' : 'no');
      }
      if (begun || atCommit.length > 0) {
        await client.query('ROLLBACK').catch((rollbackErr) => {
          broken = rollbackErr;
        });
      }
      throw err;
    } finally {
      // A client that lost its connection is passed back with the error, so the pool drops it.
      client.release((broken ?? lostConnections.get(client)) as Error | undefined);
    }
  }

  async asOwner<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    if (this.ownerPool) return this.ownerWork(this.ownerPool, fn);
    const once = newPool(this.ownerUrl, 1, OWNER_APPLICATION_NAME);
    try {
      return await this.ownerWork(once, fn);
    } finally {
      await once.end();
    }
  }

  private async ownerWork<T>(pool: pg.Pool, fn: (sql: Sql) => Promise<T>): Promise<T> {
    const client = await checkOut(pool);
    let broken: unknown;
    try {
      return await fn(wrap(client));
    } catch (err) {
      const lost = lossBehind(client, err);
      if (lost) {
        broken = lost;
        throw new DatabaseUnavailableError(lost, 'unknown');
      }
      throw err;
    } finally {
      client.release((broken ?? lostConnections.get(client)) as Error | undefined);
    }
  }

  async listen(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>> {
    // A connection of its own (LISTEN lasts for a session); replaced after a loss, with a pause.
    let client: pg.Client | undefined;
    let stopped = false;
    const retry = () => setTimeout(() => void connect(), LISTEN_RETRY_MS).unref();
    const connect = async (): Promise<void> => {
      if (stopped) return;
      const c = new pg.Client({ connectionString: this.appUrl, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, keepAlive: true });
      c.on('notification', (n) => {
        if (n.channel === channel) onMessage(n.payload ?? '');
      });
      const lost = () => {
        if (client !== c) return;
        client = undefined;
        void c.end().catch(() => undefined);
        retry();
      };
      c.on('error', lost);
      c.on('end', lost);
      try {
        await c.connect();
        await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
        // Stopped while connecting: nobody would end this connection later.
        if (stopped) return void (await c.end().catch(() => undefined));
        client = c;
      } catch {
        await c.end().catch(() => undefined);
        retry();
      }
    };
    await connect();
    return async () => {
      stopped = true;
      await client?.end().catch(() => undefined);
    };
  }

  async ping(): Promise<void> {
    try {
      await this.pool().query('SELECT 1');
    } catch (err) {
      throw isConnectionLoss(err) ? new DatabaseUnavailableError(err, 'no') : err;
    }
  }

  poolStats(): PoolStats[] {
    const stats = (pool: string, p: pg.Pool | undefined): PoolStats => ({
      pool,
      total: p?.totalCount ?? 0,
      idle: p?.idleCount ?? 0,
      waiting: p?.waitingCount ?? 0,
    });
    return [stats('app', this.appPool), stats('owner', this.ownerPool)];
  }

  async close(): Promise<void> {
    await Promise.all([this.appPool?.end(), this.ownerPool?.end()]);
  }
}
