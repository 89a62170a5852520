-- Which tenant each ABDM service id (HIP or HIU: the facility's HFR id) belongs to. Calls from the
-- ABDM gateway name only X-HIP-ID / X-HIU-ID: this is how one finds the single tenant whose
-- records it may touch, and under which its refusals are audited. One id belongs to one tenant.
CREATE TABLE abdm_service (
  service_id text NOT NULL,
  service_type text NOT NULL CHECK (service_type IN ('HIP', 'HIU')),
  tenant_id uuid NOT NULL REFERENCES tenant (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (service_id, service_type)
);
CREATE INDEX abdm_service_tenant ON abdm_service (tenant_id);
ALTER TABLE abdm_service ENABLE ROW LEVEL SECURITY;
ALTER TABLE abdm_service FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON abdm_service
  USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
-- The bridge's lookup runs as this owner role, before any tenant is known (as the WhatsApp webhook does).
CREATE POLICY bridge_lookup ON abdm_service TO CURRENT_USER USING (true) WITH CHECK (true);
GRANT SELECT ON abdm_service TO hospital_ops_app;
