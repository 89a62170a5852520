/**
 * `npm run bench`: throughput of the FHIR server against bare baselines measured in the same run
 * on the same PostgreSQL, written to docs/benchmarks.md as ratios. Needs a PostgreSQL server
 * (BENCH_PG_ADMIN_URL, default the machine's on 127.0.0.1:5432); makes and drops its own database.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { syntheticPatientBundle } from '@hospital-ops/seed';
import type { Bundle } from '@medplum/fhirtypes';
import pg from 'pg';
import { deriveAppUrl } from '../src/db/postgres.ts';
import { loadSyntheticTerminology, measureTypeAhead, measureValidation, type TypeAheadResult, type ValidationRow } from './conformance.ts';
import { benchServerEnv, fetchToken, benchPatient as patient, startProcess as start, stopProcess as stop } from './fhir-server.ts';
import { type LoadResult, runLoad } from './load.ts';
import { markedSections, writeMarkdownReport } from './report-file.ts';
import { createScratchDatabase } from './scratch-database.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CLIENTS = 16;
const INGEST_BUNDLES = Number(process.env.BENCH_BUNDLES ?? 300);
const INGEST_CONCURRENCY = 4;

let authorization = 'Bearer none';

async function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/fhir+json', authorization }, body: JSON.stringify(body) });
}

/** CPU seconds used so far by a process and by all PostgreSQL processes (Linux /proc; 0 elsewhere). */
function cpuSeconds(pid: number | undefined): { server: number; postgres: number } {
  const ticks = (p: string) => {
    try {
      const f = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ');
      return Number(f[11]) + Number(f[12]);
    } catch {
      return 0;
    }
  };
  let postgres = 0;
  try {
    for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      if (readFileSync(`/proc/${p}/comm`, 'utf8').startsWith('postgres')) postgres += ticks(p);
    }
  } catch {
    // not Linux: no breakdown
  }
  return { server: pid ? ticks(String(pid)) / 100 : 0, postgres: postgres / 100 };
}

interface Measured extends LoadResult {
  /** CPU microseconds per request in the server process and in PostgreSQL. */
  serverCpuUs: number;
  postgresCpuUs: number;
}

async function measured(pid: number | undefined, load: () => Promise<LoadResult>): Promise<Measured> {
  const before = cpuSeconds(pid);
  const r = await load();
  const after = cpuSeconds(pid);
  return {
    ...r,
    serverCpuUs: ((after.server - before.server) / r.requests) * 1e6,
    postgresCpuUs: ((after.postgres - before.postgres) / r.requests) * 1e6,
  };
}

async function createAndRead(base: string, label: string, pid: number | undefined): Promise<{ create: Measured; read: Measured }> {
  const ids: string[] = [];
  const create = await measured(pid, () =>
    runLoad(CLIENTS, SECONDS, async (i) => {
      const res = await post(`${base}/Patient`, patient(i));
      const body = (await res.json()) as { id: string };
      ids.push(body.id);
      return res.status === 201;
    }),
  );
  const read = await measured(pid, () =>
    runLoad(CLIENTS, SECONDS, async (i) => {
      const res = await fetch(`${base}/Patient/${ids[(i * 7919) % ids.length]}`, { headers: { authorization } });
      await res.arrayBuffer();
      return res.status === 200;
    }),
  );
  console.log(`${label}: create ${create.perSecond.toFixed(0)}/s, read ${read.perSecond.toFixed(0)}/s`);
  return { create, read };
}

async function inParallel<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<number> {
  const start = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
  return (performance.now() - start) / 1000;
}

/** The raw baseline: each bundle's resources as one multi-row INSERT of JSON, nothing else. */
async function rawIngest(url: string, bundles: Bundle[]): Promise<number> {
  const pool = new pg.Pool({ connectionString: url, max: INGEST_CONCURRENCY });
  await pool.query('CREATE TABLE bench_raw (id uuid PRIMARY KEY, resource_type text NOT NULL, content jsonb NOT NULL)');
  const seconds = await inParallel(bundles, INGEST_CONCURRENCY, async (bundle) => {
    const entries = bundle.entry ?? [];
    const values = entries.map((_, i) => `($${i * 3 + 1}, $${i * 3 + 2}, $${i * 3 + 3}::jsonb)`).join(', ');
    const params = entries.flatMap((e) => [randomUUID(), e.resource?.resourceType, JSON.stringify(e.resource)]);
    await pool.query(`INSERT INTO bench_raw (id, resource_type, content) VALUES ${values}`, params);
  });
  await pool.end();
  return seconds;
}

