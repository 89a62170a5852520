import type { Logger } from '../logger.ts';
import type { Database } from './database.ts';

/**
 * Searches may go to a PostgreSQL streaming replica (DATABASE_REPLICA_URL) while everything
 * else stays on the primary. The replica lags; two rules keep that invisible to a client:
 *
 * - The replica is known to have replayed everything the primary had acknowledged by time T:
 *   every `pollMs` the primary's WAL position is sampled (time first, then position, so any commit
 *   acknowledged before the time is at or below the position), and once the replica's replay
 *   position passes a sample, its time becomes `caughtUpTo`.
 * - Each actor's last write time is marked after its commit and before the answer. An actor whose
 *   last write is after `caughtUpTo` reads from the primary, so a client always reads its own
 *   writes; others read from the replica, at most a few poll intervals behind.
 *
 * When the replica is unreachable, or its position has not been read for a while, reads go to the
 * primary. Marks live in this process, or in Redis (`WriteMarks`) when several processes share
 * the load, since a client's next request may reach another process.
 */
export interface WriteMarks {
  /** Records that `actor` wrote at `at` (ms since epoch); rejects when the mark could not be kept. */
  mark(actor: string, at: number): Promise<void>;
  /** The actor's last write (ms since epoch), if it was within the marks' lifetime. */
  lastWrite(actor: string): Promise<number | undefined>;
  close(): Promise<void>;
}

/** Marks kept in this process: enough when one process serves every request. */
export class LocalWriteMarks implements WriteMarks {
  private readonly marks = new Map<string, number>();
  private readonly ttlMs: number;

  constructor(ttlMs: number) {
    this.ttlMs = ttlMs;
  }

  async mark(actor: string, at: number): Promise<void> {
    // Forget marks older than their lifetime now and then, so the map stays small.
    if (this.marks.size > 10_000) for (const [k, t] of this.marks) if (t < at - this.ttlMs) this.marks.delete(k);
    this.marks.set(actor, Math.max(at, this.marks.get(actor) ?? 0));
  }

  async lastWrite(actor: string): Promise<number | undefined> {
    return this.marks.get(actor);
  }

  async close(): Promise<void> {
    this.marks.clear();
  }
}

/** A WAL position ('16/B374D848') as a number that orders positions. */
export function lsnValue(lsn: string): bigint {
  const [hi, lo] = lsn.split('/');
  return (BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`);
}

export interface ReplicaOptions {
  pollMs: number;
  /** Without a fresh replay position for this long, every read goes to the primary. */
  staleAfterMs: number;
  /** A replica that has not caught up with commits older than this (replay stuck or far behind) is not used. */
  maxLagMs: number;
  marks: WriteMarks;
  logger: Logger;
}

export class ReplicaReads {
  readonly db: Database;
  private readonly primary: Database;
  private readonly options: ReplicaOptions;
  private samples: { at: number; lsn: bigint }[] = [];
  /** Every commit acknowledged before this time (ms) is visible on the replica. */
  private caughtUpTo = 0;
  /** When the replica's replay position was last read. */
  private lastPolled = 0;
  /** A write mark could not be kept: until then, read everything from the primary. */
  private unsureUntil = 0;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private reportedDown = false;

  constructor(primary: Database, replica: Database, options: ReplicaOptions) {
    this.primary = primary;
    this.db = replica;
    this.options = options;
  }

  start(): this {
    const tick = () => {
      this.polling = this.poll().finally(() => {
        if (this.timer !== undefined) this.timer = setTimeout(tick, this.options.pollMs).unref();
      });
    };
    this.timer = setTimeout(tick, 0);
    this.timer.unref();
    return this;
  }

  /** Reads both positions once; exported for tests that need a known state. */
  async poll(): Promise<void> {
    try {
      const at = Date.now();
      const primary = await this.primary.transaction(
        undefined,
        (sql) => sql.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn'),
        {
          readOnly: true,
        },
      );
      this.samples.push({ at, lsn: lsnValue(primary.rows[0].lsn) });
      const replica = await this.db.transaction(
        undefined,
        (sql) =>
          sql.query<{ recovering: boolean; lsn: string | null }>(
            'SELECT pg_is_in_recovery() AS recovering, pg_last_wal_replay_lsn()::text AS lsn',
          ),
        { readOnly: true },
      );
      const { recovering, lsn } = replica.rows[0];
      // Not a standby (DATABASE_REPLICA_URL names the primary itself): it sees every commit.
      const replayed = recovering ? (lsn ? lsnValue(lsn) : -1n) : (this.samples.at(-1)?.lsn ?? -1n);
      let keepFrom = 0;
      for (let i = 0; i < this.samples.length; i++) {
        if (this.samples[i].lsn > replayed) break;
        this.caughtUpTo = Math.max(this.caughtUpTo, this.samples[i].at);
        keepFrom = i + 1;
      }
      // Keep the samples not yet reached (bounded: a replica that stops replaying is stale anyway).
      this.samples = this.samples.slice(Math.max(keepFrom, this.samples.length - 1000));
      this.lastPolled = Date.now();
      if (this.reportedDown) this.options.logger.info('read replica: reachable again; searches may use it');
      this.reportedDown = false;
    } catch (err) {
      if (!this.reportedDown) this.options.logger.warn({ err }, 'read replica: position unknown; searches use the primary');
      this.reportedDown = true;
    }
  }

  /** Whether `actor`'s next search may be answered from the replica. */
  async mayServe(actor: string | undefined): Promise<boolean> {
    const now = Date.now();
    if (now - this.lastPolled > this.options.staleAfterMs || now < this.unsureUntil) return false;
    if (now - this.caughtUpTo > this.options.maxLagMs) return false;
    if (!actor) return true;
    try {
      const last = await this.options.marks.lastWrite(actor);
      return last === undefined || last < this.caughtUpTo;
    } catch {
      return false;
    }
  }

  /** After `actor`'s write committed, before it is answered. */
  async wrote(actor: string | undefined): Promise<void> {
    if (!actor) return;
    const at = Date.now();
    try {
      await this.options.marks.mark(actor, at);
    } catch (err) {
      // Without the mark this process cannot promise read-your-writes: primary only for a while.
      this.unsureUntil = at + 60_000;
      this.options.logger.warn({ err }, 'read replica: a write mark was not kept; searches use the primary for a minute');
    }
  }

  async close(): Promise<void> {
    const timer = this.timer;
    this.timer = undefined;
    clearTimeout(timer);
    await this.polling;
    await this.options.marks.close();
    await this.db.close();
  }
}
