import type { Database } from '../db/database.ts';
import { isConnectionLoss } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../ops/metrics.ts';
import { backoffDelay, checkName, checkQueueName, failureMessage, JOB_STATES, JobInputError, resolveOptions } from './input.ts';
import type { JobHandler, JobOptions, JobQueue, JobRecord, JobState, ScheduleDefinition } from './queue.ts';
import { type CheckedSchedule, checkSchedule, nextOccurrence, occurrenceIdPrefix, occurrenceJobId } from './schedules.ts';

export interface DatabaseQueueSettings {
  /** How often each queue looks for due jobs and each schedule for due occurrences. */
  pollMs: number;
  /** How long a claimed job stays with its worker without a heartbeat before another may take it. */
  leaseMs: number;
}

interface Claimed {
  id: string;
  name: string;
  data: unknown;
  attempts: number;
  max_attempts: number;
  backoff_ms: number;
}

interface Schedule {
  definition: CheckedSchedule;
  /** The occurrence whose job this process last added. */
  next: Date;
}

interface Worker {
  queue: string;
  handler: JobHandler;
  concurrency: number;
  active: number;
  polling?: Promise<void>;
}

// Completed jobs are kept 7 days (job_prune, migration 0046): long enough that a late process's schedule occurrence still collides.
const PRUNE_EVERY_MS = 3_600_000;

/**
 * The embedded backend: jobs are rows of the `job` table (migration 0022), claimed with
 * `FOR UPDATE SKIP LOCKED` and a lease as the event dispatcher claims events, so several processes
 * share a queue, each job runs on one of them at a time, and a crashed worker's job comes back when
 * its lease runs out. Everything is in the database; nothing in this process is needed to resume.
 */
export class DatabaseJobQueue implements JobQueue {
  readonly backend = 'database' as const;
  private readonly workers = new Map<string, Worker>();
  private readonly schedules = new Map<string, Schedule>();
  private readonly running = new Set<Promise<void>>();
  private readonly heartbeats = new Set<NodeJS.Timeout>();
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  private lastPrune = 0;
  private closed = false;

  private readonly db: Database;
  private readonly logger: Logger;
  private readonly settings: DatabaseQueueSettings;
  private readonly metrics?: Metrics;

  constructor(db: Database, logger: Logger, settings: DatabaseQueueSettings, metrics?: Metrics) {
    this.db = db;
    this.logger = logger;
    this.settings = settings;
    this.metrics = metrics;
  }

  async add(queue: string, name: string, data: unknown, options?: JobOptions): Promise<{ id: string; added: boolean }> {
    checkQueueName(queue);
    checkName('job', name);
    const o = resolveOptions(options);
    const r = await this.db.transaction(undefined, (sql) =>
      sql.query<{ added: boolean }>('SELECT job_add($1, $2, $3, $4::jsonb, $5, $6, $7) AS added', [
        queue,
        o.jobId,
        name,
        JSON.stringify(data ?? null),
        o.attempts,
        o.backoffMs,
        o.delayMs,
      ]),
    );
    const added = r.rows[0].added === true;
    // A local worker need not wait for its next poll.
    const w = this.workers.get(queue);
    if (added && w && o.delayMs === 0) this.poll(w);
    return { id: o.jobId, added };
  }

  work<T = unknown>(queue: string, handler: JobHandler<T>, options: { concurrency?: number } = {}): void {
    checkQueueName(queue);
    if (this.closed) throw new JobInputError('The job queue is closed.');
    if (this.workers.has(queue)) throw new JobInputError(`This process already has a handler for queue ${queue}.`);
    const concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new JobInputError('Concurrency is a whole number, 1 or more.');
    const w: Worker = { queue, handler: handler as JobHandler, concurrency, active: 0 };
    this.workers.set(queue, w);
    this.start();
    this.poll(w);
  }

  async schedule(definition: ScheduleDefinition): Promise<void> {
    const checked = checkSchedule(definition);
    if (this.closed) throw new JobInputError('The job queue is closed.');
    const entry = { definition: checked, next: nextOccurrence(checked.cron, checked.timezone, new Date()) };
    this.schedules.set(checked.name, entry);
    await this.addOccurrence(entry);
    this.start();
  }

