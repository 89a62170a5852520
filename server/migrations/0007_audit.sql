-- The audit log: one FHIR AuditEvent per interaction and security event, append-only for the
-- runtime role and hash-chained per tenant.
--
-- Writers only INSERT: the event into audit_log and its id into the audit_pending queue, in the
-- transaction of the change it describes, so auditing never serialises a tenant's writes. A
-- sealer (the schema owner) later chains committed events in queue order: each audit_seal row's
-- hash covers the previous seal's hash, its seq, the event id and the stored event text, and
-- audit_chain_head holds the tenant's last link. The runtime role may only read seals and heads,
-- and cannot delete from the queue, so it can neither rewrite the chain nor hide an event from it.

CREATE TABLE audit_log (
  tenant_id uuid NOT NULL,
  id uuid NOT NULL,
  recorded timestamptz NOT NULL,
  -- C, R, U, D or E (AuditEvent.action).
  action text NOT NULL,
  -- 0, 4, 8 or 12 (AuditEvent.outcome).
  outcome text NOT NULL,
  user_id text,
  client_id text,
  -- Patient/123 whose data was touched.
  patient text,
  request_id text,
  event jsonb NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX audit_log_recorded ON audit_log (tenant_id, recorded);

-- Events not yet chained. pos comes from a sequence, so it is allocation order, not commit
-- order: the sealer chains whatever has committed, in pos order, and later commits follow.
CREATE TABLE audit_pending (
  tenant_id uuid NOT NULL,
  id uuid NOT NULL,
  pos bigserial NOT NULL,
  PRIMARY KEY (tenant_id, pos)
);

CREATE TABLE audit_seal (
  tenant_id uuid NOT NULL,
  seq bigint NOT NULL CHECK (seq > 0),
  audit_id uuid NOT NULL,
  -- hex sha256 of: previous hash, seq, audit_id and event::text, joined by newlines.
  hash text NOT NULL,
  sealed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, seq),
  UNIQUE (tenant_id, audit_id)
);

-- The last link of each tenant's chain; seq 0 with 64 zeros is the genesis. Sealers lock it.
CREATE TABLE audit_chain_head (
  tenant_id uuid PRIMARY KEY,
  seq bigint NOT NULL CHECK (seq >= 0),
  hash text NOT NULL,
  sealed_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
ALTER TABLE audit_pending ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_pending FORCE ROW LEVEL SECURITY;
ALTER TABLE audit_seal ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_seal FORCE ROW LEVEL SECURITY;
ALTER TABLE audit_chain_head ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_chain_head FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON audit_log USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY tenant_isolation ON audit_pending USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY tenant_isolation ON audit_seal USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY tenant_isolation ON audit_chain_head USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
-- The sealer (this owner role) finds which tenants have pending events before it takes on any
-- tenant's context; it then seals each tenant under that tenant's policy like everything else.
CREATE POLICY sealer_scan ON audit_pending FOR SELECT TO CURRENT_USER USING (true);

GRANT SELECT, INSERT ON audit_log TO hospital_ops_app;
GRANT INSERT ON audit_pending TO hospital_ops_app;
GRANT USAGE ON SEQUENCE audit_pending_pos_seq TO hospital_ops_app;
GRANT SELECT ON audit_seal, audit_chain_head TO hospital_ops_app;

-- Chains up to p_limit committed pending events of one tenant and returns how many queue rows it
-- took and how many it sealed. One statement, so it is atomic on its own on any connection
-- (PGlite's single shared session included). Locking the head row serialises sealers running in
-- several processes; in READ COMMITTED each statement below then sees what the previous holder
-- committed. Queue rows that cannot be sealed (no audit_log row, or already sealed) are dropped.
CREATE FUNCTION audit_seal_pending(p_tenant uuid, p_limit integer, OUT taken integer, OUT sealed integer)
  LANGUAGE plpgsql VOLATILE
  AS $$
DECLARE
  v_seq bigint;
  v_hash text;
  v_taken bigint[] := '{}';
  r record;
BEGIN
  sealed := 0;
  PERFORM set_config('app.current_tenant_id', p_tenant::text, true);
  INSERT INTO audit_chain_head (tenant_id, seq, hash) VALUES (p_tenant, 0, repeat('0', 64)) ON CONFLICT (tenant_id) DO NOTHING;
  SELECT h.seq, h.hash INTO v_seq, v_hash FROM audit_chain_head h WHERE h.tenant_id = p_tenant FOR UPDATE;
  FOR r IN
    SELECT p.pos, p.id, l.event::text AS event
    FROM audit_pending p LEFT JOIN audit_log l ON l.tenant_id = p.tenant_id AND l.id = p.id
    WHERE p.tenant_id = p_tenant
    ORDER BY p.pos
    LIMIT p_limit
  LOOP
    v_taken := v_taken || r.pos;
    CONTINUE WHEN r.event IS NULL
      OR EXISTS (SELECT 1 FROM audit_seal s WHERE s.tenant_id = p_tenant AND s.audit_id = r.id);
    v_seq := v_seq + 1;
    v_hash := encode(sha256(convert_to(v_hash || E'\n' || v_seq::text || E'\n' || r.id::text || E'\n' || r.event, 'UTF8')), 'hex');
    INSERT INTO audit_seal (tenant_id, seq, audit_id, hash) VALUES (p_tenant, v_seq, r.id, v_hash);
    sealed := sealed + 1;
  END LOOP;
  DELETE FROM audit_pending p WHERE p.tenant_id = p_tenant AND p.pos = ANY (v_taken);
  IF sealed > 0 THEN
    UPDATE audit_chain_head h SET seq = v_seq, hash = v_hash, sealed_at = now() WHERE h.tenant_id = p_tenant;
  END IF;
  taken := cardinality(v_taken);
END
$$;
REVOKE EXECUTE ON FUNCTION audit_seal_pending(uuid, integer) FROM PUBLIC;
