-- The verifier (runtime role, in the tenant's context) tells an event waiting to be sealed from
-- one written behind the server's back (in audit_log but never queued): it reads the queue's ids.
GRANT SELECT ON audit_pending TO hospital_ops_app;
