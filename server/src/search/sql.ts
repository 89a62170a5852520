import {
  badRequest,
  FhirFilterComparison,
  FhirFilterConnective,
  type FhirFilterExpression,
  FhirFilterNegation,
  type Filter,
  getSearchParameter,
  getSearchParameterDetails,
  OperationOutcomeError,
  parseParameter,
  type SearchRequest,
  splitSearchOnComma,
} from '@medplum/core';
import type { SearchParameter } from '@medplum/fhirtypes';
import type { Sql } from '../db/database.ts';
import { compartmentParams } from './compartments.ts';
import { decodeCursor, type Keyset, keysetCondition, keysetOf, keysetOrder } from './cursor.ts';
import { valueRange } from './dates.ts';
import { FilteredPathComparison, type FilterLink, parseFilter } from './filter-parser.ts';
import { FUZZY, phoneticAsName } from './fuzzy.ts';
import { isTelecomParameter, phoneQueryValue } from './phone.ts';
import { PREFIX, prefixedValues } from './prefixes.ts';
import type { AccessGate, SqlParams } from './sql-params.ts';
import { terminologyTokenCondition } from './terminology.ts';
import { componentParameter, normalizeString } from './values.ts';

export { FUZZY, phoneticAsName } from './fuzzy.ts';
export { type AccessGate, type AccessHook, SqlParams } from './sql-params.ts';

/**
 * Compiles a parsed FHIR search into SQL over a resource table and the sp_* lookup tables.
 * Tenant scoping is not written here: row-level security adds it to every table touched,
 * including the tables that chains, _has and compartments join.
 */

/**
 * Sets a compiled query's settings for the rest of the transaction; the returned function resets
 * them, so later statements in the same transaction (a bundle's next entry) are unaffected. Only
 * ever set transaction-locally, so a reset lands on the session's default.
 */
export async function applySettings(sql: Sql, settings: Map<string, string>): Promise<() => Promise<void>> {
  if (settings.size === 0) return async () => {};
  await sql.query('SELECT set_config(k, v, true) FROM unnest($1::text[], $2::text[]) AS s(k, v)', [
    [...settings.keys()],
    [...settings.values()],
  ]);
  return async () => {
    // The keys are the compiler's own constants, never request input.
    for (const key of settings.keys()) await sql.exec(`RESET ${key}`);
  };
}

export interface CompiledSearch {
  from: string;
  where: string;
  orderBy: string;
  /** A type-ahead ranks by closeness: its order is not a keyset. */
  ranked: boolean;
}

const unsupported = (what: string): never => {
  throw new OperationOutcomeError(badRequest(`Unsupported search: ${what}`));
};

export function quoteTable(resourceType: string): string {
  return `"${resourceType.replaceAll('"', '')}"`;
}

function compileSearch(req: SearchRequest, p: SqlParams, type: string = req.resourceType): CompiledSearch {
  const conds = ['r.deleted = false'];
  const { merged, rest } = mergeableRanges(type, req.filters ?? []);
  for (const [code, filters] of merged) {
    const param = getSearchParameter(type, code) as SearchParameter;
    const cond = filters.map((f) => `(${valueCondition(type, param, f, f.value, p)})`).join(' AND ');
    conds.push(lookupIn('r', tableFor(param), type, code, cond, p));
  }
  // Without an explicit _sort, a type-ahead lists the closest names first.
  const ranking = req.sortRules?.length ? undefined : rest.find((f) => (f.operator as string) === FUZZY);
  let from = `${quoteTable(type)} r`;
  let orderBy = compileSort({ ...req, resourceType: type as SearchRequest['resourceType'] }, p);
  for (const f of rest) {
    if (f !== ranking) conds.push(compileFilter(type, f, p));
  }
  if (ranking) {
    from += ` JOIN (${fuzzyScores(type, ranking, p)}) fz ON fz.resource_id = r.id`;
    orderBy = `fz.score DESC, ${orderBy}`;
  }
  const gate = accessCondition(type, p, 'r');
  if (gate) conds.push(gate);
  return { from, where: conds.join(' AND '), orderBy, ranked: Boolean(ranking) };
}

/** A page's row: the resource and the key columns a cursor is made from (the time as text, exact to the microsecond). */
export interface PageRow<T> {
  content: T;
  last_updated: string;
  id: string;
}

export interface SearchQuery {
  /** The page, in order: `limit` rows after `offset` (counted from the cursor's row, if any); `text`: content as JSON text, unparsed (bulk export). */
  page(limit: number, offset: number, text?: boolean): string;
  /** The number of matches (the cursor does not narrow it). */
  count: string;
  /** How many of the parameters `count` uses: the first ones (the cursor's, added after, it does not). */
  countParams: number;
  /** The order as a keyset, when `_cursor` can page it. */
  keyset: Keyset | undefined;
  /** The cursor asks for the rows before its row: the page comes out in reverse order. */
  backwards: boolean;
}

/**
 * The SQL for a search over one type, or over several (system search: UNION ALL of the types).
 * With a `_cursor`, the page starts after (or ends before) the cursor's row; a backward page
 * comes out in reverse order, for the caller to turn around.
 */
