import { type Constraint, evalFhirPathTyped, type FhirPathAtom, parseFhirPath, type TypedValue } from '@medplum/core';
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';

/**
 * R4 base rules that @medplum/core's validator leaves out: invariants of data types and of
 * resources inside resources (it evaluates a resource's own and its elements' only), resource
 * ids, empty arrays and objects, and dom-3 (contained resources are referenced).
 */

const fhirPathCache = new Map<string, FhirPathAtom>();
/** A FHIRPath expression parsed once and kept (the validator's invariants share it). */
export function compiled(expression: string): FhirPathAtom {
  let atom = fhirPathCache.get(expression);
  if (!atom) {
    atom = parseFhirPath(expression);
    fhirPathCache.set(expression, atom);
  }
  return atom;
}

/**
 * R4's published que-12 counts "> 2" where its rule says "more than one" (fixed in R5); the rule
 * as written is the one checked.
 */
export const CORRECTED: Record<string, string> = {
  'que-12': 'enableWhen.count() > 1 implies enableBehavior.exists()',
};

// The FHIRPath engine has no children(), descendants() or htmlChecks(): such expressions would
// pass vacuously. ele-1 is the empty-object rule, dom-3 and the narrative rules are checked in code.
const UNEVALUABLE = /\b(children|descendants|htmlChecks)\(\)/;

/**
 * The FHIRPath engine compares dateTimes as text: `09:30:00+05:30 <= 04:05:36.513Z` comes out false,
 * and so does `…:36Z <= …:36.513Z`. per-1 (a Period's start not after its end) is checked in code,
 * on instants: the earliest the start can be against the latest the end can be, so partial dates
 * (`2026-12`) compare as the span they name.
 */
const IN_CODE: Record<string, (value: unknown) => boolean> = {
  'per-1': (v) => {
    const p = v as { start?: string; end?: string } | undefined;
    if (!p?.start || !p.end) return true;
    const start = instantBounds(p.start);
    const end = instantBounds(p.end);
    return !start || !end || start[0] <= end[1];
  },
};

/** The first and last millisecond a FHIR date or dateTime can mean, or undefined when it does not parse. */
export function instantBounds(value: string): [number, number] | undefined {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(value);
  if (m) {
    const [y, mo, d] = [Number(m[1]), m[2] ? Number(m[2]) - 1 : undefined, m[3] ? Number(m[3]) : undefined];
    const first = Date.UTC(y, mo ?? 0, d ?? 1);
    const next = d !== undefined ? Date.UTC(y, mo as number, d + 1) : mo !== undefined ? Date.UTC(y, mo + 1, 1) : Date.UTC(y + 1, 0, 1);
    // A date has no zone: it may start as early as UTC+14 and end as late as UTC-12.
    return [first - 14 * 3_600_000, next - 1 + 12 * 3_600_000];
  }
  const t = Date.parse(value);
  if (Number.isNaN(t)) return undefined;
  // Seconds without a fraction span the whole second.
  return [t, /\.\d+/.test(value) ? t : t + 999];
}

function evaluable(c: Constraint): boolean {
  return c.severity === 'error' && Boolean(c.expression) && c.key !== 'ele-1' && !UNEVALUABLE.test(CORRECTED[c.key] ?? c.expression);
}

// Schemas are parsed once and kept, so their constraint lists can key the filtered ones.
const evaluableCache = new WeakMap<Constraint[], Constraint[]>();
const NONE: Constraint[] = [];
function evaluableOf(constraints: Constraint[] | undefined): Constraint[] {
  if (!constraints?.length) return NONE;
  let list = evaluableCache.get(constraints);
  if (!list) {
    list = constraints.filter(evaluable);
    evaluableCache.set(constraints, list);
  }
  return list;
}

export function constraintIssue(path: string, c: Constraint): OperationOutcomeIssue {
  return { severity: 'error', code: 'invariant', details: { text: `Constraint ${c.key} not met: ${c.description}` }, expression: [path] };
}

