/**
 * FHIR JSON has no empty arrays or objects (R4 JSON: "arrays are never empty", objects have
 * content). Drops them, at any depth, from what we send; an object or array emptied by that is
 * dropped too. Copies only the parts that change, so a clean resource comes back as it was.
 */
export function withoutEmpties<T>(value: T): T {
  return (prune(value) ?? (Array.isArray(value) ? [] : {})) as T;
}

function prune(value: unknown): unknown {
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    value.forEach((item, i) => {
      const p = item === null ? null : prune(item);
      if (p === item && !out) return;
      out ??= value.slice(0, i);
      if (p !== undefined) out.push(p);
    });
    const result = out ?? value;
    return result.length === 0 ? undefined : result;
  }
  if (isPlainObject(value)) {
    let out: Record<string, unknown> | undefined;
    const entries = Object.entries(value);
    entries.forEach(([k, v], i) => {
      const p = prune(v);
      if (p === v && !out) return;
      out ??= Object.fromEntries(entries.slice(0, i));
      if (p !== undefined) out[k] = p;
    });
    const result = out ?? value;
    return Object.keys(result).length === 0 ? undefined : result;
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
