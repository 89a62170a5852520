-- Which tenant owns each WhatsApp business phone number (the Cloud API's phone-number-id). The
-- webhook is unauthenticated HTTP: this is how a signed delivery status or a patient's reply finds
-- the one tenant it belongs to. A number belongs to one tenant only (primary key).
CREATE TABLE whatsapp_number (
  phone_number_id text PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenant (id),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX whatsapp_number_tenant ON whatsapp_number (tenant_id);
ALTER TABLE whatsapp_number ENABLE ROW LEVEL SECURITY;
ALTER TABLE whatsapp_number FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON whatsapp_number
  USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
-- The webhook's lookup runs as this owner role, before any tenant is known (as the dispatcher does).
CREATE POLICY webhook_lookup ON whatsapp_number TO CURRENT_USER USING (true) WITH CHECK (true);
GRANT SELECT ON whatsapp_number TO hospital_ops_app;
