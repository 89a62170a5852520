-- The server no longer works as the schema owner while it serves (the owner is often a
-- superuser). The cross-tenant background work it used to do as the owner (sealing the audit
-- chains, the event outbox, subscription deliveries, the job queue, the CORS origin list, metrics)
-- goes through the functions below instead: each runs as this owner (SECURITY DEFINER), does one
-- thing with typed arguments, and may be called by the runtime role only. None builds SQL from its
-- arguments. docs/security.md lists them and why each exists.

-- The functions run as this owner role, which the forced row-level security binds too (when it
-- is not a superuser): it needs to read these tables across tenants.
CREATE POLICY owner_read ON oauth_client FOR SELECT TO CURRENT_USER USING (true);
CREATE POLICY owner_read ON refresh_token FOR SELECT TO CURRENT_USER USING (true);
CREATE POLICY owner_read ON audit_log FOR SELECT TO CURRENT_USER USING (true);
CREATE POLICY owner_read ON audit_chain_head FOR SELECT TO CURRENT_USER USING (true);

-- Audit sealing. audit_seal_pending (0007) seals one tenant's batch, setting that tenant's context
-- itself; the runtime role may now run it, and ask which tenants have events waiting.
ALTER FUNCTION audit_seal_pending(uuid, integer) SECURITY DEFINER SET search_path = pg_catalog, public;
GRANT EXECUTE ON FUNCTION audit_seal_pending(uuid, integer) TO hospital_ops_app;
CREATE FUNCTION audit_pending_tenants() RETURNS SETOF uuid
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
  AS $$ SELECT DISTINCT p.tenant_id FROM audit_pending p $$;

-- The head of every tenant's chain, for the anchor file (audit/anchor.ts).
CREATE FUNCTION audit_chain_heads() RETURNS TABLE (tenant_id uuid, seq bigint, hash text)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
  AS $$ SELECT h.tenant_id, h.seq, h.hash FROM audit_chain_head h ORDER BY h.tenant_id $$;

-- The outbox (events/dispatcher.ts): claim a batch with a 30-second lease; delete what was handled.
CREATE FUNCTION event_claim(p_limit integer)
  RETURNS TABLE (seq bigint, tenant_id uuid, resource_type text, resource_id text, version_id integer, action text)
  LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public
  AS $$
    UPDATE resource_event e SET claimed_until = now() + interval '30 seconds'
    WHERE e.seq IN (SELECT c.seq FROM resource_event c WHERE c.claimed_until IS NULL OR c.claimed_until < now()
                    ORDER BY c.seq LIMIT p_limit FOR UPDATE SKIP LOCKED)
    RETURNING e.seq, e.tenant_id, e.resource_type, e.resource_id, e.version_id, e.action
  $$;
-- Only claimed events can be removed, so an unclaimed event is never lost through this function.
CREATE FUNCTION event_done(p_seqs bigint[]) RETURNS integer
  LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public
  AS $$
    WITH gone AS (DELETE FROM resource_event e WHERE e.seq = ANY (p_seqs) AND e.claimed_until IS NOT NULL RETURNING 1)
    SELECT count(*)::integer FROM gone
  $$;

-- Deliveries (events/rest-hook.ts for 'rest-hook', bots/forwarder.ts for 'message'): claim due
-- ones of one channel with a lease, then record each outcome.
CREATE FUNCTION delivery_claim(p_channel text, p_limit integer, p_lease_ms integer)
  RETURNS TABLE (id bigint, tenant_id uuid, subscription_id text, event_seq bigint, resource_type text, resource_id text,
                 version_id integer, action text, attempts integer)
  LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public
  AS $$
    UPDATE subscription_delivery d SET attempts = d.attempts + 1, next_attempt_at = now() + p_lease_ms * interval '1 millisecond'
    WHERE d.id IN (SELECT c.id FROM subscription_delivery c
                   WHERE c.status = 'pending' AND c.channel = p_channel AND c.next_attempt_at <= now()
                   ORDER BY c.next_attempt_at, c.id LIMIT p_limit FOR UPDATE SKIP LOCKED)
    RETURNING d.id, d.tenant_id, d.subscription_id, d.event_seq, d.resource_type, d.resource_id, d.version_id, d.action, d.attempts
  $$;
