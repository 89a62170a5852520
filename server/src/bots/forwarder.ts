import type { BotEvent } from '../../../bots/contract.ts';
import type { Database } from '../db/database.ts';
import type { JobQueue } from '../jobs/queue.ts';
import type { Logger } from '../logger.ts';
import type { InstallationRow } from './installations.ts';
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
const LEASE = '1 minute';

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
  const claimed = await db.asOwner((sql) =>
    sql.query<MessageDelivery>(
      `UPDATE subscription_delivery SET attempts = attempts + 1, next_attempt_at = now() + interval '${LEASE}'
       WHERE id IN (SELECT id FROM subscription_delivery WHERE status = 'pending' AND channel = 'message' AND next_attempt_at <= now()
                    ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING id::text, tenant_id, subscription_id, event_seq::text, resource_type, resource_id, version_id, action, attempts`,
      [batchSize],
    ),
  );
  if (claimed.rows.length === 0) return 0;
  const owners = await db.asOwner((sql) =>
    sql.query<InstallationRow>('SELECT * FROM bot_installation WHERE enabled AND tenant_id = ANY($1::uuid[])', [
      [...new Set(claimed.rows.map((d) => d.tenant_id))],
    ]),
  );
  const owner = new Map<string, InstallationRow>();
  for (const row of owners.rows) for (const s of row.subscription_ids) owner.set(`${row.tenant_id}/${s}`, row);

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
      await db.asOwner((sql) =>
        sql.query(
          `UPDATE subscription_delivery SET next_attempt_at = now() + $2 * interval '1 millisecond', last_error = $3 WHERE id = $1`,
          [d.id, waitMs, 'The job queue could not take the job.'],
        ),
      );
    }
  }
  await db.asOwner(async (sql) => {
    const finish = 'UPDATE subscription_delivery SET status = $2, last_error = NULL, finished_at = now() WHERE id = ANY($1::bigint[])';
    if (delivered.length) await sql.query(finish, [delivered, 'delivered']);
    if (cancelled.length) await sql.query(finish, [cancelled, 'cancelled']);
  });
  return claimed.rows.length;
}
