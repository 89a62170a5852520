import {
  badRequest,
  type FhirFilterComparison,
  FhirFilterConnective,
  type FhirFilterExpression,
  FhirFilterNegation,
  type Filter,
  OperationOutcomeError,
} from '@medplum/core';
import { tablePart } from '../terminology/registry.ts';
import { conformance } from '../validation/conformance.ts';
import { parseFilter } from './filter-parser.ts';
import type { SqlParams } from './sql-params.ts';

/**
 * Token modifiers that need terminology: `:below` and `:above` (subsumption, system|code) and
 * `:in`/`:not-in` (a value set's canonical URL). Code systems held in memory (FHIR core, the
 * profile packages) are expanded here into code lists; imported ones (SNOMED CT, LOINC, ICD-10)
 * are joined against the terminology tables, whose `ancestors` arrays answer is-a in one probe.
 * The lookup row is aliased `l` (columns system, value).
 */
export function terminologyTokenCondition(operator: string, value: string, p: SqlParams): string {
  if (operator === 'in' || operator === 'not-in') return valueSetCondition(value, p);
  const bar = value.indexOf('|');
  const system = bar > 0 ? value.slice(0, bar) : '';
  const code = bar > 0 ? value.slice(bar + 1) : '';
  if (!system || !code) throw new OperationOutcomeError(badRequest(`:${operator} needs system|code, got ${value}`));
  const s = p.add(system);
  const local = conformance().terminology.codeSystem(system);
  if (local?.complete) {
    const codes = operator === 'below' ? [code, ...local.descendants(code)] : [code, ...local.ancestors(code)];
    return `l.system = ${s} AND l.value = ANY(${p.add(codes)}::text[])`;
  }
  const c = p.add(code);
  if (operator === 'below') return belowInTables(s, c, true);
  return `l.system = ${s} AND (l.value = ${c} OR l.value = ANY(coalesce((SELECT tc.ancestors FROM terminology_concept tc
            WHERE tc.system = ${s} AND tc.code = ${c}), '{}'::text[])))`;
}

/** The token row's code is under `root` (parameter placeholders) in an imported system's hierarchy. */
function belowInTables(system: string, root: string, orSelf: boolean): string {
  return `l.system = ${system} AND EXISTS (SELECT 1 FROM terminology_concept tc WHERE tc.system = ${system} AND tc.code = l.value
            AND (${orSelf ? `tc.code = ${root} OR ` : ''}tc.ancestors @> ARRAY[${root}]::text[]))`;
}

/** The canonical URLs a search's `:in`/`:not-in` (and `_filter`'s `in`/`ni`) name that the platform does not publish. */
export function unpublishedValueSets(filters: Filter[]): string[] {
  const urls = new Set<string>();
  const visit = (e: FhirFilterExpression): void => {
    if (e instanceof FhirFilterConnective) {
      visit(e.left);
      visit(e.right);
    } else if (e instanceof FhirFilterNegation) visit(e.child);
    else if ((e as FhirFilterComparison).operator === 'in' || (e as FhirFilterComparison).operator === 'not-in') {
      urls.add((e as FhirFilterComparison).value);
    }
  };
  for (const f of filters) {
    if (f.code === '_filter') visit(parseFilter(f.value));
    else if (f.operator === 'in' || f.operator === 'not-in') for (const v of f.value.split(',')) urls.add(v);
  }
  const registry = conformance().terminology;
  return [...urls].filter((url) => !registry.valueSet(url));
}

function valueSetCondition(url: string, p: SqlParams): string {
  const registry = conformance().terminology;
  // The platform's value sets first; then the tenant's own, read for this search beforehand.
  const vs = registry.valueSet(url) ?? p.tenantValueSets.get(url);
  const expansion = vs ? registry.expandResource(vs) : undefined;
  if (!vs || !expansion) {
    throw new OperationOutcomeError(
      badRequest(`Unknown value set ${url} (:in and :not-in take a value set this server publishes or one of yours)`),
    );
  }
  const parts: string[] = [];
  for (const [system, codes] of expansion.index) {
    // A `code`-typed element is indexed without a system: its value set says which it is.
    parts.push(
      `((l.system = ${p.add(system)} OR l.system IS NULL) AND l.value = ANY(${p.add([...codes.values()].map((e) => e.code))}::text[]))`,
    );
  }
  for (const system of expansion.openSystems) {
    if (system === '*') throw new OperationOutcomeError(badRequest(`Value set ${url} includes a value set this server does not hold`));
    for (const include of registry.openIncludes(vs, system)) {
      const part = tablePart(include);
      if (!part) throw new OperationOutcomeError(badRequest(`Value set ${url} filters ${system} in a way search does not support`));
      const s = p.add(system);
      if (!part.under) {
        parts.push(`l.system = ${s}`);
        continue;
      }
      parts.push(`(${belowInTables(s, p.add(part.under), !part.strict)})`);
    }
  }
  return parts.length ? `(${parts.join(' OR ')})` : 'false';
}
