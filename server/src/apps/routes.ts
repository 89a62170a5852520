import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express from 'express';
import type { Config } from '../config.ts';
import { sendFhir } from '../http/fhir-handler.ts';
import { outcome } from '../http/outcomes.ts';
import { FAVICON } from './favicon.ts';
import { precompressed } from './precompressed.ts';
import { appClientId, appDistDir, BUILT_IN_APPS } from './registry.ts';

/**
 * Serves each built app under /apps/<name>/: hashed assets cached for a year (as the build's
 * Brotli/gzip copies when the browser takes them), index.html never
 * cached (it names the current assets), and every other path inside the app answered with
 * index.html so that client-side routes survive a reload. `config.json` tells the app its SMART
 * client id and FHIR base on this deployment.
 */
export function appRoutes(config: Config): express.Router {
  const r = express.Router();
  r.get('/favicon.ico', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=86400').type('image/x-icon').send(FAVICON);
  });
  for (const app of BUILT_IN_APPS) {
    const dist = appDistDir(app.name);
    const base = `/apps/${app.name}`;
    r.get(`${base}/config.json`, (_req, res) => {
      res.set('Cache-Control', 'no-cache').json({
        clientId: appClientId(app, config.TENANT_ID, config.TENANT_ID),
        fhirBaseUrl: `${config.baseUrl}/fhir/R4`,
        appUrl: `${config.baseUrl}${base}/`,
      });
    });
    const assets = join(dist, 'assets');
    r.use(
      `${base}/assets`,
      precompressed(assets, { immutable: true, maxAge: '365d' }),
      express.static(assets, { immutable: true, maxAge: '365d', index: false, fallthrough: false }),
    );
    r.use(base, express.static(dist, { index: false, maxAge: '1h' }));
    r.get([base, `${base}/{*rest}`], (_req, res) => {
      const index = join(dist, 'index.html');
      if (!existsSync(index)) {
        sendFhir(res, 503, outcome('exception', 'not-found', `The ${app.name} app is not built yet: run npm run build:apps`));
        return;
      }
      res.set('Cache-Control', 'no-cache').sendFile(index);
    });
  }
  return r;
}
