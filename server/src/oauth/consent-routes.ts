import { isUUID } from '@medplum/core';
import express from 'express';
import { bearerAuth, type RequestAuth } from '../auth/bearer.ts';
import type { AuthService } from '../auth/service.ts';
import { sendFhir } from '../http/fhir-handler.ts';
import { outcome } from '../http/outcomes.ts';
import { listConsents, revokeConsent } from './consents.ts';

/**
 * A signed-in user's own remembered app consents: `GET /oauth2/consents` lists them and
 * `DELETE /oauth2/consents/{client_id}` revokes one (the app asks again next time).
 */
export function consentRoutes(auth: AuthService): express.Router {
  const r = express.Router();
  const self = (who: RequestAuth) => (who.principal.userId && isUUID(who.principal.userId) ? who.principal.userId : undefined);
  r.get('/oauth2/consents', bearerAuth(auth), async (_req, res) => {
    const who = res.locals.auth as RequestAuth;
    const user = self(who);
    if (!user) return sendFhir(res, 403, outcome('forbidden', 'forbidden', 'Only a signed-in user has app consents'));
    res.json({ consents: await listConsents(auth.db, who.tenant.tenantId, user) });
  });
  r.delete('/oauth2/consents/:client', bearerAuth(auth), async (req, res) => {
    const who = res.locals.auth as RequestAuth;
    const user = self(who);
    if (!user) return sendFhir(res, 403, outcome('forbidden', 'forbidden', 'Only a signed-in user has app consents'));
    if (!(await revokeConsent(auth.db, who.tenant.tenantId, user, String(req.params.client)))) {
      return sendFhir(res, 404, outcome('not-found', 'not-found', 'You have not allowed that app'));
    }
    res.status(204).end();
  });
  return r;
}
