import type { CodeSystem, CodeSystemConcept, ValueSet, ValueSetComposeInclude } from '@medplum/fhirtypes';

/**
 * The code systems and value sets the platform holds in memory: FHIR R4 core (incl. v2/v3
 * tables) and those of the loaded profile packages. Large imported terminologies (SNOMED CT, LOINC,
 * ICD-10) live in database tables instead; a value set that draws on one of those by filter or as
 * a whole is "open" here, and membership of its codes is reported as unknown rather than guessed.
 */

export interface Designation {
  language?: string;
  use?: { system?: string; code?: string; display?: string };
  value: string;
}

export interface LocalConcept {
  code: string;
  display?: string;
  definition?: string;
  designations: Designation[];
  properties: { code: string; value: unknown }[];
  parents: string[];
  children: string[];
}

export class LocalCodeSystem {
  readonly url: string;
  readonly version?: string;
  readonly resource: CodeSystem;
  readonly concepts = new Map<string, LocalConcept>();
  readonly caseSensitive: boolean;
  /** Holds every code of the system (content complete), so absence means "not a code". */
  readonly complete: boolean;

  constructor(resource: CodeSystem) {
    this.resource = resource;
    this.url = resource.url as string;
    this.version = resource.version;
    this.caseSensitive = resource.caseSensitive !== false;
    this.complete = resource.content === 'complete' || resource.content === undefined;
    this.addConcepts(resource.concept ?? [], undefined);
    for (const concept of this.concepts.values()) {
      // `parent` properties (used instead of nesting by some systems) also make hierarchy.
      for (const p of concept.properties) {
        if (p.code === 'parent' && typeof p.value === 'string' && !concept.parents.includes(p.value)) {
          concept.parents.push(p.value);
          this.concepts.get(p.value)?.children.push(concept.code);
        }
      }
    }
  }

  private addConcepts(list: CodeSystemConcept[], parent: string | undefined): void {
    for (const c of list) {
      const existing = this.concepts.get(c.code as string);
      const concept: LocalConcept = existing ?? {
        code: c.code as string,
        display: c.display,
        definition: c.definition,
        designations: (c.designation ?? []).map((d) => ({ language: d.language, use: d.use, value: d.value as string })),
        properties: (c.property ?? []).map((p) => ({ code: p.code as string, value: propertyValue(p) })),
        parents: [],
        children: [],
      };
      if (parent && !concept.parents.includes(parent)) {
        concept.parents.push(parent);
        this.concepts.get(parent)?.children.push(concept.code);
      }
      this.concepts.set(concept.code, concept);
      if (c.concept) this.addConcepts(c.concept, concept.code);
    }
  }

  get(code: string): LocalConcept | undefined {
    const hit = this.concepts.get(code);
    if (hit || this.caseSensitive) return hit;
    const lower = code.toLowerCase();
    for (const c of this.concepts.values()) if (c.code.toLowerCase() === lower) return c;
    return undefined;
  }

  /** True when `code` is `ancestor` or one of its descendants. */
  isA(code: string, ancestor: string): boolean {
    const seen = new Set<string>();
    const stack = [code];
    while (stack.length) {
      const c = stack.pop() as string;
      if (c === ancestor) return true;
      if (seen.has(c)) continue;
      seen.add(c);
      stack.push(...(this.concepts.get(c)?.parents ?? []));
    }
    return false;
  }

  /** Every ancestor of a concept (not itself). */
  ancestors(code: string): string[] {
    const out = new Set<string>();
    const stack = [...(this.concepts.get(code)?.parents ?? [])];
    while (stack.length) {
      const c = stack.pop() as string;
      if (out.has(c)) continue;
      out.add(c);
      stack.push(...(this.concepts.get(c)?.parents ?? []));
    }
    return [...out];
  }

  descendants(code: string): string[] {
    const out: string[] = [];
    const seen = new Set<string>([code]);
    const stack = [...(this.concepts.get(code)?.children ?? [])];
    while (stack.length) {
      const c = stack.pop() as string;
      if (seen.has(c)) continue;
      seen.add(c);
      out.push(c);
      stack.push(...(this.concepts.get(c)?.children ?? []));
    }
    return out;
  }
}

function propertyValue(p: NonNullable<CodeSystemConcept['property']>[number]): unknown {
  return p.valueCode ?? p.valueString ?? p.valueBoolean ?? p.valueInteger ?? p.valueDecimal ?? p.valueDateTime ?? p.valueCoding;
}

