/** The plan PostgreSQL chose for a search, for the report's slowest type-ahead queries. */
import type { Database } from '../../../server/src/db/database.ts';
import { parseSearch } from '../../../server/src/search/parse.ts';
import { compileSearchQuery, SqlParams } from '../../../server/src/search/sql.ts';

export interface ExplainedSearch {
  /** The FHIR query, e.g. `Patient?name:fuzzy=ptail&_count=20`. */
  fhir: string;
  sql: string;
  params: unknown[];
  plan: string;
}

/**
 * Compiles the search the way the repository does (the desk's role puts no criteria on Patient
 * reads) and runs EXPLAIN ANALYZE on its page query in the tenant's context.
 */
export async function explainSearch(db: Database, tenantId: string, query: Record<string, string>): Promise<ExplainedSearch> {
  const { request } = parseSearch('Patient', query, false);
  const p = new SqlParams();
  const sql = compileSearchQuery(request, p).page((request.count ?? 20) + 1, 0);
  const plan = await db.transaction({ tenantId }, async (tx) =>
    (await tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) ${sql}`, p.values)).rows
      .map((r) => r['QUERY PLAN'])
      .join('\n'),
  );
  return { fhir: `Patient?${decodeURIComponent(new URLSearchParams(query).toString())}`, sql, params: p.values, plan };
}
