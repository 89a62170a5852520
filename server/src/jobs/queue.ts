/**
 * The one job interface the platform and its bots use. Two backends implement it: BullMQ when
 * `REDIS_URL` is set (server mode) and PostgreSQL/PGlite otherwise (embedded mode), so the demo's
 * bots and reminders run with no external service. The same test suite runs against both.
 */

/** Where a job is: waiting to run, waiting for its time (a delay or a retry's backoff), running, done, or dead-lettered. */
export type JobState = 'waiting' | 'delayed' | 'active' | 'completed' | 'failed';

export interface JobOptions {
  /**
   * Idempotency key: adding a job whose id the queue already holds (in any state) adds nothing.
   * Event-driven jobs use `<subscription id>-<event seq>` so a redelivered event runs once.
   */
  jobId?: string;
  /** Run no sooner than this many milliseconds from now. */
  delayMs?: number;
  /** Attempts before the job is dead-lettered (state `failed`); default 5. */
  attempts?: number;
  /** First retry after this long, doubling each time; default 5000. */
  backoffMs?: number;
}

/** What a handler gets. `attempt` counts from 1. */
export interface JobContext<T = unknown> {
  id: string;
  queue: string;
  name: string;
  data: T;
  attempt: number;
}

/** A handler's throw fails the attempt (retried with backoff, then dead-lettered); its return completes the job. */
export type JobHandler<T = unknown> = (job: JobContext<T>) => Promise<void>;

/** A job as admins see it (`GET /admin/jobs`, `npm run admin -- jobs list`). Never carries secrets. */
export interface JobRecord {
  id: string;
  queue: string;
  name: string;
  state: JobState;
  data: unknown;
  attempts: number;
  maxAttempts: number;
  /** The last failure's message, our own sentence or the handler's error message. */
  lastError?: string;
  createdAt: string;
  finishedAt?: string;
}

/** A recurring job: `cron` is a 5-field cron expression read in `timezone` (Asia/Kolkata by default). */
export interface ScheduleDefinition {
  /** Unique name; re-registering a name replaces its definition. */
  name: string;
  queue: string;
  cron: string;
  timezone?: string;
  data?: unknown;
}

export interface JobQueue {
  readonly backend: 'database' | 'redis';
  /** Adds a job; `added` is false when the jobId was already there. Resolves once the job is durable. */
  add(queue: string, name: string, data: unknown, options?: JobOptions): Promise<{ id: string; added: boolean }>;
  /** Runs this process's handler for a queue, `concurrency` jobs at a time (default 1). */
  work<T = unknown>(queue: string, handler: JobHandler<T>, options?: { concurrency?: number }): void;
  /** Registers a recurring job; each occurrence runs once however many processes registered it. */
  schedule(definition: ScheduleDefinition): Promise<void>;
  /**
   * Stops a recurring job: its next occurrence (not yet started) and any left waiting go, and no
   * more are added by this process (nor by any, on Redis; another process of the database backend
   * drops it when it next starts or unschedules it too).
   */
  unschedule(queue: string, name: string): Promise<void>;
  /** Jobs, newest first, optionally of one queue and state. */
  list(filter?: { queue?: string; state?: JobState; limit?: number }): Promise<JobRecord[]>;
  /** How many jobs each known queue holds in each state. */
  counts(): Promise<Record<string, Record<JobState, number>>>;
  /** Puts a failed (dead-lettered) job back to waiting with its attempts reset; false if no such failed job. */
  retry(queue: string, id: string): Promise<boolean>;
  /** Stops taking jobs, waits for the running ones, releases connections. */
  close(): Promise<void>;
}
