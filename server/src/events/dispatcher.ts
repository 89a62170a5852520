import type { SearchRequest } from '@medplum/core';
import type { Resource, Subscription } from '@medplum/fhirtypes';
import type { Database, Sql } from '../db/database.ts';
import { criteriaMatch, type FhirPathFilter, fhirPathFilterOf, filterMatch, parseCriteria } from './subscriptions.ts';
import { readVersions, versionKey } from './versions.ts';

export interface ResourceEvent {
  seq: string;
  tenant_id: string;
  resource_type: string;
  resource_id: string;
  version_id: number;
  action: 'create' | 'update' | 'delete';
}

/** How long a claimed event stays with the dispatcher that took it before another may. */
const CLAIM_LEASE = '30 seconds';

/**
 * Moves committed events from the outbox to the deliveries they owe: claims a batch (a lease, so
 * several processes share the work and a crashed one's batch comes back), matches each event
 * against its tenant's active Subscriptions, records the deliveries (idempotent per subscription
 * and event), then deletes the events. Returns how many events it handled.
 */
export async function dispatchEvents(db: Database, batchSize = 500): Promise<number> {
  const claimed = await db.asOwner((sql) =>
    sql.query<ResourceEvent>(
      `UPDATE resource_event SET claimed_until = now() + interval '${CLAIM_LEASE}'
       WHERE seq IN (SELECT seq FROM resource_event WHERE claimed_until IS NULL OR claimed_until < now()
                     ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING seq::text, tenant_id, resource_type, resource_id, version_id, action`,
      [batchSize],
    ),
  );
  const events = claimed.rows.sort((a, b) => Number(a.seq) - Number(b.seq));
  if (events.length === 0) return 0;
  const byTenant = Map.groupBy(events, (e) => e.tenant_id);
  for (const [tenantId, list] of byTenant) {
    await db.transaction({ tenantId }, (sql) => recordDeliveries(sql, list));
  }
  await db.asOwner((sql) => sql.query('DELETE FROM resource_event WHERE seq = ANY($1::bigint[])', [events.map((e) => e.seq)]));
  return events.length;
}

interface ActiveSubscription {
  id: string;
  request: SearchRequest;
  filter?: FhirPathFilter;
  channel: string;
}

/** NOTIFY channel of websocket notifications; every process's socket hub listens (events/websocket.ts). */
export const WEBSOCKET_NOTIFY_CHANNEL = 'hops_subscription_ws';

/** What a websocket notification carries between processes: ids only, never content. */
export interface WebsocketNotice {
  tenant: string;
  subscription: string;
  type: string;
  id: string;
  action: ResourceEvent['action'];
}

async function activeSubscriptions(sql: Sql): Promise<ActiveSubscription[]> {
  const r = await sql.query<{ id: string; content: Subscription }>(
    `SELECT id, content FROM "Subscription" WHERE deleted = false AND content->>'status' = 'active'`,
  );
  const active: ActiveSubscription[] = [];
  for (const { id, content } of r.rows) {
    try {
      active.push({
        id,
        request: parseCriteria(content.criteria),
        filter: fhirPathFilterOf(content),
        channel: content.channel?.type ?? '',
      });
    } catch {
      // Written before a rule tightened: it cannot match anything, and says so when next saved.
    }
  }
  return active;
}

/** The version the criteria are judged on: the one written, or for a deletion the last one before it. */
const judgedVersionOf = (e: ResourceEvent) => (e.action === 'delete' ? e.version_id - 1 : e.version_id);

async function recordDeliveries(sql: Sql, events: ResourceEvent[]): Promise<void> {
  const subscriptions = await activeSubscriptions(sql);
  if (subscriptions.length === 0) return;
  const wanted = new Set<string>(subscriptions.map((s) => s.request.resourceType));
  const rows: Record<string, unknown>[] = [];
  const notices: WebsocketNotice[] = [];
  const relevant = events.filter((e) => wanted.has(e.resource_type));
  const judged = await readVersions(
    sql,
    relevant.map((e) => ({ type: e.resource_type, id: e.resource_id, version: judgedVersionOf(e) })),
  );
  // Previous versions only when a filter compares with them, again one query per type.
  const previous = subscriptions.some((s) => s.filter?.needsPrevious)
    ? await readVersions(
        sql,
        relevant.map((e) => ({ type: e.resource_type, id: e.resource_id, version: judgedVersionOf(e) - 1 })),
      )
    : new Map<string, Resource>();
  for (const e of relevant) {
    const resource = judged.get(versionKey(e.resource_type, e.resource_id, judgedVersionOf(e)));
    if (!resource) continue;
    for (const s of subscriptions) {
      if (!criteriaMatch(s.request, resource)) continue;
      if (s.filter) {
        const before = s.filter.needsPrevious
          ? previous.get(versionKey(e.resource_type, e.resource_id, Number(resource.meta?.versionId ?? 0) - 1))
          : undefined;
        if (!filterMatch(s.filter, resource, before)) continue;
      }
      // Websockets are live only (R4): a bound socket gets a ping; nothing waits for an absent one.
      // rest-hook and message (a bot's queue, server/src/bots/forwarder.ts) deliveries are durable rows.
      if (s.channel === 'websocket') {
        notices.push({ tenant: e.tenant_id, subscription: s.id, type: e.resource_type, id: e.resource_id, action: e.action });
        continue;
      }
      rows.push({ s: s.id, seq: e.seq, t: e.resource_type, id: e.resource_id, v: e.version_id, a: e.action, c: s.channel });
    }
  }
  // Sent by PostgreSQL at this transaction's commit, to every process listening.
  for (const n of notices) await sql.query('SELECT pg_notify($1, $2)', [WEBSOCKET_NOTIFY_CHANNEL, JSON.stringify(n)]);
  if (rows.length === 0) return;
  await sql.query(
    `INSERT INTO subscription_delivery (tenant_id, subscription_id, event_seq, resource_type, resource_id, version_id, action, channel)
     SELECT app_current_tenant(), r.s, r.seq, r.t, r.id, r.v, r.a, r.c
     FROM json_to_recordset($1::json) AS r(s text, seq bigint, t text, id text, v integer, a text, c text)
     ON CONFLICT (tenant_id, subscription_id, event_seq) DO NOTHING`,
    [JSON.stringify(rows)],
  );
}
