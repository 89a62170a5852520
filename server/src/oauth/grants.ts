import { createHash, randomUUID } from 'node:crypto';
import { isUUID } from '@medplum/core';
import { randomToken, sha256 } from '../auth/random.ts';
import { grantScopes, splitScopes } from '../auth/scopes.ts';
import type { AuthService } from '../auth/service.ts';
import { type ClientRow, getUser, type UserRow } from '../auth/store.ts';
import { ACCESS_TOKEN_SECONDS, type AccessClaims, REFRESH_TOKEN_SECONDS } from '../auth/tokens.ts';
import { OAuthError } from './errors.ts';

export const CODE_SECONDS = 120;

/**
 * Opaque codes and refresh tokens are `<tenant id>.<random>`: the tenant part tells which
 * tenant's rows to look in (under RLS); only a hash of the whole value is stored.
 */
function opaque(tenantId: string): string {
  return `${tenantId}.${randomToken(32)}`;
}

function tenantOf(value: string): string | undefined {
  const t = value.split('.')[0];
  return isUUID(t) ? t : undefined;
}

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
  refresh_token?: string;
  id_token?: string;
  patient?: string;
  encounter?: string;
  need_patient_banner?: boolean;
  /** The tenant the token acts in (an extension field; SMART clients ignore it). */
  tenant: string;
}

export interface UserGrant {
  user: UserRow;
  client: ClientRow;
  scope: string;
  patient?: string | null;
  encounter?: string | null;
  nonce?: string | null;
  /** The refresh-token family this grant continues (rotation); new when absent. */
  family?: string;
  /** The access token's id, when the caller must be able to revoke it later. */
  jti?: string;
}

export function userClaims(
  user: UserRow,
  client: ClientRow,
  scope: string,
  patient?: string | null,
  encounter?: string | null,
): AccessClaims {
  return {
    sub: user.id,
    client_id: client.client_id,
    tid: user.tenant_id,
    scope,
    role: user.role,
    branches: user.branch_ids,
    fhirUser: user.practitioner_id ? `Practitioner/${user.practitioner_id}` : undefined,
    patient: patient ?? undefined,
    encounter: encounter ?? undefined,
  };
}

/** Access token (+ refresh token with offline_access/online_access, + id_token with openid fhirUser). */
export async function issueUserTokens(auth: AuthService, g: UserGrant): Promise<TokenResponse> {
  const scopes = splitScopes(g.scope);
  const response: TokenResponse = {
    access_token: await auth.tokens.accessToken(userClaims(g.user, g.client, g.scope, g.patient, g.encounter), g.jti),
    token_type: 'Bearer',
    expires_in: ACCESS_TOKEN_SECONDS,
    scope: g.scope,
    tenant: g.user.tenant_id,
  };
  if (g.patient) {
    response.patient = g.patient;
    response.need_patient_banner = true;
  }
  if (g.encounter) response.encounter = g.encounter;
  if (scopes.includes('openid') && (scopes.includes('fhirUser') || scopes.includes('profile'))) {
    response.id_token = await auth.tokens.idToken({
      sub: g.user.id,
      clientId: g.client.client_id,
      fhirUser: g.user.practitioner_id ? `Practitioner/${g.user.practitioner_id}` : undefined,
      nonce: g.nonce ?? undefined,
      name: g.user.name,
    });
  }
  if (scopes.includes('offline_access') || scopes.includes('online_access')) {
    const token = opaque(g.user.tenant_id);
    await auth.db.transaction({ tenantId: g.user.tenant_id }, (sql) =>
      sql.query(
        `INSERT INTO refresh_token (tenant_id, token_hash, family, client_id, user_id, scope, patient, encounter, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now() + make_interval(secs => $9))`,
        [
          g.user.tenant_id,
          sha256(token),
          g.family ?? randomUUID(),
          g.client.client_id,
          g.user.id,
          g.scope,
          g.patient ?? null,
          g.encounter ?? null,
          REFRESH_TOKEN_SECONDS,
        ],
      ),
    );
    response.refresh_token = token;
  }
  return response;
}

export interface PendingCode {
  client: ClientRow;
  user: UserRow;
  redirectUri: string;
  scope: string;
  codeChallenge?: string;
  nonce?: string;
  patient?: string;
  encounter?: string;
}

export async function createCode(auth: AuthService, p: PendingCode): Promise<string> {
  const code = opaque(p.user.tenant_id);
  await auth.db.transaction({ tenantId: p.user.tenant_id }, (sql) =>
    sql.query(
      `INSERT INTO auth_code (tenant_id, code_hash, client_id, user_id, redirect_uri, scope, code_challenge, nonce, patient, encounter, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now() + make_interval(secs => $11))`,
      [
        p.user.tenant_id,
        sha256(code),
        p.client.client_id,
        p.user.id,
        p.redirectUri,
        p.scope,
        p.codeChallenge ?? null,
        p.nonce ?? null,
        p.patient ?? null,
        p.encounter ?? null,
        CODE_SECONDS,
      ],
    ),
  );
  return code;
}

