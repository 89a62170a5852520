import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';
import type { Database } from '../../../db/database.ts';
import { outcome } from '../../../http/outcomes.ts';
import type { Logger } from '../../../logger.ts';
import { claimRequestId } from './replay.ts';

export interface GatewayVerifierOptions {
  /** The gateway's JWKS: {gateway base}/gateway/v3/certs. */
  jwksUrl: string;
  db: Database;
  logger: Logger;
  /** How far TIMESTAMP may be from our clock, either way (default 5 minutes). */
  maxSkewMs?: number;
  /** When set, the token's clientId claim must be this: the gateway's own, not a bridge's session token. */
  gatewayClientId?: string;
  /** Minimum pause between JWKS refetches on an unknown key id (jose's cooldown; default 30 s). */
  jwksCooldownMs?: number;
  /** Told of every refusal after it is logged (the bridge audits it under the tenant of X-HIP-ID / X-HIU-ID). */
  onRefusal?: (refusal: { req: Request; status: number; reason: string; text: string }) => Promise<void> | void;
  now?: () => Date;
}

/** A verified inbound gateway call, as later handlers find it in res.locals.abdmCall. */
export interface GatewayCall {
  requestId: string;
  timestamp: Date;
  hipId?: string;
  hiuId?: string;
  claims: JWTPayload;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

class Refusal extends Error {
  readonly status: 400 | 401 | 409 | 503;
  readonly reason: string;
  constructor(status: 400 | 401 | 409 | 503, reason: string, text: string) {
    super(text);
    this.status = status;
    this.reason = reason;
  }
}

/**
 * Checks every call from the ABDM gateway before any work: the bearer token is an RS256 JWT
 * signed by a key in the gateway's JWKS and not expired (else 401), REQUEST-ID is a UUID never
 * seen before (else 400 / 409), and TIMESTAMP is within the allowed skew (else 400). Refusals are
 * logged without the token; the handler behind it never runs for them.
 */
export function verifyGatewayCalls(options: GatewayVerifierOptions): RequestHandler {
  const keys = createRemoteJWKSet(new URL(options.jwksUrl), { cooldownDuration: options.jwksCooldownMs ?? 30_000 });
  const maxSkewMs = options.maxSkewMs ?? 5 * 60_000;
  const now = options.now ?? (() => new Date());

  async function check(req: Request): Promise<GatewayCall> {
    const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(req.get('authorization') ?? '');
    if (!match) throw new Refusal(401, 'no-token', 'The call carries no ABDM gateway token.');
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(match[1], keys, { algorithms: ['RS256'], currentDate: now() }));
    } catch (err) {
      // Not the caller's fault when the gateway's JWKS cannot be fetched: 503, so it is retried.
      if (err instanceof TypeError || (err as { code?: string }).code === 'ERR_JWKS_TIMEOUT') {
        throw new Refusal(503, 'jwks-unavailable', "The ABDM gateway's signing keys cannot be fetched just now; try again shortly.");
      }
      throw new Refusal(401, 'bad-token', 'The ABDM gateway token is not valid: unknown signing key, bad signature or expired.');
    }
    if (options.gatewayClientId && claims.clientId !== options.gatewayClientId) {
      throw new Refusal(401, 'not-gateway', 'The token was not issued to the ABDM gateway.');
    }
    const requestId = req.get('request-id') ?? '';
    if (!UUID.test(requestId)) throw new Refusal(400, 'bad-request-id', 'REQUEST-ID must be a UUID.');
    const stamp = req.get('timestamp') ?? '';
    const timestamp = new Date(stamp);
    if (!TIMESTAMP.test(stamp) || Number.isNaN(timestamp.getTime())) {
      throw new Refusal(400, 'bad-timestamp', 'TIMESTAMP must be a UTC ISO-8601 time such as 2026-12-06T10:15:30.123Z.');
    }
    if (Math.abs(timestamp.getTime() - now().getTime()) > maxSkewMs) {
      throw new Refusal(400, 'timestamp-skew', 'TIMESTAMP is too far from the current time.');
    }
    // Kept until the TIMESTAMP check would refuse the call anyway.
    const fresh = await claimRequestId(options.db, requestId.toLowerCase(), new Date(timestamp.getTime() + maxSkewMs));
    if (!fresh) throw new Refusal(409, 'replay', 'This REQUEST-ID was already received; a call is accepted once.');
    return { requestId, timestamp, hipId: req.get('x-hip-id') || undefined, hiuId: req.get('x-hiu-id') || undefined, claims };
  }

  return (req: Request, res: Response, next: NextFunction) => {
    check(req).then(
      (call) => {
        res.locals.abdmCall = call;
        next();
      },
      (err: unknown) => {
        if (!(err instanceof Refusal)) return next(err);
        options.logger.warn(
          { path: req.path, reason: err.reason, requestId: req.get('request-id'), hipId: req.get('x-hip-id'), hiuId: req.get('x-hiu-id') },
          'ABDM gateway call refused',
        );
        if (err.status === 401) res.set('WWW-Authenticate', 'Bearer error="invalid_token"');
        if (err.status === 503) res.set('Retry-After', '5');
        const codes: Record<number, string> = { 401: 'login', 409: 'duplicate', 503: 'transient' };
        const code = codes[err.status] ?? 'invalid';
        const refusal = err;
        // Recorded before the answer, so a refusal the caller has seen is always in the audit log.
        Promise.resolve(options.onRefusal?.({ req, status: refusal.status, reason: refusal.reason, text: refusal.message }))
          .catch((e: unknown) => options.logger.error({ err: { message: (e as Error).message } }, 'ABDM refusal could not be audited'))
          .finally(() => {
            res
              .status(refusal.status)
              .type('application/fhir+json')
              .json(outcome(refusal.reason, code, refusal.message));
          });
      },
    );
  };
}
