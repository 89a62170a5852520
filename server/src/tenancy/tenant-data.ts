import { once } from 'node:events';
import { createWriteStream, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { isUUID } from '@medplum/core';
import type { Database, Sql } from '../db/database.ts';

/**
 * Everything a tenant holds, found from the schema itself: every table of ours with a `tenant_id`
 * column (FHIR resources and their history, search rows, logins, clients, audit, events, and the
 * tables later migrations add) plus the tenant's own row. Export and delete both work from this
 * list, so a new table is covered without touching this file.
 */

export class TenantDataError extends Error {}

interface TenantTable {
  /** Quoted where it needs to be, ready for SQL. */
  name: string;
  /** FHIR resource table (not history): its content is exported as NDJSON. */
  resourceType?: string;
}

async function tenantTables(sql: Sql): Promise<TenantTable[]> {
  const { rows } = await sql.query<{ name: string; has_content: boolean }>(
    `SELECT c.oid::regclass::text AS name,
            EXISTS (SELECT 1 FROM pg_attribute x WHERE x.attrelid = c.oid AND x.attname = 'content' AND NOT x.attisdropped) AS has_content
       FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
      WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
        AND a.attname = 'tenant_id' AND NOT a.attisdropped
      ORDER BY 1`,
  );
  return rows.map((r) => {
    const bare = r.name.replaceAll('"', '');
    const resource = r.has_content && /^[A-Z][A-Za-z]+$/.test(bare) && !bare.endsWith('_History');
    return { name: r.name, resourceType: resource ? bare : undefined };
  });
}

/** Orders tables so each comes before the tables it references (foreign keys), for deleting. */
async function referencingFirst(sql: Sql, tables: TenantTable[]): Promise<TenantTable[]> {
  const { rows } = await sql.query<{ child: string; parent: string }>(
    `SELECT conrelid::regclass::text AS child, confrelid::regclass::text AS parent
       FROM pg_constraint WHERE contype = 'f' AND connamespace = current_schema()::regnamespace`,
  );
  const ordered: TenantTable[] = [];
  const placed = new Set<string>();
  const visit = (t: TenantTable, path: Set<string>) => {
    if (placed.has(t.name) || path.has(t.name)) return;
    path.add(t.name);
    // Tables that reference this one go first.
    for (const edge of rows)
      if (edge.parent === t.name && edge.child !== t.name) {
        const child = tables.find((x) => x.name === edge.child);
        if (child) visit(child, path);
      }
    placed.add(t.name);
    ordered.push(t);
  };
  for (const t of tables) visit(t, new Set());
  return ordered;
}

async function tenantName(sql: Sql, tenantId: string): Promise<string> {
  const { rows } = await sql.query<{ name: string }>('SELECT name FROM tenant WHERE id = $1', [tenantId]);
  if (!rows[0]) throw new TenantDataError(`There is no tenant ${tenantId}.`);
  return rows[0].name;
}

/** Sets the tenant context, so tables whose row-level security binds even their owner let these rows through. */
async function actAs(sql: Sql, tenantId: string): Promise<void> {
  await sql.query("SELECT set_config('app.current_tenant_id', $1, true)", [tenantId]);
}

async function countRows(sql: Sql, tenantId: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const t of await tenantTables(sql)) {
    const { rows } = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t.name} WHERE tenant_id = $1`, [tenantId]);
    if (rows[0].n > 0) counts[t.name] = rows[0].n;
  }
  return counts;
}

/** How many rows the tenant has in each table that holds any (for checks and for a look before a delete). */
export async function tenantRowCounts(db: Database, tenantId: string): Promise<Record<string, number>> {
  return db.asOwner(async (sql) => {
    await sql.exec('BEGIN');
    try {
      await actAs(sql, tenantId);
      return await countRows(sql, tenantId);
    } finally {
      await sql.exec('ROLLBACK');
    }
  });
}

export interface DeleteResult {
  tenant: string;
  name: string;
  /** Rows removed, by table (tables with none left out). */
  deleted: Record<string, number>;
}

/**
 * Removes every row of one tenant and nothing else, in one transaction: all of it or none. The
 * caller must repeat the tenant's name (`confirmName`), as one does before an irreversible act.
 * Checked before committing: a table still holding the tenant's rows (say, row-level security
 * hiding them from a non-superuser owner) rolls the whole delete back.
 */
export async function deleteTenant(db: Database, tenantId: string, confirmName: string): Promise<DeleteResult> {
  return db.asOwner(async (sql) => {
    await sql.exec('BEGIN');
    try {
      await actAs(sql, tenantId);
      const name = await tenantName(sql, tenantId);
      if (confirmName !== name) throw new TenantDataError(`To delete tenant ${tenantId}, confirm with its exact name ("${name}").`);
      const deleted: Record<string, number> = {};
      for (const t of await referencingFirst(sql, await tenantTables(sql))) {
        const r = await sql.query(`DELETE FROM ${t.name} WHERE tenant_id = $1`, [tenantId]);
        if (r.rowCount) deleted[t.name] = r.rowCount;
      }
      const left = Object.keys(await countRows(sql, tenantId));
      if (left.length)
        throw new TenantDataError(
          `Rows of the tenant remain in ${left.join(', ')}; nothing was deleted. Run this as the schema owner with BYPASSRLS.`,
        );
      await sql.query('DELETE FROM tenant WHERE id = $1', [tenantId]);
      await sql.exec('COMMIT');
      return { tenant: tenantId, name, deleted };
    } catch (err) {
      await sql.exec('ROLLBACK');
      throw err;
    }
  });
}

export interface ExportResult {
  tenant: string;
  name: string;
  folder: string;
  /** NDJSON files written and the resources in each. */
  files: { file: string; type: string; count: number }[];
}

const BATCH = 500;

/** Streams one query's rows into an NDJSON file through a cursor, so memory stays flat whatever the size. */
async function writeNdjson(sql: Sql, query: string, path: string): Promise<number> {
  const out = createWriteStream(`${path}.partial`);
  let count = 0;
  // No bind parameters in DECLARE (the embedded database does not take them there): the query inlines a checked uuid.
  await sql.query(`DECLARE tenant_export NO SCROLL CURSOR FOR ${query}`);
  try {
    for (;;) {
      const { rows } = await sql.query<{ line: string }>(`FETCH ${BATCH} FROM tenant_export`);
      if (!rows.length) break;
      const chunk = `${rows.map((r) => r.line).join('\n')}\n`;
      if (!out.write(chunk)) await once(out, 'drain');
      count += rows.length;
    }
    // On a failure the transaction's rollback closes the cursor.
    await sql.query('CLOSE tenant_export');
  } finally {
    out.end();
    await once(out, 'finish');
  }
  renameSync(`${path}.partial`, path);
  return count;
}

/**
 * Writes everything a tenant holds, for moving to another system: each resource type's current
 * resources as `<Type>.ndjson` (the Bulk Data format), the audit trail as `AuditEvent.ndjson`,
 * and `manifest.json` with the counts. One snapshot (a repeatable-read transaction), so the files
 * agree with each other. Secrets (password hashes, client secrets, keys) are never exported.
 */
export async function exportTenant(db: Database, tenantId: string, folder: string): Promise<ExportResult> {
  if (!isUUID(tenantId)) throw new TenantDataError(`${tenantId} is not a tenant id (a UUID).`);
  mkdirSync(folder, { recursive: true });
  return db.asOwner(async (sql) => {
    await sql.exec('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      await actAs(sql, tenantId);
      const name = await tenantName(sql, tenantId);
      const files: ExportResult['files'] = [];
      for (const t of await tenantTables(sql)) {
        if (!t.resourceType || t.resourceType === 'AuditEvent') continue;
        const any = await sql.query(`SELECT 1 FROM ${t.name} WHERE tenant_id = $1 AND NOT deleted LIMIT 1`, [tenantId]);
        if (!any.rows.length) continue;
        const file = `${t.resourceType}.ndjson`;
        const count = await writeNdjson(
          sql,
          `SELECT content::text AS line FROM ${t.name} WHERE tenant_id = ${sql.literal(tenantId)} AND NOT deleted ORDER BY id`,
          join(folder, file),
        );
        files.push({ file, type: t.resourceType, count });
      }
      const audit = await writeNdjson(
        sql,
        `SELECT event::text AS line FROM audit_log WHERE tenant_id = ${sql.literal(tenantId)} ORDER BY recorded, id`,
        join(folder, 'AuditEvent.ndjson'),
      );
      files.push({ file: 'AuditEvent.ndjson', type: 'AuditEvent', count: audit });
      await sql.exec('COMMIT');
      const result = { tenant: tenantId, name, folder, files };
      const manifest = createWriteStream(join(folder, 'manifest.json'));
      manifest.end(`${JSON.stringify({ ...result, exportedAt: new Date().toISOString() }, null, 2)}\n`);
      await once(manifest, 'finish');
      return result;
    } catch (err) {
      await sql.exec('ROLLBACK');
      throw err;
    }
  });
}