interface CodeRow {
  client_id: string;
  user_id: string;
  redirect_uri: string;
  scope: string;
  code_challenge: string | null;
  nonce: string | null;
  patient: string | null;
  encounter: string | null;
  expires_at: Date | string;
  used_at: Date | string | null;
  issued_jti: string | null;
  issued_family: string | null;
}

export function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

/** authorization_code grant: single use, same client and redirect URI, PKCE verifier matching. */
export async function redeemCode(
  auth: AuthService,
  client: ClientRow,
  code: string,
  redirectUri: string | undefined,
  verifier: string | undefined,
): Promise<TokenResponse> {
  const tenantId = tenantOf(code);
  if (!tenantId || tenantId !== client.tenant_id) throw new OAuthError('invalid_grant', 'Invalid authorization code');
  // The ids of what this use will issue are fixed up front and kept with the code, so that a
  // replay can revoke them (RFC 6749 4.1.2: a code used twice was stolen).
  const issue = { jti: randomUUID(), family: randomUUID() };
  const row = await auth.db.transaction({ tenantId }, async (sql) => {
    const r = await sql.query<CodeRow>('SELECT * FROM auth_code WHERE code_hash = $1 FOR UPDATE', [sha256(code)]);
    const found = r.rows[0];
    if (found && !found.used_at) {
      await sql.query('UPDATE auth_code SET used_at = now(), issued_jti = $2, issued_family = $3 WHERE code_hash = $1', [
        sha256(code),
        issue.jti,
        issue.family,
      ]);
    } else if (found?.issued_family) {
      await sql.query('UPDATE refresh_token SET revoked_at = now() WHERE family = $1 AND revoked_at IS NULL', [found.issued_family]);
    }
    return found;
  });
  if (row?.used_at) {
    if (row.issued_jti) {
      await auth.revocations.revoke(row.issued_jti, new Date(new Date(row.used_at).getTime() + ACCESS_TOKEN_SECONDS * 1000));
    }
    auth.logger.warn({ tenant: tenantId, client: client.client_id }, 'authorization code replayed; tokens from its first use revoked');
    throw new OAuthError('invalid_grant', 'Authorization code already used');
  }
  if (!row) throw new OAuthError('invalid_grant', 'Invalid authorization code');
  if (new Date(row.expires_at) < new Date()) throw new OAuthError('invalid_grant', 'Authorization code expired');
  if (row.client_id !== client.client_id) throw new OAuthError('invalid_grant', 'Code was issued to another client');
  if (row.redirect_uri !== redirectUri) throw new OAuthError('invalid_grant', 'redirect_uri does not match the authorization request');
  if (row.code_challenge) {
    if (!verifier || !/^[A-Za-z0-9\-._~]{43,128}$/.test(verifier))
      throw new OAuthError('invalid_grant', 'code_verifier missing or malformed');
    if (s256(verifier) !== row.code_challenge) throw new OAuthError('invalid_grant', 'PKCE verification failed');
  } else if (client.client_type === 'public') {
    throw new OAuthError('invalid_grant', 'PKCE is required for public clients');
  }
  const user = await getUser(auth.db, tenantId, row.user_id);
  if (!user?.active) throw new OAuthError('invalid_grant', 'The user is no longer active');
  return issueUserTokens(auth, {
    user,
    client,
    scope: row.scope,
    patient: row.patient,
    encounter: row.encounter,
    nonce: row.nonce,
    jti: issue.jti,
    family: issue.family,
  });
}

interface RefreshRow {
  family: string;
  client_id: string;
  user_id: string | null;
  scope: string;
  patient: string | null;
  encounter: string | null;
  expires_at: Date | string;
  used_at: Date | string | null;
  revoked_at: Date | string | null;
}

type RefreshOutcome =
  | { row: RefreshRow; scope: string; error?: undefined; reuse?: undefined; code?: undefined }
  | { row?: undefined; error: string; reuse?: boolean; code?: 'invalid_scope' };

/** The requested scopes when all of them were granted before, else undefined (a refresh never widens). */
function narrowScope(requested: string, granted: string): string | undefined {
  const narrowed = grantScopes(requested, granted);
  return narrowed.length === splitScopes(requested).length ? narrowed.join(' ') : undefined;
}

/**
 * refresh_token grant with rotation: each refresh token works once. Presenting one that was
 * already used means it was stolen or replayed, so its whole family is revoked.
 */
