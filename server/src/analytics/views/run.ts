import { PropertyType, type TypedValue, toTypedValue } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import type { CompiledColumn, CompiledSelect, CompiledView } from './compile.ts';
import { type CompiledPath, evalPath, PathError } from './fhirpath.ts';
import type { ViewRow } from './types.ts';

/**
 * Runs a compiled view over one resource at a time, as the specification describes: a select's
 * columns, nested selects and unionAll are joined (cross product) for each focus its forEach,
 * forEachOrNull or repeat yields; `%rowIndex` is the focus's 0-based position.
 */

/** A failure while running a view over a resource (a column with several values...). */
export class ViewRunError extends Error {}

type Vars = Record<string, TypedValue>;

function evaluate(path: CompiledPath, input: TypedValue[], vars: Vars, resource: Resource): TypedValue[] {
  try {
    return evalPath(path, input, vars);
  } catch (err) {
    if (err instanceof PathError) throw new ViewRunError(`${err.message} on ${resource.resourceType}/${resource.id ?? '(no id)'}`);
    throw err;
  }
}

function plain(v: TypedValue): unknown {
  return v.value;
}

function columnValue(col: CompiledColumn, node: TypedValue, vars: Vars, resource: Resource): unknown {
  const values = evaluate(col.path, [node], vars, resource);
  if (col.collection) return values.map(plain);
  if (values.length > 1) {
    throw new ViewRunError(
      `Column ${col.name} (${col.path.source}) gave ${values.length} values on ${resource.resourceType}/${resource.id ?? '(no id)'}; set collection: true or narrow the path`,
    );
  }
  return values.length === 1 ? plain(values[0]) : null;
}

/** Every combination of one row from each part, joined left to right. */
function product(parts: ViewRow[][]): ViewRow[] {
  let rows: ViewRow[] = [{}];
  for (const part of parts) {
    const next: ViewRow[] = [];
    for (const left of rows) for (const right of part) next.push({ ...left, ...right });
    rows = next;
    if (rows.length === 0) break;
  }
  return rows;
}

class Runner {
  private readonly compiled: CompiledView;
  private readonly resource: Resource;
  constructor(compiled: CompiledView, resource: Resource) {
    this.compiled = compiled;
    this.resource = resource;
  }

  private vars(index: number): Vars {
    return { ...this.compiled.constants, '%rowIndex': { type: PropertyType.integer, value: index } };
  }

  /** Depth-first, pre-order: each element, then what the repeat paths reach from it. */
  private repeat(paths: CompiledPath[], node: TypedValue, vars: Vars, out: TypedValue[]): TypedValue[] {
    for (const path of paths) {
      for (const child of evaluate(path, [node], vars, this.resource)) {
        out.push(child);
        this.repeat(paths, child, vars, out);
      }
    }
    return out;
  }

  select(s: CompiledSelect, node: TypedValue, index: number): ViewRow[] {
    const iterator = s.forEach ?? s.forEachOrNull;
    if (!iterator && !s.repeat) return this.focus(s, node, index);
    const vars = this.vars(index);
    const foci = iterator ? evaluate(iterator, [node], vars, this.resource) : this.repeat(s.repeat ?? [], node, vars, []);
    if (foci.length === 0 && s.forEachOrNull) return [this.nullRow(s)];
    return foci.flatMap((focus, i) => this.focus(s, focus, i));
  }

  /** forEachOrNull over nothing: one row, its columns evaluated on an empty focus (%rowIndex is 0). */
  private nullRow(s: CompiledSelect): ViewRow {
    const row: ViewRow = Object.fromEntries(s.names.map((n) => [n, null]));
    const vars = this.vars(0);
    for (const col of s.columns) {
      const values = evaluate(col.path, [], vars, this.resource);
      row[col.name] = col.collection ? values.map(plain) : values.length === 1 ? plain(values[0]) : null;
    }
    return row;
  }

  private focus(s: CompiledSelect, node: TypedValue, index: number): ViewRow[] {
    const vars = this.vars(index);
    const own: ViewRow = {};
    for (const col of s.columns) own[col.name] = columnValue(col, node, vars, this.resource);
    const parts: ViewRow[][] = [[own]];
    for (const sub of s.selects) parts.push(this.select(sub, node, index));
    if (s.unionAll.length > 0) parts.push(s.unionAll.flatMap((u) => this.select(u, node, index)));
    return product(parts);
  }

  matches(): boolean {
    const node = toTypedValue(this.resource);
    for (const w of this.compiled.where) {
      const result = evaluate(w.path, [node], this.vars(0), this.resource);
      if (result.length === 0) return false;
      if (result.length > 1 || typeof result[0].value !== 'boolean') {
        throw new ViewRunError(
          `${w.element} (${w.path.source}) must give true or false, not ${result.length > 1 ? 'several values' : 'a non-boolean'}`,
        );
      }
      if (!result[0].value) return false;
    }
    return true;
  }
}

/** The rows a view gives for one resource (none when it is of another type or fails `where`). */
export function viewRows(compiled: CompiledView, resource: Resource): ViewRow[] {
  if (resource.resourceType !== compiled.resource) return [];
  const runner = new Runner(compiled, resource);
  if (!runner.matches()) return [];
  return runner.select(compiled.root, toTypedValue(resource), 0);
}

/** The rows of a view over a list of resources, in order. */
export function runView(compiled: CompiledView, resources: Iterable<Resource>): ViewRow[] {
  const rows: ViewRow[] = [];
  for (const r of resources) rows.push(...viewRows(compiled, r));
  return rows;
}
