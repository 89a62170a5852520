/**
 * FHIR JSON has no empty arrays or objects (R4 JSON: "arrays are never empty", objects have
 * content). Drops them, at any depth, from what we send; an object or array emptied by that is
 * dropped too. Copies only the parts that change, so a clean resource comes back as it was
 * (one read-only walk: no allocation on the common path).
 */
export function withoutEmpties<T>(value: T): T {
  return (prune(value) ?? (Array.isArray(value) ? [] : {})) as T;
}

function prune(value: unknown): unknown {
  if (Array.isArray(value)) return pruneArray(value);
  if (isPlainObject(value)) return pruneObject(value);
  return value;
}

function pruneArray(value: unknown[]): unknown[] | undefined {
  let out: unknown[] | undefined;
  for (let i = 0; i < value.length; i++) {
    const item = value[i];
    // null keeps its place: it aligns primitive extensions (`_given: [null, {...}]`).
    const p = item === null ? null : prune(item);
    if (p === item && !out) continue;
    out ??= value.slice(0, i);
    if (p !== undefined) out.push(p);
  }
  const result = out ?? value;
  return result.length === 0 ? undefined : result;
}

function pruneObject(value: Record<string, unknown>): Record<string, unknown> | undefined {
  let out: Record<string, unknown> | undefined;
  let size = 0;
  for (const k in value) {
    const v = value[k];
    const p = prune(v);
    if (p !== undefined) size++;
    if (p === v && !out) continue;
    if (!out) {
      out = {};
      for (const before in value) {
        if (before === k) break;
        out[before] = value[before];
      }
    }
    if (p !== undefined) out[k] = p;
  }
  return size === 0 ? undefined : (out ?? value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
