/**
 * `npm run bench:start`: how long `node server/src/main.ts` takes from launch to its first FHIR
 * answer (GET /metadata), and how much memory the process holds, on a new data folder each time:
 * the embedded default (from the migrated template, as npm ci and npm start build it), the same
 * without the template (initdb and every migration in the folder: the baseline), and a restart of
 * a folder that already holds the database. Rounds alternate the kinds; BENCH_ROUNDS (5) of each.
 * Reported as medians in their section of docs/benchmarks.md.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { buildTemplate } from '../src/db/pglite-template.ts';
import { writeReportSection } from './report-file.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const PORT = 18095;
const MAIN = new URL('../src/main.ts', import.meta.url).pathname;

interface Start {
  ms: number;
  rssMB: number;
  peakMB: number;
}

function statusMB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`${field}:\\s+(\\d+) kB`));
  return line ? Math.round(Number(line[1]) / 1024) : Number.NaN;
}

async function firstAnswer(child: ChildProcess): Promise<void> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}) before answering`);
    const ok = await fetch(`http://127.0.0.1:${PORT}/fhir/R4/metadata`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function start(dataDir: string, env: Record<string, string>): Promise<Start> {
  const launched = performance.now();
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, DATA_DIR: dataDir, PORT: String(PORT), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: 'ignore',
  });
  try {
    await firstAnswer(child);
    const ms = performance.now() - launched;
    // At rest: what the process keeps once start-up's garbage has had time to go.
    await new Promise((r) => setTimeout(r, 3_000));
    return { ms, rssMB: statusMB(child.pid as number, 'VmRSS'), peakMB: statusMB(child.pid as number, 'VmHWM') };
  } finally {
    child.kill('SIGINT');
    await new Promise((r) => child.once('exit', r));
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const KINDS = {
  template: 'new data folder, from the migrated template (the default)',
  initdb: 'new data folder, no template (initdb and the migrations): baseline',
  restart: 'restart of a data folder that holds the database',
} as const;
type Kind = keyof typeof KINDS;

await buildTemplate();
const results: Record<Kind, Start[]> = { template: [], initdb: [], restart: [] };
for (let round = 0; round < ROUNDS; round++) {
  for (const kind of ['template', 'initdb'] as const) {
    const dir = mkdtempSync(join(os.tmpdir(), 'hops-cold-'));
    try {
      results[kind].push(await start(dir, kind === 'initdb' ? { EMBEDDED_TEMPLATE_DIR: 'none' } : {}));
      if (kind === 'template') results.restart.push(await start(dir, {}));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log(
    `round ${round + 1}/${ROUNDS}:`,
    Object.entries(results)
      .map(([k, v]) => `${k} ${Math.round(v.at(-1)?.ms ?? 0)} ms`)
      .join(', '),
  );
}

const row = (kind: Kind) => {
  const r = results[kind];
  return `| ${KINDS[kind]} | ${(median(r.map((x) => x.ms)) / 1000).toFixed(2)} s | ${(Math.max(...r.map((x) => x.ms)) / 1000).toFixed(2)} s | ${median(r.map((x) => x.rssMB))} MB | ${median(r.map((x) => x.peakMB))} MB |`;
};
const ratio = median(results.template.map((x) => x.ms)) / median(results.initdb.map((x) => x.ms));
writeReportSection(
  new URL('../../docs/benchmarks.md', import.meta.url),
  'cold-start',
  `
## Cold start

Written by \`npm run bench:start\` on ${new Date().toISOString().slice(0, 10)}: \`node server/src/main.ts\` with the
embedded database and its defaults (the demo tenant is loaded on a first start), from launch to the
first answer of \`GET /fhir/R4/metadata\`; memory of the server process 3 s later (at rest) and its
peak. ${ROUNDS} rounds, medians. Machine: ${os.cpus().length} × ${os.cpus()[0]?.model.split(' ').slice(0, 2).join(' ')}, Node.js ${process.version}.

| start | median | slowest | memory at rest | peak memory |
| --- | --- | --- | --- | --- |
${row('template')}
${row('initdb')}
${row('restart')}

A first start from the template takes **${Math.round(ratio * 100)}%** of the time the same start takes
building its database itself (goal: under 6 s, issue 15). The template is the data folder of a
database that has run every migration, built once per schema by \`npm ci\` and \`npm start\`
(server/scripts/build-embedded-template.ts, about 4 s) into server/.cache. Rerun with
\`npm run bench:start\` (BENCH_ROUNDS to change the number of rounds).
`,
);
console.log(`written to docs/benchmarks.md; template / initdb = ${ratio.toFixed(2)}`);
