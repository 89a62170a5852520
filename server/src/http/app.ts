import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { adminRoutes } from '../admin/routes.ts';
import { handleViewRun } from '../analytics/views/operation.ts';
import { isViewRunPath } from '../analytics/views/paths.ts';
import { appRoutes } from '../apps/routes.ts';
import type { AuditKind } from '../audit/event.ts';
import { writeAudit } from '../audit/log.ts';
import type { Sealer } from '../audit/sealer.ts';
import { bearerAuth, type RequestAuth } from '../auth/bearer.ts';
import { ClientLimits } from '../auth/client-limits.ts';
import { consentMiddleware } from '../auth/consent-middleware.ts';
import { resetRoutes } from '../auth/reset-routes.ts';
import type { AuthService } from '../auth/service.ts';
import { botAdminRoutes } from '../bots/routes.ts';
import type { BotRuntime } from '../bots/runtime.ts';
import type { ExportFiles } from '../bulk/files.ts';
import { IMPORT_KICK_OFF, isBulkPath } from '../bulk/paths.ts';
import { handleBulk } from '../bulk/routes.ts';
import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { ReplicaReads } from '../db/replica.ts';
import { abdmBridge } from '../features/abdm/bridge.ts';
import { configureRazorpay } from '../features/billing/razorpay/gateway.ts';
import { razorpayWebhookRoutes } from '../features/billing/razorpay/webhook.ts';
import { whatsappWebhookRoutes } from '../features/messaging/whatsapp/routes.ts';
import { buildCapabilityStatement } from '../fhir/capability.ts';
import { createFhirRouter } from '../fhir/router.ts';
import { jobAdminRoutes } from '../jobs/admin-routes.ts';
import type { JobQueue } from '../jobs/queue.ts';
import type { Logger } from '../logger.ts';
import { authorizeRoutes } from '../oauth/authorize.ts';
import { consentRoutes } from '../oauth/consent-routes.ts';
import { discoveryRoutes } from '../oauth/discovery.ts';
import { launchRoutes } from '../oauth/launch.ts';
import { tokenRoutes } from '../oauth/token-routes.ts';
import { healthRoutes } from '../ops/health.ts';
import { Metrics } from '../ops/metrics.ts';
import { metricsRoute } from '../ops/metrics-route.ts';
import type { RedisProbe } from '../ops/redis-probe.ts';
import { type AuditContext, PostgresRepository } from '../repo/postgres-repository.ts';
import { ProfileRequirements } from '../validation/requirements.ts';
import { corsPolicy } from './cors.ts';
import { ConcurrencyGate } from './fair-share.ts';
import { FHIR_BASE_PATH, handleFhirRequest, sendFhir } from './fhir-handler.ts';
import { checkInputShape } from './input-shape.ts';
import { negotiateFormat } from './negotiation.ts';
import { contentTooLarge, outcome, RETRY_AFTER_SECONDS, toOutcome, unsupportedMediaType } from './outcomes.ts';
import { perClientPerMinute, perMinute, securityHeaders } from './security.ts';
import type { SharedLimitStores } from './shared-limits.ts';

const JSON_TYPES = ['application/fhir+json', 'application/json', 'application/json-patch+json', 'application/*+json'];

export interface AppDeps {
  config: Config;
  db: Database;
  logger: Logger;
  auth: AuthService;
  sealer: Sealer;
  /** Set when shutdown begins, so /health/ready turns 503 and load balancers stop sending work. */
  lifecycle?: { shuttingDown: boolean };
  /** The process's metrics (the database should report to the same, see instrumentDatabase). */
  metrics?: Metrics;
  /** Redis for /health, when REDIS_URL is set. */
  redis?: RedisProbe;
  /** Rate-limit counters shared by every process (Redis); absent: each process counts its own. */
  limitStores?: SharedLimitStores;
  /** The streaming replica searches may read from (DATABASE_REPLICA_URL). */
  replica?: ReplicaReads;
  /** jobs: the job queue, for GET /admin/jobs and retries (docs/jobs.md). */
  jobs?: JobQueue;
  /** The bot runtime (/admin/bots); absent when the process has no job queue. */
  bots?: BotRuntime;
  /** Where Bulk Data exports are written (docs/bulk-data.md); absent: $export is not offered. */
  bulkFiles?: ExportFiles;
}

