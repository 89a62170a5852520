import {
  badRequest,
  FhirFilterConnective,
  type FhirFilterExpression,
  FhirFilterNegation,
  type Filter,
  getSearchParameter,
  getSearchParameters,
  OperationOutcomeError,
  type Operator,
  parseSearchRequest,
  type SearchRequest,
} from '@medplum/core';
import type { ResourceType } from '@medplum/fhirtypes';
import { assertStoredResourceType, storedResourceTypes } from '../fhir/definitions.ts';
import { checkControlParams } from './control-params.ts';
import { FilteredPathComparison, type FilterLink, parseFilter } from './filter-parser.ts';
import { FUZZY, phoneticAsName } from './fuzzy.ts';
import { listFilter } from './prefixes.ts';

type Query = Record<string, string | string[] | undefined>;

// Result parameters and the special ones the compiler handles itself.
const CONTROL = new Set(
  '_sort _count _offset _total _summary _elements _fields _include _revinclude _format _pretty _type _cursor _id _lastUpdated _list _text _content _filter _'.split(
    ' ',
  ),
);

// Modifiers each parameter type accepts (a reference also takes a target type name).
const MODIFIERS: Record<string, string[]> = {
  string: ['exact', 'contains', 'missing', 'fuzzy'],
  token: ['not', 'text', 'of-type', 'missing', 'in', 'not-in', 'above', 'below'],
  reference: ['identifier', 'missing', 'above', 'below'],
  date: ['missing'],
  number: ['missing'],
  quantity: ['missing'],
  uri: ['above', 'below', 'missing', 'contains'],
  special: ['missing'],
  composite: ['missing'],
};

/**
 * Why a key's modifiers cannot run (`name:foo`, `name:exact:contains`), or undefined when they
 * can. A parameter takes at most one modifier; a reference's may be a target type name.
 */
function modifierProblem(type: string, key: string): string | undefined {
  if (key.includes('.') || key.startsWith('_has:')) return undefined;
  const [code, ...modifiers] = key.split(':');
  if (modifiers.length === 0 || CONTROL.has(code)) return undefined;
  const param = getSearchParameter(type, code);
  if (!param) return undefined;
  if (modifiers.length > 1) return `A search parameter takes one modifier: ${key} has ${modifiers.length}`;
  const [modifier] = modifiers;
  const allowed = MODIFIERS[param.type as string] ?? [];
  if (allowed.includes(modifier) || (param.type === 'reference' && /^[A-Z][A-Za-z]+$/.test(modifier))) return undefined;
  return `Unknown modifier :${modifier} for ${param.type} parameter ${code}`;
}

// Parameter types whose values take comparison prefixes.
const ORDERED = new Set(['number', 'date', 'quantity']);

export interface ParsedSearch {
  request: SearchRequest;
  /** Parameters dropped under `Prefer: handling=lenient`. */
  ignored: string[];
}

function knownKey(type: string, key: string): boolean {
  if (key.startsWith('_has:')) return true;
  const base = key.split(/[.:]/)[0];
  return CONTROL.has(base) || getSearchParameter(type, base) !== undefined;
}

/**
 * Parses a FHIR search with @medplum/core's parser, after two steps it leaves to servers:
 * a reference parameter's type modifier (`subject:Patient=123`) becomes `subject=Patient/123`,
 * and unknown parameters are refused with 400 naming them, or dropped when the client asked for
 * `Prefer: handling=lenient` (the Bundle's self link then shows what was used).
 */
export function parseSearch(resourceType: string, query: Query, lenient: boolean): ParsedSearch {
  checkControlParams([resourceType], query);
  const cleaned: Query = {};
  const ignored: string[] = [];
  // Filters the core parser cannot make (it drops :fuzzy, ours, and has no composite support).
  const extra: Filter[] = [];
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (!knownKey(resourceType, key)) {
      ignored.push(key);
      continue;
    }
    // A search must not quietly run as another: a bad modifier is refused, or under
    // `Prefer: handling=lenient` dropped whole (and so missing from the self link).
    const problem = modifierProblem(resourceType, key);
    if (problem && !lenient) throw new OperationOutcomeError(badRequest(problem, key));
    if (problem) {
      ignored.push(key);
      continue;
    }
    if (key === '_filter') {
      for (const v of Array.isArray(value) ? value : [value]) {
        checkFilterExpression(resourceType, v);
        extra.push({ code: '_filter', operator: 'eq' as Operator, value: v });
      }
      continue;
    }
    if (key.endsWith(':fuzzy')) {
      for (const v of Array.isArray(value) ? value : [value])
        extra.push({ code: key.slice(0, -':fuzzy'.length), operator: FUZZY as Operator, value: v });
      continue;
    }
    const [code, modifier] = key.split(':');
    if (getSearchParameter(resourceType, code)?.type === 'composite' && !key.includes('.')) {
      for (const v of Array.isArray(value) ? value : [value]) extra.push({ code, operator: (modifier || 'eq') as Operator, value: v });
      continue;
    }
    const ordered = !modifier && !key.includes('.') ? getSearchParameter(resourceType, code) : undefined;
    if (ordered && ORDERED.has(ordered.type as string) && (Array.isArray(value) ? value : [value]).some((v) => v.includes(','))) {
      for (const v of Array.isArray(value) ? value : [value]) extra.push(listFilter(code, v) as Filter);
      continue;
    }
    const param = modifier && !key.includes('.') ? getSearchParameter(resourceType, code) : undefined;
    if (param?.type === 'reference' && /^[A-Z][A-Za-z]+$/.test(modifier)) {
      const values = (Array.isArray(value) ? value : [value]).map((v) =>
        v
          .split(',')
          .map((id) => (id.includes('/') ? id : `${modifier}/${id}`))
          .join(','),
      );
      const existing = cleaned[code];
      cleaned[code] = [...(existing === undefined ? [] : Array.isArray(existing) ? existing : [existing]), ...values];
      continue;
    }
    cleaned[key] = value;
  }
  if (ignored.length > 0 && !lenient) {
    throw new OperationOutcomeError(badRequest(`Unknown search parameter${ignored.length > 1 ? 's' : ''}: ${ignored.join(', ')}`, ignored));
  }
  for (const key of ['_include', '_include:iterate']) {
    if (cleaned[key] !== undefined) cleaned[key] = expandWildcards(resourceType, cleaned[key]);
  }
  const revAll = takeRevIncludeWildcard(cleaned);
  const request = parseSearchRequest(resourceType as ResourceType, cleaned);
  if (extra.length) request.filters = [...(request.filters ?? []), ...extra];
  // Rewritten here too (not only when compiled), so that a phonetic search is ranked like a type-ahead.
  if (request.filters) request.filters = request.filters.map((f) => phoneticAsName(resourceType, f));
  for (const rule of request.sortRules ?? []) if (rule.code === 'phonetic') rule.code = 'name';
  if (revAll) REVINCLUDE_ALL.set(request, revAll);
  return { request, ignored };
}

