import { isResourceType, PropertyType, type TypedValue } from '@medplum/core';
import { loadDefinitions } from '../../fhir/definitions.ts';
import { type CompiledPath, compilePath, PathError } from './fhirpath.ts';
import { COLUMN_TYPES, type ColumnInfo, type ViewColumn, type ViewDefinition, type ViewSelect } from './types.ts';

/**
 * Checks a ViewDefinition and compiles its FHIRPath once. Every problem is a ViewError naming
 * the element (`select[0].column[1].path`), which the API answers with an OperationOutcome.
 */

export class ViewError extends Error {
  readonly element: string;
  constructor(message: string, element: string) {
    super(message);
    this.element = element;
  }
}

export interface CompiledColumn extends ColumnInfo {
  path: CompiledPath;
  element: string;
}

export interface CompiledSelect {
  columns: CompiledColumn[];
  selects: CompiledSelect[];
  unionAll: CompiledSelect[];
  forEach?: CompiledPath;
  forEachOrNull?: CompiledPath;
  repeat?: CompiledPath[];
  /** Every column this node outputs, in output order (for the null row of forEachOrNull). */
  names: string[];
}

export interface CompiledView {
  view: ViewDefinition;
  resource: string;
  root: CompiledSelect;
  where: { path: CompiledPath; element: string }[];
  constants: Record<string, TypedValue>;
  columns: ColumnInfo[];
}

// value[x] of a constant: the FHIR primitive types the specification allows, with their FHIRPath type.
const CONSTANT_TYPES: Record<string, string> = {
  valueBase64Binary: PropertyType.base64Binary,
  valueBoolean: PropertyType.boolean,
  valueCanonical: PropertyType.canonical,
  valueCode: PropertyType.code,
  valueDate: PropertyType.date,
  valueDateTime: PropertyType.dateTime,
  valueDecimal: PropertyType.decimal,
  valueId: PropertyType.id,
  valueInstant: PropertyType.instant,
  valueInteger: PropertyType.integer,
  valueInteger64: PropertyType.integer,
  valueOid: PropertyType.oid,
  valuePositiveInt: PropertyType.positiveInt,
  valueString: PropertyType.string,
  valueTime: PropertyType.time,
  valueUnsignedInt: PropertyType.unsignedInt,
  valueUri: PropertyType.uri,
  valueUrl: PropertyType.url,
  valueUuid: PropertyType.uuid,
};

// Variables FHIRPath provides itself, and the one this engine adds.
const BUILT_IN_VARIABLES = new Set(['resource', 'rootResource', 'context', 'ucum', 'sct', 'loinc', 'rowIndex']);
const NAME_RE = /^[A-Za-z][A-Za-z0-9_]*$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

class Compiler {
  readonly constants: Record<string, TypedValue> = {};

  path(value: unknown, element: string): CompiledPath {
    if (typeof value !== 'string' || value.trim() === '')
      throw new ViewError(`${element} must be a FHIRPath expression (a string)`, element);
    let compiled: CompiledPath;
    try {
      compiled = compilePath(value);
    } catch (err) {
      if (err instanceof PathError) throw new ViewError(`${element}: ${err.message}`, element);
      throw err;
    }
    for (const v of compiled.variables) {
      if (!BUILT_IN_VARIABLES.has(v) && !(`%${v}` in this.constants)) {
        throw new ViewError(`${element} uses %${v}, which no constant of the view defines`, element);
      }
    }
    return compiled;
  }

  column(value: unknown, element: string): CompiledColumn {
    if (!isObject(value)) throw new ViewError(`${element} must be an object with name and path`, element);
    const { name, type, collection } = value;
    if (typeof name !== 'string' || !NAME_RE.test(name)) {
      throw new ViewError(`${element}.name must start with a letter and hold only letters, digits and _`, `${element}.name`);
    }
    if (type !== undefined && (typeof type !== 'string' || !COLUMN_TYPES.has(type))) {
      throw new ViewError(`${element}.type "${String(type)}" is not a FHIR primitive type`, `${element}.type`);
    }
    if (collection !== undefined && typeof collection !== 'boolean') {
      throw new ViewError(`${element}.collection must be true or false`, `${element}.collection`);
    }
    return {
      name,
      type: (type as string | undefined) ?? 'string',
      collection: collection === true,
      path: this.path(value.path, `${element}.path`),
      element,
    };
  }

  list(value: unknown, element: string): unknown[] {
    if (value === undefined) return [];
    if (!Array.isArray(value)) throw new ViewError(`${element} must be an array`, element);
    return value;
  }

