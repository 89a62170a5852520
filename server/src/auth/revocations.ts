import type { Database, Sql } from '../db/database.ts';
import { ACCESS_TOKEN_SECONDS } from './tokens.ts';

const POLL_MS = 5_000;

/** What revocation needs to know of an access token. */
export interface RevocableToken {
  jti: string;
  tid: string;
  sub: string;
  client_id: string;
  /** Issued at, seconds since the epoch. */
  iat?: number;
}

/** A user or a client whose access tokens issued up to a moment are all void. */
export type RevokedSubject = { user: string } | { client: string };

function subjectKey(tenantId: string, s: RevokedSubject): string {
  return 'user' in s ? `${tenantId}|user:${s.user}` : `${tenantId}|client:${s.client}`;
}

/**
 * Records, inside the caller's transaction, that every access token of a user or client issued
 * until now is void. Atomic with the change that caused it (deactivation, revocation); the
 * processes' revocation lists pick it up on their next poll, the caller's at once via refresh().
 */
export async function revokeSubjectTokens(sql: Sql, tenantId: string, subject: RevokedSubject): Promise<void> {
  const key = 'user' in subject ? `user:${subject.user}` : `client:${subject.client}`;
  await sql.query(
    `INSERT INTO revoked_subject (tenant_id, subject, revoked_at, expires_at)
     VALUES ($1, $2, clock_timestamp(), clock_timestamp() + make_interval(secs => $3))
     ON CONFLICT (tenant_id, subject) DO UPDATE SET revoked_at = excluded.revoked_at, expires_at = excluded.expires_at`,
    [tenantId, key, ACCESS_TOKEN_SECONDS],
  );
}

/**
 * Revoked access tokens: single tokens by id, and users or clients as a whole (every token
 * issued to them before the revocation). Checking the database on every request would cost a
 * round trip, so each process keeps both in memory and polls for revocations made by other
 * processes: a revocation elsewhere takes effect within POLL_MS, one made here at once.
 */
export class RevocationList {
  private readonly db: Database;
  private readonly revoked = new Map<string, number>();
  /** Subject key -> revocation time (ms) and when the entry stops mattering (ms). */
  private readonly subjects = new Map<string, { at: number; until: number }>();
  private since = new Date(0).toISOString();
  private subjectsSince = new Date(0).toISOString();
  private timer: NodeJS.Timeout | undefined;

  constructor(db: Database) {
    this.db = db;
  }

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh().catch(() => {}), POLL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Reads revocations recorded since the last read (by any process). */
  async refresh(): Promise<void> {
    const [tokens, subjects] = await this.db.transaction(undefined, async (sql) => [
      await sql.query<{ jti: string; expires_at: Date | string; revoked_at: Date | string }>(
        'SELECT jti, expires_at, revoked_at FROM revoked_token WHERE revoked_at >= $1 AND expires_at > now() ORDER BY revoked_at',
        [this.since],
      ),
      await sql.query<{ tenant_id: string; subject: string; expires_at: Date | string; revoked_at: Date | string }>(
        'SELECT tenant_id, subject, expires_at, revoked_at FROM revoked_subject WHERE revoked_at >= $1 AND expires_at > now() ORDER BY revoked_at',
        [this.subjectsSince],
      ),
    ]);
    for (const row of tokens.rows) {
      this.revoked.set(row.jti, new Date(row.expires_at).getTime());
      this.since = new Date(row.revoked_at).toISOString();
    }
    for (const row of subjects.rows) {
      const at = new Date(row.revoked_at).getTime();
      this.subjects.set(`${row.tenant_id}|${row.subject}`, { at, until: new Date(row.expires_at).getTime() });
      this.subjectsSince = new Date(at).toISOString();
    }
    const now = Date.now();
    for (const [jti, exp] of this.revoked) if (exp < now) this.revoked.delete(jti);
    for (const [key, s] of this.subjects) if (s.until < now) this.subjects.delete(key);
  }

  /** True when the token itself, its user or its client was revoked after it was issued. */
  isRevoked(token: RevocableToken): boolean {
    if (this.revoked.has(token.jti)) return true;
    // iat has whole seconds: a token from the second of the revocation counts as before it.
    const issuedMs = (token.iat ?? 0) * 1000;
    const before = (key: string) => {
      const s = this.subjects.get(key);
      return s !== undefined && issuedMs <= s.at;
    };
    const asUser = token.sub !== token.client_id && before(subjectKey(token.tid, { user: token.sub }));
    return asUser || before(subjectKey(token.tid, { client: token.client_id }));
  }

  async revoke(jti: string, expiresAt: Date): Promise<void> {
    await this.db.transaction(undefined, (sql) =>
      sql.query('INSERT INTO revoked_token (jti, expires_at) VALUES ($1, $2) ON CONFLICT DO NOTHING', [jti, expiresAt.toISOString()]),
    );
    this.revoked.set(jti, expiresAt.getTime());
  }
}
