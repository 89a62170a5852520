-- Razorpay payment links (docs/billing.md). Tenant-scoped, row-level security forced.

-- A link made for an Account: the webhook that reports its payment is applied only when the link
-- is found here, in the tenant the link's notes name (RLS makes another tenant's link invisible).
CREATE TABLE billing_payment_link (
  tenant_id uuid NOT NULL REFERENCES tenant (id),
  link_id text NOT NULL,
  account_id text NOT NULL,
  amount_paise bigint NOT NULL CHECK (amount_paise > 0),
  status text NOT NULL CHECK (status IN ('created', 'paid')),
  payment_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, link_id)
);
ALTER TABLE billing_payment_link ENABLE ROW LEVEL SECURITY;
ALTER TABLE billing_payment_link FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON billing_payment_link
  USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
GRANT SELECT, INSERT, UPDATE ON billing_payment_link TO hospital_ops_app;

-- Webhook events applied, by Razorpay's x-razorpay-event-id: a retried or replayed event is
-- recognised in the same transaction that would apply it, and changes nothing.
CREATE TABLE billing_webhook_event (
  tenant_id uuid NOT NULL REFERENCES tenant (id),
  event_id text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, event_id)
);
ALTER TABLE billing_webhook_event ENABLE ROW LEVEL SECURITY;
ALTER TABLE billing_webhook_event FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON billing_webhook_event
  USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
GRANT SELECT, INSERT ON billing_webhook_event TO hospital_ops_app;
