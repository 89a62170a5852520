import express from 'express';
import { CONTEXT_SCOPES } from '../auth/scopes.ts';
import type { AuthService } from '../auth/service.ts';

/** SMART App Launch 2.x discovery: what a client needs to know before it talks to us. */
export function smartConfiguration(baseUrl: string) {
  return {
    issuer: baseUrl,
    jwks_uri: `${baseUrl}/oauth2/jwks`,
    authorization_endpoint: `${baseUrl}/oauth2/authorize`,
    token_endpoint: `${baseUrl}/oauth2/token`,
    introspection_endpoint: `${baseUrl}/oauth2/introspect`,
    revocation_endpoint: `${baseUrl}/oauth2/revoke`,
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384', 'RS256', 'ES256'],
    grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
    scopes_supported: [
      ...CONTEXT_SCOPES,
      'patient/*.rs',
      'patient/*.cruds',
      'user/*.rs',
      'user/*.cruds',
      'system/*.rs',
      'system/*.cruds',
      'patient/*.read',
      'user/*.read',
      'user/*.write',
      'system/*.read',
    ],
    capabilities: [
      'launch-ehr',
      'launch-standalone',
      'client-public',
      'client-confidential-symmetric',
      'client-confidential-asymmetric',
      'sso-openid-connect',
      'context-passthrough-banner',
      'context-ehr-patient',
      'context-ehr-encounter',
      'context-standalone-patient',
      'permission-offline',
      'permission-online',
      'permission-patient',
      'permission-user',
      'permission-v1',
      'permission-v2',
      'authorize-post',
    ],
  };
}

/** The well-known documents (FHIR-relative and root) and the JWKS. */
export function discoveryRoutes(auth: AuthService): express.Router {
  const r = express.Router();
  const smart: express.RequestHandler = (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').json(smartConfiguration(auth.config.baseUrl));
  };
  r.get('/fhir/R4/.well-known/smart-configuration', smart);
  r.get('/.well-known/smart-configuration', smart);
  r.get('/.well-known/openid-configuration', (_req, res) => {
    const base = auth.config.baseUrl;
    res.json({
      issuer: base,
      authorization_endpoint: `${base}/oauth2/authorize`,
      token_endpoint: `${base}/oauth2/token`,
      jwks_uri: `${base}/oauth2/jwks`,
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['ES256'],
      scopes_supported: ['openid', 'fhirUser', 'profile'],
      claims_supported: ['sub', 'fhirUser', 'name'],
    });
  });
  r.get('/oauth2/jwks', async (_req, res) => {
    res.set('Cache-Control', 'public, max-age=60').json(await auth.keys.jwks());
  });
  return r;
}
