import type { RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit, type Store } from 'express-rate-limit';
import helmet from 'helmet';
import type { RequestAuth } from '../auth/bearer.ts';
import type { ClientLimits } from '../auth/client-limits.ts';

/**
 * Security headers: the seed's set, via helmet. Sign-in pages use inline styles only.
 * HSTS and the CSP's upgrade-insecure-requests go only on requests that arrived over HTTPS
 * (`req.secure`: TLS here, or X-Forwarded-Proto from a trusted proxy) or when `httpsOnly` says the
 * site is never served otherwise: over plain HTTP on a clinic's LAN they would make the browser
 * fetch the apps' scripts over https, which nothing answers, and leave a blank page.
 */
export function securityHeaders(httpsOnly: boolean): RequestHandler {
  const directives = { defaultSrc: ["'self'"], styleSrc: ["'self'", "'unsafe-inline'"], frameAncestors: ["'none'"], formAction: null };
  const overHttps = helmet({
    contentSecurityPolicy: { directives: { ...directives, upgradeInsecureRequests: [] } },
    frameguard: { action: 'deny' },
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
  });
  if (httpsOnly) return overHttps;
  const overHttp = helmet({
    contentSecurityPolicy: { directives: { ...directives, upgradeInsecureRequests: null } },
    frameguard: { action: 'deny' },
    strictTransportSecurity: false,
  });
  return (req, res, next) => (req.secure ? overHttps : overHttp)(req, res, next);
}

/** The API limit counts per access token (a client acting for a user), falling back to the IP. */
export function tokenOrIp(req: Parameters<RequestHandler>[0]): string {
  const h = req.get('authorization');
  return h ? `t:${h.slice(-43)}` : `ip:${ipKeyGenerator(req.ip ?? '')}`;
}

function throttled(onRefused?: () => void): RequestHandler {
  return (_req, res) => {
    onRefused?.();
    res
      .status(429)
      .set('Content-Type', 'application/fhir+json')
      .json({
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'throttled', details: { text: 'Too many requests; slow down and retry later' } }],
      });
  };
}

/**
 * A per-minute limit answering 429 with Retry-After; 0 turns it off. `onRefused` counts refusals
 * (/metrics); `store` shares the counts between processes (shared-limits.ts), else they are this
 * process's own. A store that fails lets requests through.
 */
export function perMinute(
  limit: number,
  key?: (req: Parameters<RequestHandler>[0]) => string,
  onRefused?: () => void,
  store?: Store,
): RequestHandler {
  if (limit <= 0) return (_req, _res, next) => next();
  return rateLimit({
    windowMs: 60_000,
    limit,
    ...(store ? { store, passOnStoreError: true } : {}),
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    ...(key ? { keyGenerator: key } : {}),
    handler: throttled(onRefused),
  });
}

/**
 * The API limit per access token, after authentication: the client's own limit when it has one
 * (ClientLimits), else `defaultPerMinute`; 0 means unlimited.
 */
export function perClientPerMinute(defaultPerMinute: number, limits: ClientLimits, onRefused?: () => void, store?: Store): RequestHandler {
  const limiter = rateLimit({
    windowMs: 60_000,
    ...(store ? { store, passOnStoreError: true } : {}),
    limit: (_req, res) => res.locals.rateLimit as number,
    skip: (_req, res) => !res.locals.rateLimit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: tokenOrIp,
    handler: throttled(onRefused),
  });
  return async (req, res, next) => {
    const who = res.locals.auth as RequestAuth | undefined;
    try {
      const own = who?.principal.clientId ? await limits.perMinute(who.tenant.tenantId ?? '', who.principal.clientId) : null;
      res.locals.rateLimit = own ?? defaultPerMinute;
    } catch (err) {
      return next(err);
    }
    limiter(req, res, next);
  };
}