async function main(): Promise<void> {
  const scratch = await createScratchDatabase('hops_bench');
  const dbUrl = scratch.url;
  const pgVersion = scratch.pgVersion;
  try {
    const validation = measureValidation();
    for (const v of validation)
      console.log(`validate ${v.name}: base ${v.base.p50us.toFixed(0)} µs, with profiles ${v.profiles.p50us.toFixed(0)} µs`);
    const baseline = await start('./baseline-server.ts', { DATABASE_URL: dbUrl, PORT: '18091' });
    const baselineResult = await createAndRead('http://127.0.0.1:18091', 'baseline express+pg', baseline.pid);
    await stop(baseline);

    const serverEnv = benchServerEnv(dbUrl, 18092);
    // The same server with auditing off, to show what the AuditEvents cost.
    const unaudited = await start('./server-process.ts', { ...serverEnv, AUDIT_ENABLED: 'false' });
    authorization = await fetchToken('http://127.0.0.1:18092');
    const withoutAudit = await createAndRead('http://127.0.0.1:18092/fhir/R4', 'hospital-ops, audit off', unaudited.pid);
    await stop(unaudited);
    await loadSyntheticTerminology(dbUrl, deriveAppUrl(dbUrl, 'hospital_ops_app'));

    const server = await start('./server-process.ts', serverEnv);
    authorization = await fetchToken('http://127.0.0.1:18092');
    const base = 'http://127.0.0.1:18092/fhir/R4';
    const ours = await createAndRead(base, 'hospital-ops', server.pid);

    const bundles = Array.from({ length: INGEST_BUNDLES }, (_, i) => syntheticPatientBundle(42, i));
    const resources = bundles.reduce((n, b) => n + (b.entry?.length ?? 0), 0);
    let failed = 0;
    const oursSeconds = await inParallel(bundles, INGEST_CONCURRENCY, async (bundle) => {
      const res = await post(base, bundle);
      if (res.status !== 200) failed++;
      await res.arrayBuffer();
    });
    const typeAhead = await measureTypeAhead(base, authorization, dbUrl, SECONDS);
    console.log(`type-ahead $expand p95 ${typeAhead.ours.p95ms.toFixed(1)} ms, hand SQL p95 ${typeAhead.sql.p95ms.toFixed(1)} ms`);
    await stop(server);
    if (failed) throw new Error(`${failed} ingest bundles failed`);
    const rawSeconds = await rawIngest(dbUrl, bundles);
    const ingest = { ours: resources / oursSeconds, raw: resources / rawSeconds };
    console.log(`ingest: ours ${ingest.ours.toFixed(0)} resources/s, raw ${ingest.raw.toFixed(0)} resources/s`);

    writeReport({ baseline: baselineResult, ours, withoutAudit, ingest, resources, pgVersion, validation, typeAhead });
  } finally {
    await scratch.drop();
  }
}

