/**
 * `npm run bench:update-scaling`: does an update cost the same in a large tenant as in a small
 * one? PUT throughput of 16 HTTP clients with BENCH_SMALL (1,000) Patients in the tenant,
 * then again after loading it to BENCH_LARGE (20,000), reported as a ratio in its section of
 * docs/benchmarks.md. BENCH_SECONDS sets each phase's length; BENCH_ANALYZE=1 refreshes
 * statistics after each load; BENCH_PG_ADMIN_URL the server (default the machine's).
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import pg from 'pg';
import { benchPatient, benchServerEnv, fetchToken, startProcess, stopProcess } from './fhir-server.ts';
import { type LoadResult, runLoad } from './load.ts';
import { writeReportSection } from './report-file.ts';
import { createScratchDatabase } from './scratch-database.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const SMALL = Number(process.env.BENCH_SMALL ?? 1_000);
const LARGE = Number(process.env.BENCH_LARGE ?? 20_000);
const CLIENTS = 16;
const BUNDLE = 100;
const PORT = 18093;
// Statistics as production has them: left to autovacuum, which lags a growing table (the column
// statistics of the search tables then understate how selective a resource id is). BENCH_ANALYZE=1
// refreshes them after each load instead.
const ANALYZE = process.env.BENCH_ANALYZE === '1';

let authorization = 'Bearer none';
const stored: { id: string; i: number }[] = [];

/** Adds Patients numbered from..to-1 by transaction bundles of BUNDLE, four at a time. */
async function load(base: string, from: number, to: number): Promise<void> {
  let next = from;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < to) {
        const first = next;
        next = Math.min(next + BUNDLE, to);
        const numbers = Array.from({ length: next - first }, (_, k) => first + k);
        const entry = numbers.map((i) => ({ resource: benchPatient(i), request: { method: 'POST', url: 'Patient' } }));
        const res = await fetch(base, {
          method: 'POST',
          headers: { 'content-type': 'application/fhir+json', authorization },
          body: JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry }),
        });
        const body = (await res.json()) as { entry?: { response: { location: string } }[] };
        if (res.status !== 200 || !body.entry)
          throw new Error(`loading Patients failed: ${res.status} ${JSON.stringify(body).slice(0, 500)}`);
        body.entry.forEach((e, k) => {
          stored.push({ id: e.response.location.split('/')[1], i: numbers[k] });
        });
      }
    }),
  );
}

async function analyze(url: string): Promise<void> {
  if (!ANALYZE) return;
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query('ANALYZE');
  await c.end();
}

/** PUTs a changed version of stored Patients, spread over all of them, for `seconds`. */
function updates(base: string, seconds: number): Promise<LoadResult> {
  return runLoad(CLIENTS, seconds, async (n) => {
    // A stride coprime with the count: requests in flight at once update different Patients.
    const p = stored[(n * 7919) % stored.length];
    const body = {
      ...benchPatient(p.i),
      id: p.id,
      gender: n % 2 ? 'male' : 'female',
      name: [{ family: 'Sharma', given: ['Bench', `U${n}`], text: `Bench U${n} Sharma` }],
    };
    const res = await fetch(`${base}/Patient/${p.id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/fhir+json', authorization },
      body: JSON.stringify(body),
    });
    await res.arrayBuffer();
    return res.status === 200;
  });
}

function cpuModel(): string {
  try {
    const line = execFileSync('lscpu', { encoding: 'utf8' }).match(/^Model name:\s*(.+)$/m);
    if (line) return line[1].trim();
  } catch {
    // no lscpu (not Linux)
  }
  return os.cpus()[0]?.model ?? 'unknown CPU';
}

async function main(): Promise<void> {
  const scratch = await createScratchDatabase('hops_bench_upd');
  try {
    const server = await startProcess('./server-process.ts', benchServerEnv(scratch.url, PORT));
    const base = `http://127.0.0.1:${PORT}/fhir/R4`;
    try {
      authorization = await fetchToken(`http://127.0.0.1:${PORT}`);
      await load(base, 0, SMALL);
      await analyze(scratch.url);
      await updates(base, 2); // warm-up: connections, caches, JIT
      const small = await updates(base, SECONDS);
      console.log(`${stored.length} Patients: ${small.perSecond.toFixed(0)} updates/s, p50 ${small.p50ms.toFixed(1)} ms`);
      const started = performance.now();
      await load(base, SMALL, LARGE);
      console.log(`loaded to ${stored.length} Patients in ${((performance.now() - started) / 1000).toFixed(0)} s`);
      await analyze(scratch.url);
      const large = await updates(base, SECONDS);
      console.log(`${stored.length} Patients: ${large.perSecond.toFixed(0)} updates/s, p50 ${large.p50ms.toFixed(1)} ms`);
      if (small.errors || large.errors) throw new Error(`${small.errors + large.errors} updates failed`);
      report(small, large, scratch.pgVersion);
    } finally {
      await stopProcess(server);
    }
  } finally {
    await scratch.drop();
  }
}

function report(small: LoadResult, large: LoadResult, pgVersion: string): void {
  const ratio = `${((large.perSecond / small.perSecond) * 100).toFixed(0)}%`;
  const row = (n: number, r: LoadResult) =>
    `| ${n.toLocaleString('en-IN')} | ${r.perSecond.toFixed(0)}/s | ${r.p50ms.toFixed(1)} ms | ${r.p95ms.toFixed(1)} ms |`;
  const text = `## Update cost as the tenant grows

Written by \`npm run bench:update-scaling\` on ${new Date().toISOString().slice(0, 10)}: ${CLIENTS} HTTP clients
PUT changed versions of the tenant's Patients (ABDM-valid, spread over all of them) for ${SECONDS} s with
${SMALL.toLocaleString('en-IN')} Patients stored, then again after loading the tenant to ${LARGE.toLocaleString('en-IN')}
(${ANALYZE ? 'statistics refreshed by ANALYZE after each load' : 'statistics left to autovacuum, as in production'}). Machine: ${os.cpus().length} × ${cpuModel()},
Node.js ${process.version}, PostgreSQL ${pgVersion}, all on the same machine.

| Patients in the tenant | updates | p50 | p95 |
| --- | --- | --- | --- |
${row(SMALL, small)}
${row(LARGE, large)}

Throughput at ${LARGE.toLocaleString('en-IN')} / at ${SMALL.toLocaleString('en-IN')}: **${ratio}** (goal ≥ 75%, issue 15). Before
issue 15's fix (search rows deleted by joining a JSON record set, which the planner answered by
scanning the tenant's sp_* rows) the same run gave 51% on a 2-core AMD EPYC.
Rerun with \`npm run bench:update-scaling\` (BENCH_SECONDS, BENCH_SMALL, BENCH_LARGE, BENCH_ANALYZE=1 to change it);
\`server/test/write-plans.test.ts\` keeps every write statement off the tenant's other rows.
`;
  writeReportSection(new URL('../../docs/benchmarks.md', import.meta.url), 'update-scaling', text);
  console.log(text);
}

await main();