CREATE FUNCTION delivery_finish(p_ids bigint[], p_status text, p_error text) RETURNS integer
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public
  AS $$
DECLARE
  n integer;
BEGIN
  IF p_status NOT IN ('delivered', 'cancelled', 'failed') THEN
    RAISE EXCEPTION 'delivery_finish: % is not a final status', p_status;
  END IF;
  UPDATE subscription_delivery d SET status = p_status, last_error = p_error, finished_at = now()
  WHERE d.id = ANY (p_ids) AND d.status = 'pending';
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;
CREATE FUNCTION delivery_retry_later(p_id bigint, p_wait_ms integer, p_error text) RETURNS void
  LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public
  AS $$
    UPDATE subscription_delivery d SET next_attempt_at = now() + p_wait_ms * interval '1 millisecond', last_error = p_error
    WHERE d.id = p_id AND d.status = 'pending'
  $$;

-- Every tenant's enabled bot installations (the bot runtime's schedules and its forwarder).
CREATE FUNCTION bot_installations_enabled() RETURNS SETOF bot_installation
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
  AS $$ SELECT * FROM bot_installation b WHERE b.enabled ORDER BY b.tenant_id, b.bot $$;

-- The embedded job queue (jobs/database-queue.ts): the job table stays out of the runtime
-- role's reach; each queue operation is one function.
CREATE FUNCTION job_add(p_queue text, p_id text, p_name text, p_data jsonb, p_max_attempts integer, p_backoff_ms integer,
                        p_delay_ms bigint) RETURNS boolean
  LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public
  AS $$
    WITH added AS (
      INSERT INTO job (queue, id, name, data, max_attempts, backoff_ms, run_at)
      VALUES (p_queue, p_id, p_name, p_data, p_max_attempts, p_backoff_ms, now() + p_delay_ms * interval '1 millisecond')
      ON CONFLICT (queue, id) DO NOTHING RETURNING 1)
    SELECT EXISTS (SELECT 1 FROM added)
  $$;
-- Removes the waiting, never-attempted occurrences of one schedule (ids starting with p_prefix).
CREATE FUNCTION job_unschedule(p_queue text, p_prefix text) RETURNS integer
  LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public
  AS $$
    WITH gone AS (DELETE FROM job j WHERE j.queue = p_queue AND j.state = 'waiting' AND j.attempts = 0
                  AND starts_with(j.id, p_prefix) RETURNING 1)
    SELECT count(*)::integer FROM gone
  $$;
-- "delayed" is a waiting job whose time has not come.
CREATE FUNCTION job_list(p_queue text, p_state text, p_limit integer)
  RETURNS TABLE (queue text, id text, name text, state text, data jsonb, attempts integer, max_attempts integer,
                 last_error text, created_at timestamptz, finished_at timestamptz)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
  AS $$
    SELECT j.queue, j.id, j.name, s.state, j.data, j.attempts, j.max_attempts, j.last_error, j.created_at, j.finished_at
    FROM job j CROSS JOIN LATERAL (SELECT CASE WHEN j.state = 'waiting' AND j.run_at > now() THEN 'delayed' ELSE j.state END AS state) s
    WHERE (p_queue IS NULL OR j.queue = p_queue) AND (p_state IS NULL OR s.state = p_state)
    ORDER BY j.created_at DESC, j.id DESC LIMIT least(greatest(p_limit, 1), 1000)
  $$;
CREATE FUNCTION job_counts() RETURNS TABLE (queue text, state text, n integer)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
  AS $$
    SELECT j.queue, CASE WHEN j.state = 'waiting' AND j.run_at > now() THEN 'delayed' ELSE j.state END, count(*)::integer
    FROM job j GROUP BY 1, 2
  $$;
