import { randomUUID } from 'node:crypto';
import type { BotInput } from '../../../bots/contract.ts';
import { writeAudit } from '../audit/log.ts';
import type { AuthService } from '../auth/service.ts';
import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import { serialLoop } from '../events/serial-loop.ts';
import { parseCriteria } from '../events/subscriptions.ts';
import type { JobContext, JobQueue } from '../jobs/queue.ts';
import type { Logger } from '../logger.ts';
import type { AuditContext } from '../repo/postgres-repository.ts';
import { type BotJobData, forwardBotDeliveries } from './forwarder.ts';
import {
  changeInstallation,
  enabledInstallations,
  getInstallation,
  type InstallationChange,
  type InstallationRow,
} from './installations.ts';
import { type BotDefinition, discoverBots, effectiveSettings, ManifestError, serverConfigSettings } from './manifest.ts';
import { runSandboxed, type SandboxResult } from './sandbox.ts';

export interface BotRuntimeDeps {
  db: Database;
  config: Config;
  logger: Logger;
  auth: AuthService;
  /** The job queue the invocations run on (database or BullMQ backend; tests pass a stand-in). */
  jobs: JobQueue;
  /** The bots to run; by default those found in BOTS_DIR. */
  bots?: BotDefinition[];
  /** The server's own root URL (the FHIR API is under fhir/R4), or a function that tells it once the server listens. */
  apiUrl: string | (() => string);
}

export interface BotRuntime {
  readonly bots: Map<string, BotDefinition>;
  /** Enables, disables or reconfigures a bot for a tenant, and registers or stops its schedules. */
  change(tenantId: string, bot: string, change: InstallationChange, audit?: AuditContext): Promise<InstallationRow>;
  /** Hands due deliveries to the queues now (tests, and after a pass in progress). */
  forwardNow(): Promise<void>;
  /** Stops handing over deliveries; the queue's own close() stops running invocations. */
  stop(): Promise<void>;
}

/** A schedule's name in the queue: one per tenant, bot and manifest schedule. */
export const scheduleName = (bot: string, tenant: string, schedule: string) => `bot-${bot}-${tenant}-${schedule}`;

/** Tokens outlive the time limit a little (a request sent at the last moment still lands), never 15 minutes. */
const TOKEN_GRACE_S = 30;

/**
 * The bot runtime: checks every bot's manifest, runs each bot queue's jobs in sandboxed workers
 * (sandbox.ts), hands the message channel's deliveries to the queues, and registers the enabled
 * tenants' schedules. Nothing a bot does can stop the server: each invocation resolves to an
 * outcome, which fails the job (retried by the queue, then dead-lettered) or completes it.
 */
