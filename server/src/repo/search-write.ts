import type { Resource } from '@medplum/fhirtypes';
import type { Sql } from '../db/database.ts';
import { extractSearchRows, type SearchRows } from './search-values.ts';

/**
 * Writes a resource's search lookup rows in one statement (one CTE per sp_* table that has rows),
 * so indexing costs one round trip per write whatever the number of parameters.
 */
export async function writeSearchRows(sql: Sql, resource: Resource & { id: string }): Promise<void> {
  const rows = extractSearchRows(resource);
  const params: unknown[] = [resource.resourceType, resource.id];
  const add = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const ctes: string[] = [];
  const insert = <K extends keyof SearchRows>(
    table: string,
    key: K,
    columns: [string, string, (r: SearchRows[K][number]) => unknown][],
  ) => {
    const list = rows[key];
    if (list.length === 0) return;
    const cols = columns.map(([c]) => c).join(', ');
    const unnest = columns.map(([, t, get]) => `${add(list.map(get as (r: unknown) => unknown))}::${t}[]`).join(', ');
    ctes.push(
      `i_${key} AS (INSERT INTO ${table} (tenant_id, resource_type, resource_id, ${cols}) SELECT app_current_tenant(), $1, $2, * FROM unnest(${unnest}))`,
    );
  };
  insert('sp_token', 'token', [
    ['code', 'text', (r) => r.code],
    ['system', 'text', (r) => r.system],
    ['value', 'text', (r) => r.value],
    ['display', 'text', (r) => r.display],
  ]);
  insert('sp_string', 'string', [
    ['code', 'text', (r) => r.code],
    ['norm', 'text', (r) => r.norm],
    ['value', 'text', (r) => r.value],
  ]);
  insert('sp_date', 'date', [
    ['code', 'text', (r) => r.code],
    ['low', 'timestamptz', (r) => r.low],
    ['high', 'timestamptz', (r) => r.high],
  ]);
  insert('sp_reference', 'reference', [
    ['code', 'text', (r) => r.code],
    ['target', 'text', (r) => r.target],
    ['target_type', 'text', (r) => r.targetType],
  ]);
  insert('sp_number', 'number', [
    ['code', 'text', (r) => r.code],
    ['value', 'numeric', (r) => r.value],
    ['system', 'text', (r) => r.system],
    ['unit', 'text', (r) => r.unit],
  ]);
  insert('sp_uri', 'uri', [
    ['code', 'text', (r) => r.code],
    ['value', 'text', (r) => r.value],
  ]);
  if (ctes.length === 0) return;
  await sql.query(`WITH ${ctes.join(', ')} SELECT 1`, params);
}

const TABLES = ['sp_token', 'sp_string', 'sp_date', 'sp_reference', 'sp_number', 'sp_uri'];

export async function deleteSearchRows(sql: Sql, resourceType: string, id: string): Promise<void> {
  const ctes = TABLES.map((t) => `d_${t} AS (DELETE FROM ${t} WHERE resource_id = $2 AND resource_type = $1)`);
  await sql.query(`WITH ${ctes.join(', ')} SELECT 1`, [resourceType, id]);
}
