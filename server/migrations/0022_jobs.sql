-- The embedded job queue (jobs/database-queue.ts): used when REDIS_URL is not set. The table is
-- the platform's, not a tenant's: only the schema owner (the queue, as dispatcher.ts does for the
-- outbox) reads or writes it, and RLS with no policy for the runtime role keeps request handling out.
CREATE TABLE job (
  queue text NOT NULL,
  -- The idempotency key: adding an id the queue already holds, in any state, adds nothing.
  id text NOT NULL,
  name text NOT NULL,
  data jsonb NOT NULL DEFAULT 'null',
  -- 'waiting' with run_at in the future is reported as delayed (a delay or a retry's backoff).
  state text NOT NULL DEFAULT 'waiting' CHECK (state IN ('waiting', 'active', 'completed', 'failed')),
  -- Attempts started; also the lease's token, so a worker whose lease was taken over cannot finish the job.
  attempts integer NOT NULL DEFAULT 0,
  max_attempts integer NOT NULL CHECK (max_attempts >= 1),
  backoff_ms integer NOT NULL CHECK (backoff_ms >= 0),
  run_at timestamptz NOT NULL DEFAULT now(),
  -- While active: a worker that dies lets the job go when this passes.
  lease_until timestamptz,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  PRIMARY KEY (queue, id)
);
CREATE INDEX job_due ON job (queue, run_at) WHERE state = 'waiting';
CREATE INDEX job_lease ON job (queue, lease_until) WHERE state = 'active';
CREATE INDEX job_recent ON job (created_at DESC);

ALTER TABLE job ENABLE ROW LEVEL SECURITY;
ALTER TABLE job FORCE ROW LEVEL SECURITY;
CREATE POLICY job_owner ON job TO CURRENT_USER USING (true) WITH CHECK (true);
