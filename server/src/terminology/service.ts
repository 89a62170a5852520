import { OperationOutcomeError } from '@medplum/core';
import type { ValueSet, ValueSetComposeInclude, ValueSetExpansionContains } from '@medplum/fhirtypes';
import { type ExpansionEntry, type LocalCodeSystem, type TablePart, type TerminologyRegistry, tablePart } from './registry.ts';
import { normalizeTerm, type Subsumption, type TerminologyStore, UnknownCodeError } from './store.ts';

/**
 * The terminology operations' logic over both sources: the in-memory registry (FHIR core, the
 * profile packages) and the imported tables (SNOMED CT, LOINC, ICD-10). A value set may mix
 * both: enumerated codes and local systems expand in memory; a whole imported system, or an
 * is-a filter on one, is paged out of the tables.
 */

export const MAX_EXPANSION = 1000;

export interface ExpandOptions {
  filter?: string;
  count?: number;
  offset?: number;
  displayLanguage?: string;
}

export interface LookupResult {
  system: string;
  name?: string;
  version?: string;
  code: string;
  display?: string;
  active: boolean;
  designations: { language?: string; use?: { system?: string; code?: string }; value: string }[];
  parents: string[];
  children: string[];
}

export interface CodeCheck {
  result: boolean;
  message?: string;
  display?: string;
}

function outcomeError(status: 'not-found' | 'invalid' | 'not-supported', text: string, expression?: string): OperationOutcomeError {
  const id = status === 'not-found' ? 'not-found' : status === 'invalid' ? 'bad-request' : 'business-rule';
  return new OperationOutcomeError({
    resourceType: 'OperationOutcome',
    id,
    issue: [
      {
        severity: 'error',
        code: status === 'invalid' ? 'invalid' : status,
        details: { text },
        expression: expression ? [expression] : undefined,
      },
    ],
  });
}

/** Every word of the filter starts a word of the text (the type-ahead rule the tables use too). */
function matchesFilter(text: string | undefined, words: string[]): boolean {
  if (words.length === 0) return true;
  const norm = normalizeTerm(text ?? '');
  return words.every((w) => norm.includes(` ${w}`));
}

function rank(text: string | undefined, phrase: string): number {
  const norm = normalizeTerm(text ?? '');
  if (norm === phrase) return 0;
  if (norm.startsWith(phrase)) return 1;
  return 2;
}

export class TerminologyService {
  readonly registry: TerminologyRegistry;
  readonly store: TerminologyStore;

  constructor(registry: TerminologyRegistry, store: TerminologyStore) {
    this.registry = registry;
    this.store = store;
  }

  /** $expand: a ValueSet with `expansion` (total, offset, parameters, contains). */
  async expand(vs: ValueSet, options: ExpandOptions = {}): Promise<ValueSet> {
    const count = Math.min(Math.max(0, options.count ?? 100), MAX_EXPANSION);
    const offset = Math.max(0, options.offset ?? 0);
    const words = normalizeTerm(options.filter ?? '')
      .split(' ')
      .filter(Boolean);
    const phrase = ` ${words.join(' ')}`;
    const { local, tables } = await this.resolve(vs);

    const localMatches = local
      .map((e) => ({ ...e, display: this.localDisplay(e, options.displayLanguage) }))
      .filter((e) => matchesFilter(e.display, words) || (words.length === 1 && e.code.toLowerCase() === words[0]));
    if (words.length > 0)
      localMatches.sort((a, b) => rank(a.display, phrase) - rank(b.display, phrase) || (a.display ?? '').length - (b.display ?? '').length);

    const contains: ValueSetExpansionContains[] = localMatches
      .slice(offset, offset + count)
      .map((e) => ({ system: e.system, version: e.version, code: e.code, display: e.display }));
    let total = localMatches.length;
    let estimated = false;
    let skip = Math.max(0, offset - localMatches.length);
    for (const part of tables) {
      const want = count - contains.length;
      const page = await this.store.search(part.system, {
        filter: options.filter,
        under: part.under,
        count: want,
        offset: skip,
        language: options.displayLanguage,
      });
      let concepts = page.concepts;
      let partTotal = page.total;
      if (page.estimated) estimated = true;
      if (part.strict && part.under) {
        // descendent-of: the root itself is not a member.
        concepts = concepts.filter((c) => c.code !== part.under);
        const root = await this.store.lookup(part.system, part.under, options.displayLanguage);
        if (root?.active && matchesFilter(root.display, words)) partTotal -= 1;
      }
      total += partTotal;
      skip = Math.max(0, skip - partTotal);
      for (const c of concepts) contains.push({ system: part.system, code: c.code, display: c.display });
    }
    return {
      resourceType: 'ValueSet',
      id: vs.id,
      url: vs.url,
      version: vs.version,
      name: vs.name,
      title: vs.title,
      status: vs.status ?? 'active',
      expansion: {
        identifier: `urn:uuid:${crypto.randomUUID()}`,
        timestamp: new Date().toISOString(),
        // Past a thousand matches the tables count no further: the total is then left out (it is
        // optional) and the paging parameters still work.
        ...(estimated ? {} : { total }),
        offset,
        parameter: [
          ...(options.filter ? [{ name: 'filter', valueString: options.filter }] : []),
          { name: 'count', valueInteger: count },
          { name: 'offset', valueInteger: offset },
          ...(options.displayLanguage ? [{ name: 'displayLanguage', valueCode: options.displayLanguage }] : []),
        ],
        contains,
      },
    };
  }

