import { Router } from 'express';
import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import type { RedisProbe } from './redis-probe.ts';

type Check = 'healthy' | 'unhealthy';

const VERSION = process.env.npm_package_version ?? '0.1.0';

/**
 * /health: the seed's shape, `checks` naming each dependency healthy or unhealthy. The database
 * down is unhealthy (503); Redis down only degrades (200), since nothing needs it yet. Why a
 * check failed goes to the log, never into this public answer. /health/live: the process
 * answers; /health/ready: it can serve requests (database reachable, not shutting down).
 */
export function healthRoutes(db: Database, state: { shuttingDown: boolean }, logger: Logger, redis?: RedisProbe): Router {
  const router = Router();
  const probe = async (name: string, run: () => Promise<void>): Promise<{ status: Check; latencyMs: number }> => {
    const start = performance.now();
    try {
      await run();
      return { status: 'healthy', latencyMs: Math.round(performance.now() - start) };
    } catch (err) {
      logger.warn({ check: name, err: { message: (err as Error).message } }, 'health check failed');
      return { status: 'unhealthy', latencyMs: Math.round(performance.now() - start) };
    }
  };
  router.get('/', async (_req, res) => {
    const [database, cache] = await Promise.all([
      probe('database', () => db.ping()),
      redis ? probe('redis', () => redis.ping()) : Promise.resolve(undefined),
    ]);
    const status = database.status === 'unhealthy' ? 'unhealthy' : cache?.status === 'unhealthy' ? 'degraded' : 'healthy';
    res.status(status === 'unhealthy' ? 503 : 200).json({
      status,
      timestamp: new Date().toISOString(),
      version: VERSION,
      uptimeSeconds: Math.round(process.uptime()),
      checks: { database: database.status, ...(cache ? { redis: cache.status } : {}) },
      details: {
        database: { driver: db.kind, latencyMs: database.latencyMs },
        ...(cache ? { redis: { latencyMs: cache.latencyMs } } : {}),
      },
    });
  });
  router.get('/live', (_req, res) => {
    res.json({ status: 'alive' });
  });
  router.get('/ready', async (_req, res) => {
    const database = await probe('database', () => db.ping());
    const ready = database.status === 'healthy' && !state.shuttingDown;
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not-ready', checks: { database: database.status } });
  });
  return router;
}
