import type { BotEvent } from '../../../bots/contract.ts';
import type { Database } from '../db/database.ts';
import type { JobQueue } from '../jobs/queue.ts';
import type { Logger } from '../logger.ts';
import { type InstallationRow, listInstallations } from './installations.ts';
import type { BotDefinition } from './manifest.ts';

/** What a bot's job carries: ids only, never content or credentials. */
export interface BotJobData {
  bot: string;
  tenant: string;
  event?: BotEvent;
  /** The schedule's name, for a scheduled invocation. */
  schedule?: string;
}

interface MessageDelivery {
  id: string;
  tenant_id: string;
  subscription_id: string;
  event_seq: string;
  resource_type: string;
  resource_id: string;
  version_id: number;
  action: BotEvent['action'];
  attempts: number;
}

/** While a delivery is being handed over, no other process takes it. */
const LEASE_MS = 60_000;

/** The job id of an event-driven invocation: one job per Subscription and event, however often it is handed over. */
export const eventJobId = (subscription: string, seq: string) => `${subscription}-${seq}`;

/**
 * Hands the message channel's deliveries (events matched by a bot's Subscriptions, recorded by
 * the dispatcher in the same table as rest-hook ones) to the bots' job queues. The job id makes a
 * second hand-over of the same delivery add nothing. A delivery whose Subscription no enabled
 * installation owns is cancelled: a disabled bot, or a message Subscription nobody installed.
 */
export async function forwardBotDeliveries(
  db: Database,
  jobs: JobQueue,
  bots: Map<string, BotDefinition>,
  logger: Logger,
  batchSize = 200,
): Promise<number> {
  // Across tenants, through functions that claim and finish deliveries and nothing else (migration 0046).
  const claimed = await db.transaction(undefined, (sql) =>
    sql.query<MessageDelivery>(
      `SELECT id::text, tenant_id, subscription_id, event_seq::text, resource_type, resource_id, version_id, action, attempts
       FROM delivery_claim('message', $1, $2)`,
      [batchSize, LEASE_MS],
    ),
  );
  if (claimed.rows.length === 0) return 0;
  // Each tenant's installations under its own row-level security.
  const owners: InstallationRow[] = [];
  for (const tenant of new Set(claimed.rows.map((d) => d.tenant_id)))
    owners.push(...(await listInstallations(db, tenant)).filter((row) => row.enabled));
  const owner = new Map<string, InstallationRow>();
  for (const row of owners) for (const s of row.subscription_ids) owner.set(`${row.tenant_id}/${s}`, row);

  const delivered: string[] = [];
  const cancelled: string[] = [];
  for (const d of claimed.rows.sort((a, b) => Number(a.id) - Number(b.id))) {
    const installation = owner.get(`${d.tenant_id}/${d.subscription_id}`);
    const def = installation && bots.get(installation.bot);
    if (!installation || !def) {
      cancelled.push(d.id);
      continue;
    }
    const data: BotJobData = {
      bot: def.manifest.name,
      tenant: d.tenant_id,
      event: {
        seq: d.event_seq,
        subscription: d.subscription_id,
        action: d.action,
        resourceType: d.resource_type,
        id: d.resource_id,
        versionId: d.version_id,
      },
    };
    try {
      await jobs.add(def.queue, def.manifest.name, data, { jobId: eventJobId(d.subscription_id, d.event_seq) });
      delivered.push(d.id);
    } catch (err) {
      // The queue is away (Redis down): the delivery waits and is handed over when it is back.
      logger.warn({ err, delivery: d.id, bot: def.manifest.name }, 'bot job could not be queued; retrying');
      const waitMs = Math.min(60_000, 500 * 2 ** Math.min(d.attempts, 7));
      await db.transaction(undefined, (sql) =>
        sql.query('SELECT delivery_retry_later($1, $2, $3)', [d.id, waitMs, 'The job queue could not take the job.']),
      );
    }
  }
  await db.transaction(undefined, async (sql) => {
    const finish = 'SELECT delivery_finish($1::bigint[], $2, NULL)';
    if (delivered.length) await sql.query(finish, [delivered, 'delivered']);
    if (cancelled.length) await sql.query(finish, [cancelled, 'cancelled']);
  });
  return claimed.rows.length;
}