export function compileSearchQuery(req: SearchRequest, p: SqlParams, cursor?: string): SearchQuery {
  if (!req.types?.length) {
    const q = compileSearch(req, p);
    const countParams = p.values.length;
    const keyset = keysetOf(req, q.ranked);
    const pos = cursor === undefined ? undefined : decodeCursor(keyset, cursor);
    const where = pos ? `${q.where} AND ${keysetCondition('r', pos, p)}` : q.where;
    const order = pos ? keysetOrder('r', pos.keyset, pos.before) : q.orderBy;
    return {
      page: (limit, offset, text = false) =>
        `SELECT r.content${text ? '::text AS content' : ''}, r.last_updated::text AS last_updated, r.id FROM ${q.from} WHERE ${where} ORDER BY ${order} LIMIT ${limit} OFFSET ${offset}`,
      count: `SELECT count(*) AS n FROM ${q.from} WHERE ${q.where}`,
      countParams,
      keyset,
      backwards: Boolean(pos?.before),
    };
  }
  for (const rule of req.sortRules ?? []) {
    if (rule.code !== '_lastUpdated' && rule.code !== '_id')
      throw new OperationOutcomeError(badRequest(`Across several types, only _lastUpdated and _id can sort, not ${rule.code}`, '_sort'));
  }
  const keyset = keysetOf(req, false) as Keyset;
  const pos = cursor === undefined ? undefined : decodeCursor(keyset, cursor);
  const parts = req.types.map((type) => compileSearch({ ...req, sortRules: undefined }, p, type));
  const countParams = p.values.length;
  const after = pos ? ` AND ${keysetCondition('r', pos, p)}` : '';
  const union = (columns: string, narrowed: boolean) =>
    parts.map((q) => `SELECT ${columns} FROM ${q.from} WHERE ${q.where}${narrowed ? after : ''}`).join(' UNION ALL ');
  const order = keysetOrder('x', keyset, Boolean(pos?.before));
  return {
    page: (limit, offset, text = false) =>
      `SELECT x.content${text ? '::text AS content' : ''}, x.last_updated::text AS last_updated, x.id FROM (${union('r.content, r.last_updated, r.id', true)}) x ORDER BY ${order} LIMIT ${limit} OFFSET ${offset}`,
    count: `SELECT count(*) AS n FROM (${union('1', false)}) x`,
    countParams,
    keyset,
    backwards: Boolean(pos?.before),
  };
}

const ORDERED = new Set(['date', 'number', 'quantity']);
const PREFIXES = new Set(['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap']);

/**
 * birthdate=ge1980-01-01&birthdate=le1980-01-31: when the element holds one value, both bounds
 * must hold for that value, so they go into one lookup (one index probe with both ends) instead
 * of two half-the-table sets intersected.
 */
function mergeableRanges(type: string, filters: Filter[]): { merged: Map<string, Filter[]>; rest: Filter[] } {
  const groups = new Map<string, Filter[]>();
  for (const f of filters) {
    // _lastUpdated is a column of the resource table, not an sp_date row: never merged into a lookup.
    if (f.code === '_lastUpdated') continue;
    const param = getSearchParameter(type, f.code);
    if (!param || !ORDERED.has(param.type as string) || !PREFIXES.has(f.operator) || f.value.includes(',')) continue;
    if (getSearchParameterDetails(type, param).array) continue;
    groups.set(f.code, [...(groups.get(f.code) ?? []), f]);
  }
  const merged = new Map([...groups].filter(([, fs]) => fs.length > 1));
  return { merged, rest: filters.filter((f) => !merged.get(f.code)?.includes(f)) };
}

function lookupIn(alias: string, table: string, type: string, code: string, cond: string, p: SqlParams, negate = false): string {
  const sub = `SELECT l.resource_id FROM ${table} l WHERE l.resource_type = ${p.add(type)} AND l.code = ${p.add(code)}${cond ? ` AND (${cond})` : ''}`;
  return `${alias}.id ${negate ? 'NOT IN' : 'IN'} (${sub})`;
}

function tableFor(param: SearchParameter): string {
  switch (param.type) {
    case 'token':
      return 'sp_token';
    case 'string':
      return 'sp_string';
    case 'date':
      return 'sp_date';
    case 'reference':
      return 'sp_reference';
    case 'number':
    case 'quantity':
      return 'sp_number';
    case 'uri':
      return 'sp_uri';
    default:
      return unsupported(`parameter type ${param.type}`);
  }
}

/**
 * `_filter` (FHIR R4 search, section 3.1.3): a parsed expression tree compiled node by node with
 * the same condition builders as ordinary parameters, joined with AND, OR and NOT.
 */
function compileFilterExpression(type: string, e: FhirFilterExpression, p: SqlParams, alias: string): string {
  if (e instanceof FhirFilterConnective) {
    return `((${compileFilterExpression(type, e.left, p, alias)}) ${e.keyword === 'and' ? 'AND' : 'OR'} (${compileFilterExpression(type, e.right, p, alias)}))`;
  }
  if (e instanceof FhirFilterNegation) return `NOT (${compileFilterExpression(type, e.child, p, alias)})`;
  if (e instanceof FilteredPathComparison) return compileFilteredPath(type, e.links, e, p, alias);
  const c = e as FhirFilterComparison;
  const param = getSearchParameter(type, c.path.split('.')[0] as string);
  // `eq` parses as exact; ordered and reference parameters have no exact form, only equality.
  let operator = c.operator as Filter['operator'];
  if (operator === 'exact' && param && ['number', 'date', 'quantity', 'reference', 'uri'].includes(param.type as string)) {
    operator = 'eq' as Filter['operator'];
  }
  return compileFilter(type, { code: c.path, operator, value: c.value }, p, alias);
}

