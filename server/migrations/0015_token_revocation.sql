-- Revoking a user or a client revokes every access token issued to it before that moment
-- (deactivation, role or branch change, client revocation). Platform-wide like revoked_token:
-- every process polls it; it holds ids only. A row matters for one access-token lifetime.
CREATE TABLE revoked_subject (
  tenant_id uuid NOT NULL,
  subject text NOT NULL,
  revoked_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, subject)
);
CREATE INDEX revoked_subject_revoked ON revoked_subject (revoked_at);
GRANT SELECT, INSERT, UPDATE ON revoked_subject TO hospital_ops_app;

-- What an authorization code's first use issued, so that a replay can revoke it (RFC 6749 4.1.2).
ALTER TABLE auth_code ADD COLUMN issued_jti uuid, ADD COLUMN issued_family uuid;
