-- Identity and OAuth: staff logins, OAuth clients, authorization codes, refresh tokens, launch
-- contexts, OTP challenges and the keys that sign tokens. Credentials live here, never in FHIR
-- resources. Tenant-scoped tables carry tenant_id first and are under forced row-level security
-- like every clinical table; the two directories below are the only cross-tenant lookups.

-- Which tenant a login (email or +91 phone) or a client_id belongs to. Logins and client ids are
-- unique across the platform, so the login page and the token endpoint can find the tenant before
-- any tenant context exists. Rows reveal a tenant id and nothing else; writes stay tenant-bound.
CREATE TABLE login_directory (
  login text PRIMARY KEY,
  tenant_id uuid NOT NULL,
  user_id uuid NOT NULL
);
CREATE INDEX login_directory_user ON login_directory (tenant_id, user_id);
CREATE TABLE client_directory (
  client_id text PRIMARY KEY,
  tenant_id uuid NOT NULL
);
ALTER TABLE login_directory ENABLE ROW LEVEL SECURITY;
ALTER TABLE login_directory FORCE ROW LEVEL SECURITY;
ALTER TABLE client_directory ENABLE ROW LEVEL SECURITY;
ALTER TABLE client_directory FORCE ROW LEVEL SECURITY;
CREATE POLICY lookup ON login_directory FOR SELECT USING (true);
CREATE POLICY own_insert ON login_directory FOR INSERT WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY own_delete ON login_directory FOR DELETE USING (tenant_id = app_current_tenant());
CREATE POLICY lookup ON client_directory FOR SELECT USING (true);
CREATE POLICY own_insert ON client_directory FOR INSERT WITH CHECK (tenant_id = app_current_tenant());
GRANT SELECT, INSERT, DELETE ON login_directory TO hospital_ops_app;
GRANT SELECT, INSERT ON client_directory TO hospital_ops_app;

-- Staff accounts. The FHIR side of a person is a Practitioner (+ PractitionerRole); this row is
-- the login: hash, role, branches, lockout state.
CREATE TABLE app_user (
  tenant_id uuid NOT NULL REFERENCES tenant (id),
  id uuid NOT NULL,
  email text,
  phone text,
  name text NOT NULL,
  password_hash text,
  role text NOT NULL,
  branch_ids text[] NOT NULL DEFAULT '{}',
  practitioner_id text,
  active boolean NOT NULL DEFAULT true,
  failed_attempts integer NOT NULL DEFAULT 0,
  locked_until timestamptz,
  last_login_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);

CREATE TABLE oauth_client (
  tenant_id uuid NOT NULL REFERENCES tenant (id),
  client_id text NOT NULL,
  name text NOT NULL,
  -- public: PKCE, no secret (browser apps); confidential: secret or private_key_jwt.
  client_type text NOT NULL CHECK (client_type IN ('public', 'confidential')),
  secret_hash text,
  redirect_uris text[] NOT NULL DEFAULT '{}',
  -- The most this client may ever be granted (space-separated SMART scopes).
  scope text NOT NULL,
  jwks jsonb,
  jwks_uri text,
  launch_uri text,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, client_id)
);

CREATE TABLE auth_code (
  tenant_id uuid NOT NULL,
  code_hash text NOT NULL,
  client_id text NOT NULL,
  user_id uuid NOT NULL,
  redirect_uri text NOT NULL,
  scope text NOT NULL,
  code_challenge text,
  nonce text,
  patient text,
  encounter text,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  PRIMARY KEY (tenant_id, code_hash)
);

-- Refresh tokens rotate on every use; presenting a used one revokes its whole family.
CREATE TABLE refresh_token (
  tenant_id uuid NOT NULL,
  token_hash text NOT NULL,
  family uuid NOT NULL,
  client_id text NOT NULL,
  user_id uuid,
  scope text NOT NULL,
  patient text,
  encounter text,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  revoked_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, token_hash)
);
CREATE INDEX refresh_token_family ON refresh_token (tenant_id, family);

-- EHR launch: the opaque `launch` value an app receives, bound to patient/encounter context.
CREATE TABLE launch_context (
  tenant_id uuid NOT NULL,
  id text NOT NULL,
  user_id uuid,
  patient text,
  encounter text,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id)
);

-- jti values of client assertions already used (replay protection until they expire).
CREATE TABLE assertion_jti (
  tenant_id uuid NOT NULL,
  client_id text NOT NULL,
  jti text NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, client_id, jti)
);

CREATE TABLE otp_challenge (
  tenant_id uuid NOT NULL,
  id uuid NOT NULL,
  user_id uuid NOT NULL,
  purpose text NOT NULL CHECK (purpose IN ('login', 'reset')),
  code_hash text NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  PRIMARY KEY (tenant_id, id)
);

ALTER TABLE app_user ENABLE ROW LEVEL SECURITY;
ALTER TABLE app_user FORCE ROW LEVEL SECURITY;
ALTER TABLE oauth_client ENABLE ROW LEVEL SECURITY;
ALTER TABLE oauth_client FORCE ROW LEVEL SECURITY;
ALTER TABLE auth_code ENABLE ROW LEVEL SECURITY;
ALTER TABLE auth_code FORCE ROW LEVEL SECURITY;
ALTER TABLE refresh_token ENABLE ROW LEVEL SECURITY;
ALTER TABLE refresh_token FORCE ROW LEVEL SECURITY;
ALTER TABLE launch_context ENABLE ROW LEVEL SECURITY;
ALTER TABLE launch_context FORCE ROW LEVEL SECURITY;
ALTER TABLE assertion_jti ENABLE ROW LEVEL SECURITY;
ALTER TABLE assertion_jti FORCE ROW LEVEL SECURITY;
ALTER TABLE otp_challenge ENABLE ROW LEVEL SECURITY;
ALTER TABLE otp_challenge FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON app_user USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY tenant_isolation ON oauth_client USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY tenant_isolation ON auth_code USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY tenant_isolation ON refresh_token USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY tenant_isolation ON launch_context USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY tenant_isolation ON assertion_jti USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY tenant_isolation ON otp_challenge USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
GRANT SELECT, INSERT, UPDATE ON app_user, oauth_client, auth_code, refresh_token, otp_challenge TO hospital_ops_app;
GRANT SELECT, INSERT, DELETE ON launch_context, assertion_jti TO hospital_ops_app;

-- Token signing keys (platform-wide). The newest active key signs; retired keys stay published
-- in the JWKS until every token they signed has expired, so rotation needs no downtime.
CREATE TABLE signing_key (
  kid text PRIMARY KEY,
  alg text NOT NULL,
  private_jwk jsonb NOT NULL,
  public_jwk jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  retired_at timestamptz
);
GRANT SELECT ON signing_key TO hospital_ops_app;

-- Revoked access tokens (by jti) until they would have expired anyway. Platform-wide so every
-- process can poll it cheaply; a jti is a random UUID and says nothing about its tenant's data.
CREATE TABLE revoked_token (
  jti uuid PRIMARY KEY,
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX revoked_token_revoked ON revoked_token (revoked_at);
GRANT SELECT, INSERT ON revoked_token TO hospital_ops_app;
