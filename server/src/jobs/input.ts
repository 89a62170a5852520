import type { JobOptions, JobState } from './queue.ts';

/** What a caller gave the queue cannot be used (admin routes answer 400 with the message). */
export class JobInputError extends Error {}

/** The queue's store (Redis) cannot be reached now; admin routes answer 503 with Retry-After. */
export class JobQueueUnavailableError extends Error {
  constructor(cause?: unknown) {
    super('The job queue cannot be reached right now; try again shortly.', { cause });
    this.name = 'JobQueueUnavailableError';
  }
}

export const JOB_STATES: readonly JobState[] = ['waiting', 'delayed', 'active', 'completed', 'failed'];

export function isJobState(value: unknown): value is JobState {
  return typeof value === 'string' && (JOB_STATES as readonly string[]).includes(value);
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** Queue names become Redis key parts and admin URL segments, so they keep to a safe alphabet. */
export function checkQueueName(queue: unknown): asserts queue is string {
  if (typeof queue !== 'string' || !NAME.test(queue))
    throw new JobInputError('A queue name is 1 to 100 letters, digits, dots, dashes or underscores, starting with a letter or digit.');
}

export function checkName(what: string, name: unknown): asserts name is string {
  if (typeof name !== 'string' || !NAME.test(name))
    throw new JobInputError(`A ${what} name is 1 to 100 letters, digits, dots, dashes or underscores, starting with a letter or digit.`);
}

export function checkJobId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || id.length === 0 || id.length > 200 || /[\s\p{Cc}]/u.test(id))
    throw new JobInputError('A job id is 1 to 200 characters without spaces or control characters.');
}

export interface ResolvedOptions {
  jobId: string;
  delayMs: number;
  attempts: number;
  backoffMs: number;
}

/** Fills in the defaults (5 attempts, 5 s first backoff) and refuses what cannot be honoured. */
export function resolveOptions(options: JobOptions = {}): ResolvedOptions {
  const jobId = options.jobId ?? crypto.randomUUID();
  checkJobId(jobId);
  const delayMs = options.delayMs ?? 0;
  const attempts = options.attempts ?? 5;
  const backoffMs = options.backoffMs ?? 5000;
  if (!Number.isFinite(delayMs) || delayMs < 0) throw new JobInputError('A job delay is a number of milliseconds, 0 or more.');
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > 100) throw new JobInputError('A job has 1 to 100 attempts.');
  if (!Number.isInteger(backoffMs) || backoffMs < 0 || backoffMs > 86_400_000)
    throw new JobInputError('A job backoff is a whole number of milliseconds up to a day.');
  return { jobId, delayMs: Math.round(delayMs), attempts, backoffMs };
}

/** The wait before attempt `made + 1` after `made` failed attempts: the first backoff, doubling each time. */
export function backoffDelay(backoffMs: number, made: number): number {
  return backoffMs * 2 ** Math.max(0, made - 1);
}

/** A handler's failure as admins see it: its message, short, never a stack. */
export function failureMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return (message || 'The job failed without saying why.').slice(0, 1000);
}
