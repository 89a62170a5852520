-- Core objects: the tenant registry and the function every row-level security policy uses.
-- The runtime role (hospital_ops_app) is created by the migrator before this file runs.

-- The tenant this transaction acts for, from set_config('app.current_tenant_id', ..., true).
-- NULL when unset (or reset to '' after a previous transaction), so policies match no rows.
CREATE FUNCTION app_current_tenant() RETURNS uuid
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT NULLIF(current_setting('app.current_tenant_id', true), '')::uuid $$;

CREATE FUNCTION app_current_branch() RETURNS uuid
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT NULLIF(current_setting('app.current_branch_id', true), '')::uuid $$;

CREATE FUNCTION app_current_user() RETURNS uuid
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT NULLIF(current_setting('app.current_user_id', true), '')::uuid $$;

-- A tenant is a hospital or clinic organisation (a chain with branches).
CREATE TABLE tenant (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE tenant ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenant FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_self ON tenant USING (id = app_current_tenant());
GRANT SELECT ON tenant TO hospital_ops_app;
