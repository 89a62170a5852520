import { Redis } from 'ioredis';

/** Answers whether Redis responds, for /health. Nothing needs Redis yet, so it is only probed. */
export interface RedisProbe {
  ping(): Promise<void>;
  close(): Promise<void>;
}

const TIMEOUT_MS = 1000;

/**
 * Connects on the first probe, not at start, with short timeouts and no queueing: a Redis that
 * is down makes a probe fail within a second instead of holding /health. ioredis keeps trying to
 * reconnect in the background, so a Redis that comes back is seen at the next probe.
 */
export function redisProbe(url: string): RedisProbe {
  let client: Redis | undefined;
  const open = () => {
    const c = new Redis(url, {
      lazyConnect: true,
      connectTimeout: TIMEOUT_MS,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => 2000,
    });
    // Connection errors are what the probe reports; unheard, they would end the process.
    c.on('error', () => undefined);
    return c;
  };
  return {
    async ping() {
      client ??= open();
      const c = client;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('Redis did not answer in time')), TIMEOUT_MS);
      });
      const check = (async () => {
        if (c.status === 'wait') await c.connect();
        await c.ping();
      })();
      // A check that fails after the timeout answered has nobody waiting for it.
      check.catch(() => undefined);
      try {
        await Promise.race([check, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      client?.disconnect();
      client = undefined;
    },
  };
}
