import type { Database, Sql, TenantSettings, TransactionOptions } from './database.ts';

/** What the instrumented database reports: each statement's time by kind, and statement timeouts. */
export interface QueryObserver {
  query(kind: QueryKind, seconds: number): void;
  statementTimeout(kind: QueryKind): void;
}

/** Request transactions (runtime role) or owner work (sealer, events, registry); never SQL text. */
export type QueryKind = 'transaction' | 'owner';

const STATEMENT_TIMEOUT = '57014';

/**
 * The database with every statement timed and every statement timeout counted. A timeout can
 * surface from a statement or from the COMMIT message (scripts queued with execAtCommit), and
 * the repository may translate it inside the transaction, so both levels look and each error is
 * counted once.
 */
export function instrumentDatabase(db: Database, observer: QueryObserver): Database {
  const counted = new WeakSet<object>();
  const noteTimeout = (kind: QueryKind, err: unknown) => {
    if (!err || typeof err !== 'object' || counted.has(err)) return;
    const code = (err as { code?: unknown }).code;
    const cause = (err as { cause?: { code?: unknown } }).cause;
    if (code !== STATEMENT_TIMEOUT && cause?.code !== STATEMENT_TIMEOUT) return;
    counted.add(err);
    if (cause && typeof cause === 'object') counted.add(cause);
    observer.statementTimeout(kind);
  };
  const timed = async <T>(kind: QueryKind, run: () => Promise<T>): Promise<T> => {
    const start = performance.now();
    try {
      return await run();
    } catch (err) {
      noteTimeout(kind, err);
      throw err;
    } finally {
      observer.query(kind, (performance.now() - start) / 1000);
    }
  };
  const wrap = (sql: Sql, kind: QueryKind): Sql => ({
    query: <R>(text: string, params?: unknown[]) => timed(kind, () => sql.query<R>(text, params)),
    exec: (text) => timed(kind, () => sql.exec(text)),
    execAtCommit: (script) => sql.execAtCommit(script),
    literal: (value) => sql.literal(value),
  });
  const guarded = async <T>(kind: QueryKind, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      noteTimeout(kind, err);
      throw err;
    }
  };
  return {
    kind: db.kind,
    transaction: <T>(settings: TenantSettings | undefined, fn: (sql: Sql) => Promise<T>, options?: TransactionOptions) =>
      guarded('transaction', () => db.transaction(settings, (sql) => fn(wrap(sql, 'transaction')), options)),
    asOwner: <T>(fn: (sql: Sql) => Promise<T>) => guarded('owner', () => db.asOwner((sql) => fn(wrap(sql, 'owner')))),
    releaseOwner: () => db.releaseOwner(),
    listen: (channel, onMessage) => db.listen(channel, onMessage),
    ping: () => db.ping(),
    poolStats: () => db.poolStats(),
    ...(db.snapshot ? { snapshot: () => (db.snapshot as () => Promise<Blob>)() } : {}),
    close: () => db.close(),
  };
}
