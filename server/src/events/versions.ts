import type { Resource } from '@medplum/fhirtypes';
import type { Sql } from '../db/database.ts';
import { quoteTable } from '../search/sql.ts';

/** Versions by "type/id/version". */
export type Versions = Map<string, Resource>;
export const versionKey = (type: string, id: string, version: number) => `${type}/${id}/${version}`;

/**
 * Reads the given versions in one query per resource type (never one per event): a batch of 500
 * events costs a handful of round trips.
 */
export async function readVersions(sql: Sql, wanted: { type: string; id: string; version: number }[]): Promise<Versions> {
  const found: Versions = new Map();
  for (const [type, list] of Map.groupBy(
    wanted.filter((w) => w.version >= 1),
    (w) => w.type,
  )) {
    // By id list (the primary key's index), then the exact pairs here: a join on a record set
    // alone is estimated at 100 rows and can make the planner hash the tenant's whole history.
    const keys = new Set(list.map((w) => versionKey(type, w.id, w.version)));
    const r = await sql.query<{ id: string; version_id: number; content: Resource | null }>(
      `SELECT id, version_id, content FROM ${quoteTable(`${type}_History`)} WHERE id = ANY($1::text[]) AND version_id = ANY($2::int[])`,
      [[...new Set(list.map((w) => w.id))], [...new Set(list.map((w) => w.version))]],
    );
    for (const row of r.rows) {
      const key = versionKey(type, row.id, row.version_id);
      if (row.content && keys.has(key)) found.set(key, row.content);
    }
  }
  return found;
}