function compileFilter(type: string, filter: Filter, p: SqlParams, alias = 'r'): string {
  const f = phoneticAsName(type, filter);
  if (f.code === '_filter') return compileFilterExpression(type, parseFilter(f.value), p, alias);
  if (f.code.startsWith('_has:')) return compileHas(type, f, p, alias);
  if (f.code.includes('.')) return compileChain(type, f, p, alias);
  if (f.code === COMPARTMENT) {
    const c = compileCompartment(type, f.value, p, alias);
    return f.operator === 'not' ? `NOT (${c})` : c;
  }
  if (f.code === '_id') return compileId(f, p, alias);
  if (f.code === '_list') return compileList(type, f, p, alias);
  if (f.code === '_text' || f.code === '_content') return compileText(f, p, alias);
  if (f.code === '_lastUpdated') {
    const parts = prefixedValues(f.operator, f.value);
    return orAll(
      parts.map((x) => x.value),
      (_v, i) => dateCondition(`${alias}.last_updated`, `${alias}.last_updated`, parts[i].operator, parts[i].value, p),
    );
  }
  const param = getSearchParameter(type, f.code);
  if (!param) throw new OperationOutcomeError(badRequest(`Unknown search parameter: ${f.code}`, f.code));
  if (param.type === 'composite') return compileComposite(type, param, f, p, alias);
  const table = tableFor(param);
  if (f.operator === 'missing' || f.operator === 'present') {
    const missing = (f.value === 'true') === (f.operator === 'missing');
    return lookupIn(alias, table, type, f.code, '', p, missing);
  }
  const values = splitSearchOnComma(f.value);
  if ((f.operator as string) === FUZZY) return compileFuzzy(type, f, p, alias);
  if (f.operator === 'identifier') {
    return lookupIn(
      alias,
      'sp_token',
      type,
      `${f.code}:identifier`,
      orAll(values, (v) => tokenCondition({ ...f, operator: 'eq' }, v, p)),
      p,
    );
  }
  if (f.operator === 'of-type')
    return lookupIn(
      alias,
      'sp_token',
      type,
      `${f.code}:of-type`,
      orAll(values, (v) => ofTypeCondition(v, p)),
      p,
    );
  // Each value of a number, date or quantity list carries its own prefix.
  const parts = ORDERED.has(param.type as string)
    ? prefixedValues(f.operator, f.value)
    : values.map((value) => ({ operator: f.operator as string, value }));
  const cond = orAll(
    parts.map((x) => x.value),
    (v, i) => valueCondition(type, param, { ...f, operator: parts[i].operator as Filter['operator'] }, v, p),
  );
  const negate = f.operator === 'not' || (param.type === 'token' && (f.operator === 'ne' || f.operator === 'not-in'));
  return lookupIn(alias, table, type, f.code, cond, p, negate);
}

/**
 * The SQL for a type's access gates: each gate is an OR of alternatives, each an AND of filters.
 * Gates are the server's own rules, so they compile without the access hook (no recursion, and a
 * rule may look at data the caller cannot read, such as the Location behind an Appointment).
 */
export function compileGates(type: string, gates: AccessGate[], p: SqlParams, alias = 'r'): string {
  const saved = p.access;
  p.access = undefined;
  try {
    return gates
      .map((gate) => {
        if (gate.length === 0) return 'false';
        const alts = gate.map((alt) => (alt.length ? alt.map((f) => `(${compileFilter(type, f, p, alias)})`).join(' AND ') : 'true'));
        return `(${alts.join(' OR ')})`;
      })
      .join(' AND ');
  } finally {
    p.access = saved;
  }
}

export function accessCondition(type: string, p: SqlParams, alias: string): string | undefined {
  if (!p.access) return undefined;
  const gates = p.access(type);
  if (gates === null) return 'false';
  return gates.length ? compileGates(type, gates, p, alias) : undefined;
}

function andAccess(type: string, p: SqlParams, alias: string): string {
  const c = accessCondition(type, p, alias);
  return c ? ` AND ${c}` : '';
}

/** Our own string modifier: trigram similarity, for type-ahead that forgives typos. */
// Codes the partial trigram indexes cover (migrations/0013_fuzzy_under_rls.sql).
const FUZZY_CODES = new Set(['name', 'family', 'given', 'phonetic', 'address', 'address-city']);

/** The filter code the compartment search route adds: its value is "Patient/123". */
export const COMPARTMENT = '_compartment';

/** Parses the last part of a chain or _has ("name", "name:exact", "birthdate") with its value. */
function tailFilter(type: string, key: string, value: string): Filter {
  if (key.startsWith('_has:') || key.includes('.')) return { code: key, operator: 'eq', value };
  const [code, modifier = ''] = key.split(':');
  if (code === '_id' || code === '_lastUpdated') return { code, operator: (modifier || 'eq') as Filter['operator'], value };
  const param = getSearchParameter(type, code);
  if (!param) throw new OperationOutcomeError(badRequest(`Unknown search parameter ${code} on ${type}`, key));
  return parseParameter(param, 'eq', modifier, value);
}

