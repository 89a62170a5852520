-- Bulk Data $export jobs (server/src/bulk, docs/bulk-data.md). One row per kick-off: who asked
-- (the client and the access it had, to run the job under the same identity), what it asked, and
-- the manifest once every file is in place. Under forced RLS like every tenant table; the owner
-- role (the job worker and the expiry sweep) reads across tenants.
CREATE TABLE bulk_export (
  tenant_id uuid NOT NULL REFERENCES tenant (id),
  id uuid NOT NULL,
  client_id text NOT NULL,
  -- The caller's principal at kick-off (role, scopes, branches, patient context); no token, no secret.
  principal jsonb NOT NULL,
  -- The kick-off URL as the client sent it (the manifest's `request`).
  request text NOT NULL,
  params jsonb NOT NULL,
  status text NOT NULL DEFAULT 'accepted' CHECK (status IN ('accepted', 'running', 'completed', 'failed', 'cancelled')),
  progress text,
  transaction_time timestamptz NOT NULL,
  manifest jsonb,
  error text,
  -- Set by the running job after each page: a stale one on a running export means its worker died.
  heartbeat_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX bulk_export_client ON bulk_export (tenant_id, client_id) WHERE status IN ('accepted', 'running');
CREATE INDEX bulk_export_expiry ON bulk_export (expires_at);
ALTER TABLE bulk_export ENABLE ROW LEVEL SECURITY;
ALTER TABLE bulk_export FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON bulk_export USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY bulk_owner ON bulk_export TO CURRENT_USER USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON bulk_export TO hospital_ops_app;
