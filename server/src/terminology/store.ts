import type { Database, Sql } from '../db/database.ts';

/**
 * Code systems imported from release files (SNOMED CT, LOINC, ICD-10...): platform-wide reference
 * data in the terminology_* tables (migrations/0008_terminology.sql). Reads run as the runtime role
 * in read-only transactions; imports replace a whole code system in one owner transaction.
 */

export const SNOMED_CT = 'http://snomed.info/sct';
export const LOINC = 'http://loinc.org';
export const ICD_10 = 'http://hl7.org/fhir/sid/icd-10';

/** What terminology_system records about an import. */
export interface SystemMeta {
  url: string;
  version: string;
  name: string;
  /** The release folder or file it came from. */
  source?: string;
}

export interface SystemInfo extends SystemMeta {
  conceptCount: number;
  importedAt: string;
}

export interface ConceptItem {
  kind: 'concept';
  code: string;
  display: string;
  active?: boolean;
  properties?: Record<string, unknown>;
}

export interface DesignationItem {
  kind: 'designation';
  code: string;
  value: string;
  language?: string;
  use?: { system: string; code: string };
  /** The preferred display term in its language (not an FSN). */
  preferred?: boolean;
  /** Whether type-ahead search matches this term (default true; SNOMED FSNs are not searched). */
  searchable?: boolean;
}

export interface ParentItem {
  kind: 'parent';
  child: string;
  parent: string;
}

/** What an importer yields, in any order. A concept yielded twice keeps its last row. */
export type TerminologyItem = ConceptItem | DesignationItem | ParentItem;

export interface ImportStats {
  concepts: number;
  designations: number;
  parents: number;
  /** is-a edges whose parent is not a concept of this import (e.g. an extension imported alone). */
  danglingParents: number;
  seconds: number;
}

export interface ImportProgress {
  /** loading: rows going in; hierarchy: computing ancestors; concepts: writing the concept rows. */
  phase: 'loading' | 'hierarchy' | 'concepts';
  concepts: number;
  designations: number;
  parents: number;
}

export interface ReplaceOptions {
  /** Rows per INSERT statement (default 5000). */
  batchSize?: number;
  onProgress?: (p: ImportProgress) => void;
}

export interface Designation {
  language: string | null;
  use: { system: string; code: string } | null;
  value: string;
  preferred: boolean;
}

export interface ConceptSummary {
  code: string;
  display: string;
  active: boolean;
}

export interface ConceptDetails extends ConceptSummary {
  system: string;
  version: string;
  name: string;
  designations: Designation[];
  properties: Record<string, unknown>;
  parents: ConceptSummary[];
}

export type Subsumption = 'equivalent' | 'subsumes' | 'subsumed-by' | 'not-subsumed';

export interface SearchOptions {
  /** Type-ahead text: every word must start a word of the display or of another term. */
  filter?: string;
  /** Only this concept and its descendants. */
  under?: string;
  count?: number;
  offset?: number;
  /** Show displays in this language (BCP 47, e.g. `hi`) where a designation has one. */
  language?: string;
  /** Leave out inactive concepts (default true). */
  activeOnly?: boolean;
}

export interface SearchResult {
  total: number;
  concepts: ConceptSummary[];
  /** Present when more than TOTAL_CAP concepts match: `total` is then a lower bound. */
  estimated?: true;
}

export class UnknownCodeError extends Error {
  readonly system: string;
  readonly code: string;
  constructor(system: string, code: string) {
    super(`Unknown code ${code} in ${system}`);
    this.system = system;
    this.code = code;
  }
}

// Any constant: one import at a time, so two imports of a system cannot interleave their deletes.
const IMPORT_LOCK = 724_311_008;
const MAX_COUNT = 1000;
const SYSTEM_CACHE_MS = 5_000;
const systemCache = new WeakMap<Database, Map<string, { at: number; info: SystemInfo | undefined }>>();

/** Totals are counted up to this many matches; beyond it they are a lower bound. */
const TOTAL_CAP = 1000;

