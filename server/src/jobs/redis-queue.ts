import type { EventEmitter } from 'node:events';
import { type ConnectionOptions, type Job, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../ops/metrics.ts';
import { checkJobId, checkName, checkQueueName, JOB_STATES, JobInputError, JobQueueUnavailableError, resolveOptions } from './input.ts';
import type { JobHandler, JobOptions, JobQueue, JobRecord, JobState, ScheduleDefinition } from './queue.ts';
import { checkSchedule } from './schedules.ts';

export interface RedisQueueSettings {
  url: string;
  /** Key prefix of every queue, so several deployments (or test runs) share one Redis apart. */
  prefix: string;
  /** How long a worker holds a job without renewing its lock before the job counts as stalled and comes back. */
  leaseMs: number;
  /** How long a call waits for Redis before it answers that the queue is unavailable. */
  timeoutMs?: number;
}

/** Completed jobs (and the marks that tell who added a job id) are kept this long: ids stay taken as on the database backend. */
const KEEP_SECONDS = 7 * 24 * 3600;

const BULL_STATE: Record<JobState, 'wait' | 'delayed' | 'active' | 'completed' | 'failed'> = {
  waiting: 'wait',
  delayed: 'delayed',
  active: 'active',
  completed: 'completed',
  failed: 'failed',
};

/**
 * BullMQ refuses ids with ':' and ids that read as integers; ours (e.g. "<subscription>:<seq>")
 * are escaped into a form it accepts and read back. Scheduler occurrences keep BullMQ's own ids.
 */
export function toBullId(id: string): string {
  if (/^repeat:[^:]+:\d+$/.test(id)) return id;
  return `j.${id.replaceAll('%', '%25').replaceAll(':', '%3A')}`;
}

export function fromBullId(id: string): string {
  return id.startsWith('j.') ? id.slice(2).replaceAll('%3A', ':').replaceAll('%25', '%') : id;
}

function connectionOptions(url: string, worker: boolean): ConnectionOptions {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: Number(u.pathname.slice(1) || 0),
    tls: u.protocol === 'rediss:' ? {} : undefined,
    // Workers wait on blocking commands across reconnects; callers of add/list should hear at once that Redis is gone.
    maxRetriesPerRequest: worker ? null : 1,
    enableOfflineQueue: worker,
    retryStrategy: (times: number) => Math.min(times * 200, 2000),
  };
}

/**
 * BullMQ's connections report a failed start-up as an 'error' event, also after their close has
 * removed every listener (a queue closed while it still connects); an 'error' nobody listens to
 * throws, and surfaces as an unhandled rejection. Such a late error has nobody left to tell: it is
 * dropped. (A Worker's blocking connection is always BullMQ's own class, hence per instance.)
 */
function dropUnheardErrors(owner: Queue | Worker): void {
  const parts = owner as unknown as { connection?: EventEmitter; blockingConnection?: EventEmitter };
  for (const conn of [parts.connection, parts.blockingConnection]) {
    if (!conn) continue;
    const emit = conn.emit.bind(conn);
    conn.emit = (event: string | symbol, ...args: unknown[]) =>
      event === 'error' && conn.listenerCount('error') === 0 ? false : emit(event, ...args);
  }
}

/**
 * The server-mode backend: BullMQ on Redis. Retries with exponential backoff, dead-lettering
 * (state failed, kept), stalled-job recovery and job schedulers are BullMQ's; this maps them onto
 * the JobQueue interface and says "unavailable" in our own words when Redis does not answer.
 */
export class RedisJobQueue implements JobQueue {
  readonly backend = 'redis' as const;
  private readonly queues = new Map<string, Queue>();
  private readonly workers = new Map<string, Worker>();
  /** Queues opened for one call (unschedule) and closed after it, or at close(). */
  private readonly passing = new Set<Queue>();
  private readonly settings: RedisQueueSettings;
  private readonly logger: Logger;
  private readonly metrics?: Metrics;
  private closed = false;
  private readonly closing: (() => void)[] = [];
  /** For what BullMQ has no call for (listing queues, marking adds), apart from its connections. */
  private client?: Redis;

  constructor(settings: RedisQueueSettings, logger: Logger, metrics?: Metrics) {
    this.settings = settings;
    this.logger = logger;
    this.metrics = metrics;
  }

