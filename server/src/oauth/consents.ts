import { splitScopes } from '../auth/scopes.ts';
import type { Database } from '../db/database.ts';

/** A user's remembered consent to one app: the scopes allowed so far. */
export interface AppConsent {
  client: string;
  scope: string;
  grantedAt: string;
}

/** True when the user has already allowed every one of `scope` for this app. */
export async function consentCovers(db: Database, tenantId: string, userId: string, clientId: string, scope: string): Promise<boolean> {
  const r = await db.transaction({ tenantId }, (sql) =>
    sql.query<{ scope: string }>('SELECT scope FROM app_consent WHERE user_id = $1 AND client_id = $2', [userId, clientId]),
  );
  const allowed = new Set(splitScopes(r.rows[0]?.scope));
  return r.rows.length > 0 && splitScopes(scope).every((s) => allowed.has(s));
}

/** Remembers that the user allowed `scope`, on top of what they allowed before. */
export async function rememberConsent(db: Database, tenantId: string, userId: string, clientId: string, scope: string): Promise<void> {
  await db.transaction({ tenantId }, async (sql) => {
    const r = await sql.query<{ scope: string }>('SELECT scope FROM app_consent WHERE user_id = $1 AND client_id = $2 FOR UPDATE', [
      userId,
      clientId,
    ]);
    const all = [...new Set([...splitScopes(r.rows[0]?.scope), ...splitScopes(scope)])].join(' ');
    await sql.query(
      `INSERT INTO app_consent (tenant_id, user_id, client_id, scope) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id, user_id, client_id) DO UPDATE SET scope = excluded.scope, granted_at = now()`,
      [tenantId, userId, clientId, all],
    );
  });
}

export async function listConsents(db: Database, tenantId: string, userId: string): Promise<AppConsent[]> {
  const r = await db.transaction({ tenantId }, (sql) =>
    sql.query<{ client_id: string; scope: string; granted_at: Date | string }>(
      'SELECT client_id, scope, granted_at FROM app_consent WHERE user_id = $1 ORDER BY client_id',
      [userId],
    ),
  );
  return r.rows.map((x) => ({ client: x.client_id, scope: x.scope, grantedAt: new Date(x.granted_at).toISOString() }));
}

/**
 * Forgets the consent and ends the app's refresh tokens for this user, so the app must ask again.
 * Access tokens already issued run out on their own (15 minutes).
 */
export async function revokeConsent(db: Database, tenantId: string, userId: string, clientId: string): Promise<boolean> {
  return db.transaction({ tenantId }, async (sql) => {
    const r = await sql.query('DELETE FROM app_consent WHERE user_id = $1 AND client_id = $2', [userId, clientId]);
    await sql.query('UPDATE refresh_token SET revoked_at = now() WHERE user_id = $1 AND client_id = $2 AND revoked_at IS NULL', [
      userId,
      clientId,
    ]);
    return r.rowCount > 0;
  });
}
