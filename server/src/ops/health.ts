import { Router } from 'express';
import type { Database } from '../db/database.ts';

/**
 * /health: overall status with a database check (the seed's shape); /health/live: the process
 * answers; /health/ready: it can serve requests (database reachable, not shutting down).
 */
export function healthRoutes(db: Database, state: { shuttingDown: boolean }): Router {
  const router = Router();
  const checkDb = async () => {
    const start = performance.now();
    try {
      await db.ping();
      return { status: 'up' as const, latencyMs: Math.round(performance.now() - start), driver: db.kind };
    } catch (err) {
      return { status: 'down' as const, error: (err as Error).message, driver: db.kind };
    }
  };
  router.get('/', async (_req, res) => {
    const database = await checkDb();
    const ok = database.status === 'up';
    res.status(ok ? 200 : 503).json({
      status: ok ? 'healthy' : 'unhealthy',
      timestamp: new Date().toISOString(),
      uptimeSeconds: Math.round(process.uptime()),
      checks: { database },
    });
  });
  router.get('/live', (_req, res) => {
    res.json({ status: 'alive' });
  });
  router.get('/ready', async (_req, res) => {
    const database = await checkDb();
    const ready = database.status === 'up' && !state.shuttingDown;
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not-ready', checks: { database } });
  });
  return router;
}
