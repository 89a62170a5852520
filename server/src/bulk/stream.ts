import { type Filter, Operator, type SearchRequest } from '@medplum/core';
import type { Resource, ResourceType } from '@medplum/fhirtypes';
import { subset } from '../http/summary.ts';
import { MAX_PAGE_SIZE, type PostgresRepository } from '../repo/postgres-repository.ts';
import { fromStored } from '../repo/stored.ts';
import { compartmentParams } from '../search/compartments.ts';
import { parseSearch } from '../search/parse.ts';
import { COMPARTMENT, quoteTable } from '../search/sql.ts';
import { extractSearchRows } from '../search/values.ts';

// Rows a page: unparsed text is small, and fewer pages mean fewer transactions.
const EXPORT_PAGE = 5000;

/** What one type's export reads: the criteria the kick-off gave, fixed for the whole run. */
export interface TypeCriteria {
  type: string;
  /** `_typeFilter` queries for this type (alternatives); empty: every resource of the type. */
  queries: string[];
  since?: string;
  /** Resources changed after this are left for the next export (the manifest's transactionTime, or `_until`). */
  upTo: string;
  /** `Patient/*` (every patient), `Patient/a,b` (these patients), or undefined (a system export). */
  compartment?: string;
  elements?: string[];
}

/** The search request one `_typeFilter` query (or none) becomes, with the export's own bounds added. */
function requestFor(c: TypeCriteria, query: string | undefined): SearchRequest {
  const request: SearchRequest = query
    ? parseSearch(c.type, Object.fromEntries(groupParams(query)), false).request
    : { resourceType: c.type as ResourceType, filters: [] };
  const filters: Filter[] = [...(request.filters ?? [])];
  if (c.since) filters.push({ code: '_lastUpdated', operator: Operator.GREATER_THAN_OR_EQUALS, value: c.since });
  filters.push({ code: '_lastUpdated', operator: Operator.LESS_THAN_OR_EQUALS, value: c.upTo });
  if (c.compartment) filters.push({ code: COMPARTMENT, operator: Operator.EQUALS, value: c.compartment });
  // Oldest change first by keyset: each page starts where the last ended, in constant time and memory.
  return { ...request, filters, sortRules: [{ code: '_lastUpdated' }], count: MAX_PAGE_SIZE, offset: 0 };
}

function groupParams(query: string): [string, string | string[]][] {
  const params = new URLSearchParams(query);
  return [...new Set(params.keys())].map((k) => {
    const all = params.getAll(k);
    return [k, all.length > 1 ? all : all[0]];
  });
}

/** The `_elements` that apply to `type`: bare names, and `Type.name` for this type. */
export function elementsFor(type: string, elements: string[] | undefined): string[] | undefined {
  if (!elements?.length) return undefined;
  const own = elements.flatMap((e) => {
    const dot = e.indexOf('.');
    if (dot < 0) return [e];
    return e.slice(0, dot) === type ? [e.slice(dot + 1)] : [];
  });
  return own.length ? own : undefined;
}

/**
 * Every resource of the type that the client may read and the criteria select, a page of NDJSON
 * lines at a time, through the repository's search (its access checks, gates, SQL and tenant
 * transaction: the ones every FHIR search uses). Resources go out as the stored JSON text, not
 * parsed and written again, unless `_elements` must cut them. With several `_typeFilter`
 * queries, a resource an earlier query already gave is skipped, so none comes twice. `onPage`
 * runs after each page (progress, cancellation): returning false stops the stream.
 */
export async function* streamType(repo: PostgresRepository, c: TypeCriteria, onPage: () => Promise<boolean>): AsyncGenerator<NdjsonPage> {
  const queries = c.queries.length ? c.queries : [undefined];
  const elements = elementsFor(c.type, c.elements);
  for (let k = 0; k < queries.length; k++) {
    const request = requestFor(c, queries[k]);
    // Ids are needed only to skip what an earlier _typeFilter query gave.
    const fetchPage = (cursor?: string) => repo.searchText({ ...request, cursor }, EXPORT_PAGE, k > 0);
    // One page ahead: the database reads page n+1 while page n is written (two pages in memory at most).
    let pending: ReturnType<typeof fetchPage> | undefined = fetchPage();
    while (pending) {
      const page: Awaited<ReturnType<typeof fetchPage>> = await pending;
      pending = page.next ? fetchPage(page.next) : undefined;
      // A failed read-ahead surfaces when awaited; until then it must not count as unhandled.
      pending?.catch(() => undefined);
      let lines: string[] | undefined;
      if (k > 0 && page.size) {
        const skip = await matchedEarlier(repo, c, queries.slice(0, k) as string[], page.ids ?? []);
        lines = page.text.split('\n').filter((_, i) => !skip.has((page.ids ?? [])[i]));
      }
      if (elements) {
        lines = (lines ?? (page.size ? page.text.split('\n') : [])).map((line) =>
          JSON.stringify(subset(fromStored(JSON.parse(line) as Resource), undefined, elements)),
        );
      }
      if (lines) {
        if (lines.length) yield { text: lines.join('\n'), size: lines.length };
      } else if (page.size) yield { text: page.text, size: page.size };
      if (!(await onPage())) {
        await pending?.catch(() => undefined);
        return;
      }
    }
  }
}

