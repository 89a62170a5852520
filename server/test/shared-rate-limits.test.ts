import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server.ts';

// Several processes behind one load balancer: a per-minute limit is the deployment's, counted in Redis.
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `hops-test-rl-${randomUUID().slice(0, 8)}`;
const servers: TestServer[] = [];

const tokenAttempt = (t: TestServer) =>
  fetch(`${t.server.url}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'nobody', client_secret: 'wrong-secret' }),
  }).then((r) => r.status);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

describe.runIf(process.env.TEST_DB === 'postgres')('rate limits across processes', () => {
  it('counts one limit for two processes sharing Redis', async () => {
    const env = { REDIS_URL, JOBS_PREFIX: prefix, RATE_LIMIT_TOKEN: '4' };
    // One after the other: two first starts at once race on the cluster's shared roles.
    const a = await startTestServer(env);
    servers.push(a);
    const b = await startTestServer(env);
    servers.push(b);
    const statuses = [await tokenAttempt(a), await tokenAttempt(b), await tokenAttempt(a), await tokenAttempt(b)];
    expect(statuses.every((s) => s !== 429)).toBe(true);
    // Each process has seen two: alone, each would allow two more.
    expect(await tokenAttempt(a)).toBe(429);
    expect(await tokenAttempt(b)).toBe(429);
  }, 120_000);

  it('lets requests through, and keeps serving, while Redis is unreachable', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const t = await startTestServer({ REDIS_URL: `redis://127.0.0.1:${port}`, RATE_LIMIT_TOKEN: '2' });
    servers.push(t);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push(await tokenAttempt(t));
    expect(statuses).toEqual([401, 401, 401, 401]);
  }, 120_000);
});
