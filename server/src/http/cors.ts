import type { Request, RequestHandler, Response } from 'express';
import type { Database } from '../db/database.ts';

const ORIGINS_TTL_MS = 30_000;
const METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE';
const EXPOSED = 'Location, ETag, Last-Modified, Content-Location, X-Request-Id, Retry-After';
const MAX_AGE_SECONDS = '600';

// SMART App Launch: discovery must be readable by any app, registered or not.
const DISCOVERY = new Set([
  '/.well-known/smart-configuration',
  '/fhir/R4/.well-known/smart-configuration',
  '/.well-known/openid-configuration',
  '/oauth2/jwks',
  '/fhir/R4/metadata',
]);

/** Origins of registered apps (their redirect URIs), read briefly cached. */
function registeredOrigins(db: Database): () => Promise<Set<string>> {
  let origins = new Set<string>();
  let loadedAt = 0;
  let loading: Promise<void> | undefined;
  const load = async () => {
    // Across tenants, through a function that returns the redirect URIs and nothing else (migration 0046).
    const r = await db.transaction(undefined, (sql) => sql.query<{ uri: string }>('SELECT uri FROM cors_redirect_uris() AS t(uri)'), {
      readOnly: true,
    });
    origins = new Set(r.rows.filter((x) => URL.canParse(x.uri)).map((x) => new URL(x.uri).origin));
    loadedAt = Date.now();
  };
  return async () => {
    if (Date.now() - loadedAt >= ORIGINS_TTL_MS) {
      loading ??= load().finally(() => {
        loading = undefined;
      });
      await loading;
    }
    return origins;
  };
}

function isPreflight(req: Request): boolean {
  return req.method === 'OPTIONS' && req.get('access-control-request-method') !== undefined;
}

function answerPreflight(req: Request, res: Response): void {
  res.set('Access-Control-Allow-Methods', METHODS);
  const asked = req.get('access-control-request-headers');
  if (asked) res.set('Access-Control-Allow-Headers', asked);
  res.set('Access-Control-Max-Age', MAX_AGE_SECONDS);
}

/**
 * CORS: preflights are answered here and never reach authentication (a browser sends them without
 * credentials). Discovery allows any origin; everything else only the origins of registered apps
 * and those configured (CORS_ORIGINS), so a page elsewhere cannot use a user's token. A refused
 * origin gets an answer without Access-Control headers, which the browser enforces.
 */
export function corsPolicy(db: Database, configured: readonly string[]): RequestHandler {
  const registered = registeredOrigins(db);
  const extra = new Set(configured);
  return async (req, res, next) => {
    const origin = req.get('origin');
    res.vary('Origin');
    if (!origin) return next();
    try {
      if (DISCOVERY.has(req.path.replace(/\/+$/, ''))) {
        res.set('Access-Control-Allow-Origin', '*');
      } else if (extra.has(origin) || (await registered()).has(origin)) {
        res.set('Access-Control-Allow-Origin', origin);
        res.set('Access-Control-Allow-Credentials', 'true');
      } else if (isPreflight(req)) {
        res.status(204).end();
        return;
      } else {
        return next();
      }
    } catch (err) {
      return next(err);
    }
    if (!isPreflight(req)) {
      res.set('Access-Control-Expose-Headers', EXPOSED);
      return next();
    }
    answerPreflight(req, res);
    res.status(204).end();
  };
}
