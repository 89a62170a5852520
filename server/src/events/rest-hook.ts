import { createHmac } from 'node:crypto';
import type { Resource, Subscription } from '@medplum/fhirtypes';
import type { ConsentRules } from '../auth/consent.ts';
import type { StandingAccess } from '../auth/standing-access.ts';
import { standingAccess } from '../auth/standing-access.ts';
import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import { PostgresRepository } from '../repo/postgres-repository.ts';
import { endpointRefusal } from './endpoint-guard.ts';
import { mayReceive, subscribersOf } from './subscriber.ts';
import { currentEndpointPolicy, SUBSCRIPTION_SECRET_URL } from './subscriptions.ts';
import { readVersions, versionKey } from './versions.ts';

export interface DeliverySettings {
  /** First retry after this long; each later one waits twice as long. */
  retryBaseMs: number;
  /** Attempts before the delivery fails and the Subscription is set to error. */
  maxAttempts: number;
  /** How long one request to an endpoint may take. */
  timeoutMs: number;
  baseUrl: string;
  /** Told how many deliveries ended each way (/metrics queue_jobs_processed). */
  onFinished?: (outcome: DeliveryOutcome, count: number) => void;
  /** Patients' Consents, which narrow what a subscriber may receive. */
  consents: ConsentRules;
}

/** How an attempt ended: sent, given up, Subscription gone, or failed with a retry to come. */
export type DeliveryOutcome = 'delivered' | 'failed' | 'cancelled' | 'retried';

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

/** withheld: the subscriber may not read what the notification would carry (recorded as cancelled, with why). */
type Outcome = { ok: true } | { ok: false; reason: string } | { cancelled: true } | { withheld: string };

/** While a delivery is being attempted, no other worker takes it. */
const ATTEMPT_LEASE = '2 minutes';
/** Requests in flight at once per pass, across subscriptions and resources. */
const PARALLEL = 16;

/**
 * Claims due deliveries and attempts each; returns how many it attempted. The notifications about
 * one resource for one Subscription go one after another in commit order; different resources go
 * side by side. What a batch needs is read in one transaction per tenant, and its outcomes written
 * back in a few statements.
 */
export async function deliverDue(db: Database, settings: DeliverySettings, logger: Logger, batchSize = 200): Promise<number> {
  const claimed = await db.asOwner((sql) =>
    sql.query<Delivery>(
      `UPDATE subscription_delivery SET attempts = attempts + 1, next_attempt_at = now() + interval '${ATTEMPT_LEASE}'
       WHERE id IN (SELECT id FROM subscription_delivery WHERE status = 'pending' AND channel = 'rest-hook' AND next_attempt_at <= now()
                    ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING id::text, tenant_id, subscription_id, event_seq::text, resource_type, resource_id, version_id, action, attempts`,
      [batchSize],
    ),
  );
  if (claimed.rows.length === 0) return 0;
  const context = new Map<string, TenantContext>();
  for (const [tenantId, list] of Map.groupBy(claimed.rows, (d) => d.tenant_id))
    context.set(tenantId, await loadContext(db, settings.consents, tenantId, list));

  const outcomes = new Map<Delivery, Outcome>();
  const lanes = [...Map.groupBy(claimed.rows, (d) => `${d.tenant_id}/${d.subscription_id}/${d.resource_type}/${d.resource_id}`).values()];
  const runLane = async (lane: Delivery[]) => {
    for (const d of lane.sort((a, b) => Number(a.id) - Number(b.id))) {
      const ctx = context.get(d.tenant_id) as TenantContext;
      outcomes.set(d, await notify(db, settings, d, ctx).catch((err) => unexpected(logger, d, err)));
    }
  };
  // PARALLEL workers each take the next lane when done, so one slow endpoint holds up only its own.
  let next = 0;
  const worker = async () => {
    while (next < lanes.length) await runLane(lanes[next++] as Delivery[]);
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, lanes.length) }, worker));
  await record(db, settings, logger, outcomes);
  return claimed.rows.length;
}

function unexpected(logger: Logger, d: Delivery, err: unknown): Outcome {
  logger.error({ err, delivery: d.id }, 'subscription delivery could not be attempted');
  return { ok: false, reason: 'The server could not prepare the notification.' };
}

interface TenantContext {
  subscriptions: Map<string, Subscription>;
  /** Payload versions by "type/id/version". */
  resources: Map<string, Resource>;
  /** Each endpoint is judged once per batch. */
  refusals: Map<string, Promise<string | undefined>>;
  /** What each client-written Subscription's subscriber may read now; absent for the server's own. */
  subscribers: Map<string, StandingAccess | undefined>;
}

