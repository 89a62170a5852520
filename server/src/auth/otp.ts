import { randomInt, randomUUID } from 'node:crypto';
import { isUUID } from '@medplum/core';
import { sha256 } from './random.ts';
import type { AuthService } from './service.ts';
import { getUser, type UserRow } from './store.ts';

const OTP_SECONDS = 5 * 60;
const OTP_MAX_ATTEMPTS = 5;

/** Creates an OTP challenge and texts the code; returns the challenge handle `<tenant>.<id>`. */
export async function startOtp(auth: AuthService, user: UserRow, purpose: 'login' | 'reset'): Promise<string> {
  const id = randomUUID();
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  await auth.db.transaction({ tenantId: user.tenant_id }, (sql) =>
    sql.query(
      `INSERT INTO otp_challenge (tenant_id, id, user_id, purpose, code_hash, expires_at) VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))`,
      [user.tenant_id, id, user.id, purpose, sha256(`${id}:${code}`), OTP_SECONDS],
    ),
  );
  await auth.sms.send(
    user.phone as string,
    `${code} is your Hospital-Ops code. It expires in 5 minutes. Do not share it. / ${code} आपका Hospital-Ops कोड है।`,
  );
  return `${user.tenant_id}.${id}`;
}

/** Checks a code against its challenge: single use, five tries, five minutes. */
export async function checkOtp(
  auth: AuthService,
  challenge: string,
  code: string,
  purpose: 'login' | 'reset',
): Promise<UserRow | undefined> {
  const [tenantId, id] = challenge.split('.');
  if (!isUUID(tenantId ?? '') || !isUUID(id ?? '')) return undefined;
  const userId = await auth.db.transaction({ tenantId }, async (sql) => {
    const r = await sql.query<{
      user_id: string;
      code_hash: string;
      attempts: number;
      expires_at: Date | string;
      used_at: unknown;
      purpose: string;
    }>('SELECT * FROM otp_challenge WHERE id = $1 FOR UPDATE', [id]);
    const c = r.rows[0];
    if (!c || c.used_at || c.purpose !== purpose || c.attempts >= OTP_MAX_ATTEMPTS || new Date(c.expires_at) < new Date()) return undefined;
    if (c.code_hash !== sha256(`${id}:${code}`)) {
      await sql.query('UPDATE otp_challenge SET attempts = attempts + 1 WHERE id = $1', [id]);
      return undefined;
    }
    await sql.query('UPDATE otp_challenge SET used_at = now() WHERE id = $1', [id]);
    return c.user_id;
  });
  return userId ? getUser(auth.db, tenantId, userId) : undefined;
}