  async unschedule(queue: string, name: string): Promise<void> {
    checkQueueName(queue);
    checkName('schedule', name);
    if (this.schedules.get(name)?.definition.queue === queue) this.schedules.delete(name);
    await this.db.transaction(undefined, (sql) => sql.query('SELECT job_unschedule($1, $2)', [queue, occurrenceIdPrefix(name)]));
  }

  async list(filter: { queue?: string; state?: JobState; limit?: number } = {}): Promise<JobRecord[]> {
    if (filter.queue !== undefined) checkQueueName(filter.queue);
    const limit = Math.min(Math.max(filter.limit ?? 100, 1), 1000);
    const r = await this.db.transaction(undefined, (sql) =>
      sql.query<{
        queue: string;
        id: string;
        name: string;
        state: JobState;
        data: unknown;
        attempts: number;
        max_attempts: number;
        last_error: string | null;
        created_at: Date | string;
        finished_at: Date | string | null;
      }>('SELECT * FROM job_list($1, $2, $3)', [filter.queue ?? null, filter.state ?? null, limit]),
    );
    return r.rows.map((row) => ({
      id: row.id,
      queue: row.queue,
      name: row.name,
      state: row.state,
      data: row.data,
      attempts: row.attempts,
      maxAttempts: row.max_attempts,
      ...(row.last_error ? { lastError: row.last_error } : {}),
      createdAt: new Date(row.created_at).toISOString(),
      ...(row.finished_at ? { finishedAt: new Date(row.finished_at).toISOString() } : {}),
    }));
  }

  async counts(): Promise<Record<string, Record<JobState, number>>> {
    const r = await this.db.transaction(undefined, (sql) =>
      sql.query<{ queue: string; state: JobState; n: number }>('SELECT queue, state, n FROM job_counts()'),
    );
    const out: Record<string, Record<JobState, number>> = {};
    const empty = () => Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
    for (const q of [...this.workers.keys(), ...[...this.schedules.values()].map((e) => e.definition.queue)]) out[q] ??= empty();
    for (const row of r.rows) {
      out[row.queue] ??= empty();
      out[row.queue][row.state] = row.n;
    }
    return out;
  }

