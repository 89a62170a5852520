import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../ops/metrics.ts';
import { DatabaseJobQueue } from './database-queue.ts';
import type { JobQueue } from './queue.ts';
import { RedisJobQueue } from './redis-queue.ts';
import { RETIRED_SCHEDULES } from './schedules.ts';

/** While Redis cannot take the platform's schedules, they are offered again this often. */
const SCHEDULE_RETRY_MS = 30_000;

/** The configured backend with nothing registered on it (the admin CLI reads and retries jobs through it). */
export function jobQueueFor(config: Config, db: Database, logger: Logger, metrics?: Metrics): DatabaseJobQueue | RedisJobQueue {
  if (!config.REDIS_URL) return new DatabaseJobQueue(db, logger, { pollMs: config.JOBS_POLL_MS, leaseMs: config.JOBS_LEASE_MS }, metrics);
  return new RedisJobQueue({ url: config.REDIS_URL, prefix: config.JOBS_PREFIX, leaseMs: config.JOBS_LEASE_MS }, logger, metrics);
}

/**
 * The process's job queue: BullMQ when REDIS_URL is set (server mode), otherwise the database
 * (embedded mode). Schedules an earlier version left behind are removed from it; bots register
 * their own.
 */
export async function openJobQueue(config: Config, db: Database, logger: Logger, metrics?: Metrics): Promise<JobQueue> {
  const queue = jobQueueFor(config, db, logger, metrics);
  if (queue instanceof DatabaseJobQueue) {
    for (const r of RETIRED_SCHEDULES) await queue.unschedule(r.queue, r.name);
    return queue;
  }
  // Redis may be down at start: the server starts anyway and tries again until Redis answers.
  const retire = () => {
    Promise.all(RETIRED_SCHEDULES.map((r) => queue.unschedule(r.queue, r.name))).catch((err) => {
      logger.warn({ err }, `retired job schedules could not be removed from Redis; trying again in ${SCHEDULE_RETRY_MS / 1000} s`);
      const retry = setTimeout(retire, SCHEDULE_RETRY_MS);
      retry.unref();
      queue.onClose(() => clearTimeout(retry));
    });
  };
  retire();
  return queue;
}
