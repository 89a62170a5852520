import {
  evalFhirPathTyped,
  type InternalSchemaElement,
  type InternalTypeSchema,
  isPrimitiveType,
  isResourceType,
  OperationOutcomeError,
  type TypedValue,
  tryGetDataType,
  validateResource,
} from '@medplum/core';
import type { Bundle, ElementDefinition, ElementDefinitionBinding, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { CORRECTED, compiled, duplicateLinkIds, emptyValueIssues, idIssue, invariantIssues, unreferencedContained } from './base-rules.ts';
import type { Conformance } from './conformance.ts';
import { type ElementNode, jsonKeys } from './element-tree.ts';
import { fixedOrPattern, includesPattern, sameValue, valuesAt } from './values.ts';
import { narrativeProblem } from './xhtml.ts';

/**
 * Validates a resource against the R4 base and against profiles: structure, cardinality,
 * fixed/pattern values, slicing, FHIRPath invariants, bindings (required = error, extensible =
 * warning) and reference target types. Profiles referenced from inside a profile (extension
 * definitions, the profile of a Bundle entry's resource) are followed. Parsed profiles and
 * FHIRPath expressions are cached, so a profile costs its walk, not its parse.
 *
 * The R4 base structure itself (types, primitives, unknown properties, base invariants) is
 * checked by @medplum/core's validator, which holds the base types pre-parsed; this module adds
 * what that one lacks (base-rules.ts: invariants of data types and nested resources, ids, empty
 * values; xhtml.ts: narrative; unknown extensions).
 */

export interface ValidateOptions {
  /** Profiles to check besides those the resource claims in meta.profile (the tenant's requirements, $validate's `profile`). */
  profiles?: string[];
}

interface Item {
  value: unknown;
  type: string;
  path: string;
}

const MAX_DEPTH = 12;
const BASE_DEFINITION = 'http://hl7.org/fhir/StructureDefinition/';

/** The sentence that closes a resource's issues against one profile, naming its canonical URL. */
export function profileFailure(path: string, url: string): string {
  return `${path} does not meet the profile ${url}: the errors above are its rules`;
}

/** The `diagnostics` of an issue a profile raised: its canonical URL, for the reader to look up. */
export function requiredBy(url: string): string {
  return `Required by the profile ${url}`;
}

function issue(severity: 'error' | 'warning' | 'information', code: string, path: string, text: string): OperationOutcomeIssue {
  return { severity, code: code as OperationOutcomeIssue['code'], details: { text }, expression: [path] };
}

/** Child index of a medplum base schema: 'contact' -> ['contact.name', ...] one level down. */
const childIndex = new WeakMap<InternalTypeSchema, Map<string, string[]>>();
function childrenOf(schema: InternalTypeSchema, prefix: string): string[] {
  let index = childIndex.get(schema);
  if (!index) {
    index = new Map();
    for (const key of Object.keys(schema.elements)) {
      const dot = key.lastIndexOf('.');
      const parent = dot < 0 ? '' : key.slice(0, dot);
      const list = index.get(parent) ?? [];
      list.push(key);
      index.set(parent, list);
    }
    childIndex.set(schema, index);
  }
  return index.get(prefix) ?? [];
}

/** Invariant keys the R4 base defines for a resource type (its root and elements), evaluated by the base pass. */
const baseKeys = new Map<string, Set<string>>();
function baseConstraintKeys(type: string): Set<string> {
  let keys = baseKeys.get(type);
  if (!keys) {
    keys = new Set(['ele-1']);
    const schema = tryGetDataType(type);
    for (const c of schema?.constraints ?? []) keys.add(c.key);
    for (const el of Object.values(schema?.elements ?? {})) for (const c of el.constraints ?? []) keys.add(c.key);
    baseKeys.set(type, keys);
  }
  return keys;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isResourceValue(v: unknown): v is Resource {
  return isObject(v) && typeof v.resourceType === 'string';
}

export class Validator {
  private readonly conformance: Conformance;

  constructor(conformance: Conformance) {
    this.conformance = conformance;
  }

  /** Every issue found, errors and warnings; the caller decides what blocks. */
  validate(resource: Resource, options: ValidateOptions = {}): OperationOutcomeIssue[] {
    const issues: OperationOutcomeIssue[] = [];
    try {
      issues.push(...validateResource(resource));
    } catch (err) {
      if (!(err instanceof OperationOutcomeError)) throw err;
      issues.push(...(err.outcome.issue ?? []));
    }
    // @medplum/core cannot resolve `urn:uuid:` references and warns about each; they are
    // resolved against the Bundle's entries below instead.
    for (let i = issues.length - 1; i >= 0; i--) {
      if (issues[i]?.severity === 'warning' && /^Invalid reference: got "urn:/.test(issues[i]?.details?.text ?? '')) issues.splice(i, 1);
      // Its empty-value check misses empty arrays and some objects; ours reports them all, once.
      else if (/^Invalid empty/.test(issues[i]?.details?.text ?? '')) issues.splice(i, 1);
    }
    issues.push(...emptyValueIssues(resource, resource.resourceType));
    const run = new Run(this.conformance, issues, resource);
    run.resource(resource, resource.resourceType, options.profiles ?? [], 0);
    return dedupe(issues);
  }
}

function dedupe(issues: OperationOutcomeIssue[]): OperationOutcomeIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.severity}|${i.expression?.[0]}|${i.details?.text ?? i.diagnostics}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** One validation pass; holds the issue list and the root resource for %resource. */
class Run {
  private readonly conformance: Conformance;
  private readonly issues: OperationOutcomeIssue[];
  private readonly root: Resource;
  /** Entries of the Bundles being walked, innermost last: fullUrl (and Type/id) -> resource. */
  private readonly bundles: Map<string, Resource>[];
  private readonly conformsCache: WeakMap<object, Map<string, boolean>>;
  /** The resources being walked, innermost last, each with its %rootResource (a contained one's container). */
  private readonly scopes: { resource: Resource; root: Resource }[] = [];

  constructor(
    conformance: Conformance,
    issues: OperationOutcomeIssue[],
    root: Resource,
    bundles: Map<string, Resource>[] = [],
    conformsCache = new WeakMap<object, Map<string, boolean>>(),
  ) {
    this.conformance = conformance;
    this.issues = issues;
    this.root = root;
    this.bundles = bundles;
    this.conformsCache = conformsCache;
  }

  /** The entry a reference points to in the enclosing Bundle, if any. */
  private resolveInBundle(reference: string): Resource | undefined {
    const index = this.bundles.at(-1);
    if (!index) return undefined;
    return index.get(reference) ?? index.get(reference.split('/_history/')[0] as string);
  }

  /** A resource at `path`: base bindings and extensions, then its claimed and required profiles. */
  resource(resource: Resource, path: string, extraProfiles: string[], depth: number): void {
    if (depth > MAX_DEPTH) return;
    const isBundle = resource.resourceType === 'Bundle';
    if (isBundle) this.bundles.push(entryIndex(resource as Bundle));
    const container = /\.contained\[\d+\]$/.test(path) ? this.scopes.at(-1)?.root : undefined;
    this.scopes.push({ resource, root: container ?? resource });
    try {
      this.checkResource(resource, path, extraProfiles, depth);
    } finally {
      this.scopes.pop();
      if (isBundle) this.bundles.pop();
    }
  }

  private checkResource(resource: Resource, path: string, extraProfiles: string[], depth: number): void {
    const schema = tryGetDataType(resource.resourceType);
    const idProblem = idIssue(resource.id, `${path}.id`);
    if (idProblem) this.issues.push(idProblem);
    this.issues.push(...unreferencedContained(resource, path), ...duplicateLinkIds(resource, path));
    // @medplum/core evaluates the root resource's own invariants, not those of resources inside it.
    if (schema && depth > 0) this.invariants(schema.constraints, { type: resource.resourceType, value: resource }, path);
    if (schema) this.baseObject(resource, schema, '', path, depth);
    const claimed = resource.meta?.profile ?? [];
    for (const url of new Set([...claimed, ...extraProfiles])) {
      const tree = this.conformance.tree(url);
      if (!tree) {
        this.issues.push(
          issue(
            claimed.includes(url) ? 'warning' : 'error',
            'not-supported',
            path,
            `Profile ${url} is not known to this server, so the resource was not checked against it`,
          ),
        );
        continue;
      }
      if (tree.definition.path !== resource.resourceType) {
        this.issues.push(issue('error', 'structure', path, `Profile ${url} is for ${tree.definition.path}, not ${resource.resourceType}`));
        continue;
      }
      const before = this.issues.length;
      this.profileValue(tree, { value: resource, type: resource.resourceType, path }, depth);
      // Each gap names the profile that demanded it (a nested resource's own profile keeps its name).
      for (const i of this.issues.slice(before)) if (i.severity === 'error' && !i.diagnostics) i.diagnostics = requiredBy(url);
      if (this.issues.slice(before).some((i) => i.severity === 'error')) {
        this.issues.push(issue('information', 'informational', path, profileFailure(path, url)));
      }
    }
  }

  // ---- base pass: required bindings, extension definitions, nested resources ----

  private baseObject(
    obj: Record<string, unknown> | Resource,
    schema: InternalTypeSchema,
    prefix: string,
    path: string,
    depth: number,
  ): void {
    for (const key of childrenOf(schema, prefix)) {
      const element = schema.elements[key] as InternalSchemaElement;
      const name = key.slice(prefix ? prefix.length + 1 : 0);
      for (const item of this.propertyItems(
        obj as Record<string, unknown>,
        name,
        element.type.map((t) => t.code),
        path,
      )) {
        this.baseValue(item, element, schema, key, depth);
      }
    }
  }

  private baseValue(item: Item, element: InternalSchemaElement, schema: InternalTypeSchema, key: string, depth: number): void {
    // The base pass enforces required bindings only; extensible ones are a profile's business
    // (profiles re-bind them, and a base-level warning would contradict the profile).
    if (element.binding?.strength === 'required') this.binding(item, element.binding);
    const corrected = element.constraints?.filter((c) => CORRECTED[c.key]);
    if (corrected?.length) this.invariants(corrected, item, item.path);
    if (item.type === 'xhtml' && typeof item.value === 'string') this.narrative(item.value, item.path);
    if (item.type === 'Reference') this.bundleReference(item, element.type.find((t) => t.code === 'Reference')?.targetProfile ?? []);
    if (isPrimitiveType(item.type) || !isObject(item.value)) return;
    if (isResourceValue(item.value)) {
      this.resource(item.value, item.path, [], depth + 1);
      return;
    }
    if (item.type === 'Extension') this.extension(item, depth);
    if (childrenOf(schema, key).length > 0) {
      // A backbone element: its children are in the same schema under `key.`.
      this.baseObject(item.value, schema, key, item.path, depth);
      return;
    }
    const typeSchema = tryGetDataType(item.type);
    // A data type's own invariants (per-1 on Period, ...), which @medplum/core does not evaluate.
    if (typeSchema) this.invariants(typeSchema.constraints, item, item.path);
    if (typeSchema && depth < MAX_DEPTH) this.baseObject(item.value, typeSchema, '', item.path, depth + 1);
  }

  private invariants(constraints: InternalTypeSchema['constraints'], item: { type: string; value: unknown }, path: string): void {
    const scope = this.scopes.at(-1);
    if (!scope) return;
    this.issues.push(...invariantIssues(constraints, { type: item.type, value: item.value }, path, scope.resource, scope.root));
  }

  private narrative(div: string, path: string): void {
    const problem = narrativeProblem(div);
    if (problem) {
      this.issues.push(issue('error', 'invariant', path, `Constraint txt-1 not met: the narrative is not allowed XHTML: ${problem}`));
    }
  }

  /** An extension whose definition is known is checked against it (context-free: structure and value). */
  private extension(item: Item, depth: number): void {
    const url = (item.value as { url?: unknown }).url;
    if (typeof url !== 'string' || depth > MAX_DEPTH) return;
    const tree = this.conformance.tree(url);
    if (tree) {
      this.profileValue(tree, item, depth + 1);
      return;
    }
    // Relative urls name the parts of a complex extension; its definition covers them.
    if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(url)) return;
    if (/\.modifierExtension\[\d+\]$/.test(item.path)) {
      // A modifier changes the meaning of what holds it: one not understood cannot be accepted (R4).
      this.issues.push(issue('error', 'extension', item.path, `The modifier extension ${url} is not known to this server`));
    } else {
      this.issues.push(
        issue('warning', 'extension', item.path, `The extension ${url} is not known to this server, so its content was not checked`),
      );
    }
  }

  /** JSON values of one property, flattened, with their FHIR types and FHIRPath expressions. */
  private propertyItems(obj: Record<string, unknown>, name: string, types: string[], path: string): Item[] {
    const candidates: { key: string; type: string }[] = name.endsWith('[x]')
      ? types.map((t) => ({ key: name.slice(0, -3) + t.charAt(0).toUpperCase() + t.slice(1), type: t }))
      : [{ key: name, type: types[0] ?? 'BackboneElement' }];
    const items: Item[] = [];
    for (const { key, type } of candidates) {
      const raw = obj[key];
      const ext = obj[`_${key}`];
      if (raw === undefined && ext === undefined) continue;
      const resolvedType = type === 'Resource' && isResourceValue(raw) ? raw.resourceType : type;
      if (Array.isArray(raw ?? ext)) {
        const list = (raw ?? ext) as unknown[];
        list.forEach((v, i) => {
          items.push({ value: raw === undefined ? {} : v, type: resolvedType, path: `${path}.${key}[${i}]` });
        });
      } else {
        items.push({ value: raw === undefined ? {} : raw, type: resolvedType, path: `${path}.${key}` });
      }
    }
    return items;
  }

  // ---- bindings ----

  private binding(item: Item, binding: ElementDefinitionBinding): void {
    if (!binding.valueSet || (binding.strength !== 'required' && binding.strength !== 'extensible')) return;
    const codings = codingsOf(item);
    if (codings === undefined) return;
    const terminology = this.conformance.terminology;
    if (!terminology.valueSet(binding.valueSet)) return;
    if (codings.length === 0) {
      if (binding.strength === 'required' && item.type === 'CodeableConcept') {
        this.issues.push(issue('error', 'code-invalid', item.path, `A code from ${binding.valueSet} is required, but none was given`));
      }
      return;
    }
    let unknown = false;
    for (const c of codings) {
      const m = terminology.membership(binding.valueSet, c.system, c.code);
      if (m === 'member') return;
      if (m === 'unknown') unknown = true;
    }
    if (unknown) return;
    const shown = codings.map((c) => (c.system ? `${c.system}|${c.code}` : c.code)).join(', ');
    this.issues.push(
      issue(
        binding.strength === 'required' ? 'error' : 'warning',
        'code-invalid',
        item.path,
        `The code ${shown} is not in the value set ${binding.valueSet} (${binding.strength} binding)`,
      ),
    );
  }

  // ---- profile pass ----

  /** Checks one value against a profile node: its own rules, then its children and slices. */
  private profileValue(node: ElementNode, item: Item, depth: number): void {
    const def = node.definition;
    const expected = fixedOrPattern(def);
    if (expected) {
      const ok = expected.kind === 'fixed' ? sameValue(item.value, expected.value) : includesPattern(item.value, expected.value);
      if (!ok) {
        this.issues.push(
          issue('error', 'value', item.path, `Value must ${expected.kind === 'fixed' ? 'be' : 'match'} ${JSON.stringify(expected.value)}`),
        );
      }
    }
    if (def.binding) this.binding(item, def.binding);
    this.constraints(def, item);
    this.referenceTarget(def, item, depth);
    this.typeProfiles(def, item, depth);
    if (node.children.length > 0 && isObject(item.value)) this.profileChildren(node, item, depth);
  }

  private profileChildren(node: ElementNode, parent: Item, depth: number): void {
    const obj = parent.value as Record<string, unknown>;
    for (const child of node.children) {
      const keys = jsonKeys(child);
      const items = this.propertyItems(
        obj,
        child.name,
        keys.map((k) => k.type),
        parent.path,
      );
      this.profileElement(child, items, parent.path, depth);
    }
  }

  private profileElement(node: ElementNode, items: Item[], parentPath: string, depth: number): void {
    const where = `${parentPath}.${node.name.replace('[x]', '')}`;
    if (items.length < node.min) {
      this.issues.push(
        issue('error', 'required', where, `${node.definition.path}: minimum required = ${node.min}, but only found ${items.length}`),
      );
      // What the absent element must carry is reported now too, so that adding it does not reveal
      // the next gap (identifier, then its type, then the coding's display).
      const each = node.max === 1 ? 'it' : `each ${node.name.replace('[x]', '')}`;
      for (const sub of items.length === 0 ? requiredWithin(node) : []) {
        this.issues.push(
          issue('error', 'required', `${where}.${sub}`, `${node.definition.path}.${sub}: required, and ${each} must have it`),
        );
      }
    }
    if (items.length > node.max) {
      this.issues.push(
        issue('error', 'structure', where, `${node.definition.path}: maximum allowed = ${node.max}, but found ${items.length}`),
      );
    }
    for (const item of items) this.profileValue(node, item, depth);
    if (node.slices.length > 0) this.slicing(node, items, where, depth);
  }

  private slicing(node: ElementNode, items: Item[], where: string, depth: number): void {
    const slicing = node.definition.slicing;
    const discriminators = slicing?.discriminator ?? [];
    const counts = new Map<ElementNode, number>();
    for (const item of items) {
      const slice = node.slices.find((s) => this.matchesSlice(s, item, discriminators, depth));
      if (!slice) {
        if (slicing?.rules === 'closed') {
          this.issues.push(
            issue(
              'error',
              'structure',
              item.path,
              `${node.definition.path}: this value matches none of the allowed slices (closed slicing)`,
            ),
          );
        }
        continue;
      }
      counts.set(slice, (counts.get(slice) ?? 0) + 1);
      this.profileValue(slice, item, depth);
    }
    for (const slice of node.slices) {
      const n = counts.get(slice) ?? 0;
      if (n < slice.min || n > slice.max) {
        const max = Number.isFinite(slice.max) ? slice.max : '*';
        this.issues.push(
          issue(
            'error',
            'structure',
            where,
            `${node.definition.path}: slice '${slice.sliceName}' needs ${slice.min}..${max} values, found ${n}`,
          ),
        );
      }
    }
  }

  private matchesSlice(slice: ElementNode, item: Item, discriminators: { type: string; path: string }[], depth: number): boolean {
    if (discriminators.length === 0) return false;
    return discriminators.every((d) => {
      switch (d.type) {
        case 'value':
        case 'pattern':
          return this.matchesValueDiscriminator(slice, item, d.path, d.type === 'pattern');
        case 'type': {
          const target = d.path === '$this' ? slice : nodeAt(slice, d.path);
          const types = (target?.definition.type ?? []).map((t) => t.code);
          const actual =
            d.path === '$this' ? [item.type] : valuesAt(item.value, d.path).map((v) => (isResourceValue(v) ? v.resourceType : ''));
          return actual.some((t) => types.includes(t));
        }
        case 'profile': {
          const target = d.path === '$this' ? slice : nodeAt(slice, d.path);
          const profiles = (target?.definition.type ?? []).flatMap((t) => t.profile ?? []);
          const values = d.path === '$this' ? [item.value] : valuesAt(item.value, d.path);
          return values.some((v) => profiles.some((p) => this.conforms(v, p, depth)));
        }
        case 'exists': {
          const target = nodeAt(slice, d.path);
          const present = valuesAt(item.value, d.path).length > 0;
          return target && target.min > 0 ? present : target?.max === 0 ? !present : true;
        }
        default:
          return false;
      }
    });
  }

  private matchesValueDiscriminator(slice: ElementNode, item: Item, path: string, pattern: boolean): boolean {
    const actual = path === '$this' ? [item.value] : valuesAt(item.value, path);
    const expected = expectedValuesAt(slice, path);
    if (expected !== undefined) {
      return actual.some((a) => expected.some((e) => (pattern ? includesPattern(a, e) : sameValue(a, e))));
    }
    const target = path === '$this' ? slice : nodeAt(slice, path);
    const binding = target?.definition.binding;
    if (binding?.valueSet) {
      return actual.some((a) => {
        const codings = codingsOf({ value: a, type: target?.definition.type?.[0]?.code ?? 'code', path: '' }) ?? [];
        return codings.some((c) => this.conformance.terminology.membership(binding.valueSet as string, c.system, c.code) === 'member');
      });
    }
    return false;
  }

  /** Whether a value conforms to a profile, without reporting (for profile discriminators). */
  private conforms(value: unknown, url: string, depth: number): boolean {
    const tree = this.conformance.tree(url);
    if (!tree || !isObject(value)) return false;
    let cached = this.conformsCache.get(value);
    if (!cached) {
      cached = new Map();
      this.conformsCache.set(value, cached);
    }
    const known = cached.get(url);
    if (known !== undefined) return known;
    if (depth > MAX_DEPTH) return true;
    // Resources in a Bundle reference each other in cycles: while a check is under way, assume
    // it holds (its own walk reports what does not).
    cached.set(url, true);
    const probe = new Run(this.conformance, [], this.root, [...this.bundles], this.conformsCache);
    probe.profileValue(tree, { value, type: tree.definition.path, path: tree.definition.path }, depth + 1);
    const ok = !probe.issues.some((i) => i.severity === 'error');
    cached.set(url, ok);
    return ok;
  }

  private constraints(def: ElementDefinition, item: Item): void {
    for (const c of def.constraint ?? []) {
      // Base constraints were evaluated by the base pass; only the profile's own are new here.
      if (!c.expression || c.source?.startsWith(BASE_DEFINITION)) continue;
      if (!c.source && baseConstraintKeys(def.path.split('.')[0] as string).has(c.key)) continue;
      let ok: boolean;
      try {
        const input: TypedValue = { type: item.type, value: item.value };
        const result = evalFhirPathTyped(compiled(c.expression), [input], {
          '%resource': { type: this.root.resourceType, value: this.root },
          '%rootResource': { type: this.root.resourceType, value: this.root },
        });
        ok = result.length === 0 || result.every((r) => r.value === true);
      } catch (err) {
        this.issues.push(issue('warning', 'processing', item.path, `Invariant ${c.key} could not be evaluated: ${(err as Error).message}`));
        continue;
      }
      if (!ok) {
        this.issues.push(
          issue(
            c.severity === 'error' ? 'error' : 'warning',
            'invariant',
            item.path,
            `Constraint failed: ${c.key}: ${c.human} (${c.expression})`,
          ),
        );
      }
    }
  }

  /**
   * Inside a Bundle, a `urn:uuid:`/`urn:oid:` reference must name an entry's fullUrl (it can mean
   * nothing else), and the entry must be of a type the element allows.
   */
  private bundleReference(item: Item, targetProfiles: string[]): void {
    const reference = isObject(item.value) ? item.value.reference : undefined;
    if (typeof reference !== 'string' || !reference.startsWith('urn:') || this.bundles.length === 0) return;
    const target = this.resolveInBundle(reference);
    if (!target) {
      this.issues.push(issue('error', 'not-found', item.path, `${reference} does not resolve to any entry of the Bundle`));
      return;
    }
    const allowed = this.targetTypes(targetProfiles);
    if (allowed && !allowed.includes(target.resourceType)) {
      this.issues.push(
        issue('error', 'structure', item.path, `Reference to ${target.resourceType} is not allowed here; allowed: ${allowed.join(', ')}`),
      );
    }
  }

  /** Resource types the target profiles allow; undefined when any resource is allowed. */
  private targetTypes(targetProfiles: string[]): string[] | undefined {
    if (targetProfiles.length === 0) return undefined;
    const types = targetProfiles.map((url) => this.conformance.profile(url)?.type ?? url.split('/').pop() ?? '');
    return types.includes('Resource') ? undefined : [...new Set(types)];
  }

  private referenceTarget(def: ElementDefinition, item: Item, depth: number): void {
    if (item.type !== 'Reference' || !isObject(item.value)) return;
    const reference = item.value.reference;
    if (typeof reference !== 'string' || reference.startsWith('#')) return;
    const targets = (def.type ?? []).filter((t) => t.code === 'Reference').flatMap((t) => t.targetProfile ?? []);
    const allowed = this.targetTypes(targets);
    const resolved = this.resolveInBundle(reference);
    let type: string | undefined = resolved?.resourceType;
    if (!type && !reference.startsWith('urn:')) {
      const parts = reference.split('?')[0]?.split('/') ?? [];
      type = parts.length >= 2 ? parts[parts.length - (parts.includes('_history') ? 4 : 2)] : undefined;
    }
    if (!type || !isResourceType(type)) return;
    if (allowed && !allowed.includes(type)) {
      this.issues.push(issue('error', 'structure', item.path, `Reference to ${type} is not allowed here; allowed: ${allowed.join(', ')}`));
      return;
    }
    // A target the profile constrains further (not a base definition) must meet one of them,
    // when the target is at hand (in the same Bundle).
    const constrained = targets.filter((url) => !url.startsWith(BASE_DEFINITION) && this.conformance.profile(url)?.type === type);
    if (resolved && constrained.length > 0 && !constrained.some((url) => this.conforms(resolved, url, depth))) {
      this.issues.push(
        issue(
          'error',
          'structure',
          item.path,
          `The referenced ${type} does not meet ${constrained.length > 1 ? 'any of ' : ''}${constrained.join(', ')}`,
        ),
      );
    }
  }

  /** An element typed with a profile (an extension definition, the profile of a contained resource) is checked against it. */
  private typeProfiles(def: ElementDefinition, item: Item, depth: number): void {
    if (depth > MAX_DEPTH || !isObject(item.value)) return;
    for (const t of def.type ?? []) {
      if (!t.profile?.length) continue;
      if (t.code === 'Extension') {
        const url = item.value.url;
        if (typeof url === 'string' && t.profile.includes(url)) {
          const tree = this.conformance.tree(url);
          if (tree) this.profileValue(tree, item, depth + 1);
        }
        continue;
      }
      if (isResourceValue(item.value) && item.value.resourceType === t.code) {
        // Several profiles on one type are alternatives: one must fit.
        const fits = t.profile.filter((p) => this.conformance.tree(p));
        if (fits.length === 1) this.resource(item.value, item.path, fits, depth + 1);
        else if (fits.length > 1 && !fits.some((p) => this.conforms(item.value, p, depth))) {
          this.issues.push(issue('error', 'structure', item.path, `The resource matches none of the profiles ${fits.join(', ')}`));
        }
      }
    }
  }
}

/** A Bundle's entries by fullUrl, and by `Type/id` for entries that have an id. */
function entryIndex(bundle: Bundle): Map<string, Resource> {
  const index = new Map<string, Resource>();
  for (const entry of bundle.entry ?? []) {
    const r = entry.resource;
    if (!r) continue;
    if (entry.fullUrl) {
      index.set(entry.fullUrl, r);
      const m = /([A-Za-z]+\/[A-Za-z0-9\-.]{1,64})$/.exec(entry.fullUrl);
      if (m && !entry.fullUrl.startsWith('urn:')) index.set(m[1] as string, r);
    }
    if (r.id) index.set(`${r.resourceType}/${r.id}`, r);
  }
  return index;
}

/** Codes carried by a value of a bindable type; undefined for types bindings do not apply to here. */
function codingsOf(item: Item): { system?: string; code: string }[] | undefined {
  const v = item.value;
  switch (item.type) {
    case 'code':
      return typeof v === 'string' ? [{ code: v }] : [];
    case 'Coding':
      return isObject(v) && typeof v.code === 'string' ? [{ system: v.system as string | undefined, code: v.code }] : [];
    case 'CodeableConcept':
      if (!isObject(v) || !Array.isArray(v.coding)) return [];
      return (v.coding as Record<string, unknown>[])
        .filter((c) => typeof c.code === 'string')
        .map((c) => ({ system: c.system as string | undefined, code: c.code as string }));
    default:
      return undefined;
  }
}

/**
 * The elements, relative to `node`, that a value of it must carry when given: required children,
 * and the required children of optional ones (identifier -> type, type.coding.system, ..., value).
 */
function requiredWithin(node: ElementNode, prefix = '', level = 0): string[] {
  if (level >= 3 || fixedOrPattern(node.definition)) return [];
  return node.children.flatMap((child) => {
    const path = `${prefix}${child.name.replace('[x]', '')}`;
    const inner = requiredWithin(child, `${path}.`, level + 1);
    return child.min > 0 ? [path, ...inner] : inner;
  });
}

/** The child node at a dotted path below `node`, following choice names (`value[x]`). */
function nodeAt(node: ElementNode, path: string): ElementNode | undefined {
  let current: ElementNode | undefined = node;
  for (const seg of path.split('.')) {
    current = current?.children.find((c) => c.name === seg || (c.name.endsWith('[x]') && seg.startsWith(c.name.slice(0, -3))));
    if (!current) return undefined;
  }
  return current;
}

/**
 * The values a slice fixes at a discriminator path: read from the element at the path, or from a
 * fixed/pattern value higher up (a patternCodeableConcept on `code` fixes `code.coding.code`).
 * An extension slice fixes its url through its type profile.
 */
function expectedValuesAt(slice: ElementNode, path: string): unknown[] | undefined {
  if (path === '$this') {
    const fp = fixedOrPattern(slice.definition);
    return fp ? [fp.value] : undefined;
  }
  const segs = path.split('.');
  let current: ElementNode | undefined = slice;
  for (let i = 0; i < segs.length && current; i++) {
    const fp = fixedOrPattern(current.definition);
    if (fp && current !== slice) return valuesAt(fp.value, segs.slice(i).join('.'));
    const next: ElementNode | undefined = nodeAt(current, segs[i] as string);
    if (!next && segs[i] === 'url' && i === segs.length - 1) {
      const profiles = (current.definition.type ?? []).flatMap((t) => t.profile ?? []);
      return profiles.length ? profiles : undefined;
    }
    current = next;
  }
  if (!current) return undefined;
  const fp = fixedOrPattern(current.definition);
  return fp ? [fp.value] : undefined;
}