function referenceTargets(type: string, param: SearchParameter): string[] {
  return getSearchParameterDetails(type, param).referenceTargetTypes ?? (param.target as string[] | undefined) ?? [];
}

/** subject:Patient.name=x - resources whose reference points at a target matching the rest. */
function compileChain(type: string, f: Filter, p: SqlParams, alias: string): string {
  const dot = f.code.indexOf('.');
  const [code, explicitType] = f.code.slice(0, dot).split(':');
  const rest = f.code.slice(dot + 1);
  const param = getSearchParameter(type, code);
  if (param?.type !== 'reference') {
    throw new OperationOutcomeError(badRequest(`${code} is not a reference parameter of ${type}, so it cannot be chained`, f.code));
  }
  let targets = explicitType ? [explicitType] : referenceTargets(type, param);
  // Without a type, a chain searches every target type that has the chained parameter.
  const next = rest.split(/[.:]/)[0];
  if (!explicitType)
    targets = targets.filter((t) => rest.startsWith('_has:') || ['_id', '_lastUpdated'].includes(next) || getSearchParameter(t, next));
  if (targets.length === 0)
    throw new OperationOutcomeError(badRequest(`No target type of ${type}.${code} has the parameter in ${f.code}`, f.code));
  return orAll(targets, (target) => {
    const j = p.alias();
    const cond = compileFilter(target, tailFilter(target, rest, f.value), p, j) + andAccess(target, p, j);
    // The matching targets first (an array, so the planner cannot turn it into a hash join over
    // every reference), then their referrers through the target index.
    return `${alias}.id IN (SELECT l.resource_id FROM sp_reference l WHERE l.resource_type = ${p.add(type)} AND l.code = ${p.add(code)} AND l.target = ANY(ARRAY(SELECT ${p.add(`${target}/`)} || ${j}.id FROM ${quoteTable(target)} ${j} WHERE ${j}.deleted = false AND (${cond}))))`;
  });
}

/**
 * `_filter` paths that filter along the way: `subject[gender eq female].name co pat` reads as the
 * chain `subject.name co pat` whose targets must also meet `gender eq female`; a filter on a
 * chained link (`subject.organization[name eq x]`) chains to it first. Without a rest of the path
 * the comparison must be `pr` on the link itself (`subject[name eq x] pr true`).
 */
function compileFilteredPath(type: string, links: FilterLink[], c: FilteredPathComparison, p: SqlParams, alias: string): string {
  const [link, ...more] = links as [FilterLink, ...FilterLink[]];
  const dot = link.path.indexOf('.');
  const head = dot < 0 ? link.path : link.path.slice(0, dot);
  const [code, explicitType] = head.split(':');
  const param = getSearchParameter(type, code);
  if (param?.type !== 'reference') {
    throw new OperationOutcomeError(
      badRequest(`_filter: ${code} is not a reference parameter of ${type}, so it cannot take a filter`, '_filter'),
    );
  }
  const targets = explicitType ? [explicitType] : referenceTargets(type, param);
  const onTarget = (target: string, j: string): string => {
    // A chained link reaches its filtered parameter first.
    if (dot >= 0) return compileFilteredPath(target, [{ ...link, path: link.path.slice(dot + 1) }, ...more], c, p, j);
    const conds = [compileFilterExpression(target, link.filter, p, j)];
    if (more.length) conds.push(compileFilteredPath(target, more, c, p, j));
    else if (c.tail) conds.push(compileFilterExpression(target, new FhirFilterComparison(c.tail, c.operator, c.value), p, j));
    return conds.map((x) => `(${x})`).join(' AND ');
  };
  // Only target types that have the parameters used next, as for a plain chain.
  const next = dot >= 0 ? link.path.slice(dot + 1).split(/[.:]/)[0] : '';
  const tail = dot < 0 && !more.length ? c.tail : '';
  const usable = explicitType
    ? targets
    : targets.filter((t) => (next ? getSearchParameter(t, next) !== undefined : filterParamsExist(t, link.filter, tail)));
  if (usable.length === 0)
    throw new OperationOutcomeError(badRequest(`_filter: no target type of ${type}.${code} has the parameters in ${c.path}`, '_filter'));
  const present = orAll(usable, (target) => {
    const j = p.alias();
    const cond = onTarget(target, j) + andAccess(target, p, j);
    return `${alias}.id IN (SELECT l.resource_id FROM sp_reference l WHERE l.resource_type = ${p.add(type)} AND l.code = ${p.add(code)} AND l.target = ANY(ARRAY(SELECT ${p.add(`${target}/`)} || ${j}.id FROM ${quoteTable(target)} ${j} WHERE ${j}.deleted = false AND (${cond}))))`;
  });
  if (more.length || c.tail || dot >= 0) return present;
  if (c.operator !== 'present') {
    throw new OperationOutcomeError(badRequest(`_filter: after ${c.path} give a parameter of the target, or use pr`, '_filter'));
  }
  return c.value === 'false' ? `NOT (${present})` : present;
}

