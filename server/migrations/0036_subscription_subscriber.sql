-- Who wrote each rest-hook Subscription: its notifications carry resources to a URL, so each one is
-- checked, when it is built, against what that client (and user) may read now (events/subscriber.ts).
-- A Subscription the server wrote itself (seed, bots) has no row and is not narrowed.
CREATE TABLE subscription_subscriber (
  tenant_id uuid NOT NULL REFERENCES tenant (id),
  subscription_id text NOT NULL,
  client_id text NOT NULL,
  user_id uuid,
  PRIMARY KEY (tenant_id, subscription_id)
);
ALTER TABLE subscription_subscriber ENABLE ROW LEVEL SECURITY;
ALTER TABLE subscription_subscriber FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON subscription_subscriber
  USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON subscription_subscriber TO hospital_ops_app;
