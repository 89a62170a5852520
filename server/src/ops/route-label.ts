import type { Request, Response } from 'express';

/**
 * The route a request took, as a pattern for metric labels: ids, versions, query strings and
 * anything a client made up never become label values (each new value is a new time series, and
 * an id may be a patient's). FHIR paths are matched by shape, since @medplum's router is not an
 * express route; other paths take the express route that answered them.
 */
export function routeLabel(req: Request, res: Response): string {
  const path = req.originalUrl.split('?')[0];
  if (path === '/fhir/R4' || path.startsWith('/fhir/R4/')) return fhirRoute(path.slice('/fhir/R4'.length), res.statusCode);
  const route = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof route === 'string') return route === '/' && req.baseUrl ? req.baseUrl : `${req.baseUrl}${route}`;
  // Static files and anything unmatched: one label, whatever the path was.
  return res.statusCode === 404 ? 'unmatched' : 'other';
}

const TYPE = /^[A-Z][A-Za-z]{0,63}$/;

function fhirRoute(rest: string, status: number): string {
  const parts = rest.split('/').filter((p) => p !== '');
  // An operation's name is kept only once it proved real, so made-up names share one label.
  const op = (p: string) => (status < 400 && /^\$[a-z][a-zA-Z-]{0,40}$/.test(p) ? p : '$:operation');
  const shape = parts.map((p, i) => {
    if (p.startsWith('$')) return op(p);
    if (p === '_history' || p === '_search' || p === 'metadata' || p === '*') return p;
    if (i === 0) return TYPE.test(p) ? ':type' : ':other';
    if (i === 1) return ':id';
    if (i === 2) return TYPE.test(p) ? ':compartmentType' : ':other';
    if (i === 3 && parts[2] === '_history') return ':vid';
    return ':other';
  });
  if (shape.length > 4 || shape.includes(':other')) return 'unmatched';
  return ['/fhir/R4', ...shape].join('/');
}