/** Whether `type` has the first parameter of every comparison in a filter, and of the tail. */
function filterParamsExist(type: string, filter: FhirFilterExpression, tail: string): boolean {
  const first = (path: string) => path.split(/[.:[]/)[0] as string;
  const has = (code: string) => ['_id', '_lastUpdated'].includes(code) || getSearchParameter(type, code) !== undefined;
  if (tail && !has(first(tail))) return false;
  const visit = (e: FhirFilterExpression): boolean => {
    if (e instanceof FhirFilterConnective) return visit(e.left) && visit(e.right);
    if (e instanceof FhirFilterNegation) return visit(e.child);
    const path = e instanceof FilteredPathComparison ? (e.links[0] as FilterLink).path : (e as FhirFilterComparison).path;
    return has(first(path));
  };
  return visit(filter);
}

/** _has:Observation:patient:code=x - resources that an Observation matching code=x references through patient. */
function compileHas(type: string, f: Filter, p: SqlParams, alias: string): string {
  const [, refType, refParam, ...tail] = f.code.split(':');
  if (!refType || !refParam || tail.length === 0)
    throw new OperationOutcomeError(badRequest(`Malformed _has parameter: ${f.code}`, f.code));
  const param = getSearchParameter(refType, refParam);
  if (param?.type !== 'reference')
    throw new OperationOutcomeError(badRequest(`${refParam} is not a reference parameter of ${refType}`, f.code));
  const j = p.alias();
  const cond = compileFilter(refType, tailFilter(refType, tail.join(':'), f.value), p, j) + andAccess(refType, p, j);
  return `(${p.add(`${type}/`)} || ${alias}.id) IN (SELECT l.target FROM sp_reference l WHERE l.resource_type = ${p.add(refType)} AND l.code = ${p.add(refParam)} AND l.resource_id = ANY(ARRAY(SELECT ${j}.id FROM ${quoteTable(refType)} ${j} WHERE ${j}.deleted = false AND (${cond}))))`;
}

/** Patient/123/Observation: Observations that reference the patient through any compartment parameter. */
function compileCompartment(type: string, compartment: string, p: SqlParams, alias: string): string {
  const [compartmentType, id] = compartment.split('/');
  const params = compartmentParams(compartmentType, type);
  if (!params) throw new OperationOutcomeError(badRequest(`${type} is not in the ${compartmentType} compartment`));
  // Bulk export (server/src/bulk): `Patient/*` is every patient's compartment, `Patient/a,b` several patients' at once.
  if (id === '*') {
    if (type === compartmentType) return 'true';
    return params.length
      ? `${alias}.id IN (SELECT l.resource_id FROM sp_reference l WHERE l.resource_type = ${p.add(type)} AND l.code = ANY(${p.add(params)}::text[]) AND l.target LIKE ${p.add(`${compartmentType}/%`)})`
      : 'false';
  }
  const ids = id.split(',');
  const targets = ids.map((x) => `${compartmentType}/${x}`);
  const refs = params.length
    ? `${alias}.id IN (SELECT l.resource_id FROM sp_reference l WHERE l.resource_type = ${p.add(type)} AND l.code = ANY(${p.add(params)}::text[]) AND l.target = ANY(${p.add(targets)}::text[]))`
    : 'false';
  return type === compartmentType ? `(${alias}.id = ANY(${p.add(ids)}::text[]) OR ${refs})` : refs;
}

/**
 * name:fuzzy=rmesh - similar strings (pg_trgm): `%` forgives typos, `<%` matches a word start.
 * Several words ("deepak pat") must each start a word of one value, such as a name's text, so the
 * index intersects them instead of collecting every Patil. Both operators are marked leakproof
 * (migrations/0013), so the trigram indexes serve them under row-level security.
 */
function fuzzyMatch(type: string, f: Filter, p: SqlParams, scored: boolean): { where: string; score: string } {
  const param = getSearchParameter(type, f.code);
  if (param?.type !== 'string' || !FUZZY_CODES.has(param.code as string)) {
    throw new OperationOutcomeError(badRequest(`:fuzzy works on ${[...FUZZY_CODES].join(', ')}; not on ${f.code}`));
  }
  const values = splitSearchOnComma(f.value)
    .map(normalizeString)
    .filter((v) => v.trim());
  if (!values.length) throw new OperationOutcomeError(badRequest(`:fuzzy needs a value`, f.code));
  const matches: string[] = [];
  const scores: string[] = [];
  for (const v of values) {
    const words = v.split(/\s+/).filter(Boolean);
    // Only a value the statement uses may become a parameter (PostgreSQL must infer its type).
    const x = words.length > 1 && !scored ? '' : p.add(v);
    // pg_trgm's 0.6 refuses a dropped letter in a short word ("rmesh" scores 0.5); the other
    // words narrow the match, so each may be looser.
    if (words.length > 1) p.settings.set('pg_trgm.word_similarity_threshold', '0.5');
    matches.push(words.length > 1 ? words.map((w) => `${p.add(w)} <% l.norm`).join(' AND ') : `l.norm % ${x} OR ${x} <% l.norm`);
    if (scored) scores.push(`similarity(l.norm, ${x}), word_similarity(${x}, l.norm)`);
  }
  return {
    where: `l.resource_type = ${p.add(type)} AND l.code = '${param.code}' AND (${matches.map((m) => `(${m})`).join(' OR ')})`,
    score: `max(greatest(${scores.join(', ')}))`,
  };
}

function compileFuzzy(type: string, f: Filter, p: SqlParams, alias: string): string {
  return `${alias}.id IN (SELECT l.resource_id FROM sp_string l WHERE ${fuzzyMatch(type, f, p, false).where})`;
}

/** The matching resources with their best similarity, for ordering a type-ahead by closeness. */
function fuzzyScores(type: string, f: Filter, p: SqlParams): string {
  const m = fuzzyMatch(type, f, p, true);
  return `SELECT l.resource_id, ${m.score} AS score FROM sp_string l WHERE ${m.where} GROUP BY l.resource_id`;
}

/**
 * _text (the narrative) and _content (the whole resource): PostgreSQL full-text search with the
 * 'simple' configuration and web-search syntax ("fever cough", "fever or cough", "-chronic").
 * Not indexed yet: it scans the tenant's resources of the type, so keep it with other filters.
 */
function compileText(f: Filter, p: SqlParams, alias: string): string {
  const document =
    f.code === '_text' ? `regexp_replace(coalesce(${alias}.content->'text'->>'div', ''), '<[^>]*>', ' ', 'g')` : `${alias}.content::text`;
  const cond = `to_tsvector('simple', ${document}) @@ websearch_to_tsquery('simple', ${p.add(f.value)})`;
  return f.operator === 'not' ? `NOT (${cond})` : cond;
}

/** _list=<List id>: the resources a List's entries point at. */
function compileList(type: string, f: Filter, p: SqlParams, alias: string): string {
  const lists = splitSearchOnComma(f.value);
  // The List itself must be one the caller may read.
  return `(${p.add(`${type}/`)} || ${alias}.id) IN (SELECT l.target FROM sp_reference l JOIN "List" li ON li.id = l.resource_id WHERE l.resource_type = 'List' AND l.code = 'item' AND li.deleted = false AND li.id = ANY(${p.add(lists)}::text[])${andAccess('List', p, 'li')})`;
}

// How a composite row's component columns look to the single-type condition builders.
const COMPONENT_COLUMNS: Record<string, (i: number) => string> = {
  token: (i) => `c.s${i} AS system, c.v${i} AS value, NULL::text AS display`,
  string: (i) => `c.s${i} AS value, c.v${i} AS norm`,
  reference: (i) => `c.v${i} AS target`,
  number: (i) => `c.n${i} AS value, c.s${i} AS system, c.u${i} AS unit`,
  quantity: (i) => `c.n${i} AS value, c.s${i} AS system, c.u${i} AS unit`,
  date: (i) => `c.lo${i} AS low, c.hi${i} AS high`,
  uri: (i) => `c.v${i} AS value`,
};

/** code-value-quantity=http://loinc.org|8480-6$gt140: both components must match within one element. */
function compileComposite(type: string, param: SearchParameter, f: Filter, p: SqlParams, alias: string): string {
  if (f.operator === 'missing' || f.operator === 'present') {
    const missing = (f.value === 'true') === (f.operator === 'missing');
    return lookupIn(alias, 'sp_composite', type, f.code, '', p, missing);
  }
  const defs = (param.component ?? []).map((c) => componentParameter(c.definition as string));
  if (defs.length !== 2 || defs.some((d) => !d || !COMPONENT_COLUMNS[d.type as string])) unsupported(`composite parameter ${f.code}`);
  const cond = orAll(splitSearchOnComma(f.value), (value) => {
    const parts = value.split('$');
    if (parts.length !== 2) throw new OperationOutcomeError(badRequest(`${f.code} needs two values joined by $, got ${value}`, f.code));
    return parts
      .map((raw, i) => {
        const def = defs[i] as SearchParameter;
        const prefix = ['date', 'number', 'quantity'].includes(def.type as string) ? PREFIX.exec(raw)?.[1] : undefined;
        const v = prefix ? raw.slice(2) : raw;
        const c = valueCondition(type, def, { code: f.code, operator: (prefix ?? 'eq') as Filter['operator'], value: v }, v, p);
        return `EXISTS (SELECT 1 FROM (SELECT ${COMPONENT_COLUMNS[def.type as string](i + 1)}) l WHERE ${c})`;
      })
      .join(' AND ');
  });
  return `${alias}.id IN (SELECT c.resource_id FROM sp_composite c WHERE c.resource_type = ${p.add(type)} AND c.code = ${p.add(f.code)} AND (${cond}))`;
}

function compileId(f: Filter, p: SqlParams, alias: string): string {
  const ids = splitSearchOnComma(f.value);
  const cond = `${alias}.id = ANY(${p.add(ids)}::text[])`;
  return f.operator === 'not' || f.operator === 'ne' ? `NOT (${cond})` : cond;
}

/** identifier:of-type=typeSystem|typeCode|value */
function ofTypeCondition(v: string, p: SqlParams): string {
  const [system, code, value] = v.split('|');
  if (!system || !code || value === undefined) throw new OperationOutcomeError(badRequest(`:of-type needs system|code|value, got ${v}`));
  return `l.system = ${p.add(system)} AND l.value = ${p.add(`${code}|${value}`)}`;
}

function orAll(values: string[], fn: (v: string, i: number) => string): string {
  const parts = values.map((v, i) => fn(v, i));
  return parts.length === 1 ? parts[0] : `(${parts.map((c) => `(${c})`).join(' OR ')})`;
}

function valueCondition(type: string, param: SearchParameter, f: Filter, v: string, p: SqlParams): string {
  switch (param.type) {
    case 'token':
      return tokenCondition(f, isTelecomParameter(param) && f.operator !== 'text' ? phoneQueryValue(v) : v, p);
    case 'string':
      return stringCondition(f, v, p);
    case 'date':
      return dateRangeCondition(f.operator, v, p);
    case 'reference':
      return referenceCondition(type, param, f, v, p);
    case 'number':
      return numberCondition(f.operator, v, p);
    case 'quantity':
      return quantityCondition(f.operator, v, p);
    case 'uri':
      return uriCondition(f, v, p);
    default:
      return unsupported(`parameter type ${param.type}`);
  }
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function tokenCondition(f: Filter, v: string, p: SqlParams): string {
  if (f.operator === 'text') return `l.display ILIKE ${p.add(`${escapeLike(v)}%`)}`;
  if (['below', 'above', 'in', 'not-in'].includes(f.operator)) return terminologyTokenCondition(f.operator, v, p);
  if (!['eq', 'not', 'ne', 'exact'].includes(f.operator)) unsupported(`token modifier :${f.operator}`);
  const bar = v.indexOf('|');
  if (bar < 0) return `l.value = ${p.add(v)}`;
  const system = v.slice(0, bar);
  const code = v.slice(bar + 1);
  if (!system) return `l.system IS NULL AND l.value = ${p.add(code)}`;
  if (!code) return `l.system = ${p.add(system)}`;
  return `l.system = ${p.add(system)} AND l.value = ${p.add(code)}`;
}

/**
 * Values of `column` that start with `prefix`, as a byte-order range (`text_pattern_ops`): under
 * row-level security only leakproof operators reach an index, and LIKE is not one, so `LIKE 'shar%'`
 * would read every name row of the tenant. The successor of the last code point bounds the range.
 */
function prefixCondition(column: string, prefix: string, p: SqlParams): string {
  const points = [...prefix];
  const last = points.pop()?.codePointAt(0);
  if (last === undefined || last >= 0x10ffff) return `${column} LIKE ${p.add(`${escapeLike(prefix)}%`)}`;
  const next = last === 0xd7ff ? 0xe000 : last + 1; // surrogates are not characters
  const upper = points.join('') + String.fromCodePoint(next);
  return `${column} ~>=~ ${p.add(prefix)} AND ${column} ~<~ ${p.add(upper)}`;
}

function stringCondition(f: Filter, v: string, p: SqlParams): string {
  switch (f.operator as string) {
    case 'exact':
      return `l.value = ${p.add(v)}`;
    case 'contains':
      return `l.norm LIKE ${p.add(`%${escapeLike(normalizeString(v))}%`)}`;
    case 'eq':
    case 'sw':
      return prefixCondition('l.norm', normalizeString(v), p);
    case 'ew': // _filter's "ends with"
      return `l.norm LIKE ${p.add(`%${escapeLike(normalizeString(v))}`)}`;
    default:
      return unsupported(`string modifier :${f.operator}`);
  }
}

function referenceCondition(type: string, param: SearchParameter, f: Filter, v: string, p: SqlParams): string {
  if (f.operator !== 'eq') unsupported(`reference modifier :${f.operator}`);
  if (v.includes('/')) return `l.target = ${p.add(v.replace(/\/_history\/.*$/, ''))}`;
  // A bare id matches any of the parameter's target types.
  const targets = getSearchParameterDetails(type, param).referenceTargetTypes ?? (param.target as string[] | undefined) ?? [];
  return `l.target = ANY(${p.add(targets.map((t) => `${t}/${v}`))}::text[])`;
}

function uriCondition(f: Filter, v: string, p: SqlParams): string {
  switch (f.operator) {
    case 'eq':
      return `l.value = ${p.add(v)}`;
    case 'below':
      return `l.value LIKE ${p.add(`${escapeLike(v)}%`)}`;
    case 'above':
      return `${p.add(v)} LIKE (replace(replace(l.value, '%', '\\%'), '_', '\\_') || '%')`;
    default:
      return unsupported(`uri modifier :${f.operator}`);
  }
}

/** Compares the stored range [low, high] with the search value's range, per the spec's prefixes. */
export function dateCondition(low: string, high: string, op: string, v: string, p: SqlParams): string {
  const r = valueRange(v);
  if (!r) throw new OperationOutcomeError(badRequest(`Invalid date search value: ${v}`));
  // Placeholders are added only when used: PostgreSQL cannot type a parameter no clause mentions.
  const vl = () => `${p.add(r.low)}::timestamptz`;
  const vh = () => `${p.add(r.high)}::timestamptz`;
  switch (op) {
    case 'eq':
      return `${low} >= ${vl()} AND ${high} <= ${vh()}`;
    case 'ne':
      return `NOT (${low} >= ${vl()} AND ${high} <= ${vh()})`;
    case 'gt':
      return `${high} > ${vh()}`;
    case 'lt':
      return `${low} < ${vl()}`;
    case 'ge':
      return `${high} >= ${vl()}`;
    case 'le':
      return `${low} <= ${vh()}`;
    case 'sa':
      return `${low} > ${vh()}`;
    case 'eb':
      return `${high} < ${vl()}`;
    case 'ap':
    case 'po': // _filter's "overlaps"
      return `${low} <= ${vh()} AND ${high} >= ${vl()}`;
    default:
      return unsupported(`date prefix ${op}`);
  }
}

/**
 * The same comparisons as dateCondition, written on tstzrange(low, high) so the GiST index on
 * sp_date (migrations/0006_date_ranges.sql) answers them.
 */
function dateRangeCondition(op: string, v: string, p: SqlParams): string {
  const r = valueRange(v);
  if (!r) throw new OperationOutcomeError(badRequest(`Invalid date search value: ${v}`));
  const range = "tstzrange(l.low, l.high, '[]')";
  const bound = (lo: string | null, hi: string | null, bounds: string) =>
    `tstzrange(${lo ? `${p.add(lo)}::timestamptz` : 'NULL'}, ${hi ? `${p.add(hi)}::timestamptz` : 'NULL'}, '${bounds}')`;
  switch (op) {
    case 'eq':
      return `${range} <@ ${bound(r.low, r.high, '[]')}`;
    case 'ne':
      return `NOT (${range} <@ ${bound(r.low, r.high, '[]')})`;
    case 'gt':
      return `${range} && ${bound(r.high, null, '()')}`;
    case 'lt':
      return `${range} && ${bound(null, r.low, '()')}`;
    case 'ge':
      return `${range} && ${bound(r.low, null, '[)')}`;
    case 'le':
      return `${range} && ${bound(null, r.high, '(]')}`;
    case 'sa':
      return `${range} >> ${bound(null, r.high, '(]')}`;
    case 'eb':
      return `${range} << ${bound(r.low, null, '[)')}`;
    case 'ap':
    case 'po': // _filter's "overlaps"
      return `${range} && ${bound(r.low, r.high, '[]')}`;
    default:
      return unsupported(`date prefix ${op}`);
  }
}

/** A number search value implies its precision: "100" means [99.5, 100.5). */
function numberCondition(op: string, v: string, p: SqlParams): string {
  if (!/^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(v)) throw new OperationOutcomeError(badRequest(`Invalid number search value: ${v}`));
  const n = Number(v);
  const decimals = v.includes('.') ? v.split('.')[1].replace(/[eE].*$/, '').length : 0;
  const half = 0.5 * 10 ** -decimals;
  const x = () => `${p.add(v)}::numeric`;
  switch (op) {
    case 'eq':
      return `l.value >= ${p.add(n - half)}::numeric AND l.value < ${p.add(n + half)}::numeric`;
    case 'ne':
      return `NOT (l.value >= ${p.add(n - half)}::numeric AND l.value < ${p.add(n + half)}::numeric)`;
    case 'gt':
    case 'sa':
      return `l.value > ${x()}`;
    case 'lt':
    case 'eb':
      return `l.value < ${x()}`;
    case 'ge':
      return `l.value >= ${x()}`;
    case 'le':
      return `l.value <= ${x()}`;
    case 'ap':
      return `l.value BETWEEN ${p.add(n - Math.abs(n) * 0.1)}::numeric AND ${p.add(n + Math.abs(n) * 0.1)}::numeric`;
    default:
      return unsupported(`number prefix ${op}`);
  }
}

function quantityCondition(op: string, v: string, p: SqlParams): string {
  const [num, system, unit] = v.split('|');
  const conds = [numberCondition(op, num, p)];
  if (system) conds.push(`l.system = ${p.add(system)}`);
  if (unit) conds.push(`l.unit = ${p.add(unit)}`);
  return conds.join(' AND ');
}

function compileSort(req: SearchRequest, p: SqlParams): string {
  const keys: string[] = [];
  for (const rule of req.sortRules ?? []) {
    const dir = rule.descending ? 'DESC' : 'ASC';
    if (rule.code === '_id') keys.push(`r.id ${dir}`);
    else if (rule.code === '_lastUpdated') keys.push(`r.last_updated ${dir}`);
    else {
      const param = getSearchParameter(req.resourceType, rule.code);
      if (!param) throw new OperationOutcomeError(badRequest(`Unknown sort parameter: ${rule.code}`, '_sort'));
      const agg = rule.descending ? 'max' : 'min';
      const column = {
        string: 'norm',
        date: rule.descending ? 'high' : 'low',
        token: 'value',
        number: 'value',
        quantity: 'value',
        uri: 'value',
        reference: 'target',
      }[param.type as string];
      if (!column) unsupported(`sort on ${param.type} parameter ${rule.code}`);
      const table = tableFor(param);
      keys.push(
        `(SELECT ${agg}(l.${column}) FROM ${table} l WHERE l.resource_id = r.id AND l.resource_type = ${p.add(req.resourceType)} AND l.code = ${p.add(rule.code)}) ${dir} NULLS LAST`,
      );
    }
  }
  // Without a sort, the newest first; the id breaks ties so that paging is stable.
  if (keys.length === 0) keys.push('r.last_updated DESC');
  keys.push('r.id ASC');
  return keys.join(', ');
}
