import { isUUID } from '@medplum/core';
import express from 'express';
import { bearerAuth, type RequestAuth } from '../auth/bearer.ts';
import { randomToken } from '../auth/random.ts';
import type { AuthService } from '../auth/service.ts';
import { sendFhir } from '../http/fhir-handler.ts';
import { outcome } from '../http/outcomes.ts';
import { PostgresRepository } from '../repo/postgres-repository.ts';

const LAUNCH_SECONDS = 5 * 60;
const ID = /^[A-Za-z0-9\-.]{1,64}$/;

/**
 * EHR launch: a signed-in staff app asks for a `launch` value bound to a patient (and
 * encounter) it can read, then opens the SMART app with `?iss=...&launch=...`.
 */
export function launchRoutes(auth: AuthService): express.Router {
  const r = express.Router();
  r.post('/oauth2/launch', express.json({ limit: '8kb' }), bearerAuth(auth), async (req, res) => {
    const who = res.locals.auth as RequestAuth;
    const body = (req.body ?? {}) as { patient?: unknown; encounter?: unknown };
    const patient = typeof body.patient === 'string' ? body.patient.replace(/^Patient\//, '') : undefined;
    const encounter = typeof body.encounter === 'string' ? body.encounter.replace(/^Encounter\//, '') : undefined;
    if ((!patient && !encounter) || (patient && !ID.test(patient)) || (encounter && !ID.test(encounter))) {
      return sendFhir(res, 400, outcome('bad-request', 'invalid', 'Give a patient and/or encounter id'));
    }
    // The caller may only bind context it can see itself.
    const repo = new PostgresRepository({
      db: auth.db,
      tenant: who.tenant,
      baseUrl: auth.config.baseUrl,
      updateCreate: false,
      access: who.access,
    });
    try {
      if (patient) await repo.readResource('Patient', patient);
      if (encounter) await repo.readResource('Encounter', encounter);
    } catch {
      return sendFhir(res, 404, outcome('not-found', 'not-found', 'No such patient or encounter'));
    }
    const id = randomToken(16);
    await auth.db.transaction(who.tenant, (sql) =>
      sql.query(
        'INSERT INTO launch_context (tenant_id, id, user_id, patient, encounter, expires_at) VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))',
        [
          who.tenant.tenantId,
          id,
          who.principal.userId && isUUID(who.principal.userId) ? who.principal.userId : null,
          patient ?? null,
          encounter ?? null,
          LAUNCH_SECONDS,
        ],
      ),
    );
    res.status(201).json({ launch: id, expires_in: LAUNCH_SECONDS });
  });
  return r;
}