/**
 * The search form of a term: lower case, Latin accents stripped, words (letters, marks, digits)
 * separated by single spaces, with a leading space so that `LIKE '% word%'` is a word prefix.
 */
export function normalizeTerm(term: string): string {
  const words = term
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .split(/[^\p{L}\p{M}\p{N}]+/u)
    .filter(Boolean);
  return words.length > 0 ? ` ${words.join(' ')}` : '';
}

interface ConceptRow {
  code: string;
  display: string;
  active: boolean;
}

export class TerminologyStore {
  private readonly db: Database;
  constructor(db: Database) {
    this.db = db;
  }

  private read<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    return this.db.transaction(undefined, fn, { readOnly: true });
  }

  async systems(): Promise<SystemInfo[]> {
    return this.read(async (sql) => (await sql.query<SystemRow>(`${SYSTEM_SELECT} ORDER BY url`)).rows.map(systemInfo));
  }

  /**
   * The imported system, or undefined. Asked on every operation that touches the tables, so the
   * answer is kept for a few seconds per database (an import elsewhere shows within that time;
   * one through this process at once).
   */
  async system(url: string): Promise<SystemInfo | undefined> {
    let cache = systemCache.get(this.db);
    if (!cache) {
      cache = new Map();
      systemCache.set(this.db, cache);
    }
    const hit = cache.get(url);
    if (hit && Date.now() - hit.at < SYSTEM_CACHE_MS) return hit.info;
    const info = await this.read(async (sql) => {
      const r = await sql.query<SystemRow>(`${SYSTEM_SELECT} WHERE url = $1`, [url]);
      return r.rows[0] && systemInfo(r.rows[0]);
    });
    cache.set(url, { at: Date.now(), info });
    return info;
  }

  /** A concept with its designations, properties and direct parents; undefined when unknown. */
  async lookup(system: string, code: string, language?: string): Promise<ConceptDetails | undefined> {
    return this.read(async (sql) => {
      const r = await sql.query<ConceptRow & { properties: Record<string, unknown> | null; version: string; name: string }>(
        `SELECT c.code, c.display, c.active, c.properties, s.version, s.name
           FROM terminology_concept c JOIN terminology_system s ON s.url = c.system
          WHERE c.system = $1 AND c.code = $2`,
        [system, code],
      );
      const row = r.rows[0];
      if (!row) return undefined;
      const designations = await sql.query<{
        language: string | null;
        use_system: string | null;
        use_code: string | null;
        value: string;
        preferred: boolean;
      }>(
        `SELECT language, use_system, use_code, value, preferred FROM terminology_designation
          WHERE system = $1 AND code = $2 ORDER BY language NULLS FIRST, preferred DESC, use_code, value`,
        [system, code],
      );
      const parents = await sql.query<ConceptRow>(
        `SELECT p.parent AS code, coalesce(c.display, p.parent) AS display, coalesce(c.active, true) AS active
           FROM terminology_parent p LEFT JOIN terminology_concept c ON c.system = p.system AND c.code = p.parent
          WHERE p.system = $1 AND p.child = $2 ORDER BY 2, 1`,
        [system, code],
      );
      const localized = language ? await localDisplays(sql, system, [code], language) : undefined;
      return {
        system,
        version: row.version,
        name: row.name,
        code: row.code,
        display: localized?.get(code) ?? row.display,
        active: row.active,
        properties: row.properties ?? {},
        designations: designations.rows.map((d) => ({
          language: d.language,
          use: d.use_system && d.use_code ? { system: d.use_system, code: d.use_code } : null,
          value: d.value,
          preferred: d.preferred,
        })),
        parents: parents.rows,
      };
    });
  }

  /** FHIR $subsumes: how codeA relates to codeB. Throws UnknownCodeError for a code not in the system. */
  async subsumes(system: string, codeA: string, codeB: string): Promise<Subsumption> {
    const rows = await this.read(
      async (sql) =>
        (
          await sql.query<{ code: string; ancestors: string[] }>(
            'SELECT code, ancestors FROM terminology_concept WHERE system = $1 AND code = ANY($2::text[])',
            [system, [codeA, codeB]],
          )
        ).rows,
    );
    const a = rows.find((r) => r.code === codeA);
    const b = rows.find((r) => r.code === codeB);
    if (!a) throw new UnknownCodeError(system, codeA);
    if (!b) throw new UnknownCodeError(system, codeB);
    if (codeA === codeB) return 'equivalent';
    if (b.ancestors.includes(codeA)) return 'subsumes';
    if (a.ancestors.includes(codeB)) return 'subsumed-by';
    return 'not-subsumed';
  }

  /** Whether `code` is `ancestor` or one of its descendants (false when either is unknown). */
  async isDescendantOrSelf(system: string, code: string, ancestor: string): Promise<boolean> {
    return this.read(async (sql) => {
      const r = await sql.query(
        `SELECT 1 FROM terminology_concept WHERE system = $1 AND code = $2 AND (code = $3 OR ancestors @> ARRAY[$3]::text[])`,
        [system, code, ancestor],
      );
      return r.rows.length > 0;
    });
  }

  /** Every descendant of a concept (not itself), by display, at most `limit`. */
  async descendants(system: string, code: string, limit = MAX_COUNT): Promise<ConceptSummary[]> {
    return this.read(
      async (sql) =>
        (
          await sql.query<ConceptRow>(
            `SELECT code, display, active FROM terminology_concept
              WHERE system = $1 AND ancestors @> ARRAY[$2]::text[] ORDER BY display, code LIMIT $3`,
            [system, code, Math.max(0, limit)],
          )
        ).rows,
    );
  }

  /**
   * A filtered expansion: concepts of a system, optionally under an ancestor, whose display or
   * another term matches the type-ahead text. Exact matches come first, then terms that start
   * with the text, then other word matches; shorter terms before longer ones.
   *
   * Each of those three tiers (for displays and for other terms) is read only as far as the page
   * needs, shortest first, so a three-letter filter that matches a tenth of SNOMED CT costs an
   * index walk of a few hundred rows, not a sort of tens of thousands. The total is counted up to
   * TOTAL_CAP; beyond that it is reported as a lower bound (`estimated`).
   */
  async search(system: string, options: SearchOptions = {}): Promise<SearchResult> {
    const count = Math.min(Math.max(0, Math.trunc(options.count ?? 20)), MAX_COUNT);
    const offset = Math.max(0, Math.trunc(options.offset ?? 0));
    const words = normalizeTerm(options.filter ?? '')
      .split(' ')
      .filter(Boolean);
    const code = (options.filter ?? '').trim().toUpperCase();
    const page = searchQuery(system, words, options, 'page', offset + count, code);
    const tally = searchQuery(system, words, options, 'count', TOTAL_CAP + 1, code);
    return this.read(async (sql) => {
      const rows = await sql.query<ConceptRow>(page.text, page.params);
      const counted = (await sql.query<{ n: number; more: boolean }>(tally.text, tally.params)).rows[0] as { n: number; more: boolean };
      const estimated = counted.more || counted.n > TOTAL_CAP;
      const concepts = rows.rows.slice(offset, offset + count).map((r) => ({ code: r.code, display: r.display, active: r.active }));
      if (options.language && concepts.length > 0) {
        const localized = await localDisplays(
          sql,
          system,
          concepts.map((c) => c.code),
          options.language,
        );
        for (const c of concepts) c.display = localized.get(c.code) ?? c.display;
      }
      if (!estimated) return { total: counted.n, concepts };
      return { total: Math.max(TOTAL_CAP, offset + concepts.length), concepts, estimated: true };
    });
  }

  /**
   * Replaces a code system with what `items` yields, in one transaction as the schema owner: the
   * previous version stays visible to readers until the new one commits, and stays in place if
   * reading the release fails. Rows go in as multi-row INSERTs of `batchSize` (COPY is not
   * available on PGlite). `meta` is read after the items are consumed, so an importer may fill in
   * what it learns while reading (the version in a file header, say).
   */
  async replaceSystem(
    meta: SystemMeta,
    items: AsyncIterable<TerminologyItem> | Iterable<TerminologyItem>,
    options: ReplaceOptions = {},
  ): Promise<ImportStats> {
    const started = performance.now();
    const url = meta.url;
    return this.db.asOwner(async (sql) => {
      await sql.exec('BEGIN');
      try {
        await sql.query('SELECT pg_advisory_xact_lock($1)', [IMPORT_LOCK]);
        await sql.exec(`SET LOCAL work_mem = '64MB';
          CREATE TEMP TABLE tc_concept (seq bigserial, code text NOT NULL, display text NOT NULL, norm text NOT NULL,
            active boolean NOT NULL, properties jsonb) ON COMMIT DROP;`);
        for (const table of ['terminology_designation', 'terminology_parent', 'terminology_concept']) {
          await sql.query(`DELETE FROM ${table} WHERE system = $1`, [url]);
        }
        const writer = new BatchWriter(sql, url, options.batchSize ?? 5000, options.onProgress);
        for await (const item of items) await writer.add(item);
        await writer.flush();
        writer.progress('hierarchy');
        await computeAncestors(sql, url);
        writer.progress('concepts');
        const concepts = await sql.query(
          `INSERT INTO terminology_concept (system, code, display, norm, active, properties, ancestors)
           SELECT DISTINCT ON (s.code) $1, s.code, s.display, s.norm, s.active, s.properties, coalesce(a.ancestors, '{}')
             FROM tc_concept s LEFT JOIN tc_anc a ON a.code = s.code
            ORDER BY s.code, s.seq DESC`,
          [url],
        );
        // Fresh statistics, so the first searches after a large import get good plans.
        await sql.exec('ANALYZE terminology_concept; ANALYZE terminology_designation; ANALYZE terminology_parent;');
        if (!meta.version) throw new Error(`No version for ${url}: the importer must set one`);
        const dangling = await sql.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM terminology_parent p WHERE p.system = $1
              AND NOT EXISTS (SELECT 1 FROM terminology_concept c WHERE c.system = p.system AND c.code = p.parent)`,
          [url],
        );
        await sql.query(
          `INSERT INTO terminology_system (url, version, name, source, concept_count, imported_at)
           VALUES ($1, $2, $3, $4, $5, now())
           ON CONFLICT (url) DO UPDATE SET version = EXCLUDED.version, name = EXCLUDED.name, source = EXCLUDED.source,
             concept_count = EXCLUDED.concept_count, imported_at = EXCLUDED.imported_at`,
          [url, meta.version, meta.name, meta.source ?? null, concepts.rowCount],
        );
        await sql.exec('COMMIT');
        systemCache.get(this.db)?.delete(url);
        return {
          concepts: concepts.rowCount,
          designations: writer.designations,
          parents: writer.parents,
          danglingParents: dangling.rows[0].n,
          seconds: Math.round(performance.now() - started) / 1000,
        };
      } catch (err) {
        await sql.exec('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }
}

interface SystemRow {
  url: string;
  version: string;
  name: string;
  source: string | null;
  concept_count: number;
  imported_at: string;
}

const SYSTEM_SELECT = `SELECT url, version, name, source, concept_count, to_json(imported_at) #>> '{}' AS imported_at FROM terminology_system`;

function systemInfo(r: SystemRow): SystemInfo {
  return {
    url: r.url,
    version: r.version,
    name: r.name,
    ...(r.source ? { source: r.source } : {}),
    conceptCount: r.concept_count,
    importedAt: r.imported_at,
  };
}

/**
 * Each code's display in the language asked for: its preferred designation in that language
 * (`hi` matches `hi` and `hi-IN`, exact tags first), else a searchable one, else none.
 * Where several are preferred (en-US and en-GB both "en"), the one equal to the display wins.
 */
/**
 * The SQL of a type-ahead search: `page` reads the first `limit` concepts in rank order, each
 * ranking tier (exact, prefix, any word; display before other terms) shortest first and no
 * further than `limit`; `count` counts matching concepts, each source up to `limit`.
 */
function searchQuery(
  system: string,
  words: string[],
  options: SearchOptions,
  kind: 'page' | 'count',
  limit: number,
  code = '',
): { text: string; params: unknown[] } {
  const params: unknown[] = [system];
  const param = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const conditions: string[] = [];
  if (options.activeOnly !== false) conditions.push('c.active');
  if (options.under !== undefined) {
    const u = param(options.under);
    conditions.push(`(c.code = ${u} OR c.ancestors @> ARRAY[${u}]::text[])`);
  }
  const onConcept = conditions.map((c) => ` AND ${c.replaceAll('c.', 't.')}`).join('');
  // A designation counts only for a concept that passes the concept conditions.
  const viaConcept = conditions.length
    ? ` AND EXISTS (SELECT 1 FROM terminology_concept c WHERE c.system = $1 AND c.code = t.code AND ${conditions.join(' AND ')})`
    : '';
  const lim = param(limit);
  if (words.length === 0) {
    if (kind === 'count') {
      return {
        text: `SELECT (SELECT count(*) FROM (SELECT 1 FROM terminology_concept t WHERE t.system = $1${onConcept} LIMIT ${lim}) x)::int AS n, false AS more`,
        params,
      };
    }
    return {
      text: `SELECT t.code, t.display, t.active FROM terminology_concept t WHERE t.system = $1${onConcept}
              ORDER BY length(t.norm), t.norm, t.code LIMIT ${lim}`,
      params,
    };
  }
  // One LIKE per word: each is served by the trigram indexes (LIKE ALL(array) is not).
  const likes = words.map((w) => param(`% ${w}%`));
  const matches = likes.map((l) => `t.norm LIKE ${l}`).join(' AND ');
  const own = (table: string) => (table === 'terminology_concept' ? onConcept : viaConcept);
  // A typed code (I10, E11.9, 26604007) finds its concept too, first: the primary key answers it.
  const byCode = code ? `t.code = ${param(code)}` : 'false';
  if (kind === 'count') {
    const upTo = (table: string) => `SELECT t.code FROM ${table} t WHERE t.system = $1 AND ${matches}${own(table)} LIMIT ${lim}`;
    return {
      text: `WITH a AS (${upTo('terminology_concept')}), b AS (${upTo('terminology_designation')}),
                  k AS (SELECT t.code FROM terminology_concept t WHERE t.system = $1 AND ${byCode}${onConcept})
             SELECT (SELECT count(*) FROM (SELECT code FROM a UNION SELECT code FROM b UNION SELECT code FROM k) u)::int AS n,
                    ((SELECT count(*) FROM a) >= ${lim} OR (SELECT count(*) FROM b) >= ${lim}) AS more`,
      params,
    };
  }
  const exact = param(` ${words.join(' ')}`);
  const prefix = param(` ${words.join(' ')}%`);
  const tier = (table: string, where: string, rank: number) =>
    `(SELECT t.code, ${rank} AS rank, length(t.norm) AS len FROM ${table} t
       WHERE t.system = $1 AND ${where}${own(table)} ORDER BY length(t.norm), t.norm LIMIT ${lim})`;
  const tiers = [
    tier('terminology_concept', byCode, -1),
    tier('terminology_concept', `t.norm = ${exact}`, 0),
    tier('terminology_designation', `t.norm = ${exact}`, 1),
    tier('terminology_concept', `t.norm LIKE ${prefix}`, 2),
    tier('terminology_designation', `t.norm LIKE ${prefix}`, 3),
    tier('terminology_concept', matches, 4),
    tier('terminology_designation', matches, 5),
  ].join(' UNION ALL ');
  return {
    text: `SELECT c.code, c.display, c.active
             FROM (SELECT code, min(rank) AS rank, min(len) AS len FROM (${tiers}) p GROUP BY code) b
             JOIN terminology_concept c ON c.system = $1 AND c.code = b.code
            ORDER BY b.rank, b.len, c.display, c.code LIMIT ${lim}`,
    params,
  };
}

async function localDisplays(sql: Sql, system: string, codes: string[], language: string): Promise<Map<string, string>> {
  const r = await sql.query<{ code: string; value: string }>(
    `SELECT DISTINCT ON (d.code) d.code, d.value
       FROM terminology_designation d JOIN terminology_concept c ON c.system = d.system AND c.code = d.code
      WHERE d.system = $1 AND d.code = ANY($2::text[])
        AND (lower(d.language) = lower($3) OR lower(d.language) LIKE lower($3) || '-%' OR lower($3) LIKE lower(d.language) || '-%')
        AND (d.preferred OR d.norm IS NOT NULL)
      ORDER BY d.code, d.preferred DESC, (lower(d.language) = lower($3)) DESC, (d.value = c.display) DESC, length(d.value), d.value`,
    [system, codes, language],
  );
  return new Map(r.rows.map((x) => [x.code, x.value]));
}

/** Buffers importer items and writes them as one INSERT per batch and table. */
class BatchWriter {
  designations = 0;
  parents = 0;
  private conceptsQueued = 0;
  private readonly sql: Sql;
  private readonly url: string;
  private readonly size: number;
  private readonly onProgress?: (p: ImportProgress) => void;
  private concepts: unknown[] = [];
  private terms: unknown[] = [];
  private edges: unknown[] = [];

  constructor(sql: Sql, url: string, size: number, onProgress?: (p: ImportProgress) => void) {
    this.sql = sql;
    this.url = url;
    this.size = Math.max(1, size);
    this.onProgress = onProgress;
  }

  async add(item: TerminologyItem): Promise<void> {
    switch (item.kind) {
      case 'concept': {
        if (!item.code) throw new Error('A concept without a code');
        const display = item.display || item.code;
        this.concepts.push({
          code: item.code,
          display,
          norm: normalizeTerm(display),
          active: item.active !== false,
          properties: item.properties ?? null,
        });
        if (this.concepts.length >= this.size) await this.flushConcepts();
        break;
      }
      case 'designation':
        if (!item.code || !item.value) throw new Error(`A designation without a code or value (${item.code})`);
        this.terms.push({
          code: item.code,
          language: item.language ?? null,
          use_system: item.use?.system ?? null,
          use_code: item.use?.code ?? null,
          value: item.value,
          preferred: item.preferred === true,
          norm: item.searchable === false ? null : normalizeTerm(item.value),
        });
        if (this.terms.length >= this.size) await this.flushTerms();
        break;
      case 'parent':
        if (!item.child || !item.parent) throw new Error('An is-a edge without child or parent');
        if (item.child === item.parent) break;
        this.edges.push({ child: item.child, parent: item.parent });
        if (this.edges.length >= this.size) await this.flushEdges();
        break;
      default:
        throw new Error(`Unknown terminology item ${JSON.stringify(item)}`);
    }
  }

  async flush(): Promise<void> {
    await this.flushConcepts();
    await this.flushTerms();
    await this.flushEdges();
  }

  progress(phase: ImportProgress['phase'] = 'loading'): void {
    this.onProgress?.({ phase, concepts: this.conceptsQueued, designations: this.designations, parents: this.parents });
  }

  private async flushConcepts(): Promise<void> {
    if (this.concepts.length === 0) return;
    const rows = this.concepts;
    this.concepts = [];
    await this.sql.query(
      `INSERT INTO tc_concept (code, display, norm, active, properties)
       SELECT code, display, norm, active, properties
         FROM json_to_recordset($1::json) AS r(code text, display text, norm text, active boolean, properties jsonb)`,
      [JSON.stringify(rows)],
    );
    this.conceptsQueued += rows.length;
    this.progress();
  }

  private async flushTerms(): Promise<void> {
    if (this.terms.length === 0) return;
    const rows = this.terms;
    this.terms = [];
    const r = await this.sql.query(
      `INSERT INTO terminology_designation (system, code, language, use_system, use_code, value, preferred, norm)
       SELECT $1, code, language, use_system, use_code, value, preferred, norm
         FROM json_to_recordset($2::json)
           AS r(code text, language text, use_system text, use_code text, value text, preferred boolean, norm text)`,
      [this.url, JSON.stringify(rows)],
    );
    this.designations += r.rowCount;
    this.progress();
  }

  private async flushEdges(): Promise<void> {
    if (this.edges.length === 0) return;
    const rows = this.edges;
    this.edges = [];
    const r = await this.sql.query(
      `INSERT INTO terminology_parent (system, child, parent)
       SELECT $1, child, parent FROM json_to_recordset($2::json) AS r(child text, parent text)
       ON CONFLICT DO NOTHING`,
      [this.url, JSON.stringify(rows)],
    );
    this.parents += r.rowCount;
    this.progress();
  }
}

/**
 * Fills the temp table tc_anc (code, ancestors) with every concept's transitive ancestors, from
 * the system's is-a edges, level by level from the roots: in round k, the children of the
 * concepts done in round k-1 whose parents are all done get their parents and their parents'
 * ancestors. Each round is one statement that touches only those children, so the whole walk
 * reads every edge about twice and a hierarchy of depth d (SNOMED CT: about 30) takes d
 * statements. What a cycle leaves over is closed with a recursive walk.
 */
async function computeAncestors(sql: Sql, url: string): Promise<void> {
  await sql.exec(`
    CREATE TEMP TABLE tc_edge (child text NOT NULL, parent text NOT NULL) ON COMMIT DROP;
    CREATE TEMP TABLE tc_anc (code text PRIMARY KEY, ancestors text[] NOT NULL, round integer NOT NULL) ON COMMIT DROP;`);
  await sql.query('INSERT INTO tc_edge (child, parent) SELECT child, parent FROM terminology_parent WHERE system = $1', [url]);
  await sql.exec(`
    CREATE INDEX tc_edge_child ON tc_edge (child);
    CREATE INDEX tc_edge_parent ON tc_edge (parent);
    CREATE INDEX tc_anc_round ON tc_anc (round);
    ANALYZE tc_edge;
    INSERT INTO tc_anc (code, ancestors, round)
    SELECT DISTINCT e.parent, '{}'::text[], 0 FROM tc_edge e WHERE NOT EXISTS (SELECT 1 FROM tc_edge c WHERE c.child = e.parent);`);
  for (let round = 1; ; round++) {
    const r = await sql.query(
      `WITH candidate AS (
         SELECT DISTINCT e.child FROM tc_anc f JOIN tc_edge e ON e.parent = f.code WHERE f.round = $1 - 1
       ), ready AS (
         SELECT c.child FROM candidate c
          WHERE NOT EXISTS (SELECT 1 FROM tc_anc a WHERE a.code = c.child)
            AND NOT EXISTS (SELECT 1 FROM tc_edge e WHERE e.child = c.child AND NOT EXISTS (SELECT 1 FROM tc_anc a WHERE a.code = e.parent))
       ), added AS (
         INSERT INTO tc_anc (code, ancestors, round)
         SELECT r.child, ARRAY(
                  SELECT DISTINCT x FROM tc_edge e JOIN tc_anc a ON a.code = e.parent
                   CROSS JOIN LATERAL unnest(a.ancestors || e.parent) AS x
                   WHERE e.child = r.child ORDER BY x), $1
           FROM ready r
         RETURNING 1
       )
       SELECT count(*)::int AS n FROM added`,
      [round],
    );
    if ((r.rows[0] as { n: number }).n === 0) break;
  }
  // Left over only if the edges have a cycle: close those concepts by walking up (UNION stops at repeats).
  await sql.query(
    `INSERT INTO tc_anc (code, ancestors, round)
     WITH RECURSIVE up (code, anc) AS (
       SELECT DISTINCT child, parent FROM tc_edge WHERE NOT EXISTS (SELECT 1 FROM tc_anc a WHERE a.code = tc_edge.child)
       UNION
       SELECT u.code, p.parent FROM up u JOIN terminology_parent p ON p.system = $1 AND p.child = u.anc
     )
     SELECT code, coalesce(array_agg(DISTINCT anc) FILTER (WHERE anc <> code), '{}'), -1 FROM up GROUP BY code`,
    [url],
  );
}