  async add(queue: string, name: string, data: unknown, options?: JobOptions): Promise<{ id: string; added: boolean }> {
    checkQueueName(queue);
    checkName('job', name);
    const o = resolveOptions(options);
    const bullId = toBullId(o.jobId);
    return this.guard(async () => {
      const q = this.queue(queue);
      if (await q.getJob(bullId)) return { id: o.jobId, added: false };
      // BullMQ stores an id once; the mark (set only if absent) tells which of two racing adds was first.
      await q.add(name, data ?? null, {
        jobId: bullId,
        delay: o.delayMs,
        attempts: o.attempts,
        backoff: { type: 'exponential', delay: o.backoffMs },
        removeOnComplete: { age: KEEP_SECONDS },
        removeOnFail: false,
      });
      const mark = await this.plain().set(`${this.settings.prefix}:${queue}:added:${bullId}`, '1', 'EX', KEEP_SECONDS, 'NX');
      return { id: o.jobId, added: mark === 'OK' };
    });
  }

  work<T = unknown>(queue: string, handler: JobHandler<T>, options: { concurrency?: number } = {}): void {
    checkQueueName(queue);
    if (this.closed) throw new JobInputError('The job queue is closed.');
    if (this.workers.has(queue)) throw new JobInputError(`This process already has a handler for queue ${queue}.`);
    const concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new JobInputError('Concurrency is a whole number, 1 or more.');
    const worker = new Worker(
      queue,
      async (job: Job) => {
        // attemptsStarted counts a start its worker did not live to finish, as the database backend does.
        const attempt = Math.max(job.attemptsStarted, job.attemptsMade + 1);
        await (handler as JobHandler)({ id: fromBullId(job.id ?? ''), queue, name: job.name, data: job.data, attempt });
      },
      {
        connection: connectionOptions(this.settings.url, true),
        prefix: this.settings.prefix,
        concurrency,
        lockDuration: this.settings.leaseMs,
        stalledInterval: this.settings.leaseMs,
        maxStalledCount: 1,
      },
    );
    dropUnheardErrors(worker);
    worker.on('completed', () => this.metrics?.jobsProcessed.inc({ queue, outcome: 'completed' }));
    worker.on('failed', (job, err) => {
      const final = !job || job.attemptsMade >= (job.opts.attempts ?? 1);
      this.logger.warn({ queue, job: job?.id, attempt: job?.attemptsMade, reason: err.message }, 'job attempt failed');
      this.metrics?.jobsProcessed.inc({ queue, outcome: final ? 'failed' : 'retried' });
    });
    worker.on('error', (err) => this.logger.warn({ err, queue }, 'job worker: Redis error; it reconnects by itself'));
    this.workers.set(queue, worker);
  }

  async schedule(definition: ScheduleDefinition): Promise<void> {
    const d = checkSchedule(definition);
    // A job scheduler stores the definition once in Redis and makes each occurrence one job, however many processes upsert it.
    await this.guard(() =>
      this.queue(d.queue).upsertJobScheduler(
        d.name,
        { pattern: d.cron, tz: d.timezone },
        {
          name: d.name,
          data: d.data ?? null,
          opts: {
            attempts: 5,
            backoff: { type: 'exponential', delay: 5000 },
            removeOnComplete: { age: KEEP_SECONDS },
            removeOnFail: false,
          },
        },
      ),
    );
  }

  async unschedule(queue: string, name: string): Promise<void> {
    checkQueueName(queue);
    checkName('schedule', name);
    // A queue this process does not use otherwise is opened for this alone and closed after.
    const shared = this.queues.get(queue);
    const q = shared ?? this.openQueue(queue);
    if (!shared) this.passing.add(q);
    try {
      await this.guard(async () => {
        await q.removeJobScheduler(name);
        // Occurrences already due that nobody ran go too; a running one finishes.
        for (const job of await q.getJobs(['wait', 'delayed', 'prioritized'], 0, -1, true))
          if (job?.repeatJobKey === name && job.attemptsStarted === 0) await job.remove();
      });
    } finally {
      if (this.passing.delete(q)) await this.closeQueue(q);
    }
  }

