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

-- The HIU side (docs/abdm.md): our consent requests, the artefacts granted on them, and each
-- data transfer with the ephemeral key material it is decrypted with (dropped when it is done).
-- Callbacks are matched by the REQUEST-ID of our own call; a push by the hash of the secret in its
-- dataPushUrl (the HIP sends no gateway token), so a push finds its tenant before any tenant is known.
CREATE TABLE abdm_hiu_request (
  tenant_id uuid NOT NULL REFERENCES tenant (id),
  init_request_id uuid NOT NULL,
  hiu_id text NOT NULL,
  consent_request_id text,
  patient_id text NOT NULL,
  abha_address text NOT NULL,
  status text NOT NULL DEFAULT 'REQUESTED',
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, init_request_id)
);
CREATE TABLE abdm_hiu_artefact (
  tenant_id uuid NOT NULL REFERENCES tenant (id),
  consent_id uuid NOT NULL,
  hiu_id text NOT NULL,
  consent_request_id text NOT NULL,
  fetch_request_id uuid,
  status text NOT NULL,
  detail jsonb,
  PRIMARY KEY (tenant_id, consent_id)
);
CREATE TABLE abdm_hiu_transfer (
  tenant_id uuid NOT NULL REFERENCES tenant (id),
  hi_request_id uuid NOT NULL,
  hiu_id text NOT NULL,
  consent_id uuid NOT NULL,
  transaction_id text,
  push_key_hash text NOT NULL UNIQUE,
  private_key text,
  nonce text,
  status text NOT NULL DEFAULT 'REQUESTED',
  pages_received integer NOT NULL DEFAULT 0,
  imported integer NOT NULL DEFAULT 0,
  -- per care context: what was imported or refused, for the HIU's notify
  results jsonb NOT NULL DEFAULT '[]',
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, hi_request_id)
);
ALTER TABLE abdm_hiu_request ENABLE ROW LEVEL SECURITY;
ALTER TABLE abdm_hiu_request FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON abdm_hiu_request USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
ALTER TABLE abdm_hiu_artefact ENABLE ROW LEVEL SECURITY;
ALTER TABLE abdm_hiu_artefact FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON abdm_hiu_artefact USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
ALTER TABLE abdm_hiu_transfer ENABLE ROW LEVEL SECURITY;
ALTER TABLE abdm_hiu_transfer FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON abdm_hiu_transfer USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
-- The push route finds the transfer (and so the tenant) by the hash of its URL secret, as the owner role.
CREATE POLICY push_lookup ON abdm_hiu_transfer TO CURRENT_USER USING (true) WITH CHECK (true);
-- The dataEraseAt sweep finds due artefacts in every tenant, as the owner role.
CREATE POLICY erase_sweep ON abdm_hiu_artefact TO CURRENT_USER USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON abdm_hiu_request, abdm_hiu_artefact, abdm_hiu_transfer TO hospital_ops_app;
