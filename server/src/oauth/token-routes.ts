import express, { type Request, type Response } from 'express';
import type { AuthService } from '../auth/service.ts';
import { readCookie } from '../http/cookies.ts';
import { authenticateClient } from './client-auth.ts';
import { OAuthError, sendOAuthError } from './errors.ts';
import {
  clientCredentials,
  clientIdOfRefreshToken,
  introspectRefreshToken,
  redeemCode,
  refresh,
  revokeRefreshToken,
  type TokenResponse,
} from './grants.ts';

export const REFRESH_COOKIE = 'hops_rt';

/** The user an access token was issued to (its `sub`), read back from the token we just signed. */
function userOf(result: TokenResponse): string | undefined {
  try {
    return JSON.parse(Buffer.from(result.access_token.split('.')[1], 'base64url').toString('utf8')).sub;
  } catch {
    return undefined;
  }
}

function handle(fn: (req: Request, res: Response) => Promise<void>) {
  return async (req: Request, res: Response) => {
    try {
      await fn(req, res);
    } catch (err) {
      if (err instanceof OAuthError) return sendOAuthError(res, err);
      throw err;
    }
  };
}

/** `/oauth2/token`, `/oauth2/introspect`, `/oauth2/revoke`. */
export function tokenRoutes(auth: AuthService): express.Router {
  const r = express.Router();
  r.use(express.urlencoded({ extended: false, limit: '64kb' }));
  const tokenEndpoint = () => `${auth.config.baseUrl}/oauth2/token`;

  r.post(
    '/token',
    handle(async (req, res) => {
      if (!req.is('application/x-www-form-urlencoded')) throw new OAuthError('invalid_request', 'Send application/x-www-form-urlencoded');
      const body = req.body as Record<string, string | undefined>;
      const anonymous = !body.client_id && !body.client_assertion && !req.get('authorization');
      if (body.grant_type === 'refresh_token' && anonymous) {
        // Only a public client can be identified this way: confidential ones must still authenticate.
        body.client_id = await clientIdOfRefreshToken(auth, body.refresh_token ?? readCookie(req, REFRESH_COOKIE) ?? '');
      }
      const { client } = await authenticateClient(auth, req, tokenEndpoint());
      if (!(await auth.tenantActive(client.tenant_id)))
        throw new OAuthError('invalid_client', 'The client’s organisation is not active', 401);
      let result: TokenResponse;
      switch (body.grant_type) {
        case 'authorization_code':
          if (!body.code) throw new OAuthError('invalid_request', 'code is required');
          result = await redeemCode(auth, client, body.code, body.redirect_uri, body.code_verifier);
          break;
        case 'refresh_token': {
          const token = body.refresh_token ?? readCookie(req, REFRESH_COOKIE);
          if (!token) throw new OAuthError('invalid_request', 'refresh_token is required');
          result = await refresh(auth, client, token, body.scope);
          break;
        }
        case 'client_credentials':
          result = await clientCredentials(auth, client, body.scope);
          break;
        default:
          throw new OAuthError('unsupported_grant_type', `Unsupported grant_type: ${body.grant_type ?? '(none)'}`);
      }
      await auth.events.tokenIssued(req, {
        tenantId: client.tenant_id,
        clientId: client.client_id,
        userId: result.tenant && body.grant_type !== 'client_credentials' ? userOf(result) : undefined,
        scope: result.scope,
        grant: body.grant_type as string,
      });
      // Browser apps may keep the refresh token out of JavaScript's reach: it also rides in an
      // httpOnly cookie scoped to the token endpoint, which the refresh grant accepts.
      if (result.refresh_token && client.client_type === 'public') {
        res.cookie(REFRESH_COOKIE, result.refresh_token, {
          httpOnly: true,
          secure: auth.config.baseUrl.startsWith('https:'),
          sameSite: 'strict',
          path: '/oauth2/token',
          maxAge: 7 * 24 * 3600 * 1000,
        });
      }
      res.set('Cache-Control', 'no-store').set('Pragma', 'no-cache').json(result);
    }),
  );

  r.post(
    '/introspect',
    handle(async (req, res) => {
      const { client } = await authenticateClient(auth, req, tokenEndpoint());
      if (client.client_type !== 'confidential') throw new OAuthError('invalid_client', 'Only confidential clients may introspect', 401);
      const token = (req.body as Record<string, string | undefined>).token ?? '';
      res.set('Cache-Control', 'no-store');
      if (token.split('.').length === 3) {
        try {
          const t = await auth.tokens.verifyAccess(token);
          // A client sees only tokens of its own tenant.
          if (t.tid === client.tenant_id && !auth.revocations.isRevoked(t)) {
            res.json({ active: true, token_type: 'Bearer', ...t, tenant: t.tid });
            return;
          }
        } catch {
          // fall through: inactive
        }
      } else {
        const info = await introspectRefreshToken(auth, token);
        if (info && info.tenant === client.tenant_id) {
          res.json(info);
          return;
        }
      }
      res.json({ active: false });
    }),
  );

  r.post(
    '/revoke',
    handle(async (req, res) => {
      const { client } = await authenticateClient(auth, req, tokenEndpoint());
      const token = (req.body as Record<string, string | undefined>).token ?? '';
      if (token.split('.').length === 3) {
        try {
          const t = await auth.tokens.verifyAccess(token);
          if (t.client_id === client.client_id) await auth.revocations.revoke(t.jti, new Date(t.exp * 1000));
        } catch {
          // invalid tokens need no revoking (RFC 7009: answer 200 anyway)
        }
      } else {
        await revokeRefreshToken(auth, client, token);
      }
      res.status(200).end();
    }),
  );
  return r;
}
