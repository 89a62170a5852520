-- HIP-initiated linking of care contexts (docs/abdm.md). Per tenant, under RLS:
--  * abdm_link_token: a patient's link token from the gateway (valid six months; a bearer
--    credential, never logged nor served over FHIR), and while one is being asked for, the
--    REQUEST-ID of our generate-token call that its callback quotes.
--  * abdm_care_context: which visits (Encounters) were offered to the patient's ABHA address and
--    what the gateway answered, keyed by the REQUEST-ID of our link call.
CREATE TABLE abdm_link_token (
  tenant_id uuid NOT NULL REFERENCES tenant (id),
  hip_id text NOT NULL,
  abha_address text NOT NULL,
  link_token text,
  expires_at timestamptz,
  pending_request_id uuid,
  pending_since timestamptz,
  PRIMARY KEY (tenant_id, hip_id, abha_address)
);
CREATE TABLE abdm_care_context (
  tenant_id uuid NOT NULL REFERENCES tenant (id),
  hip_id text NOT NULL,
  encounter_id text NOT NULL,
  patient_id text NOT NULL,
  abha_address text NOT NULL,
  status text NOT NULL CHECK (status IN ('waiting-token', 'requested', 'linked', 'failed')),
  request_id uuid,
  detail text,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, hip_id, encounter_id)
);
CREATE INDEX abdm_care_context_request ON abdm_care_context (tenant_id, request_id);
ALTER TABLE abdm_link_token ENABLE ROW LEVEL SECURITY;
ALTER TABLE abdm_link_token FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON abdm_link_token
  USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
ALTER TABLE abdm_care_context ENABLE ROW LEVEL SECURITY;
ALTER TABLE abdm_care_context FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON abdm_care_context
  USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON abdm_link_token, abdm_care_context TO hospital_ops_app;