/** Requests that carry a body must say it is JSON (or a form, for POST _search). */
function requireJsonBody(req: Request, res: Response, next: NextFunction): void {
  const hasBody = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
  if (!['POST', 'PUT', 'PATCH'].includes(req.method) || !hasBody) {
    next();
    return;
  }
  const isForm = req.method === 'POST' && isSearchPath(req.path) && req.is('application/x-www-form-urlencoded');
  // $import takes its NDJSON as the body itself (streamed to disk by server/src/bulk/import).
  const isImport = req.method === 'POST' && IMPORT_KICK_OFF.test(req.path) && req.is(['application/fhir+ndjson', 'application/ndjson']);
  if (req.is(JSON_TYPES) || isForm || isImport) {
    next();
    return;
  }
  sendFhir(res, 415, unsupportedMediaType(`Unsupported Content-Type: ${req.get('content-type') ?? '(none)'}; send application/fhir+json`));
}

const DENIED_KIND: Record<string, AuditKind> = {
  GET: 'read',
  HEAD: 'read',
  POST: 'create',
  PUT: 'update',
  PATCH: 'patch',
  DELETE: 'delete',
};

/** Who did it, from where: the request's half of every AuditEvent. */
function auditContext(req: Request, res: Response, who: RequestAuth): AuditContext {
  return {
    tenantId: who.tenant.tenantId,
    branchId: who.tenant.branchId,
    userId: who.principal.userId,
    fhirUser: who.token.fhirUser,
    clientId: who.principal.clientId,
    patient: who.principal.patient ? `Patient/${who.principal.patient}` : undefined,
    ip: req.ip,
    userAgent: req.get('user-agent'),
    requestId: res.locals.requestId,
    query: req.originalUrl.slice(FHIR_BASE_PATH.length),
  };
}