function writeReport(r: {
  baseline: { create: Measured; read: Measured };
  ours: { create: Measured; read: Measured };
  withoutAudit: { create: Measured; read: Measured };
  ingest: { ours: number; raw: number };
  resources: number;
  pgVersion: string;
  validation: ValidationRow[];
  typeAhead: TypeAheadResult;
}): void {
  const us = (p: { p50us: number; p95us: number }) => `${p.p50us.toFixed(0)} / ${p.p95us.toFixed(0)} µs`;
  const validationRows = r.validation
    .map(
      (v) =>
        `| ${v.name} | ${us(v.medplumBase)} | ${us(v.base)} | ${us(v.profiles)} | **+${(v.profiles.p50us - v.base.p50us).toFixed(0)} µs** |`,
    )
    .join('\n');
  const ta = r.typeAhead;
  const pct = (a: number, b: number) => `${((a / b) * 100).toFixed(0)}%`;
  const cpu = (name: string, o: Measured, b: Measured) =>
    `| ${name} | ${o.serverCpuUs.toFixed(0)} µs | ${o.postgresCpuUs.toFixed(0)} µs | ${b.serverCpuUs.toFixed(0)} µs | ${b.postgresCpuUs.toFixed(0)} µs |`;
  const row = (name: string, o: LoadResult, b: LoadResult, goal: string) =>
    `| ${name} | ${o.perSecond.toFixed(0)}/s (p50 ${o.p50ms.toFixed(1)} ms, p95 ${o.p95ms.toFixed(1)} ms) | ${b.perSecond.toFixed(0)}/s (p50 ${b.p50ms.toFixed(1)} ms, p95 ${b.p95ms.toFixed(1)} ms) | **${pct(o.perSecond, b.perSecond)}** | ${goal} |`;
  const cpuModel = os.cpus()[0]?.model ?? 'unknown CPU';
  const text = `# Benchmarks

Written by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}. Each figure is beside a baseline
measured in the same run on the same PostgreSQL; the ratio is what to compare across machines.

Machine: ${os.cpus().length} × ${cpuModel}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os.platform()} ${os.release()};
Node.js ${process.version}; PostgreSQL ${r.pgVersion} on the same machine. The load generator, the
server under test and PostgreSQL share the machine's cores.

## FHIR REST: ${CLIENTS} concurrent HTTP clients, ${SECONDS} s each

| operation | Hospital-Ops | baseline: bare express + pg | ratio | goal |
| --- | --- | --- | --- | --- |
${row('create Patient', r.ours.create, r.baseline.create, '≥ 50%')}
${row('read Patient by id', r.ours.read, r.baseline.read, '-')}

The baseline inserts the same JSON into one table and reads it back by primary key. Hospital-Ops
additionally validates against the R4 definitions and the ABDM profile, sets the tenant context, writes the version
and history rows and the search lookup rows, all in one transaction.

Where the time goes: CPU per request, in the server process and in all PostgreSQL processes
(from /proc, same run):

| operation | Hospital-Ops server | its PostgreSQL | baseline server | its PostgreSQL |
| --- | --- | --- | --- | --- |
${cpu('create Patient', r.ours.create, r.baseline.create)}
${cpu('read Patient by id', r.ours.read, r.baseline.read)}

## What auditing costs

Every change writes its AuditEvent in the transaction that does the work, and every read commits its AuditEvent before it is answered, sharing that commit with concurrent reads ([security.md](security.md); \`npm run bench:read-audit\` measures the sharing at 1, 16 and 64 clients). The same
server with \`AUDIT_ENABLED=false\`, same run:

| operation | audited | not audited | audited / not audited |
| --- | --- | --- | --- |
| create Patient | ${r.ours.create.perSecond.toFixed(0)}/s | ${r.withoutAudit.create.perSecond.toFixed(0)}/s | **${pct(r.ours.create.perSecond, r.withoutAudit.create.perSecond)}** |
| read Patient by id | ${r.ours.read.perSecond.toFixed(0)}/s | ${r.withoutAudit.read.perSecond.toFixed(0)}/s | **${pct(r.ours.read.perSecond, r.withoutAudit.read.perSecond)}** |

## Transaction-bundle ingest

${INGEST_BUNDLES} synthetic patient bundles (${r.resources} resources: patients, encounters,
observations, conditions, medication requests), ${INGEST_CONCURRENCY} at a time.

| | resources/s | ratio | goal |
| --- | --- | --- | --- |
| Hospital-Ops \`POST /fhir/R4\` transaction bundles | ${r.ingest.ours.toFixed(0)} | **${pct(r.ingest.ours, r.ingest.raw)}** | ≥ 40% |
| baseline: one raw multi-row INSERT of the JSON per bundle | ${r.ingest.raw.toFixed(0)} | 100% | |

Every bundle entry is validated against the R4 base and the ABDM profile of its type (the default
\`PROFILE_ENFORCEMENT=abdm\`).

## Validation cost per resource

In process, median / p95 over repeated validations of the IG's own examples. "@medplum/core base" is
\`validateResource\` alone (structure, cardinality, types, base invariants); "ours, base" adds
required bindings and extension definitions; "ours, with profiles" adds every profile the resource
claims plus the ABDM profile its type requires (goal: profiles add at most 1 ms per typical resource).

| resource | @medplum/core base | ours, base | ours, with profiles | profiles add (median) |
| --- | --- | --- | --- | --- |
${validationRows}

The document Bundle's time is mostly the base check of its 420 kB base64 PDF (a regular expression
over the whole attachment).

## Type-ahead \`$expand\` over ${ta.concepts.toLocaleString('en-IN')} concepts

A code system of ${ta.concepts.toLocaleString('en-IN')} synthetic concepts imported into the terminology tables, a value
set including all of it, \`GET ValueSet/$expand?url=..&filter=<3-4 letters or two words>&count=20\`
over HTTP, 4 clients, ${SECONDS} s. Beside it, the hand-written SQL for the same page (word-prefix
\`LIKE\` on the trigram-indexed column, shortest first, and the count of matches up to 1,000, as the
server counts) from a pg pool in the same run. The server additionally ranks exact and prefix
matches first and searches synonyms and translations (designations) too.

| | clients | p50 | p95 | requests/s | goal |
| --- | --- | --- | --- | --- | --- |
| \`$expand\` (HTTP, auth, audit, ranking, synonyms, count) | 1 | ${ta.oursSingle.p50ms.toFixed(1)} ms | **${ta.oursSingle.p95ms.toFixed(1)} ms** | ${ta.oursSingle.perSecond.toFixed(0)} | p95 < 20 ms |
| hand-written SQL (no HTTP) | 1 | ${ta.sqlSingle.p50ms.toFixed(1)} ms | ${ta.sqlSingle.p95ms.toFixed(1)} ms | ${ta.sqlSingle.perSecond.toFixed(0)} | |
| \`$expand\` | 4 | ${ta.ours.p50ms.toFixed(1)} ms | **${ta.ours.p95ms.toFixed(1)} ms** | ${ta.ours.perSecond.toFixed(0)} | |
| hand-written SQL | 4 | ${ta.sql.p50ms.toFixed(1)} ms | ${ta.sql.p95ms.toFixed(1)} ms | ${ta.sql.perSecond.toFixed(0)} | |

Ratio of p95s, hand-written SQL / ours: **${pct(ta.sqlSingle.p95ms, ta.oursSingle.p95ms)}** with one client,
**${pct(ta.sql.p95ms, ta.ours.p95ms)}** with four (the machine's two cores then run four clients, the server and
PostgreSQL at once).
`;
  // Other benchmarks' sections (e.g. bench:update-scaling) stay.
  const report = new URL('../../docs/benchmarks.md', import.meta.url);
  writeMarkdownReport(report, text + markedSections(report));
  console.log(text);
}

await main();
