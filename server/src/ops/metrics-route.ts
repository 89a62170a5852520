import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { Request, RequestHandler } from 'express';
import type { Database } from '../db/database.ts';
import type { Metrics } from './metrics.ts';

/**
 * GET /metrics in Prometheus text format. Not public: route names, volumes and backlogs tell an
 * outsider too much. Allowed from this machine (a direct connection from loopback, not one a
 * proxy forwarded) or with METRICS_TOKEN as a bearer token; others get 404 when no token is
 * configured (the endpoint is not advertised) and 401 when one is.
 */
export function metricsRoute(metrics: Metrics, db: Database, token: string | undefined): RequestHandler {
  const expected = token ? digest(token) : undefined;
  return async (req, res) => {
    const bearer = /^Bearer (.+)$/i.exec(req.get('authorization') ?? '')?.[1];
    const allowed = (expected && bearer && timingSafeEqual(digest(bearer), expected)) || (!bearer && fromThisMachine(req));
    if (!allowed) {
      if (expected) res.set('WWW-Authenticate', 'Bearer realm="metrics"');
      res
        .status(expected ? 401 : 404)
        .type('application/fhir+json')
        .json({
          resourceType: 'OperationOutcome',
          issue: [
            expected
              ? { severity: 'error', code: 'login', details: { text: 'Metrics need the metrics token as a bearer token' } }
              : { severity: 'error', code: 'not-found', details: { text: 'No such endpoint' } },
          ],
        });
      return;
    }
    await metrics.refresh(db);
    res.set('Content-Type', metrics.registry.contentType).set('Cache-Control', 'no-store');
    res.send(await metrics.registry.metrics());
  };
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** A loopback peer that is not a local reverse proxy passing on someone else's request. */
function fromThisMachine(req: Request): boolean {
  if (req.get('x-forwarded-for') !== undefined || req.get('forwarded') !== undefined) return false;
  return isLoopback(req.socket.remoteAddress) && isLoopback(req.ip);
}

function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (a === '::1') return true;
  return isIP(a) === 4 && a.startsWith('127.');
}
