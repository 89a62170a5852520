import { timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { createLocalJWKSet, createRemoteJWKSet, type JSONWebKeySet, jwtVerify } from 'jose';
import { sha256 } from '../auth/random.ts';
import type { AuthService } from '../auth/service.ts';
import { type ClientRow, findClient } from '../auth/store.ts';
import { OAuthError } from './errors.ts';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
// SMART Backend Services requires RS384 and ES384; the 256-bit variants are accepted too.
const ASSERTION_ALGS = ['RS384', 'ES384', 'RS256', 'ES256', 'PS384'];
const MAX_ASSERTION_LIFETIME_S = 5 * 60;

const remoteSets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface AuthenticatedClient {
  client: ClientRow;
  /** How it proved itself: none for public clients. */
  method: 'none' | 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';
}

/**
 * Identifies and authenticates the client of a token, introspection or revocation request:
 * HTTP Basic or form secret, a signed JWT assertion (private_key_jwt, keys inline or by URL, jti
 * single-use), or nothing for public clients, which then must use PKCE.
 */
export async function authenticateClient(auth: AuthService, req: Request, tokenEndpoint: string): Promise<AuthenticatedClient> {
  const body = (req.body ?? {}) as Record<string, string | undefined>;
  const basic = /^Basic\s+(.+)$/i.exec(req.get('authorization') ?? '');
  if (basic) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i < 0) throw new OAuthError('invalid_client', 'Malformed Basic credentials', 401);
    const id = decodeURIComponent(decoded.slice(0, i));
    const secret = decodeURIComponent(decoded.slice(i + 1));
    return { client: await checkSecret(auth, id, secret), method: 'client_secret_basic' };
  }
  if (body.client_assertion || body.client_assertion_type) {
    if (body.client_assertion_type !== JWT_BEARER) throw new OAuthError('invalid_client', 'Unsupported client_assertion_type', 401);
    return { client: await checkAssertion(auth, body.client_assertion ?? '', body.client_id, tokenEndpoint), method: 'private_key_jwt' };
  }
  if (body.client_secret)
    return { client: await checkSecret(auth, body.client_id ?? '', body.client_secret), method: 'client_secret_post' };
  const client = body.client_id ? await findClient(auth.db, body.client_id) : undefined;
  if (!client?.active) throw new OAuthError('invalid_client', 'Unknown client', 401);
  if (client.client_type !== 'public') throw new OAuthError('invalid_client', 'This client must authenticate', 401);
  return { client, method: 'none' };
}

async function checkSecret(auth: AuthService, clientId: string, secret: string): Promise<ClientRow> {
  const client = clientId ? await findClient(auth.db, clientId) : undefined;
  if (!client?.active || !client.secret_hash || !safeEqual(sha256(secret), client.secret_hash)) {
    throw new OAuthError('invalid_client', 'Client authentication failed', 401);
  }
  return client;
}

async function checkAssertion(
  auth: AuthService,
  assertion: string,
  claimedId: string | undefined,
  tokenEndpoint: string,
): Promise<ClientRow> {
  const parts = assertion.split('.');
  if (parts.length !== 3) throw new OAuthError('invalid_client', 'Malformed client assertion', 401);
  let iss: unknown;
  try {
    iss = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')).iss;
  } catch {
    throw new OAuthError('invalid_client', 'Malformed client assertion', 401);
  }
  if (typeof iss !== 'string' || (claimedId && claimedId !== iss)) throw new OAuthError('invalid_client', 'Assertion issuer mismatch', 401);
  const client = await findClient(auth.db, iss);
  if (!client?.active || (!client.jwks && !client.jwks_uri))
    throw new OAuthError('invalid_client', 'Unknown client or no keys registered', 401);
  const keys = client.jwks
    ? createLocalJWKSet(client.jwks as JSONWebKeySet)
    : (remoteSets.get(client.jwks_uri as string) ??
      remoteSets.set(client.jwks_uri as string, createRemoteJWKSet(new URL(client.jwks_uri as string))).get(client.jwks_uri as string));
  let payload: { jti?: string; exp?: number; iat?: number };
  try {
    ({ payload } = await jwtVerify(assertion, keys as ReturnType<typeof createLocalJWKSet>, {
      issuer: client.client_id,
      subject: client.client_id,
      audience: tokenEndpoint,
      algorithms: ASSERTION_ALGS,
      requiredClaims: ['exp', 'jti'],
    }));
  } catch (err) {
    throw new OAuthError('invalid_client', `Client assertion rejected: ${(err as Error).message}`, 401);
  }
  const now = Math.floor(Date.now() / 1000);
  if ((payload.exp as number) > now + MAX_ASSERTION_LIFETIME_S)
    throw new OAuthError('invalid_client', 'Client assertion lives too long', 401);
  // Each assertion is single-use: remember its jti until it expires.
  const fresh = await auth.db.transaction({ tenantId: client.tenant_id }, async (sql) => {
    await sql.query('DELETE FROM assertion_jti WHERE client_id = $1 AND expires_at < now()', [client.client_id]);
    const r = await sql.query(
      'INSERT INTO assertion_jti (tenant_id, client_id, jti, expires_at) VALUES ($1, $2, $3, to_timestamp($4)) ON CONFLICT DO NOTHING',
      [client.tenant_id, client.client_id, payload.jti, payload.exp],
    );
    return r.rowCount > 0;
  });
  if (!fresh) throw new OAuthError('invalid_client', 'Client assertion jti already used', 401);
  return client;
}