/** A `_filter` expression must parse and name only parameters the type has (400 otherwise). */
function checkFilterExpression(resourceType: string, value: string): void {
  const visit = (e: FhirFilterExpression): void => {
    if (e instanceof FhirFilterConnective) {
      visit(e.left);
      visit(e.right);
    } else if (e instanceof FhirFilterNegation) visit(e.child);
    else {
      const path = e instanceof FilteredPathComparison ? (e.links[0] as FilterLink).path : e.path;
      const base = path.split('.')[0] as string;
      if (!knownKey(resourceType, base) || (CONTROL.has(base) && base !== '_id' && base !== '_lastUpdated')) {
        throw new OperationOutcomeError(badRequest(`_filter: unknown search parameter ${e.path} for ${resourceType}`, '_filter'));
      }
    }
  };
  visit(parseFilter(value));
}

/**
 * Searches that asked for `_revinclude=*`: every resource, of any type, that references a match;
 * with `_revinclude:iterate=*`, also what references those, and so on. Expanding it into one
 * `_revinclude` per reference parameter would be hundreds of searches (387 point at Patient); the
 * repository answers it with one reverse lookup per level instead.
 */
export const REVINCLUDE_ALL = new WeakMap<object, { iterate: boolean }>();

function takeRevIncludeWildcard(query: Query): { iterate: boolean } | undefined {
  let found: { iterate: boolean } | undefined;
  for (const key of ['_revinclude', '_revinclude:iterate']) {
    const value = query[key];
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    if (!values.includes('*')) continue;
    found = { iterate: key.endsWith(':iterate') || Boolean(found?.iterate) };
    const rest = values.filter((v) => v !== '*');
    if (rest.length) query[key] = rest;
    else delete query[key];
  }
  return found;
}

/** `_include=*` and `_include=Observation:*`: every reference parameter of the type. */
function expandWildcards(resourceType: string, value: string | string[]): string[] {
  return (Array.isArray(value) ? value : [value]).flatMap((v) => {
    const [type, param] = v === '*' ? [resourceType, '*'] : v.split(':');
    if (param !== '*') return [v];
    return Object.values(getSearchParameters(type) ?? {})
      .filter((p) => p.type === 'reference')
      .map((p) => `${type}:${p.code}`);
  });
}

/**
 * System-level search (`GET /fhir/R4?_type=Patient,Observation&...`): over the listed types, or
 * all stored types without `_type`; only parameters every one of those types has are allowed.
 */
export function parseSystemSearch(query: Query, lenient: boolean): SearchRequest {
  const typeParam = Array.isArray(query._type) ? query._type.join(',') : query._type;
  // Without _type: every stored type. AuditEvent is not one (it is the audit log, searched on its own).
  const types = typeParam ? typeParam.split(',').filter(Boolean) : storedResourceTypes().filter((t) => t !== 'AuditEvent');
  for (const t of types) assertStoredResourceType(t);
  checkControlParams(types, query);
  const cleaned: Query = {};
  const ignored: string[] = [];
  for (const [key, value] of Object.entries(query)) {
    if (key === '_type' || value === undefined) continue;
    const problem = types.map((t) => modifierProblem(t, key)).find(Boolean);
    if (problem && !lenient) throw new OperationOutcomeError(badRequest(problem, key));
    if (!problem && types.every((t) => knownKey(t, key)) && !key.includes('.') && !key.startsWith('_has:')) cleaned[key] = value;
    else ignored.push(key);
  }
  if (ignored.length > 0 && !lenient) {
    throw new OperationOutcomeError(
      badRequest(`Not searchable across ${typeParam ? 'these types' : 'all types'}: ${ignored.join(', ')}`, ignored),
    );
  }
  const request = parseSearchRequest(types[0] as ResourceType, cleaned);
  return { ...request, types: types as ResourceType[] };
}

export function isLenient(prefer: string | string[] | undefined): boolean {
  return /handling=lenient/.test(Array.isArray(prefer) ? prefer.join(',') : (prefer ?? ''));
}
