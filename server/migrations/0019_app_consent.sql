-- The platform's own apps (registered by server/src/apps/clients.ts) are pre-approved for their
-- tenant: no consent page. Only the server sets this; the admin API cannot.
ALTER TABLE oauth_client ADD COLUMN first_party boolean NOT NULL DEFAULT false;

-- A user's consent to a third-party app, remembered until revoked (admin API or the user's own
-- DELETE /oauth2/consents/{client}). `scope` is every scope allowed so far: a request for more asks again.
CREATE TABLE app_consent (
  tenant_id uuid NOT NULL,
  user_id uuid NOT NULL,
  client_id text NOT NULL,
  scope text NOT NULL,
  granted_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, user_id, client_id)
);
ALTER TABLE app_consent ENABLE ROW LEVEL SECURITY;
ALTER TABLE app_consent FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON app_consent USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON app_consent TO hospital_ops_app;