export interface ExpansionEntry {
  system: string;
  code: string;
  display?: string;
  version?: string;
}

/** A value set resolved as far as local content allows. */
export interface Expansion {
  entries: ExpansionEntry[];
  /** system -> code -> entry, for membership. */
  index: Map<string, Map<string, ExpansionEntry>>;
  /** Systems included by filter or as a whole that are not held locally: membership unknown. */
  openSystems: Set<string>;
}

export type Membership = 'member' | 'not-member' | 'unknown';

function stripVersion(url: string): string {
  const bar = url.indexOf('|');
  return bar < 0 ? url : url.slice(0, bar);
}

export class TerminologyRegistry {
  private readonly codeSystems = new Map<string, LocalCodeSystem>();
  private readonly valueSets = new Map<string, ValueSet>();
  private readonly expansions = new Map<string, Expansion>();

  add(resource: CodeSystem | ValueSet): void {
    if (!resource.url) return;
    if (resource.resourceType === 'CodeSystem') {
      // Keep the richer copy when a package re-publishes a core system as a fragment.
      const existing = this.codeSystems.get(resource.url);
      if (existing?.complete && resource.content !== 'complete') return;
      this.codeSystems.set(resource.url, new LocalCodeSystem(resource));
    } else {
      this.valueSets.set(resource.url, resource);
    }
    this.expansions.clear();
  }

  codeSystem(url: string): LocalCodeSystem | undefined {
    return this.codeSystems.get(stripVersion(url));
  }

  valueSet(url: string): ValueSet | undefined {
    return this.valueSets.get(stripVersion(url));
  }

  allValueSets(): ValueSet[] {
    return [...this.valueSets.values()];
  }

  allCodeSystems(): LocalCodeSystem[] {
    return [...this.codeSystems.values()];
  }

  /** Expands a value set from local content; undefined when the value set is unknown. */
  expand(url: string): Expansion | undefined {
    const key = stripVersion(url);
    const cached = this.expansions.get(key);
    if (cached) return cached;
    const vs = this.valueSets.get(key);
    if (!vs) return undefined;
    // Guard against value sets that include themselves through a cycle.
    const placeholder: Expansion = { entries: [], index: new Map(), openSystems: new Set() };
    this.expansions.set(key, placeholder);
    const expansion = this.compute(vs);
    this.expansions.set(key, expansion);
    return expansion;
  }

  /** Expands a value set resource: from the cache when it is the registered one, else afresh (inline, a tenant's own). */
  expandResource(vs: ValueSet): Expansion {
    return (vs.url && this.valueSets.get(stripVersion(vs.url)) === vs && this.expand(vs.url)) || this.compute(vs);
  }

  /**
   * The parts of a value set that memory cannot expand for one system: its includes of that
   * system without a concept list (a whole system or a filter), nested value sets followed.
   */
  openIncludes(vs: ValueSet, system: string): ValueSetComposeInclude[] {
    const direct = vs.compose?.include ?? [];
    const nested = direct.flatMap((i) =>
      (i.valueSet ?? []).flatMap((url) => this.openIncludes(this.valueSet(url) ?? { resourceType: 'ValueSet', status: 'active' }, system)),
    );
    return [...direct.filter((i) => i.system === system && !i.concept?.length), ...nested];
  }

  /** Whether system|code is in the value set. `system` may be absent for `code`-typed elements. */
  membership(valueSetUrl: string, system: string | undefined, code: string): Membership {
    const expansion = this.expand(valueSetUrl);
    return expansion ? this.membershipOf(expansion, system, code) : 'unknown';
  }

  membershipIn(vs: ValueSet, system: string | undefined, code: string): Membership {
    return this.membershipOf(this.expandResource(vs), system, code);
  }

  private membershipOf(expansion: Expansion, system: string | undefined, code: string): Membership {
    if (system) {
      const local = this.codeSystems.get(system);
      const key = local && !local.caseSensitive ? code.toLowerCase() : code;
      if (expansion.index.get(system)?.has(key)) return 'member';
      return expansion.openSystems.has(system) ? 'unknown' : 'not-member';
    }
    for (const codes of expansion.index.values()) if (codes.has(code)) return 'member';
    return expansion.openSystems.size > 0 ? 'unknown' : 'not-member';
  }

