import { randomUUID } from 'node:crypto';
import { badRequest, conflict, OperationOutcomeError } from '@medplum/core';
import type { Database, Sql } from '../db/database.ts';
import { hashPassword } from './passwords.ts';
import { isRole, type Role } from './policies.ts';
import { randomToken, sha256 } from './random.ts';
import { revokeSubjectTokens } from './revocations.ts';
import { splitScopes } from './scopes.ts';

/** Staff login accounts and OAuth clients: rows under RLS, found through the two directories. */

export interface UserRow {
  tenant_id: string;
  id: string;
  email: string | null;
  phone: string | null;
  name: string;
  password_hash: string | null;
  role: Role;
  branch_ids: string[];
  practitioner_id: string | null;
  active: boolean;
  failed_attempts: number;
  locked_until: Date | string | null;
}

export interface ClientRow {
  tenant_id: string;
  client_id: string;
  name: string;
  client_type: 'public' | 'confidential';
  secret_hash: string | null;
  redirect_uris: string[];
  scope: string;
  jwks: { keys: unknown[] } | null;
  jwks_uri: string | null;
  launch_uri: string | null;
  active: boolean;
  /** One of the platform's own apps: pre-approved for its tenant, no consent page. */
  first_party: boolean;
}

/** A login as the admin API and CLI show it: never the hash or lockout counters. */
export function userSummary(u: UserRow) {
  return {
    id: u.id,
    tenant: u.tenant_id,
    name: u.name,
    email: u.email,
    phone: u.phone,
    role: u.role,
    branchIds: u.branch_ids,
    practitioner: u.practitioner_id ? `Practitioner/${u.practitioner_id}` : null,
    active: u.active,
    locked: u.locked_until !== null && new Date(u.locked_until) > new Date(),
  };
}

/** Emails are case-insensitive; Indian mobile numbers are stored as +91 and ten digits. */
export function normaliseLogin(login: string): string {
  const s = login.trim();
  if (s.includes('@')) return s.toLowerCase();
  const digits = s.replace(/[\s\-()]/g, '');
  const m = /^(?:\+?91|0)?([6-9]\d{9})$/.exec(digits);
  return m ? `+91${m[1]}` : s;
}

async function inTenant<T>(db: Database, tenantId: string, fn: (sql: Sql) => Promise<T>): Promise<T> {
  return db.transaction({ tenantId }, fn);
}

export interface NewUser {
  email?: string;
  phone?: string;
  name: string;
  password?: string;
  role: Role;
  branchIds?: string[];
  practitionerId?: string;
}

export async function createUser(db: Database, tenantId: string, u: NewUser): Promise<UserRow> {
  const hash = u.password ? await hashPassword(u.password) : null;
  return inTenant(db, tenantId, (sql) => insertUser(sql, tenantId, u, hash));
}