  async list(filter: { queue?: string; state?: JobState; limit?: number } = {}): Promise<JobRecord[]> {
    if (filter.queue !== undefined) checkQueueName(filter.queue);
    const limit = Math.min(Math.max(filter.limit ?? 100, 1), 1000);
    const states = filter.state ? [filter.state] : JOB_STATES;
    return this.guard(async () => {
      const names = filter.queue ? [filter.queue] : await this.queueNames();
      const out: JobRecord[] = [];
      for (const name of names) {
        const q = this.queue(name);
        for (const state of states) {
          const jobs = await q.getJobs([BULL_STATE[state]], 0, limit - 1, false);
          for (const job of jobs) if (job) out.push(record(name, state, job));
        }
      }
      return out.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id)).slice(0, limit);
    });
  }

  async counts(): Promise<Record<string, Record<JobState, number>>> {
    return this.guard(async () => {
      const out: Record<string, Record<JobState, number>> = {};
      for (const name of await this.queueNames()) {
        const c = await this.queue(name).getJobCounts('wait', 'prioritized', 'paused', 'delayed', 'active', 'completed', 'failed');
        out[name] = {
          waiting: (c.wait ?? 0) + (c.prioritized ?? 0) + (c.paused ?? 0),
          delayed: c.delayed ?? 0,
          active: c.active ?? 0,
          completed: c.completed ?? 0,
          failed: c.failed ?? 0,
        };
      }
      return out;
    });
  }

  async retry(queue: string, id: string): Promise<boolean> {
    checkQueueName(queue);
    checkJobId(id);
    return this.guard(async () => {
      const job = await this.queue(queue).getJob(toBullId(id));
      if (!job || (await job.getState()) !== 'failed') return false;
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      return true;
    });
  }

  /** Runs `fn` when the queue closes (open.ts stops offering schedules). */
  onClose(fn: () => void): void {
    if (this.closed) fn();
    else this.closing.push(fn);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const fn of this.closing.splice(0)) fn();
    // A connection closed while it still starts rejects its start-up checks afterwards, with no
    // one left to hear them; let start-ups settle first (bounded: Redis may be gone).
    const owners = [...this.workers.values(), ...this.queues.values(), ...this.passing];
    await Promise.race([
      Promise.all(owners.map((o) => o.waitUntilReady().catch(() => undefined))),
      new Promise((r) => setTimeout(r, 1000).unref()),
    ]);
    // A worker's close waits for the jobs it is running.
    await Promise.all([...this.workers.values()].map((w) => w.close()));
    const passing = [...this.passing];
    this.passing.clear();
    await Promise.all([...this.queues.values(), ...passing].map((q) => this.closeQueue(q)));
    this.client?.disconnect();
  }

  /** Stops at once, as a killed process would: running jobs keep their lock until it runs out (tests of stalled jobs). */
  async abandon(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.workers.values()].map((w) => w.close(true)));
    this.workers.clear();
  }

  private async closeQueue(q: Queue): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((r) => {
      timer = setTimeout(() => r('late'), this.settings.timeoutMs ?? 3000);
    });
    // With Redis gone, a polite close would wait for it; the connection is dropped instead.
    const closing = q.close().then(
      () => 'closed' as const,
      (err) => {
        this.logger.debug({ err }, 'job queue: closed with Redis unreachable');
        return 'closed' as const;
      },
    );
    if ((await Promise.race([closing, late])) === 'late') await q.disconnect();
    clearTimeout(timer);
  }

  private plain(): Redis {
    if (!this.client) {
      this.client = new Redis(this.settings.url, { maxRetriesPerRequest: 1, retryStrategy: (times) => Math.min(times * 200, 2000) });
      this.client.on('error', (err) => this.logger.debug({ err }, 'job queue: Redis error'));
    }
    return this.client;
  }

  private queue(name: string): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = this.openQueue(name);
      this.queues.set(name, q);
    }
    return q;
  }

  private openQueue(name: string): Queue {
    const q = new Queue(name, { connection: connectionOptions(this.settings.url, false), prefix: this.settings.prefix });
    dropUnheardErrors(q);
    q.on('error', (err) => this.logger.debug({ err, queue: name }, 'job queue: Redis error'));
    return q;
  }

  /** Every queue under the prefix, also those only other processes have used (BullMQ keeps a meta key per queue). */
  private async queueNames(): Promise<string[]> {
    const names = new Set(this.queues.keys());
    const client = this.plain();
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${this.settings.prefix}:*:meta`, 'COUNT', 500);
      cursor = next;
      for (const k of keys) names.add(k.slice(this.settings.prefix.length + 1, -':meta'.length));
    } while (cursor !== '0');
    return [...names].filter((n) => !n.includes(':')).sort();
  }

  /** Runs a call on Redis; a Redis that is down or too slow becomes JobQueueUnavailableError. */
  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    // Past the timeout the call may still fail (say, once the connection is dropped at close): nobody awaits it then.
    const work = fn();
    work.catch(() => {});
    try {
      return await Promise.race([
        work,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('Redis did not answer in time')), this.settings.timeoutMs ?? 3000);
        }),
      ]);
    } catch (err) {
      if (err instanceof JobInputError) throw err;
      this.logger.warn({ err }, 'job queue: Redis unavailable');
      throw new JobQueueUnavailableError(err);
    } finally {
      clearTimeout(timer);
    }
  }
}

function record(queue: string, state: JobState, job: Job): JobRecord {
  return {
    id: fromBullId(job.id ?? ''),
    queue,
    name: job.name,
    state,
    data: job.data,
    attempts: job.attemptsMade,
    maxAttempts: job.opts.attempts ?? 1,
    ...(job.failedReason ? { lastError: job.failedReason.slice(0, 1000) } : {}),
    createdAt: new Date(job.timestamp).toISOString(),
    ...(job.finishedOn ? { finishedAt: new Date(job.finishedOn).toISOString() } : {}),
  };
}
