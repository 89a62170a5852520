import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
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

  // A server stopped right after it started closes queues and workers still connecting; their late
  // start-up failure must not surface as an unhandled rejection (it failed CI once).
  it('closes queues and workers that are still connecting without an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      // Closed at once and at a few moments into connecting, to meet each step of BullMQ's start-up.
      for (let i = 0; i < 40; i++) {
        const q = await harness.open();
        q.work('close-race', async () => {});
        const adding = q.add('close-race', 'ping', {}).catch(() => undefined);
        if (i % 4) await new Promise((r) => setTimeout(r, i % 8));
        await q.close();
        await adding;
      }
      // Late failures arrive once the sockets have closed.
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
  });

  // The run's keys go, schedulers included, so nothing keeps adding jobs after it.
  afterAll(async () => {
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });
});
