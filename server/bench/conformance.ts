/**
 * Conformance benchmarks for `npm run bench`: what validation costs per resource (in process,
 * base R4 only vs base + profiles), and type-ahead `$expand` over a 100k-concept value set
 * beside the hand-written SQL that answers the same question on the same database.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateResource } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import pg from 'pg';
import { PostgresDatabase } from '../src/db/postgres.ts';
import { loadDefinitions } from '../src/fhir/definitions.ts';
import { validationPolicy, validator } from '../src/fhir/validate.ts';
import { normalizeTerm, type TerminologyItem, TerminologyStore } from '../src/terminology/store.ts';
import { PACKAGES_DIR } from '../src/validation/conformance.ts';
import { type LoadResult, runLoad } from './load.ts';

export interface ValidationRow {
  name: string;
  medplumBase: Percentiles;
  base: Percentiles;
  profiles: Percentiles;
}

export interface Percentiles {
  p50us: number;
  p95us: number;
}

const EXAMPLES = join(PACKAGES_DIR, 'ndhm.in-6.5.0', 'examples');

function time(iterations: number, fn: () => void): Percentiles {
  for (let i = 0; i < Math.min(200, iterations); i++) fn();
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return {
    p50us: (samples[Math.floor(iterations / 2)] as number) * 1000,
    p95us: (samples[Math.floor(iterations * 0.95)] as number) * 1000,
  };
}

/** Base-only vs with profiles, for a Patient, an Observation and an OPConsultRecord document. */
export function measureValidation(iterations = 2000): ValidationRow[] {
  loadDefinitions();
  const policy = validationPolicy('abdm');
  const cases: [string, string][] = [
    ['Patient (ABDM Patient)', 'Patient-example-01.json'],
    ['Observation (ABDM body measurement)', 'Observation-example-04.json'],
    ['OPConsultRecord document Bundle (15 entries, 420 kB incl. a PDF)', 'Bundle-OPConsultNote-example-05.json'],
  ];
  return cases.map(([name, file]) => {
    const withProfiles = JSON.parse(readFileSync(join(EXAMPLES, file), 'utf8')) as Resource;
    const stripped = JSON.parse(JSON.stringify(withProfiles), (key, value) => (key === 'profile' ? undefined : value)) as Resource;
    const required = [...(policy.requiredProfiles[withProfiles.resourceType] ?? [])];
    const swallow = (fn: () => void) => () => {
      try {
        fn();
      } catch {
        // the timing is what matters here
      }
    };
    const n = file.startsWith('Bundle') ? Math.max(100, iterations / 10) : iterations;
    return {
      name,
      medplumBase: time(
        n,
        swallow(() => validateResource(stripped)),
      ),
      base: time(n, () => validator().validate(stripped)),
      profiles: time(n, () => validator().validate(withProfiles, { profiles: required })),
    };
  });
}

// A vocabulary of clinical-sounding word stems, so that displays share prefixes the way real
// terminologies do (many "cardi..", "hyper.." terms).
const STEMS = [
  'cardi',
  'hyper',
  'hypo',
  'neur',
  'gastr',
  'hepat',
  'nephr',
  'derm',
  'oste',
  'arthr',
  'pulmon',
  'bronch',
  'encephal',
  'my',
  'angi',
  'thromb',
  'leuk',
  'lymph',
  'carcin',
  'fibr',
  'scler',
  'path',
  'plast',
  'troph',
  'cyst',
  'col',
  'rhin',
  'ot',
  'ophthalm',
  'glyc',
];
const SUFFIXES = ['itis', 'osis', 'oma', 'algia', 'pathy', 'ectomy', 'emia', 'plasty', 'scopy', 'uria', 'ism', 'ia', 'al', 'ic', 'ase'];
const WORDS = [
  'acute',
  'chronic',
  'left',
  'right',
  'bilateral',
  'primary',
  'secondary',
  'severe',
  'mild',
  'congenital',
  'of',
  'with',
  'due',
  'to',
  'disorder',
  'finding',
  'structure',
  'procedure',
];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export const BENCH_SYSTEM = 'https://bench.hospital-ops.in/fhir/CodeSystem/synthetic-100k';
export const BENCH_VALUE_SET = 'https://bench.hospital-ops.in/fhir/ValueSet/synthetic-100k';

