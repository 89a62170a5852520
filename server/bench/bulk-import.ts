/**
 * `npm run bench:import`: Bulk $import throughput beside a raw `COPY ... FROM STDIN` of the same
 * resources into a table shaped like a resource table, and beside the transaction-bundle ingest
 * of the same kind of resources, in one run on one scratch database. Default 100,000 resources (a
 * tenth Patients, the rest Observations that reference them); BENCH_IMPORT_RESOURCES sets the
 * size, BENCH_PG_ADMIN_URL the server. Writes docs/bulk-import-benchmarks.md.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { startServer } from '../src/server.ts';
import { benchPatient, fetchToken } from './fhir-server.ts';
import { writeMarkdownReport } from './report-file.ts';
import { createScratchDatabase } from './scratch-database.ts';

const TARGET = Number(process.env.BENCH_IMPORT_RESOURCES ?? 100_000);
/** The transaction-bundle ingest is slower; a share of the size measures its rate well enough. */
const BUNDLE_RESOURCES = Math.min(TARGET, 10_000);
// The FHIR router takes at most 50 updates (PUTs) in one transaction.
const BUNDLE_SIZE = 50;
const BUNDLE_CLIENTS = 4;
const TENANT = '7a1b2c3d-0000-4000-8000-0000000b0200';
const CLIENT = { id: 'import-bench', secret: 'import-bench-secret-0123456789' };