  async retry(queue: string, id: string): Promise<boolean> {
    checkQueueName(queue);
    const r = await this.db.transaction(undefined, (sql) =>
      sql.query<{ again: boolean }>('SELECT job_retry($1, $2) AS again', [queue, id]),
    );
    const again = r.rows[0].again === true;
    const w = this.workers.get(queue);
    if (again && w) this.poll(w);
    return again;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.ticking;
    await Promise.all([...this.workers.values()].map((w) => w.polling));
    // Jobs claimed by a poll that was finishing are in `running` too.
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  /** Stops at once, as a killed process would: no waiting, no lease released (tests of crash recovery). */
  abandon(): void {
    this.closed = true;
    clearInterval(this.timer);
    for (const h of this.heartbeats) clearInterval(h);
    // Its handlers are left hanging; close() does not wait for them.
    this.running.clear();
  }

  private start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.settings.pollMs);
    this.timer.unref();
  }

  private tick(): void {
    if (this.closed) return;
    for (const w of this.workers.values()) this.poll(w);
    if (this.ticking) return;
    this.ticking = this.addDueOccurrences()
      .then(() => this.prune())
      .catch((err) => this.logger.error({ err }, 'job schedules could not be checked; trying again on the next poll'))
      .finally(() => {
        this.ticking = undefined;
      });
  }

  /**
   * The next occurrence of each schedule waits as a delayed job whose id names its time, so every
   * process that registered the schedule adds the same job and only one is stored; once it is
   * due, the one after it is added. An occurrence missed while no process ran runs when one starts.
   */
  private async addDueOccurrences(): Promise<void> {
    const now = new Date();
    for (const entry of this.schedules.values()) {
      if (entry.next > now) continue;
      entry.next = nextOccurrence(entry.definition.cron, entry.definition.timezone, now);
      await this.addOccurrence(entry);
    }
  }

  private async addOccurrence({ definition, next }: Schedule): Promise<void> {
    await this.add(definition.queue, definition.name, definition.data ?? null, {
      jobId: occurrenceJobId(definition.name, next),
      delayMs: Math.max(0, next.getTime() - Date.now()),
    });
  }

  private async prune(): Promise<void> {
    if (Date.now() - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = Date.now();
    await this.db.transaction(undefined, (sql) => sql.query('SELECT job_prune()'));
  }

  /** Claims as many due jobs as the worker has free slots, and starts each; one poll per queue at a time. */
  private poll(w: Worker): void {
    if (w.polling || this.closed || w.active >= w.concurrency) return;
    // Cleared in a later microtask than this assignment, even when the drain ends at once.
    const polling = this.drain(w).finally(() => {
      if (w.polling === polling) w.polling = undefined;
    });
    w.polling = polling;
  }

  private async drain(w: Worker): Promise<void> {
    try {
      while (!this.closed && w.active < w.concurrency) {
        const jobs = await this.claim(w.queue, w.concurrency - w.active);
        if (jobs.length === 0) break;
        for (const job of jobs) {
          const run = this.run(w, job).finally(() => this.running.delete(run));
          this.running.add(run);
        }
      }
    } catch (err) {
      const level = isConnectionLoss(err) ? 'warn' : 'error';
      this.logger[level]({ err, queue: w.queue }, 'jobs could not be claimed; trying again on the next poll');
    }
  }

  private async claim(queue: string, n: number): Promise<Claimed[]> {
    // The job table is out of the runtime role's reach; job_claim (migration 0046) also
    // dead-letters a job whose worker died on its last attempt.
    const r = await this.db.transaction(undefined, (sql) =>
      sql.query<Claimed>('SELECT id, name, data, attempts, max_attempts, backoff_ms FROM job_claim($1, $2, $3)', [
        queue,
        n,
        this.settings.leaseMs,
      ]),
    );
    return r.rows;
  }

  private async run(w: Worker, job: Claimed): Promise<void> {
    w.active++;
    // The attempt number is the lease's token: a worker whose lease was taken over changes nothing.
    const mine = [w.queue, job.id, job.attempts];
    const heartbeat = setInterval(
      () => {
        this.db
          .transaction(undefined, (sql) => sql.query('SELECT job_heartbeat($1, $2, $3, $4)', [...mine, this.settings.leaseMs]))
          .catch((err) => this.logger.warn({ err, queue: w.queue, job: job.id }, 'job lease could not be renewed'));
      },
      Math.max(10, Math.floor(this.settings.leaseMs / 3)),
    );
    heartbeat.unref();
    this.heartbeats.add(heartbeat);
    try {
      let failure: string | undefined;
      try {
        await w.handler({ id: job.id, queue: w.queue, name: job.name, data: job.data, attempt: job.attempts });
      } catch (err) {
        failure = failureMessage(err);
      } finally {
        clearInterval(heartbeat);
        this.heartbeats.delete(heartbeat);
      }
      await this.finish(w.queue, job, failure);
    } catch (err) {
      // The outcome could not be written: the lease runs out and the job is attempted again.
      this.logger.error({ err, queue: w.queue, job: job.id }, 'job outcome could not be recorded; it runs again when its lease ends');
    } finally {
      w.active--;
      if (!this.closed) this.poll(w);
    }
  }

  private async finish(queue: string, job: Claimed, failure: string | undefined): Promise<void> {
    const outcome = (state: 'completed' | 'waiting' | 'failed', error: string | null, waitMs: number | null) =>
      this.db.transaction(undefined, (sql) =>
        sql.query('SELECT job_finish($1, $2, $3, $4, $5, $6)', [queue, job.id, job.attempts, state, error, waitMs]),
      );
    if (failure === undefined) {
      await outcome('completed', null, null);
      this.metrics?.jobsProcessed.inc({ queue, outcome: 'completed' });
      return;
    }
    this.logger.warn({ queue, job: job.id, attempt: job.attempts, reason: failure }, 'job attempt failed');
    if (job.attempts < job.max_attempts) {
      await outcome('waiting', failure, backoffDelay(job.backoff_ms, job.attempts));
      this.metrics?.jobsProcessed.inc({ queue, outcome: 'retried' });
      return;
    }
    await outcome('failed', failure, null);
    this.metrics?.jobsProcessed.inc({ queue, outcome: 'failed' });
  }
}
