import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ensureAppClients } from './apps/clients.ts';
import { startAnchoring, writeAnchors } from './audit/anchor.ts';
import { auditedAuthEvents } from './audit/auth-events.ts';
import { setReadAuditGrouping } from './audit/group-commit.ts';
import { type Sealer, startSealer } from './audit/sealer.ts';
import { bootstrapTenant } from './auth/bootstrap.ts';
import { AuthService } from './auth/service.ts';
import { type BotRuntime, startBotRuntime } from './bots/runtime.ts';
import { type BulkWorker, startBulkExports } from './bulk/worker.ts';
import { type Config, loadConfig } from './config.ts';
import type { Database } from './db/database.ts';
import { instrumentDatabase } from './db/instrumented.ts';
import { openDatabase, openReplica } from './db/open.ts';
import { signalEventWorkers } from './events/commit-signal.ts';
import { endpointPolicy } from './events/endpoint-guard.ts';
import { setEndpointPolicy } from './events/subscriptions.ts';
import { startWebsocketHub } from './events/websocket.ts';
import { type EventWorker, startEventWorker } from './events/worker.ts';
import { labStarterTerminology } from './features/lab/terminology.ts';
import { loadDefinitions, registerSearchParameters } from './fhir/definitions.ts';
import { createApp } from './http/app.ts';
import { redisLimitStores } from './http/shared-limits.ts';
import { openJobQueue } from './jobs/open.ts';
import type { JobQueue } from './jobs/queue.ts';
import { createLogger, type Logger } from './logger.ts';
import { Metrics } from './ops/metrics.ts';
import { redisProbe } from './ops/redis-probe.ts';
import { setOutboxEnabled } from './repo/write-buffer.ts';
import { demoWanted, seedOnFirstStart } from './seed.ts';
import { loadStarterTerminology } from './terminology/starter.ts';
import { syncPackageTerminology } from './terminology/sync.ts';
import { conformance } from './validation/conformance.ts';

export interface RunningServer {
  config: Config;
  db: Database;
  logger: Logger;
  auth: AuthService;
  /** Chains committed audit rows; `sealNow()` for tests and the verify operation. */
  sealer: Sealer;
  /** The process's Prometheus metrics (GET /metrics). */
  metrics: Metrics;
  /** Turns committed changes into Subscription notifications (EVENT_DELIVERY=separate: wakes the processes that do); `runNow()` for tests. */
  events: EventWorker;
  /** jobs: the job queue (docs/jobs.md), for the bot runtime and the platform's schedules. */
  jobs: JobQueue;
  /** Runs the bots (docs/bots.md); absent when the process has no job queue. */
  bots?: BotRuntime;
  /** Bulk Data $export jobs and the expiry sweep (docs/bulk-data.md). */
  bulk: BulkWorker;
  http: Server;
  /** The URL the server listens on (useful with PORT=0). */
  url: string;
  /** Stops taking requests, lets those in flight finish (bounded), seals the audit log, closes the database. */
  stop(opts?: StopOptions): Promise<void>;
}

/** Parts a caller supplies instead of the ones the server would make (tests: an in-memory job queue). */
export interface ServerParts {
  jobs?: JobQueue;
}

export interface StopOptions {
  /** How long readiness reports 503 before the listener closes (default 0: at once). */
  readinessDelayMs?: number;
  /** How long requests in flight may take (default SHUTDOWN_TIMEOUT_MS). */
  timeoutMs?: number;
}

/**
 * Starts the platform: validates config, loads the FHIR definitions, opens the database (applying
 * migrations), bootstraps the first tenant's administrator and system client, and listens.
 * `stop()` stops accepting connections, lets in-flight requests finish, then closes the database.
 */
