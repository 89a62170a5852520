-- Every request reads the tenant's active Consents that deny something (server/src/auth/consent.ts).
-- Without this index that read scans all of the tenant's Consents; with it, only those few.
-- The predicate must stay the query's WHERE clause word for word, or the planner cannot use it.
CREATE INDEX "Consent_active_deny" ON "Consent" (tenant_id)
  WHERE deleted = false AND content->>'status' = 'active' AND content::text LIKE '%"deny"%';
