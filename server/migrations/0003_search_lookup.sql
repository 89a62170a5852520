-- Search lookup rows: one row per indexed value of a search parameter, written in the same
-- transaction as the resource they describe. Shared by all resource types; tenant_id leads every
-- key so a tenant's rows stay together (and can be distributed by tenant later).

CREATE TABLE sp_token (
  tenant_id uuid NOT NULL,
  resource_type text NOT NULL,
  resource_id text NOT NULL,
  code text NOT NULL,
  system text,
  value text,
  display text
);
CREATE INDEX sp_token_value ON sp_token (tenant_id, resource_type, code, value, system);
CREATE INDEX sp_token_resource ON sp_token (tenant_id, resource_id);

CREATE TABLE sp_string (
  tenant_id uuid NOT NULL,
  resource_type text NOT NULL,
  resource_id text NOT NULL,
  code text NOT NULL,
  -- lower-cased and accent-stripped, for the spec's case- and accent-insensitive prefix match
  norm text NOT NULL,
  value text NOT NULL
);
CREATE INDEX sp_string_norm ON sp_string (tenant_id, resource_type, code, norm text_pattern_ops);
CREATE INDEX sp_string_resource ON sp_string (tenant_id, resource_id);

CREATE TABLE sp_date (
  tenant_id uuid NOT NULL,
  resource_type text NOT NULL,
  resource_id text NOT NULL,
  code text NOT NULL,
  -- the value's implicit range: [low, high] covers the whole precision (a year, a day, a period)
  low timestamptz NOT NULL,
  high timestamptz NOT NULL
);
CREATE INDEX sp_date_low ON sp_date (tenant_id, resource_type, code, low);
CREATE INDEX sp_date_resource ON sp_date (tenant_id, resource_id);

CREATE TABLE sp_reference (
  tenant_id uuid NOT NULL,
  resource_type text NOT NULL,
  resource_id text NOT NULL,
  code text NOT NULL,
  -- 'Patient/123' for relative references, the URL for absolute ones
  target text NOT NULL,
  target_type text
);
CREATE INDEX sp_reference_target ON sp_reference (tenant_id, resource_type, code, target);
CREATE INDEX sp_reference_reverse ON sp_reference (tenant_id, target);
CREATE INDEX sp_reference_resource ON sp_reference (tenant_id, resource_id);

CREATE TABLE sp_number (
  tenant_id uuid NOT NULL,
  resource_type text NOT NULL,
  resource_id text NOT NULL,
  code text NOT NULL,
  value numeric NOT NULL,
  system text,
  unit text
);
CREATE INDEX sp_number_value ON sp_number (tenant_id, resource_type, code, value);
CREATE INDEX sp_number_resource ON sp_number (tenant_id, resource_id);

CREATE TABLE sp_uri (
  tenant_id uuid NOT NULL,
  resource_type text NOT NULL,
  resource_id text NOT NULL,
  code text NOT NULL,
  value text NOT NULL
);
CREATE INDEX sp_uri_value ON sp_uri (tenant_id, resource_type, code, value);
CREATE INDEX sp_uri_resource ON sp_uri (tenant_id, resource_id);

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['sp_token', 'sp_string', 'sp_date', 'sp_reference', 'sp_number', 'sp_uri'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant())', t);
    EXECUTE format('GRANT SELECT, INSERT, DELETE ON %I TO hospital_ops_app', t);
  END LOOP;
END $$;
