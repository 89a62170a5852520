-- REQUEST-IDs of calls received from the ABDM gateway, so that a replayed call is refused.
-- Platform-wide, like assertion_jti's purpose but without a tenant: the id is the gateway's and
-- is checked before the call is matched to a facility. A row is kept only while the call's
-- TIMESTAMP is inside the allowed clock skew; after that the TIMESTAMP check refuses a replay.
CREATE TABLE abdm_inbound_request (
  request_id uuid PRIMARY KEY,
  received_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX abdm_inbound_request_expires ON abdm_inbound_request (expires_at);
GRANT SELECT, INSERT, DELETE ON abdm_inbound_request TO hospital_ops_app;
