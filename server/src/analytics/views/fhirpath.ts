import {
  type AtomContext,
  evalFhirPathTyped,
  type FhirPathAtom,
  FunctionAtom,
  PropertyType,
  parseFhirPath,
  SymbolAtom,
  type TypedValue,
} from '@medplum/core';

/**
 * FHIRPath for views: @medplum/core's parser and evaluator, plus the functions the SQL on FHIR
 * suite uses that it lacks (lowBoundary, highBoundary). Ours are swapped into the parsed tree,
 * since the library keeps its function table private.
 */

type Atom = { eval(context: AtomContext, input: TypedValue[]): TypedValue[]; toString(): string };

/** A parsed expression, with the `%names` it reads. */
export interface CompiledPath {
  source: string;
  atom: FhirPathAtom;
  variables: string[];
}

export class PathError extends Error {}

const DATE_RE = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$/;
const DATETIME_RE = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?(?:T(\d{2})(?::(\d{2}))?(?::(\d{2}))?(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})?$/;
const TIME_RE = /^(\d{2})(?::(\d{2}))?(?::(\d{2}))?(?:\.(\d+))?$/;

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const daysIn = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();

/** Decimal places of a number as written; JSON drops trailing zeros, so count at least one. */
function decimalPlaces(n: number): number {
  const s = String(n);
  const dot = s.indexOf('.');
  return Math.max(dot < 0 ? 0 : s.length - dot - 1, 1);
}

function boundary(value: TypedValue, high: boolean): TypedValue | undefined {
  const v = value.value;
  if (typeof v === 'number') {
    const places = decimalPlaces(v);
    const half = 0.5 * 10 ** -places;
    return { type: PropertyType.decimal, value: Number((high ? v + half : v - half).toFixed(places + 1)) };
  }
  if (typeof v !== 'string') return undefined;
  if (value.type === PropertyType.date || (value.type !== PropertyType.dateTime && DATE_RE.test(v) && value.type !== PropertyType.time)) {
    const m = DATE_RE.exec(v);
    if (m) {
      const y = Number(m[1]);
      const mo = m[2] ? Number(m[2]) : high ? 12 : 1;
      const d = m[3] ? Number(m[3]) : high ? daysIn(y, mo) : 1;
      return { type: PropertyType.date, value: `${pad(y, 4)}-${pad(mo)}-${pad(d)}` };
    }
  }
  if (value.type === PropertyType.time) {
    const m = TIME_RE.exec(v);
    if (!m) return undefined;
    const part = (x: string | undefined, max: number) => (x ? Number(x) : high ? max : 0);
    const ms = m[4] ? m[4].padEnd(3, '0').slice(0, 3) : high ? '999' : '000';
    return { type: PropertyType.time, value: `${pad(Number(m[1]))}:${pad(part(m[2], 59))}:${pad(part(m[3], 59))}.${ms}` };
  }
  const m = DATETIME_RE.exec(v);
  if (!m) return undefined;
  const y = Number(m[1]);
  const mo = m[2] ? Number(m[2]) : high ? 12 : 1;
  const d = m[3] ? Number(m[3]) : high ? daysIn(y, mo) : 1;
  const part = (x: string | undefined, max: number) => (x ? Number(x) : high ? max : 0);
  const ms = m[7] ? m[7].padEnd(3, '0').slice(0, 3) : high ? '999' : '000';
  // Without a zone the instant could be anywhere from UTC+14 (earliest) to UTC-12 (latest).
  const zone = m[8] ?? (high ? '-12:00' : '+14:00');
  return {
    type: PropertyType.dateTime,
    value: `${pad(y, 4)}-${pad(mo)}-${pad(d)}T${pad(part(m[4], 23))}:${pad(part(m[5], 59))}:${pad(part(m[6], 59))}.${ms}${zone}`,
  };
}

class BoundaryAtom implements Atom {
  private readonly high: boolean;
  private readonly original: string;
  constructor(high: boolean, original: string) {
    this.high = high;
    this.original = original;
  }
  eval(_context: AtomContext, input: TypedValue[]): TypedValue[] {
    if (input.length !== 1) return [];
    const b = boundary(input[0], this.high);
    return b ? [b] : [];
  }
  toString(): string {
    return this.original;
  }
}

// A Map, not an object literal: function names such as toString must not find Object's methods.
const EXTRA = new Map<string, (f: FunctionAtom) => Atom>([
  ['lowBoundary', (f) => new BoundaryAtom(false, f.toString())],
  ['highBoundary', (f) => new BoundaryAtom(true, f.toString())],
]);

const known = new Map<string, boolean>();

/** Whether @medplum/core knows a function: its table is private, so ask it once by name. */
function isKnownFunction(name: string): boolean {
  if (EXTRA.has(name)) return true;
  let ok = known.get(name);
  if (ok === undefined) {
    try {
      new FunctionAtom(name, []).eval({ variables: {} }, []);
      ok = true;
    } catch (err) {
      ok = !(err instanceof Error && err.message.startsWith('Unrecognized function'));
    }
    known.set(name, ok);
  }
  return ok;
}

/** Walks a parsed tree, replacing our functions and collecting variables and unknown functions. */
function visit(node: unknown, found: { variables: Set<string>; unknown: Set<string> }): unknown {
  if (!node || typeof node !== 'object') return node;
  if (node instanceof SymbolAtom && node.name.startsWith('%')) found.variables.add(node.name.slice(1));
  if (node instanceof FunctionAtom) {
    if (!isKnownFunction(node.name)) found.unknown.add(node.name);
    const replace = EXTRA.get(node.name);
    if (replace) return replace(node);
  }
  const record = node as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const value = record[key];
    if (Array.isArray(value)) {
      record[key] = value.map((v) => (typeof v === 'object' && v && 'eval' in v ? visit(v, found) : v));
    } else if (value && typeof value === 'object' && 'eval' in value) {
      record[key] = visit(value, found);
    }
  }
  return node;
}

/** Parses an expression, or throws PathError with a sentence about what is wrong. */
export function compilePath(source: string): CompiledPath {
  let atom: FhirPathAtom;
  try {
    atom = parseFhirPath(source);
  } catch {
    throw new PathError(`"${source}" is not a valid FHIRPath expression`);
  }
  const found = { variables: new Set<string>(), unknown: new Set<string>() };
  visit(atom, found);
  if (found.unknown.size > 0) {
    throw new PathError(`"${source}" calls an unknown FHIRPath function: ${[...found.unknown].join(', ')}`);
  }
  return { source, atom, variables: [...found.variables] };
}

export function evalPath(path: CompiledPath, input: TypedValue[], variables: Record<string, TypedValue>): TypedValue[] {
  try {
    return evalFhirPathTyped(path.atom, input, variables);
  } catch {
    // The library's own message is not ours to show; the expression is.
    throw new PathError(`"${path.source}" could not be evaluated`);
  }
}