export async function refresh(auth: AuthService, client: ClientRow, token: string, requestedScope?: string): Promise<TokenResponse> {
  const tenantId = tenantOf(token);
  if (!tenantId || tenantId !== client.tenant_id) throw new OAuthError('invalid_grant', 'Invalid refresh token');
  const hash = sha256(token);
  const outcome = await auth.db.transaction({ tenantId }, async (sql): Promise<RefreshOutcome> => {
    const r = await sql.query<RefreshRow>('SELECT * FROM refresh_token WHERE token_hash = $1 FOR UPDATE', [hash]);
    const row = r.rows[0];
    if (!row) return { error: 'Invalid refresh token' };
    if (row.client_id !== client.client_id) return { error: 'Refresh token was issued to another client' };
    if (row.revoked_at) return { error: 'Refresh token revoked' };
    if (row.used_at) {
      await sql.query('UPDATE refresh_token SET revoked_at = now() WHERE family = $1 AND revoked_at IS NULL', [row.family]);
      return { error: 'Refresh token reused: every token of this grant is now revoked', reuse: true };
    }
    if (new Date(row.expires_at) < new Date()) return { error: 'Refresh token expired' };
    // A request the grant cannot serve leaves the token unused: the client may retry plainly.
    const scope = requestedScope ? narrowScope(requestedScope, row.scope) : row.scope;
    if (scope === undefined) return { error: 'A refresh cannot widen the scope', code: 'invalid_scope' };
    await sql.query('UPDATE refresh_token SET used_at = now() WHERE token_hash = $1', [hash]);
    return { row, scope };
  });
  if (!outcome.row) {
    if (outcome.reuse) auth.logger.warn({ tenant: tenantId, client: client.client_id }, 'refresh token reuse detected; family revoked');
    throw new OAuthError(outcome.code ?? 'invalid_grant', outcome.error);
  }
  const { row, scope } = outcome;
  const user = row.user_id ? await getUser(auth.db, tenantId, row.user_id) : undefined;
  if (!user?.active || !client.active) throw new OAuthError('invalid_grant', 'The user or client is no longer active');
  return issueUserTokens(auth, { user, client, scope, patient: row.patient, encounter: row.encounter, family: row.family });
}

/** The client a refresh token was issued to (public clients may refresh without naming themselves, RFC 6749 section 6). */
export async function clientIdOfRefreshToken(auth: AuthService, token: string): Promise<string | undefined> {
  const tenantId = tenantOf(token);
  if (!tenantId) return undefined;
  const r = await auth.db.transaction({ tenantId }, (sql) =>
    sql.query<{ client_id: string }>('SELECT client_id FROM refresh_token WHERE token_hash = $1', [sha256(token)]),
  );
  return r.rows[0]?.client_id;
}

/** Backend Services: a confidential client acting for itself with system/ scopes. */
export async function clientCredentials(auth: AuthService, client: ClientRow, requestedScope: string | undefined): Promise<TokenResponse> {
  if (client.client_type !== 'confidential') throw new OAuthError('unauthorized_client', 'Public clients cannot use client_credentials');
  const requested = splitScopes(requestedScope ?? client.scope).filter((s) => s.startsWith('system/'));
  if (requested.length === 0) throw new OAuthError('invalid_scope', 'Ask for system/ scopes');
  const scopes = grantScopes(requested.join(' '), client.scope);
  if (scopes.length === 0) throw new OAuthError('invalid_scope', 'None of the requested scopes is registered for this client');
  const scope = scopes.join(' ');
  return {
    access_token: await auth.tokens.accessToken({ sub: client.client_id, client_id: client.client_id, tid: client.tenant_id, scope }),
    token_type: 'Bearer',
    expires_in: ACCESS_TOKEN_SECONDS,
    scope,
    tenant: client.tenant_id,
  };
}

/** Revokes a refresh token's family (RFC 7009); unknown tokens are ignored. */
export async function revokeRefreshToken(auth: AuthService, client: ClientRow, token: string): Promise<boolean> {
  const tenantId = tenantOf(token);
  if (!tenantId || tenantId !== client.tenant_id) return false;
  return auth.db.transaction({ tenantId }, async (sql) => {
    const r = await sql.query<{ family: string }>('SELECT family FROM refresh_token WHERE token_hash = $1 AND client_id = $2', [
      sha256(token),
      client.client_id,
    ]);
    if (!r.rows[0]) return false;
    await sql.query('UPDATE refresh_token SET revoked_at = now() WHERE family = $1 AND revoked_at IS NULL', [r.rows[0].family]);
    return true;
  });
}

export async function introspectRefreshToken(auth: AuthService, token: string): Promise<Record<string, unknown> | undefined> {
  const tenantId = tenantOf(token);
  if (!tenantId) return undefined;
  const r = await auth.db.transaction({ tenantId }, (sql) =>
    sql.query<RefreshRow & { user_id: string }>('SELECT * FROM refresh_token WHERE token_hash = $1', [sha256(token)]),
  );
  const row = r.rows[0];
  if (!row || row.used_at || row.revoked_at || new Date(row.expires_at) < new Date()) return undefined;
  return {
    active: true,
    token_type: 'refresh_token',
    scope: row.scope,
    client_id: row.client_id,
    sub: row.user_id,
    exp: Math.floor(new Date(row.expires_at).getTime() / 1000),
    patient: row.patient ?? undefined,
    tenant: tenantId,
  };
}
