import type { JobContext, JobHandler, JobOptions, JobQueue, JobRecord, JobState, ScheduleDefinition } from '../../src/jobs/queue.ts';

interface MemoryJob extends JobRecord {
  backoffMs: number;
}

/**
 * A stand-in for the real JobQueue backends in the bot tests: in memory, one process, but honest
 * about what the runtime relies on: jobId idempotency (in any state), attempts with doubling
 * backoff, the failed (dead-letter) state with the last error, retry, and schedules (recorded;
 * `fire` runs an occurrence as a backend would at its time).
 */
export class MemoryJobQueue implements JobQueue {
  readonly backend = 'database' as const;
  private readonly jobs = new Map<string, MemoryJob>();
  private readonly handlers = new Map<string, { handler: JobHandler; concurrency: number; active: number }>();
  readonly schedules = new Map<string, ScheduleDefinition>();
  private closed = false;
  private seq = 0;
  private readonly running = new Set<Promise<void>>();

  /** `backoffMs` replaces the interface's default of 5000 so tests of retries stay short. */
  private readonly defaults: { backoffMs?: number; attempts?: number };
  constructor(defaults: { backoffMs?: number; attempts?: number } = {}) {
    this.defaults = defaults;
  }

  /** While true, add() fails as a backend whose Redis is away would. */
  unavailable = false;

  async add(queue: string, name: string, data: unknown, options: JobOptions = {}): Promise<{ id: string; added: boolean }> {
    if (this.unavailable) throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
    const id = options.jobId ?? `job-${++this.seq}`;
    const key = `${queue}/${id}`;
    if (this.jobs.has(key)) return { id, added: false };
    this.jobs.set(key, {
      id,
      queue,
      name,
      // A real backend stores the data serialised: the handler never shares the caller's object.
      data: JSON.parse(JSON.stringify(data ?? null)),
      state: options.delayMs ? 'delayed' : 'waiting',
      attempts: 0,
      maxAttempts: options.attempts ?? this.defaults.attempts ?? 5,
      backoffMs: options.backoffMs ?? this.defaults.backoffMs ?? 5000,
      createdAt: new Date().toISOString(),
    });
    if (options.delayMs) setTimeout(() => this.makeWaiting(key), options.delayMs).unref();
    else this.pump(queue);
    return { id, added: true };
  }

  work<T = unknown>(queue: string, handler: JobHandler<T>, options: { concurrency?: number } = {}): void {
    this.handlers.set(queue, { handler: handler as JobHandler, concurrency: options.concurrency ?? 1, active: 0 });
    this.pump(queue);
  }

  async schedule(definition: ScheduleDefinition): Promise<void> {
    this.schedules.set(definition.name, definition);
  }

  async unschedule(queue: string, name: string): Promise<void> {
    if (this.schedules.get(name)?.queue === queue) this.schedules.delete(name);
  }

  /** Runs one occurrence of a registered schedule, as the backend would when its cron comes due. */
  async fire(name: string, at = new Date()): Promise<string> {
    const s = this.schedules.get(name);
    if (!s) throw new Error(`no schedule ${name}`);
    const { id } = await this.add(s.queue, s.name, s.data, { jobId: `${s.name}-${at.getTime()}` });
    return id;
  }

  async list(filter: { queue?: string; state?: JobState; limit?: number } = {}): Promise<JobRecord[]> {
    return [...this.jobs.values()]
      .filter((j) => (!filter.queue || j.queue === filter.queue) && (!filter.state || j.state === filter.state))
      .reverse()
      .slice(0, filter.limit ?? 100)
      .map(({ backoffMs: _b, ...record }) => ({ ...record }));
  }

  async counts(): Promise<Record<string, Record<JobState, number>>> {
    const out: Record<string, Record<JobState, number>> = {};
    for (const j of this.jobs.values()) {
      out[j.queue] ??= { waiting: 0, delayed: 0, active: 0, completed: 0, failed: 0 };
      out[j.queue][j.state]++;
    }
    return out;
  }

  async retry(queue: string, id: string): Promise<boolean> {
    const job = this.jobs.get(`${queue}/${id}`);
    if (job?.state !== 'failed') return false;
    job.state = 'waiting';
    job.attempts = 0;
    job.finishedAt = undefined;
    this.pump(queue);
    return true;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.running]);
  }

  /** Resolves once the job is completed or failed (dead-lettered); its record. */
  async settled(queue: string, id: string, timeoutMs = 20_000): Promise<JobRecord> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = this.jobs.get(`${queue}/${id}`);
      if (job && (job.state === 'completed' || job.state === 'failed'))
        return (await this.list({ queue })).find((j) => j.id === id) as JobRecord;
      if (Date.now() > deadline) throw new Error(`job ${queue}/${id} still ${job?.state ?? 'absent'} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  private makeWaiting(key: string): void {
    const job = this.jobs.get(key);
    if (job?.state !== 'delayed') return;
    job.state = 'waiting';
    this.pump(job.queue);
  }

  private pump(queue: string): void {
    const worker = this.handlers.get(queue);
    if (!worker || this.closed) return;
    for (const job of this.jobs.values()) {
      if (worker.active >= worker.concurrency) return;
      if (job.queue !== queue || job.state !== 'waiting') continue;
      job.state = 'active';
      job.attempts++;
      worker.active++;
      const ctx: JobContext = { id: job.id, queue, name: job.name, data: job.data, attempt: job.attempts };
      const run = worker
        .handler(ctx)
        .then(
          () => {
            job.state = 'completed';
            job.lastError = undefined;
            job.finishedAt = new Date().toISOString();
          },
          (err: unknown) => {
            job.lastError = err instanceof Error ? err.message : String(err);
            if (job.attempts >= job.maxAttempts) {
              job.state = 'failed';
              job.finishedAt = new Date().toISOString();
            } else {
              job.state = 'delayed';
              setTimeout(() => this.makeWaiting(`${queue}/${job.id}`), job.backoffMs * 2 ** (job.attempts - 1)).unref();
            }
          },
        )
        .finally(() => {
          worker.active--;
          this.running.delete(run);
          this.pump(queue);
        });
      this.running.add(run);
    }
  }
}