/** The batch's Subscriptions (as they are now), their subscribers' access, and the versions their payloads carry, under the tenant's RLS. */
async function loadContext(db: Database, consents: ConsentRules, tenantId: string, list: Delivery[]): Promise<TenantContext> {
  const loaded = await db.transaction({ tenantId }, async (sql) => {
    const ids = [...new Set(list.map((d) => d.subscription_id))];
    const subs = await sql.query<{ id: string; content: Subscription }>(
      `SELECT id, content FROM "Subscription" WHERE id = ANY($1::text[]) AND deleted = false`,
      [ids],
    );
    const subscriptions = new Map(subs.rows.map((r) => [r.id, r.content]));
    const wanted = list.filter((d) => d.action !== 'delete' && subscriptions.get(d.subscription_id)?.channel.payload);
    const resources = await readVersions(
      sql,
      wanted.map((d) => ({ type: d.resource_type, id: d.resource_id, version: d.version_id })),
    );
    return { subscriptions, resources, who: await subscribersOf(sql, ids) };
  });
  // Outside the transaction above: the embedded database runs one at a time.
  const subscribers = new Map<string, StandingAccess | undefined>();
  for (const [id, who] of loaded.who) subscribers.set(id, await standingAccess(db, consents, tenantId, who.clientId, who.userId));
  return { subscriptions: loaded.subscriptions, resources: loaded.resources, refusals: new Map(), subscribers };
}

/** Writes a batch's outcomes: successes and cancellations in one statement each, failures one by one. */
async function record(db: Database, settings: DeliverySettings, logger: Logger, outcomes: Map<Delivery, Outcome>): Promise<void> {
  const done = (pick: (o: Outcome) => boolean) => [...outcomes].filter(([, o]) => pick(o)).map(([d]) => d.id);
  const delivered = done((o) => 'ok' in o && o.ok);
  const cancelled = done((o) => 'cancelled' in o);
  const withheld = done((o) => 'withheld' in o);
  await db.asOwner(async (sql) => {
    const finish = 'UPDATE subscription_delivery SET status = $2, last_error = $3, finished_at = now() WHERE id = ANY($1::bigint[])';
    if (delivered.length) await sql.query(finish, [delivered, 'delivered', null]);
    if (cancelled.length) await sql.query(finish, [cancelled, 'cancelled', null]);
    if (withheld.length) await sql.query(finish, [withheld, 'cancelled', WITHHELD]);
  });
  if (delivered.length) settings.onFinished?.('delivered', delivered.length);
  if (cancelled.length + withheld.length) settings.onFinished?.('cancelled', cancelled.length + withheld.length);
  for (const [d, o] of outcomes) {
    if (!('ok' in o) || o.ok) continue;
    logger.warn({ delivery: d.id, subscription: d.subscription_id, attempt: d.attempts, reason: o.reason }, 'subscription delivery failed');
    if (d.attempts < settings.maxAttempts) {
      const waitMs = settings.retryBaseMs * 2 ** (d.attempts - 1);
      await db.asOwner((sql) =>
        sql.query(
          `UPDATE subscription_delivery SET next_attempt_at = now() + $2 * interval '1 millisecond', last_error = $3 WHERE id = $1`,
          [d.id, waitMs, o.reason],
        ),
      );
      settings.onFinished?.('retried', 1);
      continue;
    }
    await db.asOwner((sql) =>
      sql.query(`UPDATE subscription_delivery SET status = 'failed', last_error = $2, finished_at = now() WHERE id = $1`, [d.id, o.reason]),
    );
    settings.onFinished?.('failed', 1);
    await markSubscriptionError(db, settings, d, o.reason);
  }
}

/** R4: after repeated failures the server sets the Subscription to error and says why. */
async function markSubscriptionError(db: Database, settings: DeliverySettings, d: Delivery, reason: string): Promise<void> {
  const repo = new PostgresRepository({
    db,
    tenant: { tenantId: d.tenant_id },
    baseUrl: settings.baseUrl,
    updateCreate: false,
    serverWrite: true,
  });
  const current = await repo.readResource<Subscription>('Subscription', d.subscription_id).catch(() => undefined);
  if (current?.status !== 'active') return;
  await repo.updateResource<Subscription>({
    ...current,
    status: 'error',
    error: `Notifications stopped after ${d.attempts} failed attempts: ${reason}`,
  });
}

const WITHHELD = 'The subscriber may not read this resource, so it was not told of the change.';

/** A notification goes only where the subscriber may read what it tells of, judged now. */
async function notify(db: Database, settings: DeliverySettings, d: Delivery, ctx: TenantContext): Promise<Outcome> {
  if (ctx.subscribers.has(d.subscription_id) && ctx.subscriptions.get(d.subscription_id)?.status === 'active') {
    const change = { tenantId: d.tenant_id, type: d.resource_type, id: d.resource_id, version: d.version_id, action: d.action };
    if (!(await mayReceive(db, settings.baseUrl, ctx.subscribers.get(d.subscription_id), change))) return { withheld: WITHHELD };
  }
  return send(settings, d, ctx);
}

/** One notification, R4 rest-hook: POST without a body, or with a payload the resource itself (PUT; DELETE for a deletion). */
async function send(settings: DeliverySettings, d: Delivery, ctx: TenantContext): Promise<Outcome> {
  const subscription = ctx.subscriptions.get(d.subscription_id);
  if (subscription?.status !== 'active') return { cancelled: true };
  const endpoint = subscription.channel.endpoint ?? '';
  let judged = ctx.refusals.get(endpoint);
  if (!judged) {
    judged = endpointRefusal(endpoint, currentEndpointPolicy());
    ctx.refusals.set(endpoint, judged);
  }
  const refusal = await judged;
  if (refusal) return { ok: false, reason: refusal };

  const payload = subscription.channel.payload;
  const target = `${endpoint.replace(/\/$/, '')}/${d.resource_type}/${d.resource_id}`;
  const resource = ctx.resources.get(versionKey(d.resource_type, d.resource_id, d.version_id));
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
