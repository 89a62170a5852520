import { existsSync, statSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';
import type express from 'express';

const ENCODINGS: Record<string, string> = { br: '.br', gzip: '.gz' };

/**
 * Serves the Brotli or gzip copy the app build wrote beside an asset (apps/scripts/precompress.ts)
 * when the browser accepts it, with the asset's own type; anything else falls through to the
 * plain static files. Nothing is compressed per request.
 */
export function precompressed(dir: string, options: { maxAge: string; immutable: boolean }): express.RequestHandler {
  const root = resolve(dir);
  return (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    res.vary('Accept-Encoding');
    // Ours is the preference among what the browser takes equally (browsers list gzip first).
    const encoding = Object.keys(ENCODINGS).find((e) => req.acceptsEncodings(e) === e);
    if (!encoding) return next();
    let path: string;
    try {
      path = resolve(join(root, decodeURIComponent(req.path)));
    } catch {
      return next();
    }
    if (!path.startsWith(root + sep)) return next();
    const copy = path + ENCODINGS[encoding];
    if (!existsSync(copy) || !statSync(copy).isFile()) return next();
    res.type(extname(path));
    res.set('Content-Encoding', encoding);
    res.sendFile(copy, { maxAge: options.maxAge, immutable: options.immutable }, (err) => {
      if (err) next(err);
    });
  };
}
