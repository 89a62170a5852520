import { Redis } from 'ioredis';
import type { WriteMarks } from './replica.ts';

/**
 * Write marks shared by every process through Redis, so a client whose next request reaches
 * another process still reads its own writes. Redis down: calls fail at once (no offline queue),
 * and the replica router then sends reads to the primary.
 */
export class RedisWriteMarks implements WriteMarks {
  private readonly client: Redis;
  private readonly prefix: string;
  private readonly ttlMs: number;

  constructor(url: string, prefix: string, ttlMs: number) {
    this.client = new Redis(url, {
      connectTimeout: 1000,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      retryStrategy: (times) => Math.min(times * 200, 2000),
    });
    // Failures reach the callers (mark rejects, lastWrite rejects); nothing else to report here.
    this.client.on('error', () => undefined);
    this.prefix = `${prefix}:rw:`;
    this.ttlMs = ttlMs;
  }

  async mark(actor: string, at: number): Promise<void> {
    await this.client.set(this.prefix + actor, String(at), 'PX', this.ttlMs);
  }

  async lastWrite(actor: string): Promise<number | undefined> {
    const v = await this.client.get(this.prefix + actor);
    return v === null ? undefined : Number(v);
  }

  async close(): Promise<void> {
    this.client.disconnect();
  }
}