/** NDJSON lines (without the last newline) and how many. */
export interface NdjsonPage {
  text: string;
  size: number;
}

/** Of the page's ids, those an earlier query selects (their resources were written already). */
async function matchedEarlier(repo: PostgresRepository, c: TypeCriteria, earlier: string[], ids: string[]): Promise<Set<string>> {
  const seen = new Set<string>();
  for (const q of earlier) {
    const request = requestFor(c, q);
    request.filters = [...(request.filters ?? []), { code: '_id', operator: Operator.EQUALS, value: ids.join(',') }];
    const found = await repo.searchText(request, ids.length, true);
    for (const id of found.ids ?? []) seen.add(id);
  }
  return seen;
}

/**
 * Resources of the type deleted in the window, as `Type/id`, page by page, read in the client's
 * tenant transaction (row-level security on the table and its history). Only called for types
 * the client may read without conditions: a deleted resource's content is gone, so a condition
 * could not be checked on it. With `compartment` (a Patient or Group export) a deletion is kept
 * only when the resource's last live version (in its history) was in one of those patients'
 * compartments, by the same compartment parameters a live resource is selected by.
 */
export async function* deletedSince(
  repo: PostgresRepository,
  type: string,
  since: string,
  upTo: string,
  compartment?: string,
): AsyncGenerator<string> {
  const inCompartment = compartment ? compartmentTest(type, compartment) : undefined;
  let after: [string, string] | undefined;
  for (;;) {
    const rows = await repo.query(async (sql) => {
      const params: unknown[] = [since, upTo, MAX_PAGE_SIZE];
      let where = 't.deleted AND t.last_updated >= $1::timestamptz AND t.last_updated <= $2::timestamptz';
      if (after) {
        params.push(after[0], after[1]);
        where += ' AND (t.last_updated, t.id) > ($4::timestamptz, $5::text)';
      }
      // The version before the tombstone that still had content: what the resource last was.
      const last = inCompartment
        ? `, (SELECT h.content FROM ${quoteTable(`${type}_History`)} h WHERE h.id = t.id AND h.version_id < t.version_id AND NOT h.deleted AND h.content IS NOT NULL ORDER BY h.version_id DESC LIMIT 1) AS content`
        : '';
      const r = await sql.query<{ id: string; lu: string; content?: Resource | null }>(
        `SELECT t.id, t.last_updated::text AS lu${last} FROM ${quoteTable(type)} t WHERE ${where} ORDER BY t.last_updated, t.id LIMIT $3`,
        params,
      );
      return r.rows;
    });
    for (const row of rows) {
      if (inCompartment && !(row.content && inCompartment(fromStored(row.content)))) continue;
      yield `${type}/${row.id}`;
    }
    if (rows.length < MAX_PAGE_SIZE) return;
    const last = rows[rows.length - 1];
    after = [last.lu, last.id];
  }
}

/**
 * Whether a resource belongs to `Patient/*` (any patient) or `Patient/a,b` (these patients):
 * the test compileCompartment (search/sql.ts) applies to indexed rows, here on the content.
 */
function compartmentTest(type: string, compartment: string): (r: Resource) => boolean {
  const [compartmentType, id] = compartment.split('/');
  const params = new Set(compartmentParams(compartmentType, type) ?? []);
  const prefix = `${compartmentType}/`;
  const every = id === '*';
  const ids = new Set(every ? [] : id.split(','));
  return (r) => {
    if (type === compartmentType && (every || ids.has(r.id as string))) return true;
    return extractSearchRows(r).reference.some(
      (ref) => params.has(ref.code) && ref.target.startsWith(prefix) && (every || ids.has(ref.target.slice(prefix.length))),
    );
  };
}