// ABDM-conformant, as the server requires of a Patient by default; the id kept, as an import keeps it.
const patient = (n: number, prefix: string) => ({ ...benchPatient(n), id: `${prefix}p${n}` });
const observation = (n: number, patients: number, prefix: string) => ({
  resourceType: 'Observation',
  id: `${prefix}o${n}`,
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
  subject: { reference: `Patient/${prefix}p${1 + (n % patients)}` },
  valueQuantity: { value: 60 + (n % 40), unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
});

/** The resources, `prefix` keeping each measurement's ids apart. */
function* resources(total: number, prefix: string): Generator<Record<string, unknown>> {
  const patients = Math.max(1, Math.round(total / 10));
  for (let n = 1; n <= patients; n++) yield patient(n, prefix);
  for (let n = 1; n <= total - patients; n++) yield observation(n, patients, prefix);
}

async function writeLines(path: string, lines: Iterable<string>): Promise<void> {
  const out = createWriteStream(path);
  for (const line of lines) if (!out.write(`${line}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
  await new Promise<void>((r) => out.end(() => r()));
}

function psql(url: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('psql', [url, '-q', '-v', 'ON_ERROR_STOP=1', ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`psql exited with ${code}`))));
  });
}

async function main(): Promise<void> {
  const scratch = await createScratchDatabase('hops_import_bench');
  const dir = await mkdtemp(join(os.tmpdir(), 'hops-import-bench-'));
  const server = await startServer({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    DATABASE_URL: scratch.url,
    DATA_DIR: join(dir, 'data'),
    BULK_EXPORT_DIR: join(dir, 'bulk'),
    SEED_DEMO: 'false',
    TENANT_ID: TENANT,
    ADMIN_PASSWORD: 'import-bench-admin-password',
    SYSTEM_CLIENT_ID: CLIENT.id,
    SYSTEM_CLIENT_SECRET: CLIENT.secret,
    RATE_LIMIT_API: '0',
    RATE_LIMIT_TOKEN: '0',
    JOBS_POLL_MS: '50',
    BULK_IMPORT_MAX_UPLOAD_MB: '4096',
  });
  try {
    const ndjson = join(dir, 'import.ndjson');
    await writeLines(
      ndjson,
      (function* () {
        for (const r of resources(TARGET, 'i')) yield JSON.stringify(r);
      })(),
    );
    // The raw baseline: the same resources as rows (id, content) copied into a table like a resource table.
    const tsv = join(dir, 'copy.tsv');
    await writeLines(
      tsv,
      (function* () {
        for (const r of resources(TARGET, 'c')) yield `${r.id}\t${JSON.stringify(r).replaceAll('\\', '\\\\')}`;
      })(),
    );
    await psql(scratch.url, ['-c', 'CREATE TABLE bench_copy (id text PRIMARY KEY, content jsonb NOT NULL)']);
    let started = performance.now();
    await psql(scratch.url, ['-c', `\\copy bench_copy (id, content) FROM '${tsv}'`]);
    const copySeconds = (performance.now() - started) / 1000;
    console.log(`raw COPY: ${(TARGET / copySeconds).toFixed(0)} resources/s`);

    const headers = { authorization: await fetchToken(server.url, CLIENT, 'system/*.cruds') };

    started = performance.now();
    const kick = await fetch(`${server.url}/fhir/R4/$import`, {
      method: 'POST',
      headers: { ...headers, prefer: 'respond-async', 'content-type': 'application/fhir+ndjson' },
      body: await readFile(ndjson),
    });
    if (kick.status !== 202) throw new Error(`kick-off: ${kick.status} ${await kick.text()}`);
    const status = kick.headers.get('content-location') as string;
    let result: { output: { count: number }[]; error: unknown[] } | undefined;
    while (!result) {
      await new Promise((r) => setTimeout(r, 100));
      const res = await fetch(status, { headers });
      if (res.status === 200) result = (await res.json()) as typeof result;
      else if (res.status !== 202) throw new Error(`status: ${res.status} ${await res.text()}`);
    }
    const importSeconds = (performance.now() - started) / 1000;
    const imported = result.output.reduce((n, f) => n + f.count, 0);
    if (imported !== TARGET || result.error.length) throw new Error(`imported ${imported} of ${TARGET}: ${JSON.stringify(result.error)}`);
    console.log(`$import: ${(TARGET / importSeconds).toFixed(0)} resources/s`);

    // Transaction bundles of PUTs (ids kept, as the import keeps them), BUNDLE_CLIENTS at once.
    const all = [...resources(BUNDLE_RESOURCES, 't')];
    const bundles: Record<string, unknown>[][] = [];
    for (let i = 0; i < all.length; i += BUNDLE_SIZE) bundles.push(all.slice(i, i + BUNDLE_SIZE));
    started = performance.now();
    let next = 0;
    const worker = async () => {
      // Patients go first: a bundle of observations waits for the patients' bundles before it.
      while (next < bundles.length) {
        const entries = bundles[next++];
        const res = await fetch(`${server.url}/fhir/R4`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/fhir+json' },
          body: JSON.stringify({
            resourceType: 'Bundle',
            type: 'transaction',
            entry: entries.map((r) => ({ resource: r, request: { method: 'PUT', url: `${r.resourceType}/${r.id}` } })),
          }),
        });
        if (res.status !== 200) throw new Error(`bundle: ${res.status} ${await res.text()}`);
      }
    };
    await Promise.all(Array.from({ length: BUNDLE_CLIENTS }, worker));
    const bundleSeconds = (performance.now() - started) / 1000;

    const raw = TARGET / copySeconds;
    const ours = TARGET / importSeconds;
    const bundled = BUNDLE_RESOURCES / bundleSeconds;
    console.log(
      `transaction bundles: ${bundled.toFixed(0)} resources/s; $import ${((ours / raw) * 100).toFixed(0)}% of COPY, ${(ours / bundled).toFixed(1)}x bundles`,
    );
    const report = `# Bulk $import benchmark

Written by \`npm run bench:import\` (server/bench/bulk-import.ts). Method, in one run on one scratch database:
${TARGET.toLocaleString('en-IN')} resources (a tenth Patients, the rest Observations referencing them), as one NDJSON file;
the raw baseline is psql's \`\\copy\` of the same resources as (id, content jsonb) rows into a table with a primary key;
the import is one upload (\`POST /$import\`, \`Content-Type: application/fhir+ndjson\`) timed from the kick-off to the result
(polling every 100 ms); the transaction ingest is ${BUNDLE_RESOURCES.toLocaleString('en-IN')} resources of the same kind
as transaction Bundles of ${BUNDLE_SIZE} PUTs from ${BUNDLE_CLIENTS} clients at once.

| measure | value |
| ------- | ----- |
| machine | ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), PostgreSQL ${scratch.pgVersion} |
| raw COPY | ${raw.toFixed(0)} resources/s (${copySeconds.toFixed(1)} s) |
| $import | ${ours.toFixed(0)} resources/s (${importSeconds.toFixed(1)} s) |
| transaction Bundles | ${bundled.toFixed(0)} resources/s (${bundleSeconds.toFixed(1)} s) |
| $import / raw COPY | ${((ours / raw) * 100).toFixed(0)}% (goal: at least 25%) |
| $import / transaction Bundles | ${(ours / bundled).toFixed(1)}x (goal: at least 5x) |

The import does what COPY does not: it checks each resource against R4 (and the tenant's profile rules),
the client's scopes and the write hooks, and writes its history row and search index rows with it.
See docs/bulk-data.md.
`;
    writeMarkdownReport(new URL('../../docs/bulk-import-benchmarks.md', import.meta.url), report);
  } finally {
    await server.stop();
    await scratch.drop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
