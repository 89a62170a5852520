/**
 * `npm run bench:read-audit`: what auditing costs a read by id, at 1, 16 and 64 clients. Three
 * ways to answer "read a Patient and durably record who read it", in the same run on the same
 * PostgreSQL: the server with read audit records sharing commits (the default), the server with
 * one commit per read (AUDIT_READ_GROUP_COMMIT=false), and hand-written SQL that reads the row by
 * primary key and inserts its audit rows in one prepared statement per read (the fair baseline of
 * issue 15). Writes docs/read-audit-benchmarks.md.
 */
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import pg from 'pg';
import {
  BENCH_TENANT,
  benchServerEnv,
  fetchToken,
  benchPatient as patient,
  startProcess as start,
  stopProcess as stop,
} from './fhir-server.ts';
import { type LoadResult, runLoad } from './load.ts';
import { writeMarkdownReport } from './report-file.ts';
import { createScratchDatabase } from './scratch-database.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CLIENT_COUNTS = [1, 16, 64];
const PATIENTS = 200;
const PORT = 18095;
const SERVER = `http://127.0.0.1:${PORT}`;

async function serverReads(env: Record<string, string>): Promise<{ ids: string[]; results: LoadResult[] }> {
  const child = await start('./server-process.ts', env);
  try {
    const authorization = await fetchToken(SERVER);
    const ids: string[] = [];
    for (let i = 0; i < PATIENTS; i++) {
      const res = await fetch(`${SERVER}/fhir/R4/Patient`, {
        method: 'POST',
        headers: { 'content-type': 'application/fhir+json', authorization },
        body: JSON.stringify(patient(i)),
      });
      ids.push(((await res.json()) as { id: string }).id);
    }
    const results: LoadResult[] = [];
    for (const clients of CLIENT_COUNTS) {
      results.push(
        await runLoad(clients, SECONDS, async (i) => {
          const res = await fetch(`${SERVER}/fhir/R4/Patient/${ids[i % ids.length]}`, { headers: { authorization } });
          await res.arrayBuffer();
          return res.status === 200;
        }),
      );
    }
    return { ids, results };
  } finally {
    await stop(child);
  }
}

/** The baseline: read by primary key and insert the audit row and its sealing-queue row, one statement, autocommit. */
async function handWrittenReads(databaseUrl: string, ids: string[]): Promise<LoadResult[]> {
  const results: LoadResult[] = [];
  for (const clients of CLIENT_COUNTS) {
    const pool = new pg.Pool({ connectionString: databaseUrl, max: clients });
    const event = JSON.stringify({ resourceType: 'AuditEvent', action: 'R', recorded: new Date().toISOString() });
    results.push(
      await runLoad(clients, SECONDS, async (i) => {
        const auditId = randomUUID();
        const r = await pool.query({
          name: 'read-with-audit',
          text: `WITH a AS (INSERT INTO audit_log (tenant_id, id, recorded, action, outcome, client_id, patient, event)
                            VALUES ($1, $3, now(), 'R', '0', 'bench', 'Patient/' || $2, $4::jsonb)),
                      q AS (INSERT INTO audit_pending (tenant_id, id) VALUES ($1, $3))
                 SELECT content FROM "Patient" WHERE tenant_id = $1 AND id = $2`,
          values: [BENCH_TENANT, ids[i % ids.length], auditId, event],
        });
        return r.rows.length === 1;
      }),
    );
    await pool.end();
  }
  return results;
}

async function main(): Promise<void> {
  const scratch = await createScratchDatabase('hops_bench_read_audit');
  try {
    const env = { ...benchServerEnv(scratch.url, PORT), PROFILE_ENFORCEMENT: 'claimed' };
    // Each server on a fresh start; per-read first, so warm-up favours neither (the second run reads a warmer cache).
    const single = await serverReads({ ...env, AUDIT_READ_GROUP_COMMIT: 'false' });
    const grouped = await serverReads(env);
    const baseline = await handWrittenReads(scratch.url, grouped.ids);
    const errors = [...grouped.results, ...single.results, ...baseline].reduce((n, r) => n + r.errors, 0);

    const cell = (r: LoadResult) => `${r.perSecond.toFixed(0)}/s (p50 ${r.p50ms.toFixed(1)} ms)`;
    const pct = (a: LoadResult, b: LoadResult) => `${((a.perSecond / b.perSecond) * 100).toFixed(0)}%`;
    const cpu = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}`;
    const lines = [
      '# Read audit benchmark',
      '',
      `Written by \`npm run bench:read-audit\` on ${new Date().toISOString().slice(0, 10)}: ${cpu}, PostgreSQL ${scratch.pgVersion}, server, PostgreSQL and load generator on the same machine. Each cell reads Patients by id for ${SECONDS} s from closed-loop clients; every answered read has a committed audit record.`,
      '',
      '| Clients | Server, shared commits | Server, a commit per read | Hand-written SQL (read + audit rows, one statement) | Shared vs per-read | Shared vs hand-written (goal ≥ 50%) |',
      '| --- | --- | --- | --- | --- | --- |',
      ...CLIENT_COUNTS.map((c, i) => {
        const g = grouped.results[i] as LoadResult;
        const s = single.results[i] as LoadResult;
        const b = baseline[i] as LoadResult;
        return `| ${c} | ${cell(g)} | ${cell(s)} | ${cell(b)} | ${pct(g, s)} | ${pct(g, b)} |`;
      }),
      '',
      `Errors: ${errors}. Each server starts fresh, the per-read one first; the second start meets a warmer PostgreSQL cache, so differences within about 10% between the two server columns are noise (swapping the order swaps the sign). The hand-written baseline does no authentication, access control, consent check, FHIR serialisation or HTTP; it is the floor of what a durable audited read costs in PostgreSQL. Rerun: \`npm run bench:read-audit\` (BENCH_SECONDS to change the length).`,
      '',
    ];
    writeMarkdownReport(new URL('../../docs/read-audit-benchmarks.md', import.meta.url), lines.join('\n'));
    console.log(lines.join('\n'));
    if (errors) throw new Error(`${errors} reads failed`);
  } finally {
    await scratch.drop();
  }
}

await main();
