-- Composite search parameters (code-value-quantity, component-code-value-quantity...): one row per
-- element whose components were indexed together, so `code$value` matches within one element.
-- Each component keeps the columns its type needs: s (system or raw string), v (code, value,
-- normalised string or reference target), u (unit), n (number), lo/hi (date range).
CREATE TABLE sp_composite (
  tenant_id uuid NOT NULL,
  resource_type text NOT NULL,
  resource_id text NOT NULL,
  code text NOT NULL,
  s1 text, v1 text, u1 text, n1 numeric, lo1 timestamptz, hi1 timestamptz,
  s2 text, v2 text, u2 text, n2 numeric, lo2 timestamptz, hi2 timestamptz
);
CREATE INDEX sp_composite_v1 ON sp_composite (tenant_id, resource_type, code, v1);
CREATE INDEX sp_composite_resource ON sp_composite (tenant_id, resource_id);
ALTER TABLE sp_composite ENABLE ROW LEVEL SECURITY;
ALTER TABLE sp_composite FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON sp_composite USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
GRANT SELECT, INSERT, DELETE ON sp_composite TO hospital_ops_app;