/** Evaluates error-level invariants on one value; `resource` and `root` are %resource and %rootResource. */
export function invariantIssues(
  constraints: Constraint[] | undefined,
  value: TypedValue,
  path: string,
  resource: Resource,
  root: Resource,
): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  for (const c of evaluableOf(constraints)) {
    let ok: boolean;
    const inCode = IN_CODE[c.key];
    if (inCode) {
      if (!inCode(value.value)) issues.push(constraintIssue(path, c));
      continue;
    }
    try {
      const result = evalFhirPathTyped(compiled(CORRECTED[c.key] ?? c.expression), [value], {
        '%context': value,
        '%resource': { type: resource.resourceType, value: resource },
        '%rootResource': { type: root.resourceType, value: root },
      });
      ok = result.length === 0 || result.every((r) => r.value === true);
    } catch {
      // An expression this engine cannot run is not the resource's fault.
      continue;
    }
    if (!ok) issues.push(constraintIssue(path, c));
  }
  return issues;
}

const ID = /^[A-Za-z0-9\-.]{1,64}$/;

export function idIssue(id: unknown, path: string): OperationOutcomeIssue | undefined {
  if (id === undefined || (typeof id === 'string' && ID.test(id))) return undefined;
  return {
    severity: 'error',
    code: 'value',
    details: { text: 'A resource id is 1 to 64 characters, each a letter, digit, "-" or "."' },
    expression: [path],
  };
}

/** Every empty array and empty object in a resource's JSON: FHIR JSON has neither. */
export function emptyValueIssues(value: unknown, path: string): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  const walk = (v: unknown, at: string) => {
    if (Array.isArray(v)) {
      if (v.length === 0) issues.push(emptyIssue(at, 'array'));
      v.forEach((x, i) => {
        walk(x, `${at}[${i}]`);
      });
    } else if (typeof v === 'object' && v !== null) {
      const entries = Object.entries(v);
      if (entries.length === 0) issues.push(emptyIssue(at, 'object'));
      for (const [k, x] of entries) walk(x, `${at}.${k}`);
    }
  };
  walk(value, path);
  return issues;
}

function emptyIssue(path: string, what: 'array' | 'object'): OperationOutcomeIssue {
  return {
    severity: 'error',
    code: 'structure',
    details: { text: `An empty ${what} is not allowed in FHIR JSON: leave the element out` },
    expression: [path],
  };
}

/** dom-3: each contained resource is referenced from elsewhere in the resource, or refers to it (`#`). */
export function unreferencedContained(resource: Resource, path: string): OperationOutcomeIssue[] {
  const contained = (resource as { contained?: unknown }).contained;
  if (!Array.isArray(contained) || contained.length === 0) return [];
  const unmatched = contained.filter((c) => {
    const id = (c as { id?: unknown }).id;
    if (typeof id !== 'string') return true;
    return !(hasLocalRef(resource, `#${id}`, c) || hasLocalRef(c, '#'));
  });
  if (unmatched.length === 0) return [];
  return [
    {
      severity: 'error',
      code: 'invariant',
      details: {
        text: 'Constraint dom-3 not met: If the resource is contained in another resource, it SHALL be referred to from elsewhere in the resource or SHALL refer to the containing resource',
      },
      expression: [path],
    },
  ];
}

/** Whether some string in `value` (outside `skip`) is exactly `ref`: references, canonicals and uris alike. */
function hasLocalRef(value: unknown, ref: string, skip?: unknown): boolean {
  if (value === skip) return false;
  if (typeof value === 'string') return value === ref;
  if (Array.isArray(value)) return value.some((v) => hasLocalRef(v, ref, skip));
  if (typeof value === 'object' && value !== null) return Object.values(value).some((v) => hasLocalRef(v, ref, skip));
  return false;
}

/** que-2: the linkIds of a Questionnaire's items, at every depth, are unique. */
export function duplicateLinkIds(resource: Resource, path: string): OperationOutcomeIssue[] {
  if (resource.resourceType !== 'Questionnaire') return [];
  const seen = new Set<string>();
  let duplicate = false;
  const walk = (items: unknown) => {
    if (!Array.isArray(items)) return;
    for (const item of items) {
      const linkId = (item as { linkId?: unknown })?.linkId;
      if (typeof linkId === 'string') {
        if (seen.has(linkId)) duplicate = true;
        seen.add(linkId);
      }
      walk((item as { item?: unknown })?.item);
    }
  };
  walk((resource as { item?: unknown }).item);
  if (!duplicate) return [];
  return [
    {
      severity: 'error',
      code: 'invariant',
      details: { text: 'Constraint que-2 not met: The link ids for groups and questions must be unique within the questionnaire' },
      expression: [path],
    },
  ];
}
