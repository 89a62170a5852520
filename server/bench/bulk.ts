/**
 * `npm run bench:bulk`: Bulk Data $export throughput beside a raw
 * `COPY (SELECT content FROM ...) TO STDOUT` of the same rows, in the same run on the same
 * database, and the server's RSS growth while it exports. Default 1,000,000 resources (a tenth
 * Patients, the rest Observations); BENCH_BULK_RESOURCES sets the size, BENCH_PG_ADMIN_URL the
 * server. Writes docs/bulk-benchmarks.md.
 *
 * Rows are generated in SQL (generate_series) rather than written through the repository: a
 * system export reads the resource tables only, and loading a million resources through the
 * write path would take longer than the benchmark itself.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { startServer } from '../src/server.ts';
import { fetchToken } from './fhir-server.ts';
import { writeMarkdownReport } from './report-file.ts';
import { createScratchDatabase } from './scratch-database.ts';

const TARGET = Number(process.env.BENCH_BULK_RESOURCES ?? 1_000_000);
const TENANT = '7a1b2c3d-0000-4000-8000-0000000b0100';
const CLIENT = { id: 'bulk-bench', secret: 'bulk-bench-secret-0123456789' };
const CHUNK = 100_000;

/** Patients and their observations, made by PostgreSQL itself, CHUNK rows a statement. */
async function load(server: Awaited<ReturnType<typeof startServer>>, patients: number, observations: number): Promise<void> {
  const insert = async (table: string, from: number, to: number, content: string) =>
    server.db.asOwner((sql) =>
      sql.query(
        `INSERT INTO "${table}" (tenant_id, id, version_id, last_updated, deleted, content)
         SELECT $1::uuid, id, 1, ts, false, ${content}
         FROM (SELECT n, '${table[0].toLowerCase()}' || n AS id, now() - (($3::int - n) * interval '1 millisecond') AS ts
               FROM generate_series($2::int, $3::int) AS n) g`,
        [TENANT, from, to],
      ),
    );
  const meta = `'meta', jsonb_build_object('versionId', '1', 'lastUpdated', to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))`;
  for (let from = 1; from <= patients; from += CHUNK) {
    await insert(
      'Patient',
      from,
      Math.min(from + CHUNK - 1, patients),
      `jsonb_build_object('resourceType', 'Patient', 'id', id, ${meta}, 'name', jsonb_build_array(jsonb_build_object('family', 'Sharma-' || n, 'given', jsonb_build_array('Asha'))), 'gender', CASE WHEN n % 2 = 0 THEN 'female' ELSE 'male' END, 'birthDate', '1980-01-01')`,
    );
  }
  for (let from = 1; from <= observations; from += CHUNK) {
    await insert(
      'Observation',
      from,
      Math.min(from + CHUNK - 1, observations),
      `jsonb_build_object('resourceType', 'Observation', 'id', id, ${meta}, 'status', 'final', 'code', jsonb_build_object('coding', jsonb_build_array(jsonb_build_object('system', 'http://loinc.org', 'code', '8867-4', 'display', 'Heart rate'))), 'subject', jsonb_build_object('reference', 'Patient/p' || (1 + n % ${patients})), 'valueQuantity', jsonb_build_object('value', 60 + n % 40, 'unit', '/min'))`,
    );
  }
  await server.db.asOwner((sql) => sql.exec('ANALYZE "Patient"; ANALYZE "Observation"'));
}

/** The raw baseline: psql's COPY of the same rows to /dev/null; seconds. */
async function rawCopy(url: string): Promise<number> {
  const started = performance.now();
  for (const table of ['Patient', 'Observation']) {
    await new Promise<void>((resolve, reject) => {
      const p = spawn(
        'psql',
        [url, '-q', '-c', `COPY (SELECT content FROM "${table}" WHERE tenant_id = '${TENANT}' AND NOT deleted) TO STDOUT`],
        {
          stdio: ['ignore', 'ignore', 'inherit'],
        },
      );
      p.on('error', reject);
      p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`psql exited with ${code}`))));
    });
  }
  return (performance.now() - started) / 1000;
}

