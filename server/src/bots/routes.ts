import { badRequest, normalizeErrorString, OperationOutcomeError } from '@medplum/core';
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { adminAuditContext, adminOf, superAdminOf } from '../admin/routes.ts';
import { writeAudit } from '../audit/log.ts';
import { bearerAuth } from '../auth/bearer.ts';
import type { AuthService } from '../auth/service.ts';
import { sendFhir } from '../http/fhir-handler.ts';
import { outcome, toOutcome } from '../http/outcomes.ts';
import { getInstallation, installationView, listInstallations } from './installations.ts';
import type { BotRuntime } from './runtime.ts';

const changeSchema = z
  .object({
    enabled: z.boolean().optional(),
    settings: z.record(z.string(), z.union([z.string().max(1000), z.number(), z.boolean()])).optional(),
  })
  .strict()
  .refine((v) => v.enabled !== undefined || v.settings !== undefined, { message: 'send enabled, settings or both' });

type Handler = (req: Request, res: Response) => Promise<void>;
const wrap = (fn: Handler) => (req: Request, res: Response, next: NextFunction) => fn(req, res).catch(next);

/**
 * The tenant's bots (`/admin/bots`): every admin sees which bots the server has and how the tenant
 * set them up; only a super_admin (or the tenant's system client) enables, disables or sets
 * settings, and each change is audited. A tenant only ever sees its own installations (RLS).
 */
export function botAdminRoutes(auth: AuthService, runtime: BotRuntime | undefined): express.Router {
  const r = express.Router();
  r.use(express.json({ limit: '64kb' }), bearerAuth(auth));
  const notRunning = (res: Response) =>
    sendFhir(
      res,
      503,
      outcome('exception', 'not-supported', 'Bots do not run in this server process: it was started without a job queue.'),
    );

  r.get(
    '/',
    wrap(async (_req, res) => {
      const admin = adminOf(res);
      if (!runtime) return notRunning(res);
      const rows = new Map((await listInstallations(auth.db, admin.who.tenant.tenantId)).map((row) => [row.bot, row]));
      res.json({ bots: [...runtime.bots.values()].map((def) => installationView(def, rows.get(def.manifest.name))) });
    }),
  );

  r.get(
    '/:name',
    wrap(async (req, res) => {
      const admin = adminOf(res);
      if (!runtime) return notRunning(res);
      const def = runtime.bots.get(String(req.params.name));
      if (!def) return sendFhir(res, 404, outcome('not-found', 'not-found', 'This server has no bot of that name.'));
      res.json(installationView(def, await getInstallation(auth.db, admin.who.tenant.tenantId, def.manifest.name)));
    }),
  );

  r.put(
    '/:name',
    wrap(async (req, res) => {
      const admin = superAdminOf(res, 'Only a super_admin enables, disables or configures bots');
      if (!runtime) return notRunning(res);
      const def = runtime.bots.get(String(req.params.name));
      if (!def) return sendFhir(res, 404, outcome('not-found', 'not-found', 'This server has no bot of that name.'));
      const parsed = changeSchema.safeParse(req.body);
      if (!parsed.success)
        throw new OperationOutcomeError(
          badRequest(parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')),
        );
      const ctx = adminAuditContext(req, admin);
      const row = await runtime.change(admin.who.tenant.tenantId, def.manifest.name, parsed.data, ctx);
      const what = [
        parsed.data.enabled === undefined ? '' : parsed.data.enabled ? 'enable' : 'disable',
        parsed.data.settings ? `settings=${Object.keys(parsed.data.settings).join(',')}` : '',
      ].filter(Boolean);
      await writeAudit(auth.db, { ...ctx, kind: 'operation', detail: `bot.configure ${def.manifest.name} ${what.join(' ')}` });
      res.json(installationView(def, row));
    }),
  );

  r.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const { status, body } = toOutcome(err);
    if (status >= 500) res.locals.error = normalizeErrorString(err);
    sendFhir(res, status, body);
  });
  return r;
}
