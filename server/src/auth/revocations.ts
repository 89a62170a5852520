import type { Database } from '../db/database.ts';

const POLL_MS = 5_000;

/**
 * Revoked access-token ids. Checking the database on every request would cost a round trip, so
 * each process keeps the set in memory and polls for revocations made by other processes: a
 * revocation elsewhere takes effect within POLL_MS, one made here at once.
 */
export class RevocationList {
  private readonly db: Database;
  private readonly revoked = new Map<string, number>();
  private since = new Date(0).toISOString();
  private timer: NodeJS.Timeout | undefined;

  constructor(db: Database) {
    this.db = db;
  }

  async start(): Promise<void> {
    await this.poll();
    this.timer = setInterval(() => void this.poll().catch(() => {}), POLL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async poll(): Promise<void> {
    const r = await this.db.transaction(undefined, (sql) =>
      sql.query<{ jti: string; expires_at: Date | string; revoked_at: Date | string }>(
        'SELECT jti, expires_at, revoked_at FROM revoked_token WHERE revoked_at >= $1 AND expires_at > now() ORDER BY revoked_at',
        [this.since],
      ),
    );
    for (const row of r.rows) {
      this.revoked.set(row.jti, new Date(row.expires_at).getTime());
      this.since = new Date(row.revoked_at).toISOString();
    }
    const now = Date.now();
    for (const [jti, exp] of this.revoked) if (exp < now) this.revoked.delete(jti);
  }

  has(jti: string): boolean {
    return this.revoked.has(jti);
  }

  async revoke(jti: string, expiresAt: Date): Promise<void> {
    await this.db.transaction(undefined, (sql) =>
      sql.query('INSERT INTO revoked_token (jti, expires_at) VALUES ($1, $2) ON CONFLICT DO NOTHING', [jti, expiresAt.toISOString()]),
    );
    this.revoked.set(jti, expiresAt.getTime());
  }
}
