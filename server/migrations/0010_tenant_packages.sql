-- Which profile packages' code systems and value sets a tenant's store holds (and at which
-- version), so start-up copies them once per tenant and again only when a package changes.
CREATE TABLE tenant_package (
  tenant_id uuid NOT NULL REFERENCES tenant (id),
  package text NOT NULL,
  version text NOT NULL,
  synced_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, package)
);
ALTER TABLE tenant_package ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenant_package FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenant_package
  USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
GRANT SELECT, INSERT, UPDATE ON tenant_package TO hospital_ops_app;