/** Inserts a login inside the caller's transaction (with the FHIR Practitioner it belongs to, say). */
export async function insertUser(sql: Sql, tenantId: string, u: NewUser, passwordHash: string | null): Promise<UserRow> {
  if (!isRole(u.role)) throw new OperationOutcomeError(badRequest(`Unknown role: ${u.role}`));
  if (!u.email && !u.phone) throw new OperationOutcomeError(badRequest('A user needs an email or a phone number'));
  const email = u.email ? normaliseLogin(u.email) : null;
  const phone = u.phone ? normaliseLogin(u.phone) : null;
  if (email && !/^[^@\s]+@[^@\s]+$/.test(email)) throw new OperationOutcomeError(badRequest(`Not an email address: ${u.email}`));
  if (phone && !/^\+91[6-9]\d{9}$/.test(phone)) throw new OperationOutcomeError(badRequest(`Not an Indian mobile number: ${u.phone}`));
  const id = randomUUID();
  try {
    for (const login of [email, phone].filter((x): x is string => x !== null)) {
      await sql.query('INSERT INTO login_directory (login, tenant_id, user_id) VALUES ($1, $2, $3)', [login, tenantId, id]);
    }
    const r = await sql.query<UserRow>(
      `INSERT INTO app_user (tenant_id, id, email, phone, name, password_hash, role, branch_ids, practitioner_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
      [tenantId, id, email, phone, u.name, passwordHash, u.role, u.branchIds ?? [], u.practitionerId ?? null],
    );
    return r.rows[0];
  } catch (err) {
    if ((err as { code?: string }).code === '23505') throw new OperationOutcomeError(conflict('That email or phone already has a login'));
    throw err;
  }
}

/** Finds a login's account across tenants (the only cross-tenant step of a login). */
export async function findUserByLogin(db: Database, login: string): Promise<UserRow | undefined> {
  const dir = await db.transaction(undefined, (sql) =>
    // The one cross-tenant lookup, by exact login only (migrations/0041_directory_lookups.sql).
    sql.query<{ tenant_id: string; user_id: string }>('SELECT tenant_id, user_id FROM directory_login($1)', [normaliseLogin(login)]),
  );
  const hit = dir.rows[0];
  return hit ? getUser(db, hit.tenant_id, hit.user_id) : undefined;
}

export async function getUser(db: Database, tenantId: string, userId: string): Promise<UserRow | undefined> {
  const r = await inTenant(db, tenantId, (sql) => sql.query<UserRow>('SELECT * FROM app_user WHERE id = $1', [userId]));
  return r.rows[0];
}

export async function listUsers(db: Database, tenantId: string): Promise<UserRow[]> {
  return (await inTenant(db, tenantId, (sql) => sql.query<UserRow>('SELECT * FROM app_user ORDER BY created_at'))).rows;
}

export async function updateUser(
  db: Database,
  tenantId: string,
  userId: string,
  change: { role?: Role; branchIds?: string[]; active?: boolean; password?: string },
): Promise<UserRow | undefined> {
  const hash = change.password ? await hashPassword(change.password) : null;
  return inTenant(db, tenantId, async (sql) => {
    const r = await sql.query<UserRow>(
      `UPDATE app_user SET role = coalesce($2, role), branch_ids = coalesce($3, branch_ids), active = coalesce($4, active),
         password_hash = coalesce($5, password_hash),
         failed_attempts = CASE WHEN $5::text IS NULL THEN failed_attempts ELSE 0 END,
         locked_until = CASE WHEN $5::text IS NULL THEN locked_until ELSE NULL END
       WHERE id = $1 RETURNING *`,
      [userId, change.role ?? null, change.branchIds ?? null, change.active ?? null, hash],
    );
    if (!r.rows[0]) return undefined;
    // Deactivation ends every session at once: refresh tokens stop working.
    if (change.active === false) {
      await sql.query('UPDATE refresh_token SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL', [userId]);
    }
    // Access tokens carry the role and branches: after a change of either (or deactivation) the
    // ones already issued are void; a refresh issues new ones with what the user now is.
    if (change.active === false || change.role !== undefined || change.branchIds !== undefined) {
      await revokeSubjectTokens(sql, tenantId, { user: userId });
    }
    return r.rows[0];
  });
}

export const MAX_FAILED_LOGINS = 5;
export const LOCKOUT_MINUTES = 15;

export function isLocked(u: UserRow, now = new Date()): boolean {
  return u.locked_until !== null && new Date(u.locked_until) > now;
}

/** Counts a failed login; the fifth in a row locks the account for 15 minutes. */
export async function recordLoginFailure(db: Database, u: UserRow): Promise<void> {
  await inTenant(db, u.tenant_id, (sql) =>
    sql.query(
      `UPDATE app_user SET failed_attempts = failed_attempts + 1,
         locked_until = CASE WHEN failed_attempts + 1 >= $2 THEN now() + make_interval(mins => $3) ELSE locked_until END
       WHERE id = $1`,
      [u.id, MAX_FAILED_LOGINS, LOCKOUT_MINUTES],
    ),
  );
}

export async function recordLoginSuccess(db: Database, u: UserRow): Promise<void> {
  await inTenant(db, u.tenant_id, (sql) =>
    sql.query('UPDATE app_user SET failed_attempts = 0, locked_until = NULL, last_login_at = now() WHERE id = $1', [u.id]),
  );
}

export interface NewClient {
  clientId?: string;
  name: string;
  type: 'public' | 'confidential';
  redirectUris?: string[];
  scope: string;
  jwks?: { keys: unknown[] };
  jwksUri?: string;
  launchUri?: string;
  /** Confidential clients get a generated secret unless they authenticate with keys only. */
  secret?: string | false;
  /** Only for the platform's own apps (server/src/apps/clients.ts). */
  firstParty?: boolean;
}

/** Registers a client; returns the secret once (only its hash is kept). */
export async function createClient(db: Database, tenantId: string, c: NewClient): Promise<{ client: ClientRow; secret?: string }> {
  const clientId = c.clientId ?? randomToken(12);
  if (!/^[A-Za-z0-9._~-]{3,128}$/.test(clientId)) throw new OperationOutcomeError(badRequest(`Invalid client id: ${clientId}`));
  if (splitScopes(c.scope).length === 0) throw new OperationOutcomeError(badRequest('A client needs at least one scope'));
  for (const uri of c.redirectUris ?? []) {
    if (!URL.canParse(uri) || new URL(uri).hash) throw new OperationOutcomeError(badRequest(`Invalid redirect URI: ${uri}`));
  }
  const secret = c.type === 'confidential' && c.secret !== false ? (c.secret ?? randomToken(32)) : undefined;
  try {
    const client = await inTenant(db, tenantId, async (sql) => {
      await sql.query('INSERT INTO client_directory (client_id, tenant_id) VALUES ($1, $2)', [clientId, tenantId]);
      const r = await sql.query<ClientRow>(
        `INSERT INTO oauth_client (tenant_id, client_id, name, client_type, secret_hash, redirect_uris, scope, jwks, jwks_uri, launch_uri, first_party)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *`,
        [
          tenantId,
          clientId,
          c.name,
          c.type,
          secret ? sha256(secret) : null,
          c.redirectUris ?? [],
          splitScopes(c.scope).join(' '),
          c.jwks ?? null,
          c.jwksUri ?? null,
          c.launchUri ?? null,
          c.firstParty === true,
        ],
      );
      return r.rows[0];
    });
    return { client, secret };
  } catch (err) {
    if ((err as { code?: string }).code === '23505') throw new OperationOutcomeError(conflict(`Client id ${clientId} is taken`));
    throw err;
  }
}

export async function findClient(db: Database, clientId: string): Promise<ClientRow | undefined> {
  const dir = await db.transaction(undefined, (sql) =>
    sql.query<{ tenant_id: string | null }>('SELECT directory_client($1) AS tenant_id', [clientId]),
  );
  const tenantId = dir.rows[0]?.tenant_id;
  if (!tenantId) return undefined;
  const r = await inTenant(db, tenantId, (sql) => sql.query<ClientRow>('SELECT * FROM oauth_client WHERE client_id = $1', [clientId]));
  return r.rows[0];
}

export async function listClients(db: Database, tenantId: string): Promise<ClientRow[]> {
  return (await inTenant(db, tenantId, (sql) => sql.query<ClientRow>('SELECT * FROM oauth_client ORDER BY created_at'))).rows;
}

/** Deactivates a client and revokes its refresh tokens and every access token issued to it. */
export async function revokeClient(db: Database, tenantId: string, clientId: string): Promise<boolean> {
  return inTenant(db, tenantId, async (sql) => {
    const r = await sql.query('UPDATE oauth_client SET active = false WHERE client_id = $1', [clientId]);
    if (r.rowCount === 0) return false;
    await sql.query('UPDATE refresh_token SET revoked_at = now() WHERE client_id = $1 AND revoked_at IS NULL', [clientId]);
    await revokeSubjectTokens(sql, tenantId, { client: clientId });
    return true;
  });
}