function* syntheticConcepts(count: number): Generator<TerminologyItem> {
  const rand = rng(7);
  const pick = <T>(list: T[]) => list[Math.floor(rand() * list.length)] as T;
  for (let i = 0; i < count; i++) {
    const words = [pick(WORDS), pick(STEMS) + pick(SUFFIXES), pick(WORDS), pick(STEMS) + pick(SUFFIXES)].slice(
      0,
      2 + Math.floor(rand() * 3),
    );
    const code = String(100000 + i);
    yield { kind: 'concept', code, display: words.join(' ') };
    if (i > 0) yield { kind: 'parent', child: code, parent: String(100000 + Math.floor(rand() * i)) };
  }
}

/** Loads the 100k-concept code system into the benchmark database (as the schema owner). */
export async function loadSyntheticTerminology(ownerUrl: string, appUrl: string, count = 100_000): Promise<void> {
  const db = new PostgresDatabase(ownerUrl, appUrl, 2);
  try {
    await new TerminologyStore(db).replaceSystem({ url: BENCH_SYSTEM, version: '1', name: 'Synthetic 100k' }, syntheticConcepts(count));
  } finally {
    await db.close();
  }
}

export interface TypeAheadResult {
  /** Four clients at once (a busy desk). */
  ours: LoadResult;
  sql: LoadResult;
  /** One client (one user typing). */
  oursSingle: LoadResult;
  sqlSingle: LoadResult;
  concepts: number;
}

/** Type-ahead: `$expand?filter=<3 letters>&count=20` against the hand-written LIKE query, 4 clients. */
export async function measureTypeAhead(
  fhirBase: string,
  authorization: string,
  ownerUrl: string,
  seconds: number,
): Promise<TypeAheadResult> {
  const vs = await fetch(`${fhirBase}/ValueSet`, {
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json', authorization },
    body: JSON.stringify({
      resourceType: 'ValueSet',
      url: BENCH_VALUE_SET,
      status: 'active',
      compose: { include: [{ system: BENCH_SYSTEM }] },
    }),
  });
  if (vs.status !== 201) throw new Error(`bench ValueSet not created: ${vs.status} ${await vs.text()}`);
  const filters = [...STEMS.map((s) => s.slice(0, 3)), ...STEMS.map((s) => s.slice(0, 4)), 'acute car', 'chronic neph', 'left oste'];
  const expand = async (i: number) => {
    const filter = filters[i % filters.length] as string;
    const res = await fetch(
      `${fhirBase}/ValueSet/$expand?url=${encodeURIComponent(BENCH_VALUE_SET)}&filter=${encodeURIComponent(filter)}&count=20`,
      {
        headers: { authorization },
      },
    );
    const body = (await res.json()) as { expansion?: { contains?: unknown[] } };
    return res.status === 200 && (body.expansion?.contains?.length ?? 0) > 0;
  };
  const oursSingle = await runLoad(1, seconds / 2, expand);
  const ours = await runLoad(4, seconds, expand);
  // The same answer by hand: the page of word-prefix matches (trigram-indexed LIKEs), shortest
  // first, and how many there are, counted up to 1,000 as the server does.
  const pool = new pg.Pool({ connectionString: ownerUrl, max: 4 });
  const byHand = async (i: number) => {
    const words = normalizeTerm(filters[i % filters.length] as string)
      .split(' ')
      .filter(Boolean);
    const likes = words.map((_, k) => `norm LIKE $${k + 2}`).join(' AND ');
    const params = [BENCH_SYSTEM, ...words.map((w) => `% ${w}%`)];
    const page = await pool.query(
      `SELECT code, display FROM terminology_concept WHERE system = $1 AND active AND ${likes} ORDER BY length(norm), norm LIMIT 20`,
      params,
    );
    await pool.query(
      `SELECT count(*) FROM (SELECT 1 FROM terminology_concept WHERE system = $1 AND active AND ${likes} LIMIT 1001) x`,
      params,
    );
    return page.rows.length > 0;
  };
  const sqlSingle = await runLoad(1, seconds / 2, byHand);
  const sql = await runLoad(4, seconds, byHand);
  await pool.end();
  return { ours, sql, oursSingle, sqlSingle, concepts: 100_000 };
}