  private compute(vs: ValueSet): Expansion {
    const result: Expansion = { entries: [], index: new Map(), openSystems: new Set() };
    const add = (e: ExpansionEntry): void => {
      const local = this.codeSystems.get(e.system);
      const key = local && !local.caseSensitive ? e.code.toLowerCase() : e.code;
      let codes = result.index.get(e.system);
      if (!codes) {
        codes = new Map();
        result.index.set(e.system, codes);
      }
      if (codes.has(key)) return;
      codes.set(key, e);
      result.entries.push(e);
    };
    if (!vs.compose && vs.expansion?.contains) {
      const walk = (list: NonNullable<NonNullable<ValueSet['expansion']>['contains']>): void => {
        for (const c of list) {
          if (c.system && c.code && !c.abstract) add({ system: c.system, code: c.code, display: c.display, version: c.version });
          if (c.contains) walk(c.contains);
        }
      };
      walk(vs.expansion.contains);
      return result;
    }
    for (const include of vs.compose?.include ?? []) {
      for (const e of this.includeEntries(include, result.openSystems)) add(e);
    }
    const excluded = new Set<string>();
    for (const exclude of vs.compose?.exclude ?? []) {
      for (const e of this.includeEntries(exclude, new Set())) excluded.add(`${e.system}|${e.code}`);
    }
    if (excluded.size > 0) {
      result.entries = result.entries.filter((e) => !excluded.has(`${e.system}|${e.code}`));
      for (const [system, codes] of result.index) {
        for (const [key, e] of codes) if (excluded.has(`${system}|${e.code}`)) codes.delete(key);
      }
    }
    return result;
  }

  private includeEntries(include: ValueSetComposeInclude, openSystems: Set<string>): ExpansionEntry[] {
    let entries: ExpansionEntry[] | undefined;
    if (include.system) {
      entries = this.systemEntries(include, openSystems);
    }
    for (const vsUrl of include.valueSet ?? []) {
      const other = this.expand(vsUrl);
      if (!other) {
        // An unknown referenced value set: nothing can be said about its members.
        if (include.system) openSystems.add(include.system);
        else openSystems.add('*');
        continue;
      }
      for (const s of other.openSystems) openSystems.add(s);
      entries = entries ? entries.filter((e) => other.index.get(e.system)?.has(e.code)) : [...other.entries];
    }
    return entries ?? [];
  }

  private systemEntries(include: ValueSetComposeInclude, openSystems: Set<string>): ExpansionEntry[] {
    const system = include.system as string;
    const local = this.codeSystems.get(system);
    if (include.concept?.length) {
      return include.concept.map((c) => ({
        system,
        code: c.code,
        display: c.display ?? local?.get(c.code)?.display,
        version: include.version,
      }));
    }
    if (!local?.complete) {
      openSystems.add(system);
      return [];
    }
    let concepts = [...local.concepts.values()];
    for (const filter of include.filter ?? []) {
      const value = filter.value as string;
      switch (filter.op) {
        case 'is-a':
          concepts = concepts.filter((c) => local.isA(c.code, value));
          break;
        case 'descendent-of':
          concepts = concepts.filter((c) => c.code !== value && local.isA(c.code, value));
          break;
        case 'is-not-a':
          concepts = concepts.filter((c) => !local.isA(c.code, value));
          break;
        case 'in': {
          const allowed = new Set(value.split(','));
          concepts = concepts.filter((c) => allowed.has(c.code));
          break;
        }
        case '=':
          concepts = concepts.filter((c) =>
            filter.property === 'concept' || filter.property === 'code'
              ? c.code === value
              : c.properties.some((p) => p.code === filter.property && String(p.value) === value),
          );
          break;
        case 'regex': {
          const re = new RegExp(`^(?:${value})$`);
          concepts = concepts.filter((c) => re.test(c.code));
          break;
        }
        default:
          // A filter this registry does not evaluate: say nothing rather than something wrong.
          openSystems.add(system);
          return [];
      }
    }
    return concepts.map((c) => ({ system, code: c.code, display: c.display, version: include.version ?? local.version }));
  }
}

/** A part of a value set that the imported-terminology tables serve: a whole system, or one is-a root in it. */
export interface TablePart {
  system: string;
  under?: string;
  /** descendent-of: the root itself is not a member. */
  strict?: boolean;
}

/** How the tables serve an open include; undefined for filters they cannot answer. */
export function tablePart(include: ValueSetComposeInclude): TablePart | undefined {
  const system = include.system as string;
  const filters = include.filter ?? [];
  if (filters.length === 0) return { system };
  const filter = filters[0];
  if (filters.length === 1 && filter && (filter.op === 'is-a' || filter.op === 'descendent-of')) {
    return { system, under: filter.value, strict: filter.op === 'descendent-of' };
  }
  return undefined;
}