  select(value: unknown, element: string): CompiledSelect {
    if (!isObject(value)) throw new ViewError(`${element} must be an object`, element);
    const iterators = ['forEach', 'forEachOrNull', 'repeat'].filter((k) => value[k] !== undefined);
    if (iterators.length > 1) throw new ViewError(`${element} may have only one of forEach, forEachOrNull and repeat`, element);
    const node: CompiledSelect = {
      columns: this.list(value.column, `${element}.column`).map((c, i) => this.column(c, `${element}.column[${i}]`)),
      selects: this.list(value.select, `${element}.select`).map((s, i) => this.select(s, `${element}.select[${i}]`)),
      unionAll: this.list(value.unionAll, `${element}.unionAll`).map((s, i) => this.select(s, `${element}.unionAll[${i}]`)),
      names: [],
    };
    if (value.forEach !== undefined) node.forEach = this.path(value.forEach, `${element}.forEach`);
    if (value.forEachOrNull !== undefined) node.forEachOrNull = this.path(value.forEachOrNull, `${element}.forEachOrNull`);
    if (value.repeat !== undefined) {
      const repeat = this.list(value.repeat, `${element}.repeat`);
      if (repeat.length === 0) throw new ViewError(`${element}.repeat must list at least one expression`, `${element}.repeat`);
      node.repeat = repeat.map((p, i) => this.path(p, `${element}.repeat[${i}]`));
    }
    if (value.unionAll !== undefined && node.unionAll.length === 0) {
      throw new ViewError(`${element}.unionAll must list at least one select`, `${element}.unionAll`);
    }
    if (node.columns.length + node.selects.length + node.unionAll.length === 0) {
      throw new ViewError(`${element} must have a column, a select or a unionAll`, element);
    }
    let union: string[] = [];
    node.unionAll.forEach((u, i) => {
      if (i === 0) union = u.names;
      else if (u.names.join(',') !== union.join(',')) {
        throw new ViewError(
          `${element}.unionAll[${i}] has columns (${u.names.join(', ')}) but unionAll[0] has (${union.join(', ')}): every branch needs the same columns in the same order`,
          `${element}.unionAll[${i}]`,
        );
      }
    });
    node.names = [...node.columns.map((c) => c.name), ...node.selects.flatMap((s) => s.names), ...union];
    return node;
  }

  constant(value: unknown, element: string): void {
    if (!isObject(value) || typeof value.name !== 'string' || !NAME_RE.test(value.name)) {
      throw new ViewError(`${element}.name must start with a letter and hold only letters, digits and _`, `${element}.name`);
    }
    const keys = Object.keys(value).filter((k) => k.startsWith('value'));
    if (keys.length !== 1 || !(keys[0] in CONSTANT_TYPES)) {
      throw new ViewError(`${element} (${value.name}) needs exactly one value[x] of a FHIR primitive type`, element);
    }
    if (`%${value.name}` in this.constants) throw new ViewError(`${element}: constant ${value.name} is defined twice`, element);
    this.constants[`%${value.name}`] = { type: CONSTANT_TYPES[keys[0]], value: value[keys[0]] };
  }
}

function allColumns(node: CompiledSelect): CompiledColumn[] {
  const union = node.unionAll[0] ? allColumns(node.unionAll[0]) : [];
  return [...node.columns, ...node.selects.flatMap(allColumns), ...union];
}

/** Validates and compiles a ViewDefinition; throws ViewError on the first problem. */
export function compileView(input: unknown): CompiledView {
  loadDefinitions();
  if (!isObject(input)) throw new ViewError('A ViewDefinition must be a JSON object', 'ViewDefinition');
  if (input.resourceType !== undefined && input.resourceType !== 'ViewDefinition') {
    throw new ViewError(`resourceType must be ViewDefinition, not ${String(input.resourceType)}`, 'ViewDefinition.resourceType');
  }
  const { resource } = input;
  if (typeof resource !== 'string' || resource === '')
    throw new ViewError('ViewDefinition.resource is required: the FHIR resource type the view reads', 'ViewDefinition.resource');
  if (!isResourceType(resource))
    throw new ViewError(`ViewDefinition.resource "${resource}" is not a FHIR R4 resource type`, 'ViewDefinition.resource');
  const compiler = new Compiler();
  for (const [i, c] of compiler.list(input.constant, 'ViewDefinition.constant').entries())
    compiler.constant(c, `ViewDefinition.constant[${i}]`);
  const select = compiler.list(input.select, 'ViewDefinition.select');
  if (select.length === 0)
    throw new ViewError('ViewDefinition.select is required and must list at least one select', 'ViewDefinition.select');
  const root = compiler.select({ select }, 'ViewDefinition');
  const where = compiler.list(input.where, 'ViewDefinition.where').map((w, i) => {
    if (!isObject(w)) throw new ViewError(`ViewDefinition.where[${i}] must be an object with a path`, `ViewDefinition.where[${i}]`);
    return { path: compiler.path(w.path, `ViewDefinition.where[${i}].path`), element: `ViewDefinition.where[${i}].path` };
  });
  const columns = allColumns(root);
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c.name))
      throw new ViewError(`Column name "${c.name}" is used twice (${c.element}); names must be unique`, `${c.element}.name`);
    seen.add(c.name);
  }
  return {
    view: input as unknown as ViewDefinition,
    resource,
    root,
    where,
    constants: compiler.constants,
    columns: columns.map(({ name, type, collection }) => ({ name, type, collection })),
  };
}

export type { ViewColumn, ViewSelect };