CREATE FUNCTION job_retry(p_queue text, p_id text) RETURNS boolean
  LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public
  AS $$
    WITH again AS (
      UPDATE job j SET state = 'waiting', attempts = 0, run_at = now(), lease_until = NULL, finished_at = NULL
      WHERE j.queue = p_queue AND j.id = p_id AND j.state = 'failed' RETURNING 1)
    SELECT EXISTS (SELECT 1 FROM again)
  $$;
-- Claims up to p_limit due jobs of one queue with a lease. A job whose worker died on its last
-- attempt is dead-lettered first rather than run again.
CREATE FUNCTION job_claim(p_queue text, p_limit integer, p_lease_ms integer)
  RETURNS TABLE (id text, name text, data jsonb, attempts integer, max_attempts integer, backoff_ms integer)
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public
  AS $$
BEGIN
  UPDATE job j SET state = 'failed', lease_until = NULL, finished_at = now(),
    last_error = 'The worker running this job stopped before it finished, on its last attempt.'
  WHERE j.queue = p_queue AND j.state = 'active' AND j.lease_until < now() AND j.attempts >= j.max_attempts;
  RETURN QUERY
    UPDATE job j SET state = 'active', attempts = j.attempts + 1, lease_until = now() + p_lease_ms * interval '1 millisecond'
    WHERE (j.queue, j.id) IN (
      SELECT c.queue, c.id FROM job c
      WHERE c.queue = p_queue AND ((c.state = 'waiting' AND c.run_at <= now()) OR (c.state = 'active' AND c.lease_until < now()))
      ORDER BY c.run_at, c.created_at LIMIT p_limit FOR UPDATE SKIP LOCKED)
    RETURNING j.id, j.name, j.data, j.attempts, j.max_attempts, j.backoff_ms;
END
$$;
-- The attempt number is the lease's token: a worker whose lease was taken over changes nothing.
CREATE FUNCTION job_heartbeat(p_queue text, p_id text, p_attempt integer, p_lease_ms integer) RETURNS void
  LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public
  AS $$
    UPDATE job j SET lease_until = now() + p_lease_ms * interval '1 millisecond'
    WHERE j.queue = p_queue AND j.id = p_id AND j.attempts = p_attempt AND j.state = 'active'
  $$;
-- An attempt's outcome: 'completed', 'waiting' (retried after p_wait_ms) or 'failed'.
CREATE FUNCTION job_finish(p_queue text, p_id text, p_attempt integer, p_state text, p_error text, p_wait_ms integer) RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public
  AS $$
BEGIN
  IF p_state NOT IN ('completed', 'waiting', 'failed') THEN
    RAISE EXCEPTION 'job_finish: % is not an outcome', p_state;
  END IF;
  UPDATE job j SET state = p_state, lease_until = NULL, last_error = p_error,
    run_at = CASE WHEN p_state = 'waiting' THEN now() + coalesce(p_wait_ms, 0) * interval '1 millisecond' ELSE j.run_at END,
    finished_at = CASE WHEN p_state = 'waiting' THEN j.finished_at ELSE now() END
  WHERE j.queue = p_queue AND j.id = p_id AND j.attempts = p_attempt AND j.state = 'active';
END
$$;
CREATE FUNCTION job_prune() RETURNS integer
  LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public
  AS $$
    WITH gone AS (DELETE FROM job j WHERE j.state = 'completed' AND j.finished_at < now() - interval '7 days' RETURNING 1)
    SELECT count(*)::integer FROM gone
  $$;

-- The redirect URIs of active clients, whose origins CORS allows (http/cors.ts).
CREATE FUNCTION cors_redirect_uris() RETURNS SETOF text
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
  AS $$ SELECT DISTINCT unnest(c.redirect_uris) FROM oauth_client c WHERE c.active $$;

