import { badRequest, OperationOutcomeError, type WithId } from '@medplum/core';
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import type { Sql } from '../db/database.ts';
import { storedResourceTypes } from '../fhir/definitions.ts';
import { valueRange } from '../search/dates.ts';
import { quoteTable } from '../search/sql.ts';
import { fromStored } from './stored.ts';

export interface HistoryQuery {
  /** Absent for system-level history. */
  resourceType?: string;
  /** Present for instance-level history. */
  id?: string;
  since?: string;
  at?: string;
  count?: number;
  offset?: number;
}

interface HistoryRow {
  resource_type: string;
  id: string;
  version_id: number;
  last_updated: string | Date;
  deleted: boolean;
  content: Resource | null;
}

const DEFAULT_COUNT = 50;
const MAX_COUNT = 1000;

function instant(name: string, v: string): string {
  const r = valueRange(v);
  if (!r) throw new OperationOutcomeError(badRequest(`Invalid ${name}: ${v}`, name));
  return name === '_since' ? r.low : r.high;
}

function source(type: string): string {
  return `SELECT '${type}' AS resource_type, id, version_id, last_updated, deleted, content FROM ${quoteTable(`${type}_History`)}`;
}

/** What history needs of the repository: its tenant transaction and its base URL. */
export interface HistorySource {
  query<R>(fn: (sql: Sql) => Promise<R>): Promise<R>;
  readonly baseUrl: string;
}

/**
 * History at instance, type or system level, newest version first, per the FHIR history
 * interaction: `_since` keeps versions changed at or after an instant, `_at` keeps the versions
 * that were current at an instant, `_count`/`_offset` page.
 */
export async function readHistoryBundle<T extends Resource>(repo: HistorySource, q: HistoryQuery): Promise<Bundle<WithId<T>>> {
  const count = Math.min(Math.max(q.count ?? DEFAULT_COUNT, 0), MAX_COUNT);
  const offset = Math.max(q.offset ?? 0, 0);
  const params: unknown[] = [];
  const add = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const types = q.resourceType ? [q.resourceType] : storedResourceTypes();
  const from = types.map(source).join(' UNION ALL ');
  const conds: string[] = [];
  if (q.id) conds.push(`h.id = ${add(q.id)}`);
  if (q.since) conds.push(`h.last_updated >= ${add(instant('_since', q.since))}::timestamptz`);
  let sqlFrom = `(${from}) h`;
  if (q.at) {
    // The version current at _at: written at or before it, and not yet replaced by then.
    const at = add(instant('_at', q.at));
    sqlFrom = `(SELECT x.*, lead(x.last_updated) OVER (PARTITION BY x.resource_type, x.id ORDER BY x.version_id) AS replaced_at FROM (${from}) x) h`;
    conds.push(`h.last_updated <= ${at}::timestamptz AND (h.replaced_at IS NULL OR h.replaced_at > ${at}::timestamptz)`);
  }
  const where = conds.length ? `WHERE ${conds.join(' AND ')}` : '';
  const { rows, total } = await repo.query(async (sql) => {
    const r = await sql.query<HistoryRow>(
      `SELECT h.resource_type, h.id, h.version_id, h.last_updated, h.deleted, h.content FROM ${sqlFrom} ${where}
       ORDER BY h.last_updated DESC, h.version_id DESC LIMIT ${count} OFFSET ${offset}`,
      params,
    );
    const t = await sql.query<{ n: string | number }>(`SELECT count(*) AS n FROM ${sqlFrom} ${where}`, params);
    return { rows: r.rows, total: Number(t.rows[0].n) };
  });
  const base = `${repo.baseUrl}/fhir/R4`;
  const entry: BundleEntry<WithId<T>>[] = rows.map((row) => {
    const lastModified = new Date(row.last_updated).toISOString();
    const method = row.deleted ? 'DELETE' : row.version_id === 1 ? 'POST' : 'PUT';
    return {
      fullUrl: `${base}/${row.resource_type}/${row.id}`,
      ...(row.content ? { resource: fromStored(row.content as T) } : {}),
      request: { method, url: method === 'POST' ? row.resource_type : `${row.resource_type}/${row.id}` },
      response: {
        status: row.deleted ? '204' : row.version_id === 1 ? '201' : '200',
        etag: `W/"${row.version_id}"`,
        lastModified,
      },
    };
  });
  const path = [q.resourceType, q.id, '_history'].filter(Boolean).join('/');
  const link = (o: number) => {
    const p = new URLSearchParams();
    if (q.since) p.set('_since', q.since);
    if (q.at) p.set('_at', q.at);
    p.set('_count', String(count));
    if (o > 0) p.set('_offset', String(o));
    return `${base}/${path}?${p.toString()}`;
  };
  const links: NonNullable<Bundle['link']> = [{ relation: 'self', url: link(offset) }];
  if (offset > 0 && count > 0) links.push({ relation: 'previous', url: link(Math.max(0, offset - count)) });
  if (offset + rows.length < total && count > 0) links.push({ relation: 'next', url: link(offset + count) });
  return { resourceType: 'Bundle', type: 'history', total, link: links, entry };
}
