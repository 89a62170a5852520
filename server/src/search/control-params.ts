import { badRequest, getSearchParameter, OperationOutcomeError } from '@medplum/core';

type Query = Record<string, string | string[] | undefined>;

const ENUMS: Record<string, string[]> = {
  _total: ['none', 'estimate', 'accurate'],
  _summary: ['true', 'false', 'text', 'data', 'count'],
  _pretty: ['true', 'false'],
};
const NON_NEGATIVE = ['_count', '_offset'];
const ELEMENT = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/;
// Sortable without being a search parameter of the type.
const SORT_ALWAYS = new Set(['_id', '_lastUpdated']);

const values = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const refuse = (param: string, text: string) => new OperationOutcomeError(badRequest(`${param}: ${text}`, param));

/**
 * Result parameters the answer is shaped by (`_summary`, `_elements`, `_pretty`), on reads as on
 * searches: a value we cannot honour is refused with 400, not silently ignored.
 */
export function checkResultParams(query: Query): void {
  for (const key of ['_summary', '_pretty']) {
    for (const v of values(query[key])) {
      if (!ENUMS[key].includes(v)) throw refuse(key, `"${v}" is not one of ${ENUMS[key].join(', ')}`);
    }
  }
  for (const v of values(query._elements)) {
    const bad = v.split(',').find((e) => !ELEMENT.test(e.trim()));
    if (bad !== undefined) throw refuse('_elements', `"${bad}" is not an element name`);
  }
}

/**
 * Search control parameters and `:missing` take only the values the spec defines; anything else
 * is a 400 naming the parameter. `_sort` names search parameters of the searched type(s).
 */
export function checkControlParams(types: readonly string[], query: Query): void {
  checkResultParams(query);
  for (const v of values(query._total)) {
    if (!ENUMS._total.includes(v)) throw refuse('_total', `"${v}" is not one of ${ENUMS._total.join(', ')}`);
  }
  for (const key of NON_NEGATIVE) {
    for (const v of values(query[key])) if (!/^\d+$/.test(v)) throw refuse(key, `"${v}" is not a non-negative integer`);
  }
  for (const [key, value] of Object.entries(query)) {
    if (!key.endsWith(':missing')) continue;
    for (const v of values(value)) if (v !== 'true' && v !== 'false') throw refuse(key, `"${v}" must be true or false`);
  }
  for (const v of values(query._sort)) {
    for (const item of v.split(',')) {
      const code = item.trim().replace(/^-/, '');
      if (!code) throw refuse('_sort', 'an empty sort key');
      if (SORT_ALWAYS.has(code)) continue;
      const unknown = types.find((t) => !getSearchParameter(t, code));
      if (unknown) throw refuse('_sort', `unknown search parameter ${code} for ${unknown}`);
    }
  }
}