-- Backlog gauges for /metrics: counts and ages only, no tenant or patient data.
CREATE FUNCTION metrics_backlog()
  RETURNS TABLE (audit_pending integer, audit_age float8, outbox_pending integer, outbox_age float8, deliveries_pending integer,
                 sessions integer)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
  AS $$ SELECT
    (SELECT count(*) FROM audit_pending)::integer,
    (SELECT extract(epoch FROM now() - min(l.recorded)) FROM audit_pending p JOIN audit_log l USING (tenant_id, id))::float8,
    (SELECT count(*) FROM resource_event)::integer,
    (SELECT extract(epoch FROM now() - min(recorded_at)) FROM resource_event)::float8,
    (SELECT count(*) FROM subscription_delivery WHERE status = 'pending')::integer,
    (SELECT count(DISTINCT family) FROM refresh_token WHERE used_at IS NULL AND revoked_at IS NULL AND expires_at > now())::integer
  $$;

-- Expired bulk exports of every tenant, removed and returned so their files can go (bulk/worker.ts).
CREATE FUNCTION bulk_export_take_expired() RETURNS TABLE (tenant_id uuid, id text)
  LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public
  AS $$
    DELETE FROM bulk_export b WHERE b.expires_at <= clock_timestamp() AND b.status NOT IN ('accepted', 'running')
    RETURNING b.tenant_id, b.id::text
  $$;

-- Unauthenticated callbacks find their one tenant by an exact key, before any tenant is known:
-- the WhatsApp webhook by the business number, the ABDM gateway by the HIP/HIU id, a data push
-- by its URL secret (hashed).
CREATE FUNCTION whatsapp_number_tenant(p_phone_number_id text) RETURNS uuid
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
  AS $$ SELECT w.tenant_id FROM whatsapp_number w WHERE w.phone_number_id = p_phone_number_id $$;
CREATE FUNCTION abdm_service_tenant(p_service_id text, p_type text) RETURNS uuid
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
  AS $$ SELECT s.tenant_id FROM abdm_service s WHERE s.service_id = p_service_id AND s.service_type = p_type $$;
CREATE FUNCTION abdm_transfer_for_push_key(p_key_hash text) RETURNS TABLE (tenant_id uuid, hi_request_id text, hiu_id text)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
  AS $$
    SELECT t.tenant_id, t.hi_request_id::text, t.hiu_id FROM abdm_hiu_transfer t WHERE t.push_key_hash = p_key_hash AND t.status <> 'DONE'
  $$;
-- The ABDM erase sweep: granted artefacts of every tenant whose dataEraseAt has passed (ids only).
CREATE FUNCTION abdm_artefacts_due_erasure(p_now timestamptz) RETURNS TABLE (tenant_id uuid, consent_id text)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
  AS $$
    SELECT a.tenant_id, a.consent_id::text FROM abdm_hiu_artefact a
    WHERE a.status = 'GRANTED' AND (a.detail->'permission'->>'dataEraseAt')::timestamptz <= p_now
  $$;

DO $$
DECLARE
  f text;
BEGIN
  FOREACH f IN ARRAY ARRAY[
    'audit_pending_tenants()', 'audit_chain_heads()', 'event_claim(integer)', 'event_done(bigint[])',
    'delivery_claim(text, integer, integer)', 'delivery_finish(bigint[], text, text)', 'delivery_retry_later(bigint, integer, text)',
    'bot_installations_enabled()', 'job_add(text, text, text, jsonb, integer, integer, bigint)', 'job_unschedule(text, text)',
    'job_list(text, text, integer)', 'job_counts()', 'job_retry(text, text)', 'job_claim(text, integer, integer)',
    'job_heartbeat(text, text, integer, integer)', 'job_finish(text, text, integer, text, text, integer)', 'job_prune()',
    'cors_redirect_uris()', 'metrics_backlog()', 'bulk_export_take_expired()', 'whatsapp_number_tenant(text)',
    'abdm_service_tenant(text, text)', 'abdm_transfer_for_push_key(text)', 'abdm_artefacts_due_erasure(timestamptz)'
  ] LOOP
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO hospital_ops_app', f);
  END LOOP;
END
$$;
