-- Bulk $import jobs share the bulk_export table (server/src/bulk/import, docs/bulk-data.md): the
-- same client identity, status, progress, manifest, expiry and per-client limit; `kind` tells
-- them apart, and each status URL finds only its own kind.
ALTER TABLE bulk_export ADD COLUMN kind text NOT NULL DEFAULT 'export' CHECK (kind IN ('export', 'import'));
DROP INDEX bulk_export_client;
CREATE INDEX bulk_export_client ON bulk_export (tenant_id, client_id, kind) WHERE status IN ('accepted', 'running');
