import type { Store } from 'express-rate-limit';
import { Redis } from 'ioredis';
import { type RedisReply, RedisStore } from 'rate-limit-redis';
import type { Logger } from '../logger.ts';

/** Counters every process of a deployment shares, so a limit holds for the whole deployment. */
export interface SharedLimitStores {
  /** A store for one limiter (each needs its own); its keys live under the deployment's prefix. */
  store(limiter: string): Store;
  close(): Promise<void>;
}

/**
 * Rate-limit counters in Redis when REDIS_URL is set: with N processes behind a load balancer, a
 * per-minute limit is the deployment's, not N times it (five sign-in attempts a minute means five).
 * Redis down: calls fail at once (no offline queue) and the limiters let requests through, logged;
 * refusing every sign-in while Redis restarts would be worse than a minute without limits.
 */
export function redisLimitStores(url: string, prefix: string, logger: Logger): SharedLimitStores {
  const client = new Redis(url, {
    connectTimeout: 1000,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  client.on('error', (err) => logger.debug({ err }, 'rate limits: Redis error; limits pass requests until it is back'));
  return {
    store(limiter) {
      const store = new RedisStore({
        sendCommand: (command: string, ...args: string[]) => client.call(command, ...args) as Promise<RedisReply>,
        prefix: `${prefix}:rl:${limiter}:`,
      });
      // The store loads its scripts at once and again when a call finds them missing; a load that
      // fails now (Redis still connecting, or down) is retried by the first call that needs it.
      const scripts = store as unknown as { incrementScriptSha: Promise<string>; getScriptSha: Promise<string> };
      scripts.incrementScriptSha.catch(() => undefined);
      scripts.getScriptSha.catch(() => undefined);
      return store;
    },
    async close() {
      client.disconnect();
    },
  };
}