  /** Splits a value set into what memory expands and what the tables serve; refuses what neither can. */
  private async resolve(vs: ValueSet): Promise<{ local: ExpansionEntry[]; tables: TablePart[] }> {
    const expansion = this.registry.expandResource(vs);
    const tables: TablePart[] = [];
    for (const system of expansion.openSystems) {
      const includes = this.registry.openIncludes(vs, system);
      if (!(await this.store.system(system))) {
        throw outcomeError(
          'not-supported',
          `The value set draws on ${system === '*' ? 'a value set this server does not hold' : system}, which is not loaded here; import it with npm run terminology`,
        );
      }
      for (const include of includes) tables.push(servedPart(include));
    }
    return { local: expansion.entries, tables };
  }

  private localDisplay(e: ExpansionEntry, language: string | undefined): string | undefined {
    if (!language) return e.display;
    const concept = this.registry.codeSystem(e.system)?.get(e.code);
    const designation = concept?.designations.find((d) => d.language === language || d.language?.startsWith(`${language}-`));
    return designation?.value ?? e.display;
  }

  /** $lookup: a code's display, designations and hierarchy; 404 when the code is unknown. */
  async lookup(system: string, code: string, displayLanguage?: string): Promise<LookupResult> {
    const local = this.registry.codeSystem(system);
    const concept = local?.get(code);
    if (local && concept) return localLookup(local, concept.code, displayLanguage);
    if (await this.store.system(system)) {
      const found = await this.store.lookup(system, code, displayLanguage);
      if (found) {
        const children = await this.store.descendants(system, code, 50);
        return {
          system,
          name: found.name,
          version: found.version,
          code: found.code,
          display: found.display,
          active: found.active,
          designations: found.designations.map((d) => ({ language: d.language ?? undefined, use: d.use ?? undefined, value: d.value })),
          parents: found.parents.map((p) => p.code),
          children: children.map((c) => c.code),
        };
      }
    } else if (!local) {
      throw outcomeError('not-found', `Unknown code system ${system}`, 'system');
    }
    throw outcomeError('not-found', `Unknown code ${code} in ${system}`, 'code');
  }