export async function startBotRuntime(deps: BotRuntimeDeps): Promise<BotRuntime> {
  const { db, config, logger, auth, jobs } = deps;
  const list = deps.bots ?? discoverBots(config.BOTS_DIR);
  for (const def of list) {
    for (const t of def.manifest.triggers ?? []) {
      try {
        parseCriteria(t.criteria);
      } catch {
        throw new ManifestError(`Bot ${def.manifest.name}: trigger criteria ${t.criteria} cannot be judged on a changed resource`);
      }
    }
  }
  const bots = new Map(list.map((d) => [d.manifest.name, d]));
  const apiUrl = () => (typeof deps.apiUrl === 'function' ? deps.apiUrl() : deps.apiUrl).replace(/\/?$/, '/');

  const invoke = async (job: JobContext<BotJobData>): Promise<void> => {
    const { bot, tenant } = job.data;
    const def = bots.get(bot);
    if (!def) throw new Error(`No bot named ${bot} is installed on this server.`);
    const installation = await getInstallation(db, tenant, bot);
    // Disabled since the job was queued (or a schedule registered earlier): nothing runs.
    if (!installation?.enabled) {
      logger.info({ bot, tenant, job: job.id }, 'bot invocation skipped: the bot is not enabled for the tenant');
      return;
    }
    const input: BotInput = {
      tenant,
      settings: {
        ...effectiveSettings(def.manifest, installation.settings),
        ...serverConfigSettings(def.manifest, config, installation.settings),
      },
      ...(job.data.event ? { event: job.data.event } : {}),
      ...(job.data.schedule ? { schedule: { name: job.data.schedule, firedAt: new Date().toISOString() } } : {}),
    };
    // A queue that already held jobs may start one before the server listens: it waits for a retry.
    if (apiUrl() === '/') throw new Error('The server is not listening yet; the run is retried.');
    const timeMs = def.manifest.limits?.timeMs ?? config.BOT_TIME_LIMIT_MS;
    const memoryMb = def.manifest.limits?.memoryMb ?? config.BOT_MEMORY_LIMIT_MB;
    const clientId = installation.client_id;
    const jti = randomUUID();
    const seconds = Math.ceil(timeMs / 1000) + TOKEN_GRACE_S;
    // Revocation has whole seconds: a token from the second the bot was last disabled would count
    // as revoked, so after a quick disable and enable, wait for the next second.
    for (let i = 0; i < 2; i++) {
      const now = { jti, tid: tenant, sub: clientId, client_id: clientId, iat: Math.floor(Date.now() / 1000) };
      if (!auth.revocations.isRevoked(now)) break;
      await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5));
    }
    const token = await auth.tokens.accessToken(
      { sub: clientId, client_id: clientId, tid: tenant, scope: def.manifest.scopes.join(' ') },
      jti,
      seconds,
    );
    const result = await runSandboxed({
      entryUrl: def.entryUrl,
      apiUrl: apiUrl(),
      token,
      input,
      timeMs,
      memoryMb,
      onOutput: (line) => logger.debug({ bot, tenant, job: job.id }, `bot output: ${line}`),
    });
    // The token dies with the invocation: a worker stopped mid-request cannot leave it usable.
    await auth.revocations
      .revoke(jti, new Date(Date.now() + seconds * 1000))
      .catch((err) => logger.error({ err, bot }, 'bot token could not be revoked'));
    await record(def, installation, job, result);
    if (!result.ok) throw new Error(result.reason);
  };

  /** Every invocation: one log line (ids and outcome, no token, no settings) and one AuditEvent with the bot as agent. */
  const record = async (def: BotDefinition, installation: InstallationRow, job: JobContext<BotJobData>, result: SandboxResult) => {
    const { event, schedule } = job.data;
    const line = {
      bot: def.manifest.name,
      tenant: installation.tenant_id,
      job: job.id,
      attempt: job.attempt,
      ms: result.ms,
      ...(event ? { event: event.seq, resource: `${event.resourceType}/${event.id}` } : { schedule }),
      ...(result.ok ? {} : { failure: result.kind }),
    };
    if (result.ok) logger.info(line, 'bot invocation completed');
    else logger.warn({ ...line, reason: result.reason }, 'bot invocation failed');
    await writeAudit(db, {
      tenantId: installation.tenant_id,
      clientId: installation.client_id,
      kind: 'operation',
      resource: event && event.action !== 'delete' ? `${event.resourceType}/${event.id}/_history/${event.versionId}` : undefined,
      outcome: result.ok ? '0' : '8',
      detail: `bot.invoke ${def.manifest.name} ${event ? `event=${event.seq}` : `schedule=${schedule}`} attempt=${job.attempt}${
        result.ok ? '' : `: ${result.reason}`
      }`.slice(0, 1000),
    }).catch((err) => logger.error({ err, bot: def.manifest.name }, 'bot invocation could not be audited'));
  };

  for (const queue of new Set(list.map((d) => d.queue))) {
    jobs.work<BotJobData>(queue, invoke, { concurrency: config.BOT_CONCURRENCY });
  }

  const registerSchedules = async (def: BotDefinition, tenant: string) => {
    for (const s of def.manifest.schedules ?? []) {
      await jobs.schedule({
        name: scheduleName(def.manifest.name, tenant, s.name),
        queue: def.queue,
        cron: s.cron,
        timezone: s.timezone ?? 'Asia/Kolkata',
        data: { bot: def.manifest.name, tenant, schedule: s.name } satisfies BotJobData,
      });
    }
  };
  const unregisterSchedules = async (def: BotDefinition, tenant: string) => {
    for (const s of def.manifest.schedules ?? []) await jobs.unschedule(def.queue, scheduleName(def.manifest.name, tenant, s.name));
  };
  for (const row of await enabledInstallations(db)) {
    const def = bots.get(row.bot);
    if (def) await registerSchedules(def, row.tenant_id);
    else logger.warn({ bot: row.bot, tenant: row.tenant_id }, 'an enabled bot is no longer on this server; it does not run');
  }

  // Hands deliveries over as the event worker does its passes: one at a time, every EVENTS_POLL_MS.
  const pass = async () => {
    while ((await forwardBotDeliveries(db, jobs, bots, logger)) > 0);
  };
  const loop = serialLoop(
    pass,
    config.EVENTS_POLL_MS,
    logger,
    'bot deliveries could not be handed to the queue; retrying on the next pass',
  );

  logger.info({ bots: list.map((d) => d.manifest.name) }, 'bot runtime started');
  return {
    bots,
    async change(tenantId, bot, change, audit) {
      const def = bots.get(bot);
      if (!def) throw new ManifestError(`No bot named ${bot}`);
      const row = await changeInstallation(db, config.baseUrl, tenantId, def, change, audit);
      if (row.enabled) await registerSchedules(def, tenantId);
      else {
        await unregisterSchedules(def, tenantId);
        // This process refuses the bot's old tokens at once; other processes within their next poll.
        await auth.revocations.refresh();
      }
      return row;
    },
    forwardNow: loop.runNow,
    stop: loop.stop,
  };
}
