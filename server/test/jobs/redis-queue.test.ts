import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe } from 'vitest';
import { RedisJobQueue } from '../../src/jobs/redis-queue.ts';
import { createLogger } from '../../src/logger.ts';
import { type Harness, jobQueueSuite } from './suite.ts';

// The BullMQ backend on the machine's Redis, once (it needs no database, so not per database
// project). A prefix of its own per run keeps parallel runs and other suites apart.
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `hops-test-${randomUUID().slice(0, 8)}`;
const logger = createLogger('silent');

const harness: Harness = {
  async open(settings = {}) {
    return new RedisJobQueue({ url: REDIS_URL, prefix, leaseMs: settings.leaseMs ?? 5000 }, logger);
  },
};

describe.runIf(process.env.TEST_DB === 'postgres')('redis backend', () => {
  jobQueueSuite(() => harness);

  // The run's keys go, schedulers included, so nothing keeps adding jobs after it.
  afterAll(async () => {
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });
});
