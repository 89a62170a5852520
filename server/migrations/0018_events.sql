-- The transactional outbox: every FHIR write inserts its event row in the same statement as the
-- change (repo/write-buffer.ts), so no change commits without its event and no event without its
-- change. The dispatcher (events/dispatcher.ts, as this owner role) claims rows with a lease, turns
-- each into deliveries for the tenant's matching Subscriptions, and deletes it.
CREATE TABLE resource_event (
  seq bigserial PRIMARY KEY,
  tenant_id uuid NOT NULL,
  resource_type text NOT NULL,
  resource_id text NOT NULL,
  version_id integer NOT NULL,
  action text NOT NULL CHECK (action IN ('create', 'update', 'delete')),
  recorded_at timestamptz NOT NULL DEFAULT now(),
  -- A dispatcher that claimed the row and died lets it go when the lease ends.
  claimed_until timestamptz
);
CREATE INDEX resource_event_claimable ON resource_event (claimed_until NULLS FIRST, seq);

-- One notification owed to one Subscription for one event: the durable job of the rest-hook
-- channel. Unique per (subscription, event), so an event dispatched twice after a crash is
-- still delivered once.
CREATE TABLE subscription_delivery (
  id bigserial PRIMARY KEY,
  tenant_id uuid NOT NULL,
  subscription_id text NOT NULL,
  event_seq bigint NOT NULL,
  resource_type text NOT NULL,
  resource_id text NOT NULL,
  version_id integer NOT NULL,
  action text NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed', 'cancelled')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  UNIQUE (tenant_id, subscription_id, event_seq)
);
CREATE INDEX subscription_delivery_due ON subscription_delivery (next_attempt_at) WHERE status = 'pending';

ALTER TABLE resource_event ENABLE ROW LEVEL SECURITY;
ALTER TABLE resource_event FORCE ROW LEVEL SECURITY;
ALTER TABLE subscription_delivery ENABLE ROW LEVEL SECURITY;
ALTER TABLE subscription_delivery FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON resource_event USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY tenant_isolation ON subscription_delivery USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
-- The dispatcher and the delivery worker (this owner role) work across tenants, as the sealer does.
CREATE POLICY event_worker ON resource_event TO CURRENT_USER USING (true) WITH CHECK (true);
CREATE POLICY delivery_worker ON subscription_delivery TO CURRENT_USER USING (true) WITH CHECK (true);

GRANT INSERT ON resource_event TO hospital_ops_app;
GRANT USAGE ON SEQUENCE resource_event_seq_seq TO hospital_ops_app;
GRANT SELECT, INSERT ON subscription_delivery TO hospital_ops_app;
GRANT USAGE ON SEQUENCE subscription_delivery_id_seq TO hospital_ops_app;
