import type { Database } from '../db/database.ts';

/**
 * Per-client API rate limits (`oauth_client.rate_limit_per_minute`, migration 0026): a person's
 * token is well served by the default (RATE_LIMIT_API), a system integration may need more, a
 * noisy third-party app less. Read on every API request, so cached briefly per process; a change
 * takes effect within CACHE_MS everywhere (and at once in the process that made it).
 */
const CACHE_MS = 30_000;

export class ClientLimits {
  private readonly cache = new Map<string, { perMinute: number | null; at: number }>();
  private readonly db: Database;
  constructor(db: Database) {
    this.db = db;
  }

  /** The client's own limit, or null when it has none (the default applies). */
  async perMinute(tenantId: string, clientId: string): Promise<number | null> {
    const key = `${tenantId}:${clientId}`;
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.perMinute;
    const { rows } = await this.db.transaction({ tenantId }, (sql) =>
      sql.query<{ rate_limit_per_minute: number | null }>('SELECT rate_limit_per_minute FROM oauth_client WHERE client_id = $1', [
        clientId,
      ]),
    );
    const perMinute = rows[0]?.rate_limit_per_minute ?? null;
    this.cache.set(key, { perMinute, at: Date.now() });
    return perMinute;
  }

  /** Sets (or with null clears) a client's limit; false when the tenant has no such client. */
  async set(tenantId: string, clientId: string, perMinute: number | null): Promise<boolean> {
    const r = await this.db.transaction({ tenantId }, (sql) =>
      sql.query('UPDATE oauth_client SET rate_limit_per_minute = $2 WHERE client_id = $1', [clientId, perMinute]),
    );
    this.cache.delete(`${tenantId}:${clientId}`);
    return r.rowCount > 0;
  }
}
