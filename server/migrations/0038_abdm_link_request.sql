-- User-initiated linking (docs/abdm.md): a patient's request, from their ABHA app, to link care
-- contexts found by discovery. The OTP we sent by SMS is kept only as a SHA-256 hash, with its
-- expiry and the attempts made; a confirmed request links its visits (abdm_care_context).
CREATE TABLE abdm_link_request (
  tenant_id uuid NOT NULL REFERENCES tenant (id),
  link_ref uuid NOT NULL,
  hip_id text NOT NULL,
  abha_address text NOT NULL,
  patient_id text NOT NULL,
  encounter_ids text[] NOT NULL,
  otp_hash text NOT NULL,
  expires_at timestamptz NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  confirmed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, link_ref)
);
ALTER TABLE abdm_link_request ENABLE ROW LEVEL SECURITY;
ALTER TABLE abdm_link_request FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON abdm_link_request
  USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON abdm_link_request TO hospital_ops_app;
