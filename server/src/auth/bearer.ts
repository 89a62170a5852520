import { isUUID } from '@medplum/core';
import type { NextFunction, Request, Response } from 'express';
import type { TenantSettings } from '../db/database.ts';
import { sendFhir } from '../http/fhir-handler.ts';
import { outcome } from '../http/outcomes.ts';
import { type AccessControl, accessControlFor, type Principal } from './access.ts';
import { parseResourceScope, type ResourceScope, splitScopes } from './scopes.ts';
import type { AuthService } from './service.ts';
import type { VerifiedAccess } from './tokens.ts';

/** What the FHIR handlers know about the caller. */
export interface RequestAuth {
  token: VerifiedAccess;
  principal: Principal;
  access: AccessControl;
  tenant: TenantSettings;
}

export class InvalidTokenError extends Error {}

/**
 * What a bearer token lets its holder do: checks signature, issuer, audience (the FHIR base),
 * expiry, revocation and the tenant, and turns role and scopes into the access control the
 * repository enforces. Throws InvalidTokenError with a sentence for the client.
 */
export async function authenticate(auth: AuthService, raw: string): Promise<RequestAuth> {
  let token: VerifiedAccess;
  try {
    token = await auth.tokens.verifyAccess(raw);
  } catch (err) {
    throw new InvalidTokenError(`Invalid access token: ${(err as Error).message}`);
  }
  if (auth.revocations.isRevoked(token)) throw new InvalidTokenError('The access token has been revoked');
  if (!(await auth.tenantActive(token.tid))) throw new InvalidTokenError('Unknown or inactive tenant');
  const scopes = splitScopes(token.scope)
    .map(parseResourceScope)
    .filter((s): s is ResourceScope => s !== undefined);
  const userId = token.sub !== token.client_id && isUUID(token.sub) ? token.sub : undefined;
  const principal: Principal = {
    tenantId: token.tid,
    clientId: token.client_id,
    userId,
    role: token.role,
    branchIds: token.branches ?? [],
    practitionerId: token.fhirUser?.startsWith('Practitioner/') ? token.fhirUser.slice('Practitioner/'.length) : undefined,
    scopes,
    patient: token.patient,
    encounter: token.encounter,
  };
  const tenant: TenantSettings = { tenantId: token.tid, userId, branchId: token.branches?.length === 1 ? token.branches[0] : undefined };
  return { token, principal, access: accessControlFor(principal), tenant };
}

function unauthorized(res: Response, realm: string, message: string, error?: string): void {
  res.set('WWW-Authenticate', `Bearer realm="${realm}"${error ? `, error="${error}", error_description="${message}"` : ''}`);
  sendFhir(res, 401, outcome('login', 'login', message));
}

/**
 * Every FHIR request needs a valid access token from this server: signature, issuer, audience
 * (the FHIR base), expiry, not revoked, tenant active. The token's tenant becomes the database
 * context (RLS); its role and scopes become the access control the repository enforces.
 */
export function bearerAuth(auth: AuthService) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const realm = auth.tokens.audience;
    const header = req.get('authorization') ?? '';
    const m = /^Bearer\s+([A-Za-z0-9\-_.]+)$/i.exec(header);
    if (!m) return unauthorized(res, realm, header ? 'Malformed Authorization header' : 'Authentication required');
    let requestAuth: RequestAuth;
    try {
      requestAuth = await authenticate(auth, m[1]);
    } catch (err) {
      if (err instanceof InvalidTokenError) return unauthorized(res, realm, err.message, 'invalid_token');
      throw err;
    }
    const tenant = requestAuth.tenant;
    res.locals.auth = requestAuth;
    res.locals.tenant = tenant;
    next();
  };
}
