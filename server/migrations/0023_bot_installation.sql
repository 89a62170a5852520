-- Bots a tenant has installed (server/src/bots): whether the bot runs for the tenant, the
-- tenant's settings over the manifest's defaults, the bot's own OAuth client identity in the
-- tenant, and the Subscriptions its triggers became. Under forced RLS like every tenant table.
CREATE TABLE bot_installation (
  tenant_id uuid NOT NULL REFERENCES tenant (id),
  bot text NOT NULL,
  enabled boolean NOT NULL DEFAULT false,
  settings jsonb NOT NULL DEFAULT '{}',
  client_id text NOT NULL,
  subscription_ids text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, bot)
);
ALTER TABLE bot_installation ENABLE ROW LEVEL SECURITY;
ALTER TABLE bot_installation FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON bot_installation USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
-- The runtime (this owner role) registers every enabled tenant's schedules and forwards deliveries.
CREATE POLICY bot_runtime ON bot_installation TO CURRENT_USER USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE ON bot_installation TO hospital_ops_app;

-- Deliveries of the internal `message` channel become jobs on a bot's queue instead of HTTP
-- calls; the rest-hook worker leaves them alone.
ALTER TABLE subscription_delivery ADD COLUMN channel text NOT NULL DEFAULT 'rest-hook';
CREATE INDEX subscription_delivery_message_due ON subscription_delivery (next_attempt_at) WHERE status = 'pending' AND channel = 'message';
