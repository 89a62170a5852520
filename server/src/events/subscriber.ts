import type { StandingAccess } from '../auth/standing-access.ts';
import type { Database, Sql } from '../db/database.ts';
import { PostgresRepository } from '../repo/postgres-repository.ts';

/** The client (and user) that last wrote a rest-hook Subscription: whose access its notifications follow. */
export interface Subscriber {
  clientId: string;
  userId?: string;
}

export async function recordSubscriber(sql: Sql, subscriptionId: string, who: Subscriber): Promise<void> {
  await sql.query(
    `INSERT INTO subscription_subscriber (tenant_id, subscription_id, client_id, user_id)
     VALUES (app_current_tenant(), $1, $2, $3)
     ON CONFLICT (tenant_id, subscription_id) DO UPDATE SET client_id = excluded.client_id, user_id = excluded.user_id`,
    [subscriptionId, who.clientId, who.userId ?? null],
  );
}

export async function forgetSubscriber(sql: Sql, subscriptionId: string): Promise<void> {
  await sql.query('DELETE FROM subscription_subscriber WHERE subscription_id = $1', [subscriptionId]);
}

/** The subscribers of these Subscriptions, under the tenant's RLS; a Subscription the server wrote has none. */
export async function subscribersOf(sql: Sql, subscriptionIds: string[]): Promise<Map<string, Subscriber>> {
  const r = await sql.query<{ subscription_id: string; client_id: string; user_id: string | null }>(
    'SELECT subscription_id, client_id, user_id FROM subscription_subscriber WHERE subscription_id = ANY($1::text[])',
    [subscriptionIds],
  );
  return new Map(r.rows.map((row) => [row.subscription_id, { clientId: row.client_id, userId: row.user_id ?? undefined }]));
}

/**
 * Whether the subscriber may know of this change now: it can read this version of the resource
 * (tenant, scopes, role and branch, patients' Consents), or for a deletion, read the type without
 * conditions (a deleted resource cannot be judged). Without standing access (client revoked, user
 * deactivated): nothing.
 */
export async function mayReceive(
  db: Database,
  baseUrl: string,
  standing: StandingAccess | undefined,
  change: { tenantId: string; type: string; id: string; version: number; action: string },
): Promise<boolean> {
  if (!standing) return false;
  const { access, principal } = standing;
  const unconditional = access.allows(change.type, 'r') && access.gates(change.type, 'r').length === 0;
  if (change.action === 'delete') return unconditional;
  // Nothing to judge on the resource itself: no read needed (a system client's plain type scope).
  if (unconditional && !principal.consentDenials?.length) return true;
  const branchId = principal.branchIds.length === 1 ? principal.branchIds[0] : undefined;
  const repo = new PostgresRepository({
    db,
    tenant: { tenantId: change.tenantId, userId: principal.userId, branchId },
    baseUrl,
    updateCreate: false,
    access,
  });
  return repo.readVersion(change.type, change.id, String(change.version)).then(
    () => true,
    () => false,
  );
}