async function main(): Promise<void> {
  const scratch = await createScratchDatabase('hops_bulk_bench');
  const dir = await mkdtemp(join(os.tmpdir(), 'hops-bulk-bench-'));
  const server = await startServer({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    DATABASE_URL: scratch.url,
    DATA_DIR: join(dir, 'data'),
    BULK_EXPORT_DIR: join(dir, 'exports'),
    SEED_DEMO: 'false',
    TENANT_ID: TENANT,
    ADMIN_PASSWORD: 'bulk-bench-admin-password',
    SYSTEM_CLIENT_ID: CLIENT.id,
    SYSTEM_CLIENT_SECRET: CLIENT.secret,
    RATE_LIMIT_API: '0',
    RATE_LIMIT_TOKEN: '0',
    JOBS_POLL_MS: '50',
  });
  try {
    const patients = Math.max(1, Math.round(TARGET / 10));
    const observations = TARGET - patients;
    console.log(`loading ${TARGET} resources...`);
    await load(server, patients, observations);

    const copySeconds = await rawCopy(scratch.url);
    console.log(`raw COPY: ${(TARGET / copySeconds).toFixed(0)} resources/s`);

    const headers = { authorization: await fetchToken(server.url, CLIENT, 'system/*.rs') };
    global.gc?.();
    const before = process.memoryUsage();
    const rssBefore = before.rss;
    let rssPeak = rssBefore;
    let heapPeak = before.heapUsed;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      rssPeak = Math.max(rssPeak, m.rss);
      heapPeak = Math.max(heapPeak, m.heapUsed);
    }, 20);
    const started = performance.now();
    const kick = await fetch(`${server.url}/fhir/R4/$export?_type=Patient,Observation`, {
      headers: { ...headers, prefer: 'respond-async' },
    });
    if (kick.status !== 202) throw new Error(`kick-off: ${kick.status} ${await kick.text()}`);
    const status = kick.headers.get('content-location') as string;
    let manifest: { output: { count: number }[] } | undefined;
    while (!manifest) {
      await new Promise((r) => setTimeout(r, 100));
      const res = await fetch(status, { headers });
      if (res.status === 200) manifest = (await res.json()) as { output: { count: number }[] };
      else if (res.status !== 202) throw new Error(`status: ${res.status} ${await res.text()}`);
    }
    const exportSeconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    const exported = manifest.output.reduce((n, f) => n + f.count, 0);
    if (exported !== TARGET) throw new Error(`exported ${exported} of ${TARGET}`);
    const ours = TARGET / exportSeconds;
    const raw = TARGET / copySeconds;
    const growthMb = (rssPeak - rssBefore) / 1024 / 1024;
    const heapPeakMb = (heapPeak - before.heapUsed) / 1024 / 1024;
    global.gc?.();
    // What the export kept: the heap after a full collection, against before it started.
    const retainedMb = (process.memoryUsage().heapUsed - before.heapUsed) / 1024 / 1024;
    console.log(`heap: peak +${heapPeakMb.toFixed(0)} MB, retained after GC +${retainedMb.toFixed(1)} MB`);
    console.log(
      `$export: ${ours.toFixed(0)} resources/s (${((ours / raw) * 100).toFixed(0)}% of raw COPY), RSS growth ${growthMb.toFixed(0)} MB`,
    );

    const report = `# Bulk Data $export benchmark

Written by \`npm run bench:bulk\` (server/bench/bulk.ts). Method, in one run on one scratch database:
${TARGET.toLocaleString('en-IN')} resources (${patients.toLocaleString('en-IN')} Patients, ${observations.toLocaleString('en-IN')} Observations) generated in SQL;
the raw baseline is \`psql -c "COPY (SELECT content FROM <table> WHERE tenant_id = ...) TO STDOUT"\` of both tables to /dev/null;
the export is \`GET /$export?_type=Patient,Observation\` with a system client, timed from kick-off to the manifest
(polling every 100 ms), files written to local disk. RSS is the server process's, sampled every 20 ms during the export.

| measure                        | value |
| ------------------------------ | ----- |
| machine                        | ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), PostgreSQL ${scratch.pgVersion} |
| raw COPY                       | ${raw.toFixed(0)} resources/s (${copySeconds.toFixed(1)} s) |
| $export                        | ${ours.toFixed(0)} resources/s (${exportSeconds.toFixed(1)} s) |
| $export / raw COPY             | ${((ours / raw) * 100).toFixed(0)}% (goal: at least 50%) |
| server RSS growth during export | ${growthMb.toFixed(0)} MB (goal: under 150 MB) |
| JS heap: peak growth, retained after a full GC | ${heapPeakMb.toFixed(0)} MB, ${retainedMb.toFixed(1)} MB |

The export reads through the client's repository search (row-level security, access gates, keyset
pages of 5,000, one transaction each, each page one NDJSON text built by the database) and writes
it to disk; COPY streams the same stored text in one statement. The ratio measures the paging,
the per-page transactions and the driver reading each page. The heap line shows memory stays
flat whatever the size; RSS growth is the allocator and socket buffers, not kept objects.
See docs/bulk-data.md.
`;
    writeMarkdownReport(new URL('../../docs/bulk-benchmarks.md', import.meta.url), report);
  } finally {
    await server.stop();
    // BENCH_BULK_KEEP=1 keeps the database for a look at the plans (psql <url>).
    if (process.env.BENCH_BULK_KEEP) {
      console.log(`database kept: ${scratch.url}`);
      process.exit(0); // the scratch database's admin connection stays open otherwise
    } else await scratch.drop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
