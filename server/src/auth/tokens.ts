import { randomUUID } from 'node:crypto';
import { errors, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import type { KeyRing } from './keys.ts';
import { SIGNING_ALG } from './keys.ts';
import { isRole, type Role } from './policies.ts';

export const ACCESS_TOKEN_SECONDS = 15 * 60;
export const REFRESH_TOKEN_SECONDS = 7 * 24 * 60 * 60;

/** What an access token says (besides iss, aud, exp, iat, jti). */
export interface AccessClaims {
  /** The user id, or the client id for system (backend service) tokens. */
  sub: string;
  client_id: string;
  /** Tenant id. */
  tid: string;
  scope: string;
  role?: Role;
  branches?: string[];
  /** `Practitioner/123` for staff. */
  fhirUser?: string;
  patient?: string;
  encounter?: string;
}

export interface VerifiedAccess extends AccessClaims {
  jti: string;
  exp: number;
  iat: number;
}

const VERIFIED_CACHE_SIZE = 10_000;

export class TokenIssuer {
  private readonly keys: KeyRing;
  private readonly verified = new Map<string, VerifiedAccess>();
  private readonly base: { baseUrl: string };

  /** `base.baseUrl` is read on each use: with PORT=0 it is known only once the server listens. */
  constructor(keys: KeyRing, base: { baseUrl: string }) {
    this.keys = keys;
    this.base = base;
  }

  get issuer(): string {
    return this.base.baseUrl;
  }

  /** The FHIR base URL: tokens are for it alone (SMART `aud`). */
  get audience(): string {
    return `${this.base.baseUrl}/fhir/R4`;
  }

  /**
   * `jti` may be chosen by the caller to revoke this token later (a replayed code's first tokens);
   * `seconds` shortens the life of tokens the server issues to itself (a bot's invocation).
   */
  async accessToken(claims: AccessClaims, jti: string = randomUUID(), seconds = ACCESS_TOKEN_SECONDS): Promise<string> {
    const { kid, key } = await this.keys.signingKey();
    return new SignJWT({ ...claims })
      .setProtectedHeader({ alg: SIGNING_ALG, kid, typ: 'at+jwt' })
      .setIssuer(this.issuer)
      .setAudience(this.audience)
      .setIssuedAt()
      .setJti(jti)
      .setExpirationTime(`${Math.min(seconds, ACCESS_TOKEN_SECONDS)}s`)
      .sign(key);
  }

  /** OpenID Connect id_token for `openid fhirUser`: audience is the client. */
  async idToken(opts: { sub: string; clientId: string; fhirUser?: string; nonce?: string; name?: string }): Promise<string> {
    const { kid, key } = await this.keys.signingKey();
    const payload: JWTPayload = { fhirUser: opts.fhirUser ? `${this.audience}/${opts.fhirUser}` : undefined, name: opts.name };
    if (opts.nonce) payload.nonce = opts.nonce;
    return new SignJWT(payload)
      .setProtectedHeader({ alg: SIGNING_ALG, kid, typ: 'JWT' })
      .setIssuer(this.issuer)
      .setSubject(opts.sub)
      .setAudience(opts.clientId)
      .setIssuedAt()
      .setExpirationTime(`${ACCESS_TOKEN_SECONDS}s`)
      .sign(key);
  }

  /**
   * A short-lived signed note the server gives itself (the pending authorization request, a
   * login session): unforgeable without our key, and bound to one purpose by `typ`.
   */
  async signNote(payload: JWTPayload, typ: string, seconds: number): Promise<string> {
    const { kid, key } = await this.keys.signingKey();
    return new SignJWT(payload)
      .setProtectedHeader({ alg: SIGNING_ALG, kid, typ })
      .setIssuer(this.issuer)
      .setAudience(`${this.issuer}/oauth2`)
      .setIssuedAt()
      .setExpirationTime(`${seconds}s`)
      .sign(key);
  }

  async verifyNote<T>(token: string, typ: string): Promise<T> {
    const { payload } = await jwtVerify(token, await this.keys.verificationKeys(), {
      issuer: this.issuer,
      audience: `${this.issuer}/oauth2`,
      algorithms: [SIGNING_ALG],
      typ,
    });
    return payload as T;
  }

  /**
   * Verifies signature (our keys only, ES256 only, so `alg: none` and HMAC tricks fail), issuer,
   * audience, expiry and token type. Throws jose errors; callers answer 401.
   */
  async verifyAccess(token: string): Promise<VerifiedAccess> {
    // A token seen before skips the signature check until it expires (revocation is checked by
    // the caller on every request either way).
    const seen = this.verified.get(token);
    if (seen && seen.exp * 1000 > Date.now()) return seen;
    const verified = await this.verifyAccessUncached(token);
    if (this.verified.size >= VERIFIED_CACHE_SIZE) this.verified.delete(this.verified.keys().next().value as string);
    this.verified.set(token, verified);
    return verified;
  }

  private async verifyAccessUncached(token: string): Promise<VerifiedAccess> {
    const { payload } = await jwtVerify(token, await this.keys.verificationKeys(), {
      issuer: this.issuer,
      audience: this.audience,
      algorithms: [SIGNING_ALG],
      typ: 'at+jwt',
      requiredClaims: ['exp', 'iat', 'sub', 'jti'],
    });
    const p = payload as Record<string, unknown>;
    if (typeof p.tid !== 'string' || typeof p.client_id !== 'string' || typeof p.scope !== 'string') {
      throw new errors.JWTClaimValidationFailed('missing tenant, client or scope', payload);
    }
    if (p.role !== undefined && !(typeof p.role === 'string' && isRole(p.role))) {
      throw new errors.JWTClaimValidationFailed('unknown role', payload);
    }
    return payload as unknown as VerifiedAccess;
  }
}