  /** $validate-code against a value set. */
  async validateInValueSet(vs: ValueSet, system: string | undefined, code: string, display?: string): Promise<CodeCheck> {
    let membership = this.registry.membershipIn(vs, system, code);
    if (membership === 'unknown' && system) {
      const parts = this.registry.openIncludes(vs, system);
      if (!(await this.store.system(system))) {
        return { result: false, message: `${system} is not loaded here, so ${code} could not be checked` };
      }
      membership = 'not-member';
      for (const include of parts) {
        const part = servedPart(include);
        const ok = part.under
          ? (await this.store.isDescendantOrSelf(system, code, part.under)) && !(part.strict && code === part.under)
          : Boolean(await this.store.lookup(system, code));
        if (ok) membership = 'member';
      }
    }
    if (membership !== 'member') {
      return { result: false, message: `The code ${system ? `${system}|` : ''}${code} is not in the value set ${vs.url ?? '(inline)'}` };
    }
    return system ? this.checkDisplay(system, code, display) : { result: true };
  }

  /** $validate-code against a code system. */
  async validateInCodeSystem(system: string, code: string, display?: string): Promise<CodeCheck> {
    const local = this.registry.codeSystem(system);
    if (local?.get(code)) return this.checkDisplay(system, code, display);
    if (await this.store.system(system)) {
      if (await this.store.lookup(system, code)) return this.checkDisplay(system, code, display);
      return { result: false, message: `Unknown code ${code} in ${system}` };
    }
    if (local) return { result: false, message: `Unknown code ${code} in ${system}` };
    throw outcomeError('not-found', `Unknown code system ${system}`, 'url');
  }

  private async checkDisplay(system: string, code: string, display: string | undefined): Promise<CodeCheck> {
    const found = await this.lookup(system, code);
    if (display === undefined) return { result: true, display: found.display };
    const allowed = [found.display, ...found.designations.map((d) => d.value)].filter(Boolean).map((d) => (d as string).toLowerCase());
    if (allowed.includes(display.toLowerCase())) return { result: true, display: found.display };
    return {
      result: false,
      display: found.display,
      message: `The display "${display}" is not a display of ${system}|${code}; expected "${found.display}"`,
    };
  }

  /** $subsumes. */
  async subsumes(system: string, codeA: string, codeB: string): Promise<Subsumption> {
    const local = this.registry.codeSystem(system);
    // A fragment or stub held in memory (FHIR core carries one for SNOMED CT) is no hierarchy.
    if (local?.complete) {
      const a = local.get(codeA);
      const b = local.get(codeB);
      if (!a) throw outcomeError('not-found', `Unknown code ${codeA} in ${system}`, 'codeA');
      if (!b) throw outcomeError('not-found', `Unknown code ${codeB} in ${system}`, 'codeB');
      if (a.code === b.code) return 'equivalent';
      if (local.isA(b.code, a.code)) return 'subsumes';
      if (local.isA(a.code, b.code)) return 'subsumed-by';
      return 'not-subsumed';
    }
    if (!(await this.store.system(system))) throw outcomeError('not-found', `Unknown code system ${system}`, 'system');
    try {
      return await this.store.subsumes(system, codeA, codeB);
    } catch (err) {
      if (err instanceof UnknownCodeError) throw outcomeError('not-found', err.message, err.code === codeA ? 'codeA' : 'codeB');
      throw err;
    }
  }
}

/** The tables' part for an open include, or 422 naming the filter they cannot answer. */
function servedPart(include: ValueSetComposeInclude): TablePart {
  const part = tablePart(include);
  if (part) return part;
  const filter = include.filter?.[0];
  throw outcomeError(
    'not-supported',
    `The filter ${filter?.property} ${filter?.op} ${filter?.value} on ${include.system} is not supported for imported terminologies`,
  );
}

function localLookup(cs: LocalCodeSystem, code: string, language?: string): LookupResult {
  const concept = cs.get(code);
  if (!concept) throw outcomeError('not-found', `Unknown code ${code} in ${cs.url}`, 'code');
  const localized = language
    ? concept.designations.find((d) => d.language === language || d.language?.startsWith(`${language}-`))
    : undefined;
  const inactive = concept.properties.some(
    (p) => (p.code === 'status' && p.value === 'retired') || (p.code === 'inactive' && p.value === true),
  );
  return {
    system: cs.url,
    name: cs.resource.name,
    version: cs.version,
    code: concept.code,
    display: localized?.value ?? concept.display,
    active: !inactive,
    designations: concept.designations,
    parents: concept.parents,
    children: concept.children,
  };
}