export function createApp({
  config,
  db,
  logger,
  auth,
  sealer,
  lifecycle = { shuttingDown: false },
  metrics = new Metrics(),
  redis,
  limitStores,
  replica,
  jobs,
  bots,
  bulkFiles,
}: AppDeps): express.Express {
  const app = express();
  app.use(metrics.http());
  app.disable('x-powered-by');
  // Only resource versions carry an ETag (W/"<versionId>"); a body hash sent back as If-Match would confuse.
  app.set('etag', false);
  app.set('query parser', 'extended');
  // Behind a reverse proxy: the client's address (rate limits, audit) and scheme come from its X-Forwarded-* headers.
  app.set('trust proxy', config.TRUST_PROXY);
  app.use(securityHeaders(config.HTTPS_ONLY));

  // Request id and one access-log line per request.
  app.use((req, res, next) => {
    const id = req.get('x-request-id') ?? randomUUID();
    res.locals.requestId = id;
    res.set('X-Request-Id', id);
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      const err = res.locals.error;
      logger[res.statusCode >= 500 ? 'error' : 'info'](
        {
          requestId: id,
          method: req.method,
          url: req.originalUrl,
          status: res.statusCode,
          ms: Math.round(ms * 10) / 10,
          tenant: res.locals.tenant?.tenantId,
          ...(err ? { err } : {}),
        },
        'request',
      );
    });
    next();
  });

  // While shutting down, each answer closes its connection, so keep-alive clients reconnect to
  // another process instead of holding this one open.
  app.use((_req, res, next) => {
    if (lifecycle.shuttingDown) res.set('Connection', 'close');
    next();
  });
  app.get('/metrics', metricsRoute(metrics, db, config.METRICS_TOKEN));
  app.use('/health', healthRoutes(db, lifecycle, logger, redis));
  // --- WhatsApp webhooks (issue 23): signed by Meta, no bearer token, before CORS and the FHIR body parsers.
  app.use('/webhooks/whatsapp', whatsappWebhookRoutes({ config, db, logger }));
  // --- end WhatsApp webhooks
  // --- ABDM bridge (issue 19, docs/abdm.md): gateway-signed calls, only when ABDM_GATEWAY_URL is set.
  const abdm = abdmBridge({ config, db, logger, jobs, sms: auth.sms });
  if (abdm) app.use('/api/v3', abdm.router);
  // --- end ABDM bridge
  // --- Razorpay (docs/billing.md): payment links for $payment-link, and the signed webhooks that record their payments.
  configureRazorpay(config);
  app.use('/webhooks/razorpay', razorpayWebhookRoutes({ config, db, logger }));
  // --- end Razorpay
  app.use(corsPolicy(db, config.CORS_ORIGINS));
  app.use(discoveryRoutes(auth));
  const refused = (limit: string) => () => metrics.rateLimited.inc({ limit });
  const shared = (limiter: string) => limitStores?.store(limiter);
  app.use('/oauth2/authorize/login', perMinute(config.RATE_LIMIT_LOGIN, undefined, refused('login'), shared('login')));
  app.use('/oauth2/authorize/otp', perMinute(config.RATE_LIMIT_OTP, undefined, refused('otp'), shared('otp')));
  app.use(
    ['/oauth2/token', '/oauth2/introspect', '/oauth2/revoke'],
    perMinute(config.RATE_LIMIT_TOKEN, undefined, refused('token'), shared('token')),
  );
  app.use('/oauth2', tokenRoutes(auth), authorizeRoutes(auth));
  app.use(launchRoutes(auth));
  app.use(consentRoutes(auth));
  app.use('/auth', perMinute(config.RATE_LIMIT_OTP, undefined, refused('otp'), shared('reset')), resetRoutes(auth));
  const requirements = new ProfileRequirements(db, config.PROFILE_ENFORCEMENT);
  const clientLimits = new ClientLimits(db);
  // jobs: /admin/jobs and /admin/queues, ahead of the admin router.
  if (jobs) app.use('/admin', jobAdminRoutes(auth, jobs));
  app.use('/admin/bots', botAdminRoutes(auth, bots));
  app.use('/admin', adminRoutes(auth, sealer, requirements, clientLimits));
  app.use(appRoutes(config));

  const router = createFhirRouter();
  const fhir = express.Router();
  fhir.use(negotiateFormat(sendFhir));
  fhir.get('/metadata', (_req, res) =>
    sendFhir(res, 200, buildCapabilityStatement(config.baseUrl, { updateCreate: config.FHIR_UPDATE_CREATE })),
  );
  fhir.use(requireJsonBody);
  fhir.use(express.json({ type: JSON_TYPES, limit: config.MAX_BODY_SIZE, strict: false }));
  fhir.use(express.urlencoded({ extended: false, limit: config.MAX_BODY_SIZE }));
  fhir.use(checkInputShape);
  fhir.use(
    bearerAuth(auth),
    perClientPerMinute(config.RATE_LIMIT_API, clientLimits, refused('api'), shared('api')),
    consentMiddleware(auth),
  );
  fhir.use(fairShare(config, () => metrics.fairShareRefused.inc()));
  fhir.use(async (req, res, next) => {
    try {
      const who = res.locals.auth as RequestAuth;
      const audit = config.AUDIT_ENABLED ? auditContext(req, res, who) : undefined;
      const repo = new PostgresRepository({
        db,
        tenant: who.tenant,
        baseUrl: config.baseUrl,
        updateCreate: config.FHIR_UPDATE_CREATE,
        access: who.access,
        actor: { clientId: who.principal.clientId, userId: who.principal.userId },
        audit,
        validation: await requirements.policyFor(who.tenant.tenantId),
        statementTimeoutMs: isSearchOrRead(req) ? config.STATEMENT_TIMEOUT_SEARCH_MS : config.STATEMENT_TIMEOUT_WRITE_MS,
        replica,
      });
      // A refused request wrote nothing (its transaction rolled back): the refusal itself is recorded.
      const auditRefusal = audit
        ? async () => {
            await writeAudit(db, {
              ...audit,
              kind: DENIED_KIND[req.method] ?? 'operation',
              resource: req.path,
              outcome: '4',
              detail: 'Access denied',
            });
          }
        : undefined;
      // SQL on FHIR $run streams CSV/NDJSON/Parquet, so it is answered outside the FHIR router.
      if (isViewRunPath(req.path)) {
        await handleViewRun(repo, req, res);
        if (res.statusCode === 403) await auditRefusal?.();
      } else if (bulkFiles && isBulkPath(req.path)) {
        // Bulk Data $export: async kick-off, status URL and NDJSON files (server/src/bulk).
        await handleBulk({ config, db, files: bulkFiles, jobs }, repo, req, res);
        if (res.statusCode === 403) await auditRefusal?.();
      } else await handleFhirRequest(router, repo, req, res, config.baseUrl, auditRefusal);
      // A Consent written here applies to the next request at once (other processes: within seconds).
      if (req.method !== 'GET' && req.method !== 'HEAD' && writesConsent(req)) auth.consents.invalidate(who.tenant.tenantId);
    } catch (err) {
      next(err);
    }
  });
  app.use(FHIR_BASE_PATH, fhir);

  app.use((_req, res) => sendFhir(res, 404, outcome('not-found', 'not-found', 'No such endpoint')));

  // Body-parser failures and anything unexpected: an OperationOutcome, never a stack trace.
  app.use((err: { type?: string; status?: number; message?: string }, _req: Request, res: Response, _next: NextFunction) => {
    if (err.type === 'entity.parse.failed')
      return sendFhir(res, 400, outcome('bad-request', 'structure', `Malformed JSON: ${err.message}`));
    if (err.type === 'entity.too.large')
      return sendFhir(res, 413, contentTooLarge(`Request body exceeds the ${config.MAX_BODY_SIZE} limit`));
    if (err.type === 'encoding.unsupported' || err.type === 'charset.unsupported')
      return sendFhir(res, 415, unsupportedMediaType(err.message ?? 'Unsupported encoding'));
    const { status, body, unexpected } = toOutcome(err);
    if (unexpected) res.locals.error = { message: err.message, stack: (err as Error).stack };
    // The log keeps why the database was unreachable; the client gets our own sentence.
    if (status === 503) res.locals.error = { message: String((err as { cause?: { message?: string } }).cause?.message ?? err.message) };
    sendFhir(res, status, body);
  });
  return app;
}

