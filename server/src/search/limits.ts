import { badRequest, FhirFilterConnective, type FhirFilterExpression, FhirFilterNegation, OperationOutcomeError } from '@medplum/core';
import { FilteredPathComparison, parseFilter } from './filter-parser.ts';

type Query = Record<string, string | string[] | undefined>;

/**
 * How complex one search may be. A `_filter` of 500 OR terms kept PostgreSQL busy for 5-12 s and,
 * sent 22 times at once, held every connection; these bounds keep any single search to a query
 * the planner answers in milliseconds, well inside what a clinical app or integration needs.
 */
export const SEARCH_LIMITS = {
  /** Comparisons in all `_filter` expressions of one search. */
  filterTerms: 50,
  /** References one parameter follows: `subject:Patient.organization.name` follows 2, each `_has:` 1. */
  chainLinks: 3,
  /** `_include` and `_revinclude` values together. */
  includes: 20,
  /** Search parameters, counting each repetition (AND) separately. */
  parameters: 60,
  /** Values of one parameter's comma list (OR). */
  orValues: 1000,
};

const tooComplex = (text: string, parameter: string) =>
  new OperationOutcomeError(badRequest(`This search is too complex: ${text}. Split it into smaller searches.`, parameter));

function countFilterTerms(e: FhirFilterExpression): number {
  if (e instanceof FhirFilterConnective) return countFilterTerms(e.left) + countFilterTerms(e.right);
  if (e instanceof FhirFilterNegation) return countFilterTerms(e.child);
  if (e instanceof FilteredPathComparison) return 1 + e.links.length;
  return 1;
}

const values = (v: string | string[]): string[] => (Array.isArray(v) ? v : [v]);

/** Refuses with 400 a search beyond SEARCH_LIMITS, naming the limit and the parameter. */
export function checkSearchComplexity(query: Query): void {
  let parameters = 0;
  let includes = 0;
  let filterTerms = 0;
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    const list = values(value);
    parameters += list.length;
    const base = key.split(':')[0];
    if (base === '_include' || base === '_revinclude') includes += list.length;
    if (key === '_filter') for (const v of list) filterTerms += countFilterTerms(parseFilter(v));
    // Each '.' follows one more reference; each _has: one more reverse reference.
    const links = key.split('.').length - 1 + key.split('_has:').length - 1;
    if (links > SEARCH_LIMITS.chainLinks) throw tooComplex(`a chain may have at most ${SEARCH_LIMITS.chainLinks} links`, key);
    for (const v of list) {
      if (v.split(',').length > SEARCH_LIMITS.orValues)
        throw tooComplex(`a parameter may list at most ${SEARCH_LIMITS.orValues} values`, key);
    }
  }
  if (parameters > SEARCH_LIMITS.parameters) throw tooComplex(`at most ${SEARCH_LIMITS.parameters} search parameters are allowed`, 'query');
  if (includes > SEARCH_LIMITS.includes)
    throw tooComplex(`at most ${SEARCH_LIMITS.includes} _include and _revinclude values are allowed`, '_include');
  if (filterTerms > SEARCH_LIMITS.filterTerms)
    throw tooComplex(`_filter may hold at most ${SEARCH_LIMITS.filterTerms} comparisons (this one has ${filterTerms})`, '_filter');
}
