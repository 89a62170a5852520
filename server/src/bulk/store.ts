import type { Database } from '../db/database.ts';
import type { StoredPrincipal } from './identity.ts';
import type { ExportParams } from './params.ts';
import type { ExportStatus } from './types.ts';

/** An export, or (migration 0047) an import: they share the table, the lifecycle and the per-client limit. */
export type BulkKind = 'export' | 'import';

/** One export (or import, with its own params) as the bulk_export table holds it (migration 0028). */
export interface ExportRow<P = ExportParams> {
  tenant_id: string;
  id: string;
  client_id: string;
  principal: StoredPrincipal;
  request: string;
  params: P;
  status: ExportStatus;
  progress: string | null;
  transaction_time: string;
  manifest: Record<string, unknown> | null;
  error: string | null;
  heartbeat_at: string | null;
  created_at: string;
  expires_at: string;
}

const COLUMNS = `tenant_id, id, client_id, principal, request, params, status, progress,
  to_char(transaction_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS transaction_time,
  manifest, error, heartbeat_at::text, created_at::text, expires_at::text`;

const tenantOf = (tenantId: string) => ({ tenantId });

/**
 * Adds an export unless the client already runs `limit` of them; the count and the insert run
 * under one advisory lock per client, so two kick-offs at once cannot both take the last place.
 */
export async function insertExport(
  db: Database,
  row: Pick<ExportRow<unknown>, 'tenant_id' | 'id' | 'client_id' | 'principal' | 'request' | 'params'>,
  ttlHours: number,
  limit: number,
  kind: BulkKind = 'export',
): Promise<{ inserted: true; transactionTime: string } | { inserted: false }> {
  return db.transaction(tenantOf(row.tenant_id), async (sql) => {
    await sql.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`bulk-${kind}:${row.tenant_id}:${row.client_id}`]);
    const active = await sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM bulk_export WHERE tenant_id = $1 AND client_id = $2 AND kind = $3 AND status IN ('accepted', 'running')`,
      [row.tenant_id, row.client_id, kind],
    );
    if (active.rows[0].n >= limit) return { inserted: false as const };
    const r = await sql.query<{ t: string }>(
      `INSERT INTO bulk_export (tenant_id, id, client_id, principal, request, params, transaction_time, expires_at, kind)
       VALUES ($1, $2, $3, $4, $5, $6, clock_timestamp(), clock_timestamp() + $7::float8 * interval '1 hour', $8)
       RETURNING to_char(transaction_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS t`,
      [row.tenant_id, row.id, row.client_id, JSON.stringify(row.principal), row.request, JSON.stringify(row.params), ttlHours, kind],
    );
    return { inserted: true as const, transactionTime: r.rows[0].t };
  });
}

/** The export (or import), seen through the tenant's row-level security (another tenant's id finds nothing). */
export async function readExport<P = ExportParams>(
  db: Database,
  tenantId: string,
  id: string,
  kind: BulkKind = 'export',
): Promise<ExportRow<P> | undefined> {
  return db.transaction(tenantOf(tenantId), async (sql) => {
    const r = await sql.query<ExportRow<P>>(`SELECT ${COLUMNS} FROM bulk_export WHERE tenant_id = $1 AND id = $2 AND kind = $3`, [
      tenantId,
      id,
      kind,
    ]);
    return r.rows[0];
  });
}

/** Marks the export as running; false when it is gone (cancelled) or already finished. */
export async function startRunning(db: Database, tenantId: string, id: string): Promise<boolean> {
  return db.transaction(tenantOf(tenantId), async (sql) => {
    const r = await sql.query(
      `UPDATE bulk_export SET status = 'running', heartbeat_at = clock_timestamp(), progress = 'starting'
       WHERE tenant_id = $1 AND id = $2 AND status IN ('accepted', 'running')`,
      [tenantId, id],
    );
    return r.rowCount > 0;
  });
}

/** Records progress; false when the export was cancelled meanwhile (its row is gone), so the job stops. */
export async function heartbeat(db: Database, tenantId: string, id: string, progress: string): Promise<boolean> {
  return db.transaction(tenantOf(tenantId), async (sql) => {
    const r = await sql.query(
      `UPDATE bulk_export SET heartbeat_at = clock_timestamp(), progress = $3 WHERE tenant_id = $1 AND id = $2 AND status = 'running'`,
      [tenantId, id, progress],
    );
    return r.rowCount > 0;
  });
}

/** The manifest, written once, after every file is in place; files expire `ttlHours` from now. */
export async function complete(db: Database, tenantId: string, id: string, manifest: object, ttlHours: number): Promise<boolean> {
  return db.transaction(tenantOf(tenantId), async (sql) => {
    const r = await sql.query(
      `UPDATE bulk_export SET status = 'completed', manifest = $3, progress = 'done', heartbeat_at = clock_timestamp(),
         expires_at = clock_timestamp() + $4::float8 * interval '1 hour'
       WHERE tenant_id = $1 AND id = $2 AND status = 'running'`,
      [tenantId, id, JSON.stringify(manifest), ttlHours],
    );
    return r.rowCount > 0;
  });
}

export async function fail(db: Database, tenantId: string, id: string, error: string): Promise<void> {
  await db.transaction(tenantOf(tenantId), async (sql) => {
    await sql.query(
      `UPDATE bulk_export SET status = 'failed', error = $3, manifest = NULL WHERE tenant_id = $1 AND id = $2 AND status IN ('accepted', 'running')`,
      [tenantId, id, error],
    );
  });
}

/** Removes the export's row (a DELETE on the status URL); false when this tenant has no such export. */
export async function removeExport(db: Database, tenantId: string, id: string): Promise<boolean> {
  return db.transaction(tenantOf(tenantId), async (sql) => {
    const r = await sql.query('DELETE FROM bulk_export WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
    return r.rowCount > 0;
  });
}

/** Every tenant's expired exports, removed from the table and returned (their files go next). */
export async function takeExpired(db: Database): Promise<{ tenant_id: string; id: string }[]> {
  // Across tenants, through a function that does only this (migration 0046).
  const r = await db.transaction(undefined, (sql) =>
    sql.query<{ tenant_id: string; id: string }>('SELECT tenant_id, id FROM bulk_export_take_expired()'),
  );
  return r.rows;
}
