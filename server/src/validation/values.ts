import type { ElementDefinition } from '@medplum/fhirtypes';

/** JSON values at a dotted path, arrays flattened at every step (FHIRPath-like navigation). */
export function valuesAt(value: unknown, path: string): unknown[] {
  let current: unknown[] = Array.isArray(value) ? value : [value];
  for (const seg of path.split('.')) {
    const next: unknown[] = [];
    for (const v of current) {
      if (typeof v !== 'object' || v === null) continue;
      const child = (v as Record<string, unknown>)[seg];
      if (child === undefined) continue;
      if (Array.isArray(child)) next.push(...child);
      else next.push(child);
    }
    current = next;
  }
  return current;
}

/** Exact equality of JSON values (fixed[x] semantics). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || typeof a !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => sameValue(v, bb[i]));
  }
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  return ka.length === kb.length && ka.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/**
 * pattern[x] semantics: every property the pattern has, the value has with a matching value;
 * each element of a pattern array must match some element of the value's array.
 */
export function includesPattern(value: unknown, pattern: unknown): boolean {
  if (typeof pattern !== 'object' || pattern === null) return value === pattern;
  if (Array.isArray(pattern)) {
    if (!Array.isArray(value)) return false;
    return pattern.every((p) => value.some((v) => includesPattern(v, p)));
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return Object.entries(pattern).every(([k, p]) => includesPattern((value as Record<string, unknown>)[k], p));
}

/** The element's fixed[x] or pattern[x], whichever it declares. */
export function fixedOrPattern(def: ElementDefinition): { kind: 'fixed' | 'pattern'; value: unknown } | undefined {
  for (const key in def) {
    if (key.startsWith('fixed')) return { kind: 'fixed', value: (def as unknown as Record<string, unknown>)[key] };
    if (key.startsWith('pattern')) return { kind: 'pattern', value: (def as unknown as Record<string, unknown>)[key] };
  }
  return undefined;
}
