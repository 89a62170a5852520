import { getSearchParameter, getSearchParameterDetails, SearchParameterType, type SearchRequest } from '@medplum/core';
import { accessCondition, quoteTable, type SqlParams } from './sql.ts';

// As many included resources per `_revinclude` as @medplum/fhir-router's include step allows.
const MAX_PER_INCLUDE = 1000;

/**
 * The page and its `_revinclude` resources in one statement, for a search whose includes are
 * all plain `_revinclude`s (no `:iterate`, no `_include`, over reference parameters): one round
 * trip instead of one per include. Other include forms go through @medplum/fhir-router's
 * include step. Returns undefined when this form does not apply.
 *
 * The page keeps its order through `row_number() OVER ()` over the ordered page query; each
 * include lists the referrers of the page's first `count` rows (not of the look-ahead row),
 * newest first, through the caller's access conditions for that type (nothing at all for a
 * type the caller may not search, as the router's include step would omit it).
 */
export function pageWithRevIncludes(req: SearchRequest, p: SqlParams, page: string, count: number): string | undefined {
  const revs = req.revInclude ?? [];
  if (!revs.length || req.include?.length || req.types?.length) return undefined;
  // Decided before any parameter is added: the page query must not carry ones it does not use.
  const plain = revs.every((inc) => {
    const param = getSearchParameter(inc.resourceType, inc.searchParam);
    return (
      !inc.modifier &&
      param?.type === 'reference' &&
      getSearchParameterDetails(inc.resourceType, param).type !== SearchParameterType.CANONICAL
    );
  });
  if (!plain) return undefined;
  const parts: string[] = [];
  for (const [k, inc] of revs.entries()) {
    if (inc.targetType && inc.targetType !== req.resourceType) continue; // the router's step finds nothing either
    const gate = accessCondition(inc.resourceType, p, 'i');
    // ANY(ARRAY(...)): each set is computed first and probed through the index, where IN (...)
    // let the planner guess the page's size and scan every row of the parameter instead.
    const referrers = `SELECT l.resource_id FROM sp_reference l WHERE l.resource_type = ${p.add(inc.resourceType)} AND l.code = ${p.add(inc.searchParam)} AND l.target = ANY(ARRAY(SELECT ${p.add(`${req.resourceType}/`)} || m.id FROM page m WHERE m.n <= ${count}))`;
    const found = `SELECT i.content FROM ${quoteTable(inc.resourceType)} i WHERE i.deleted = false AND i.id = ANY(ARRAY(${referrers}))${gate ? ` AND ${gate}` : ''} ORDER BY i.last_updated DESC, i.id LIMIT ${MAX_PER_INCLUDE}`;
    parts.push(
      `SELECT ${k + 1} AS part, x.n, x.content, NULL AS last_updated, NULL AS id FROM (SELECT f.content, row_number() OVER () AS n FROM (${found}) f) x`,
    );
  }
  return [
    `WITH page AS MATERIALIZED (SELECT q.*, row_number() OVER () AS n FROM (${page}) q)`,
    'SELECT 0 AS part, page.n, page.content, page.last_updated, page.id FROM page',
    ...parts.map((part) => `UNION ALL ${part}`),
    'ORDER BY part, n',
  ].join(' ');
}
