-- The runtime role reads the public half of the signing keys only (to publish and verify): one
-- SQL injection in request handling must not hand out the keys that sign every tenant's tokens.
-- The server reads the private key of the active key as the schema owner (auth/keys.ts).
REVOKE SELECT ON signing_key FROM hospital_ops_app;
GRANT SELECT (kid, alg, public_jwk, created_at, retired_at) ON signing_key TO hospital_ops_app;
