-- Which profiles a tenant requires its writes to meet, per resource type. A row replaces the
-- platform default (PROFILE_ENFORCEMENT) for that type; an empty list means the R4 base and
-- whatever the resource claims. Tenant-scoped like every clinical table.
CREATE TABLE tenant_profile_requirement (
  tenant_id uuid NOT NULL REFERENCES tenant (id),
  resource_type text NOT NULL,
  profiles text[] NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, resource_type)
);
ALTER TABLE tenant_profile_requirement ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenant_profile_requirement FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenant_profile_requirement
  USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_profile_requirement TO hospital_ops_app;