// How long a request waits for its token's or tenant's turn before it is told to come back.
const FAIR_SHARE_WAIT_MS = 30_000;
const tooManyAtOnce = () =>
  outcome('too-many-requests', 'throttled', 'Too many requests from this client or hospital are running at once; try again shortly.');

/** Reads and searches (GET, HEAD, POST .../_search) get the search statement timeout. */
function isSearchOrRead(req: Request): boolean {
  return req.method === 'GET' || req.method === 'HEAD' || (req.method === 'POST' && isSearchPath(req.path));
}

/** Search by POST: `.../_search`, a whole compartment (`Patient/123/*`), and `$everything` (a compartment search). */
function isSearchPath(path: string): boolean {
  return path.endsWith('/_search') || path.endsWith('/*') || path.endsWith('/%2A') || path.endsWith('/$everything');
}

/**
 * At most MAX_CONCURRENT_PER_TOKEN requests of one token and MAX_CONCURRENT_PER_TENANT of one
 * tenant run at once; the rest wait their turn (see ConcurrencyGate), and after 30 s get a 429.
 */
function fairShare(config: Config, onRefused: () => void): RequestHandler {
  const pool = config.DATABASE_POOL_SIZE;
  const tokens = new ConcurrencyGate(config.MAX_CONCURRENT_PER_TOKEN ?? Math.max(1, Math.floor(pool * 0.4)), FAIR_SHARE_WAIT_MS);
  const tenants = new ConcurrencyGate(config.MAX_CONCURRENT_PER_TENANT ?? Math.max(1, Math.floor(pool * 0.75)), FAIR_SHARE_WAIT_MS);
  return async (_req, res, next) => {
    const who = res.locals.auth as RequestAuth;
    // Token first, then tenant, always in this order, so two requests never wait on each other.
    const leaveToken = await tokens.enter(who.token.jti);
    const leaveTenant = leaveToken && (await tenants.enter(who.tenant.tenantId));
    if (!leaveToken || !leaveTenant) {
      leaveToken?.();
      onRefused();
      res.set('Retry-After', String(RETRY_AFTER_SECONDS));
      sendFhir(res, 429, tooManyAtOnce());
      return;
    }
    const leave = () => {
      leaveTenant();
      leaveToken();
    };
    res.on('finish', leave);
    res.on('close', leave);
    next();
  };
}

/**
 * Whether a write may have changed a Consent: a request on Consent itself, or a batch/transaction
 * bundle with a Consent entry. Other bundles (an ingest's thousands) keep the cached rules.
 */
function writesConsent(req: Request): boolean {
  if (req.path.includes('Consent')) return true;
  if (req.path !== '/') return false;
  const entries = (req.body as { entry?: { resource?: { resourceType?: string }; request?: { url?: string } }[] } | undefined)?.entry;
  if (!Array.isArray(entries)) return true; // not a bundle we can read: assume the worst
  return entries.some((e) => e?.resource?.resourceType === 'Consent' || String(e?.request?.url ?? '').includes('Consent'));
}
