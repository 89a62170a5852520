import { createHmac } from 'node:crypto';
import type { Resource, Subscription } from '@medplum/fhirtypes';
import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import { PostgresRepository } from '../repo/postgres-repository.ts';
import { quoteTable } from '../search/sql.ts';
import { endpointRefusal } from './endpoint-guard.ts';
import { currentEndpointPolicy, SUBSCRIPTION_SECRET_URL } from './subscriptions.ts';

export interface DeliverySettings {
  /** First retry after this long; each later one waits twice as long. */
  retryBaseMs: number;
  /** Attempts before the delivery fails and the Subscription is set to error. */
  maxAttempts: number;
  /** How long one POST may take. */
  timeoutMs: number;
  baseUrl: string;
}

interface Delivery {
  id: string;
  tenant_id: string;
  subscription_id: string;
  event_seq: string;
  resource_type: string;
  resource_id: string;
  version_id: number;
  action: 'create' | 'update' | 'delete';
  attempts: number;
}

/** While a delivery is being attempted, no other worker takes it. */
const ATTEMPT_LEASE = '2 minutes';

/** Claims due deliveries and attempts each; returns how many it attempted. */
export async function deliverDue(db: Database, settings: DeliverySettings, logger: Logger, batchSize = 50): Promise<number> {
  const claimed = await db.asOwner((sql) =>
    sql.query<Delivery>(
      `UPDATE subscription_delivery SET attempts = attempts + 1, next_attempt_at = now() + interval '${ATTEMPT_LEASE}'
       WHERE id IN (SELECT id FROM subscription_delivery WHERE status = 'pending' AND next_attempt_at <= now()
                    ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING id::text, tenant_id, subscription_id, event_seq::text, resource_type, resource_id, version_id, action, attempts`,
      [batchSize],
    ),
  );
  // Subscriptions are served side by side; each one's notifications go in commit order.
  const bySubscription = Map.groupBy(claimed.rows, (d) => `${d.tenant_id}/${d.subscription_id}`);
  await Promise.all(
    [...bySubscription.values()].map(async (list) => {
      for (const d of list.sort((a, b) => Number(a.id) - Number(b.id))) await attempt(db, settings, logger, d);
    }),
  );
  return claimed.rows.length;
}

type Outcome = { ok: true } | { ok: false; reason: string } | { cancelled: true };

async function attempt(db: Database, settings: DeliverySettings, logger: Logger, d: Delivery): Promise<void> {
  let result: Outcome;
  try {
    result = await send(db, settings, d);
  } catch (err) {
    logger.error({ err, delivery: d.id }, 'subscription delivery could not be attempted');
    result = { ok: false, reason: 'The server could not prepare the notification.' };
  }
  if ('cancelled' in result) return finish(db, d.id, 'cancelled', null);
  if (result.ok) return finish(db, d.id, 'delivered', null);
  logger.warn(
    { delivery: d.id, subscription: d.subscription_id, attempt: d.attempts, reason: result.reason },
    'subscription delivery failed',
  );
  if (d.attempts < settings.maxAttempts) {
    const waitMs = settings.retryBaseMs * 2 ** (d.attempts - 1);
    await db.asOwner((sql) =>
      sql.query(`UPDATE subscription_delivery SET next_attempt_at = now() + $2 * interval '1 millisecond', last_error = $3 WHERE id = $1`, [
        d.id,
        waitMs,
        result.reason,
      ]),
    );
    return;
  }
  await finish(db, d.id, 'failed', result.reason);
  await markSubscriptionError(db, settings, d, result.reason);
}

function finish(db: Database, id: string, status: string, error: string | null): Promise<void> {
  return db.asOwner(async (sql) => {
    await sql.query('UPDATE subscription_delivery SET status = $2, last_error = $3, finished_at = now() WHERE id = $1', [
      id,
      status,
      error,
    ]);
  });
}

/** R4: after repeated failures the server sets the Subscription to error and says why. */
async function markSubscriptionError(db: Database, settings: DeliverySettings, d: Delivery, reason: string): Promise<void> {
  const repo = serverRepo(db, settings, d.tenant_id);
  const current = await repo.readResource<Subscription>('Subscription', d.subscription_id).catch(() => undefined);
  if (current?.status !== 'active') return;
  await repo.updateResource<Subscription>({
    ...current,
    status: 'error',
    error: `Notifications stopped after ${d.attempts} failed attempts: ${reason}`,
  });
}

const serverRepo = (db: Database, settings: DeliverySettings, tenantId: string) =>
  new PostgresRepository({ db, tenant: { tenantId }, baseUrl: settings.baseUrl, updateCreate: false, serverWrite: true });

/** One notification, R4 rest-hook: POST without a body, or with a payload the resource itself (PUT; DELETE for a deletion). */
async function send(db: Database, settings: DeliverySettings, d: Delivery): Promise<Outcome> {
  const found = await db.transaction({ tenantId: d.tenant_id }, async (sql) => {
    const s = await sql.query<{ content: Subscription }>(`SELECT content FROM "Subscription" WHERE id = $1 AND deleted = false`, [
      d.subscription_id,
    ]);
    const subscription = s.rows[0]?.content;
    if (subscription?.status !== 'active' || !subscription.channel.payload || d.action === 'delete') return { subscription };
    const r = await sql.query<{ content: Resource | null }>(
      `SELECT content FROM ${quoteTable(`${d.resource_type}_History`)} WHERE id = $1 AND version_id = $2`,
      [d.resource_id, d.version_id],
    );
    return { subscription, resource: r.rows[0]?.content ?? undefined };
  });
  const { subscription, resource } = found as { subscription?: Subscription; resource?: Resource };
  if (subscription?.status !== 'active') return { cancelled: true };
  const endpoint = subscription.channel.endpoint ?? '';
  const refusal = await endpointRefusal(endpoint, currentEndpointPolicy());
  if (refusal) return { ok: false, reason: refusal };

  const payload = subscription.channel.payload;
  const target = `${endpoint.replace(/\/$/, '')}/${d.resource_type}/${d.resource_id}`;
  const [method, url, body] = !payload
    ? ['POST', endpoint, '']
    : d.action === 'delete'
      ? ['DELETE', target, '']
      : ['PUT', target, JSON.stringify(resource)];
  const headers: Record<string, string> = {
    'x-hospital-ops-event': d.event_seq,
    'x-hospital-ops-subscription': d.subscription_id,
    'x-hospital-ops-action': d.action,
  };
  if (body) headers['content-type'] = payload === 'application/json' ? 'application/json' : 'application/fhir+json';
  for (const h of subscription.channel.header ?? []) {
    const at = h.indexOf(':');
    headers[h.slice(0, at).trim().toLowerCase()] = h.slice(at + 1).trim();
  }
  const secret = subscription.extension?.find((e) => e.url === SUBSCRIPTION_SECRET_URL)?.valueString;
  if (secret) headers['x-hospital-ops-signature'] = `sha256=${createHmac('sha256', secret).update(`${d.event_seq}.${body}`).digest('hex')}`;
  try {
    const res = await fetch(url, {
      method,
      headers,
      body: body || undefined,
      redirect: 'manual',
      signal: AbortSignal.timeout(settings.timeoutMs),
    });
    await res.body?.cancel();
    return res.ok ? { ok: true } : { ok: false, reason: `The endpoint answered ${res.status}.` };
  } catch (err) {
    const timedOut = (err as Error).name === 'TimeoutError';
    return {
      ok: false,
      reason: timedOut ? `The endpoint did not answer within ${settings.timeoutMs} ms.` : 'The endpoint could not be reached.',
    };
  }
}