export async function startServer(env: Record<string, string | undefined> = process.env, parts: ServerParts = {}): Promise<RunningServer> {
  const config = loadConfig(env);
  const logger = createLogger(config.LOG_LEVEL);
  loadDefinitions();
  const profiles = conformance();
  registerSearchParameters(profiles.searchParameters);
  logger.info({ packages: profiles.packages.map((p) => `${p.name}#${p.version}`) }, 'profile packages loaded');
  const metrics = new Metrics();
  const db = instrumentDatabase(await openDatabase(config), metrics);
  const replica = openReplica(config, db, logger);
  const tenantName = demoWanted(config) ? (await import('@hospital-ops/seed')).DEMO_TENANT_NAME : config.TENANT_NAME;
  await bootstrapTenant(db, config, logger, tenantName);
  const copied = await syncPackageTerminology(db, config.TENANT_ID, config.baseUrl);
  if (copied)
    logger.info({ tenant: config.TENANT_ID, resources: copied }, 'profile packages: code systems and value sets copied into the tenant');
  const starter = await loadStarterTerminology(db, undefined, labStarterTerminology());
  if (starter.length) logger.info({ systems: starter }, 'starter terminology loaded (a full release imported later replaces it)');
  await seedOnFirstStart(db, config, logger);
  const auth = await AuthService.start(db, config, logger);
  auth.events = auditedAuthEvents(db, logger);
  if (!config.AUDIT_ENABLED) logger.warn('AUDIT_ENABLED=false: interactions are NOT audited (benchmarking only)');
  const sealer = startSealer(db, logger, config.AUDIT_SEAL_INTERVAL_MS);
  const anchoring = config.AUDIT_ANCHOR_FILE
    ? startAnchoring(db, config.AUDIT_ANCHOR_FILE, config.AUDIT_ANCHOR_INTERVAL_MS, logger)
    : undefined;
  setOutboxEnabled(config.EVENTS_ENABLED);
  setReadAuditGrouping(config.AUDIT_READ_GROUP_COMMIT);
  if (!config.EVENTS_ENABLED)
    logger.warn('EVENTS_ENABLED=false: changes write no events and Subscriptions are never notified (benchmarking only)');
  // Subscription endpoints are checked where they are written and again where they are called.
  setEndpointPolicy(endpointPolicy(config.SUBSCRIPTION_ENDPOINT_ALLOW));
  const events =
    config.EVENT_DELIVERY === 'separate' ? signalEventWorkers(db, logger) : startEventWorker(db, auth.consents, config, logger, metrics);
  const lifecycle = { shuttingDown: false };
  const redis = config.REDIS_URL ? redisProbe(config.REDIS_URL) : undefined;
  const limitStores = config.REDIS_URL ? redisLimitStores(config.REDIS_URL, config.JOBS_PREFIX, logger) : undefined;
  // jobs: BullMQ when REDIS_URL is set, else the database (tests may pass their own); closed on stop.
  const jobs = parts.jobs ?? (await openJobQueue(config, db, logger, metrics));
  // Bots call the FHIR API of this very process, on loopback; the URL is known once it listens.
  let listening = '';
  const bots = await startBotRuntime({ db, config, logger, auth, jobs, apiUrl: () => listening });
  const bulk = startBulkExports(auth, config, logger, jobs);
  // Start-up's owner work is done: serving, events, jobs, sealing and CORS run as the runtime role
  // (migration 0046), so no owner connection is held from here on.
  await db.releaseOwner();
  const app = createApp({
    config,
    db,
    logger,
    auth,
    sealer,
    lifecycle,
    metrics,
    redis,
    limitStores,
    replica,
    jobs,
    bots,
    bulkFiles: bulk.files,
  });
  const http = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.PORT, config.HOST, (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  // Idle keep-alive connections outlive the usual load balancer's idle timeout (60 s), so the
  // balancer closes them, never this server while a request is on its way (a reset, or a 502).
  // Node's 5 s default also reset a test client whose process was busy past it.
  http.keepAliveTimeout = 65_000;
  http.headersTimeout = 66_000;
  const port = (http.address() as AddressInfo).port;
  const websockets = await startWebsocketHub(http, db, auth, config, logger);
  const url = `http://127.0.0.1:${port}`;
  // Bots call the FHIR API of this very process, on loopback, whatever BASE_URL the public sees.
  listening = `http://127.0.0.1:${port}/`;
  if (config.PORT === 0) config.baseUrl = config.BASE_URL ?? url;
  // After listen: only now is the base URL (and so the apps' redirect URI) known for PORT=0.
  await ensureAppClients(db, config.TENANT_ID, config.TENANT_ID, config.baseUrl);
  let stopping: Promise<void> | undefined;
  const stop = (opts: StopOptions = {}) => {
    stopping ??= (async () => {
      lifecycle.shuttingDown = true;
      // Readiness is false from here; keep serving while the load balancer notices.
      if (opts.readinessDelayMs) await new Promise((r) => setTimeout(r, opts.readinessDelayMs));
      // Open websockets would hold the listener open: they are told the server is going.
      await websockets.close();
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeIdleConnections();
      const timeoutMs = opts.timeoutMs ?? config.SHUTDOWN_TIMEOUT_MS;
      let timer: NodeJS.Timeout | undefined;
      const finished = await Promise.race([
        closed.then(() => true),
        new Promise<boolean>((r) => {
          timer = setTimeout(() => r(false), timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      if (!finished) {
        logger.error({ timeoutMs }, 'shutdown: requests still in flight after the timeout were cut off');
        http.closeAllConnections();
        await closed;
      }
      auth.stop();
      await bots?.stop();
      bulk.stop();
      await events.stop();
      // jobs: running jobs finish before the database closes.
      await jobs.close();
      await sealer.stop();
      anchoring?.stop();
      // The last heads go out with the process, so a restart's verification covers them.
      if (config.AUDIT_ANCHOR_FILE)
        await writeAnchors(db, config.AUDIT_ANCHOR_FILE).catch((err) => logger.error({ err }, 'audit anchors could not be written'));
      await redis?.close();
      await limitStores?.close();
      await replica?.close();
      await db.close();
    })();
    return stopping;
  };
  logger.info({ url: config.baseUrl, database: db.kind }, 'Hospital-Ops FHIR server listening');
  return { config, db, logger, auth, sealer, metrics, events, jobs, bots, bulk, http, url, stop };
}
