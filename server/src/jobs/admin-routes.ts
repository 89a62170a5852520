import { badRequest, normalizeErrorString, OperationOutcomeError } from '@medplum/core';
import express, { type NextFunction, type Request, type Response } from 'express';
import { adminAuditContext, superAdminOf } from '../admin/routes.ts';
import { writeAudit } from '../audit/log.ts';
import { bearerAuth } from '../auth/bearer.ts';
import type { AuthService } from '../auth/service.ts';
import { sendFhir } from '../http/fhir-handler.ts';
import { forbiddenOutcome, outcome, toOutcome } from '../http/outcomes.ts';
import { checkJobId, checkQueueName, isJobState, JobInputError, JobQueueUnavailableError } from './input.ts';
import type { JobQueue } from './queue.ts';
import { queuesPage } from './queues-page.ts';

type Handler = (req: Request, res: Response) => Promise<void>;
const wrap = (fn: Handler) => (req: Request, res: Response, next: NextFunction) => fn(req, res).catch(next);

/**
 * `GET /admin/jobs`, the read-only page `/admin/queues` that shows it, and `POST /admin/jobs/<queue>/<id>/retry`. The queues are the platform's, not a
 * tenant's (a job may concern any tenant), so beyond the admin routes' own guard (super_admin or
 * the system client) only the administrators of the platform's own tenant (TENANT_ID) see them.
 */
export function jobAdminRoutes(auth: AuthService, jobs: JobQueue): express.Router {
  const r = express.Router();
  // Mounted on /admin ahead of the admin router: only these paths are answered here.
  const authed = bearerAuth(auth);
  const platformAdmin = (res: Response) => {
    const admin = superAdminOf(res, 'Only a super_admin sees and retries jobs');
    if (admin.who.tenant.tenantId !== auth.config.TENANT_ID)
      throw new OperationOutcomeError(
        forbiddenOutcome("Job queues are the platform's: only the administrators of its own tenant see them"),
      );
    return admin;
  };

  r.get(
    '/jobs',
    authed,
    wrap(async (req, res) => {
      platformAdmin(res);
      const { queue, state, limit } = req.query;
      if (queue !== undefined) checkQueueName(queue);
      if (state !== undefined && !isJobState(state))
        throw new JobInputError('state is one of waiting, delayed, active, completed or failed.');
      if (limit !== undefined && !(typeof limit === 'string' && /^\d{1,4}$/.test(limit) && Number(limit) >= 1 && Number(limit) <= 1000))
        throw new JobInputError('limit is a whole number from 1 to 1000.');
      const [counts, list] = await Promise.all([
        jobs.counts(),
        jobs.list({ queue: queue as string | undefined, state: state as never, limit: limit ? Number(limit) : undefined }),
      ]);
      res.json({ backend: jobs.backend, counts, jobs: list });
    }),
  );

  r.post(
    '/jobs/:queue/:id/retry',
    authed,
    wrap(async (req, res) => {
      const admin = platformAdmin(res);
      const queue = String(req.params.queue);
      const id = String(req.params.id);
      checkQueueName(queue);
      checkJobId(id);
      if (!(await jobs.retry(queue, id)))
        return sendFhir(res, 404, outcome('not-found', 'not-found', `Queue ${queue} holds no failed job ${id} to retry`));
      await writeAudit(auth.db, {
        ...adminAuditContext(req, admin),
        kind: 'operation',
        detail: `jobs.retry queue=${queue} id=${id}`,
      });
      res.json({ queue, id, retried: true });
    }),
  );

  r.use(queuesPage());

  r.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof JobInputError) return sendFhir(res, 400, badRequest(err.message));
    // sendFhir adds Retry-After to a 503.
    if (err instanceof JobQueueUnavailableError) return sendFhir(res, 503, outcome('unavailable', 'transient', err.message));
    const { status, body } = toOutcome(err);
    if (status >= 500) res.locals.error = normalizeErrorString(err);
    sendFhir(res, status, body);
  });
  return r;
}
