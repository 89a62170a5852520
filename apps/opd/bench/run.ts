/**
 * `npm run bench:apps`: the OPD app as a front desk meets it. The JavaScript and CSS it ships
 * (raw and compressed), and in headless Chromium on localhost, against a real server on a scratch
 * PostgreSQL database holding the demo tenant plus synthetic patients: time to interactive of the
 * patient search page, and type-ahead patient search latency. Every figure stands beside a
 * baseline measured in the same run. Writes docs/app-benchmarks.md.
 *
 * BENCH_APPS_PATIENTS (default 100000) patients; BENCH_APPS_LOADS (20) page loads per series;
 * BENCH_APPS_QUERIES (50) type-ahead queries; BENCH_APPS_THROTTLED_LOADS (5, 0 to skip) loads on a
 * throttled connection; BENCH_APPS_COMPOSITION=0 skips the source-map build; BENCH_PG_ADMIN_URL
 * the PostgreSQL server (default the machine's); CHROMIUM_PATH the browser (default Debian's);
 * BENCH_APPS_KEEP_DATABASE=1 keeps the loaded scratch database (its URL is printed).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { patientQueries } from '@hospital-ops/app-shell/patients/search.ts';
import { formatMarkdown } from '../../../server/bench/report-file.ts';
import { launchBrowser } from '../e2e/harness.ts';
import { ASSETS_DIR, type Composition, measureBundle, measureComposition } from './bundle.ts';
import { captureServerTimes, scratchDatabase, startPlatform, TENANT_ID } from './data.ts';
import { type ExplainedSearch, explainSearch } from './explain.ts';
import { type OthersCpu, watchCpu } from './machine.ts';
import {
  BuildChanged,
  type LoadSample,
  type LoadSeries,
  makeQueries,
  measureLoads,
  measureTypeAhead,
  type NetworkConditions,
  openSession,
} from './page.ts';
import { type BenchResults, writeReport } from './report.ts';
import { median, ms } from './stats.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PATIENTS = Number(process.env.BENCH_APPS_PATIENTS ?? 100_000);
const LOADS = Number(process.env.BENCH_APPS_LOADS ?? 20);
const QUERIES = Number(process.env.BENCH_APPS_QUERIES ?? 50);
const THROTTLED_LOADS = Number(process.env.BENCH_APPS_THROTTLED_LOADS ?? 5);
const COMPOSITION = process.env.BENCH_APPS_COMPOSITION !== '0';
const DESK = 'desk.pune@sanjeevani.demo';
/** An illustration, not a goal: a fair broadband or 4G link to the clinic. */
const THROTTLE: NetworkConditions = { latencyMs: 40, downloadMbps: 10, uploadMbps: 5 };
/** Only React's development build carries this message. */
const DEV_BUILD_MARKER = 'Each child in a list should have a unique';

const jsFiles = () => readdirSync(ASSETS_DIR).filter((f) => f.endsWith('.js'));
/** The entry script dist/index.html names: the build the server is serving now. */
const entryScript = () => /assets\/([^"]+\.js)"/.exec(readFileSync(join(ASSETS_DIR, '..', 'index.html'), 'utf8'))?.[1] ?? '';
const isDevBuild = () => jsFiles().some((f) => readFileSync(join(ASSETS_DIR, f), 'utf8').includes(DEV_BUILD_MARKER));

/** What the report should say about the run itself (rebuilds, phases measured again). */
const notes: string[] = [];

/**
 * Makes sure apps/opd/dist is a current production build (the one the server serves) and
 * returns its entry script. Others' `vite build`s (the e2e tests run build-if-stale under
 * vitest, whose NODE_ENV=test gives React's development build) may replace it at any time.
 */
function ensureProductionBuild(): string {
  const env = { ...process.env, NODE_ENV: 'production' };
  const script = join(ROOT, 'apps', 'scripts', 'build-if-stale.ts');
  execFileSync(process.execPath, [script], { cwd: ROOT, stdio: 'inherit', env });
  if (isDevBuild()) {
    console.log('apps/opd/dist holds a development build of React (built with NODE_ENV=test?); rebuilding it for production...');
    notes.push(
      'apps/opd/dist held a development build of React (built with NODE_ENV=test, as the e2e tests build it); the benchmark rebuilt it for production before measuring.',
    );
    execFileSync(process.execPath, [script, '--force'], { cwd: ROOT, stdio: 'inherit', env });
    if (isDevBuild()) throw new Error('apps/opd/dist is still a development build after rebuilding');
  }
  return entryScript();
}

/** CPU that other work on the machine took during each browser phase (a shared machine skews timings). */
const machine: OthersCpu[] = [];
/** The PostgreSQL backends serving the benchmark's server (set once it runs). */
let backendPids: () => Promise<number[]> = async () => [];

/**
 * Runs a browser phase against the current production build; if the build changed under it
 * (`valid` says no, or the page said so), rebuilds and runs the phase again, up to three times.
 */
async function phase<T>(name: string, run: (script: string) => Promise<T>, valid: (result: T, script: string) => boolean): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const script = ensureProductionBuild();
    const cpu = watchCpu(name, await backendPids());
    try {
      const result = await run(script);
      if (valid(result, script)) {
        const used = cpu.stop(await backendPids());
        if (used) machine.push(used);
        return result;
      }
    } catch (err) {
      if (!(err instanceof BuildChanged)) throw err;
    }
    if (attempt >= 3) throw new Error(`apps/opd/dist kept changing during "${name}": run the benchmark while nothing else builds the apps`);
    console.log(`  apps/opd/dist was replaced during "${name}" (another vite build); measuring it again`);
    notes.push(`apps/opd/dist was replaced by another build during "${name}"; that phase was measured again.`);
  }
}

const sameBuild = (s: LoadSeries, script: string) => s.app.every((x) => x.script.endsWith(`/${script}`));

/** What the server actually sends for the app's JavaScript to a browser that accepts gzip and Brotli. */
function servedEncoding(url: string, path: string): Promise<{ encoding: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    http
      .get(`${url}${path}`, { headers: { 'accept-encoding': 'gzip, deflate, br, zstd' } }, (res) => {
        let bytes = 0;
        res.on('data', (c: Buffer) => {
          bytes += c.length;
        });
        res.on('end', () => resolve({ encoding: String(res.headers['content-encoding'] ?? 'identity (uncompressed)'), bytes }));
      })
      .on('error', reject);
  });
}

async function main(): Promise<void> {
  const script = ensureProductionBuild();
  console.log('measuring the bundle...');
  const bundle = measureBundle();
  let composition: Composition | undefined;
  if (COMPOSITION) {
    console.log('building once more with source maps, to see what the JavaScript is made of...');
    composition = measureComposition();
  }

  try {
    const scratch = await scratchDatabase();
    // BENCH_APPS_KEEP_DATABASE=1 keeps the loaded database, to study query plans after the run.
    if (process.env.BENCH_APPS_KEEP_DATABASE === '1') console.log(`keeping the database: ${scratch.url}`);
    else cleanups.push(() => scratch.drop());
    console.log(`loading ${PATIENTS.toLocaleString('en-US')} synthetic patients into the demo tenant...`);
    const platform = await startPlatform(scratch, PATIENTS);
    cleanups.push(() => platform.server.stop());
    const { url } = platform;
    const serverTimes = captureServerTimes(platform.server);
    backendPids = () =>
      platform.server.db.asOwner(async (sql) =>
        (await sql.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database()')).rows.map((r) => r.pid),
      );
    const served = await servedEncoding(url, `/apps/opd/assets/${script}`);
    const browser = await launchBrowser();
    cleanups.push(() => browser.close());
    const session = await openSession(browser, url, DESK);
    const appUrl = `${url}/apps/opd/`;
    const baselineUrl = `${url}/health/live`;
    const p50 = (xs: LoadSample[]) => ms(median(xs.map((x) => x.painted)));

    console.log(`time to interactive, ${LOADS} reloads each, HTTP cache disabled...`);
    const cold = await phase('first loads', () => measureLoads(session, appUrl, baselineUrl, LOADS, { cache: false }), sameBuild);
    console.log(`  app p50 ${p50(cold.app)}, baseline p50 ${p50(cold.baseline)}`);
    console.log(`time to interactive, ${LOADS} reloads each, HTTP cache warm...`);
    const warm = await phase('later visits', () => measureLoads(session, appUrl, baselineUrl, LOADS, { cache: true }), sameBuild);
    console.log(`  app p50 ${p50(warm.app)}, baseline p50 ${p50(warm.baseline)}`);
    let throttled: BenchResults['throttled'];
    if (THROTTLED_LOADS > 0) {
      console.log(`time to interactive on a throttled connection, ${THROTTLED_LOADS} reloads each, HTTP cache disabled...`);
      const series = await phase(
        'throttled loads',
        () => measureLoads(session, appUrl, baselineUrl, THROTTLED_LOADS, { cache: false, network: THROTTLE }),
        sameBuild,
      );
      throttled = { conditions: THROTTLE, series };
      console.log(`  app p50 ${p50(series.app)}`);
    }

    console.log(`type-ahead, ${QUERIES} queries...`);
    const queries = makeQueries(platform.patients, QUERIES);
    const typeAhead = await phase(
      'type-ahead',
      (current) =>
        measureTypeAhead(session, url, queries, serverTimes, {
          script: current,
          onSample: (q, i) =>
            console.log(
              `  ${String(i + 1).padStart(3)} ${q.spec.kind.padEnd(30)} ${JSON.stringify(q.spec.text).padEnd(16)} ${String(q.rows).padStart(2)} rows  request→painted ${ms(q.requestToPainted)}  keystroke→painted ${ms(q.keystrokeToPainted)}  node ${ms(q.node)}`,
            ),
        }),
      () => true,
    );
    // The plans of the slowest searches (by Node's time, the browser's own costs left out).
    const plans: ExplainedSearch[] = [];
    for (const q of [...typeAhead].sort((a, b) => b.node - a.node).slice(0, 2)) {
      plans.push(await explainSearch(platform.server.db, TENANT_ID, { ...patientQueries(q.spec.text)?.[0], _count: '20' }));
    }
    const measured = [...new Set([...cold.app, ...warm.app].map((x) => x.script.split('/').pop()))];
    if (measured.some((m) => m !== script))
      notes.push(`The browser measured ${measured.join(', ')}; the sizes above are of ${script} (the sources changed in between).`);
    const results: BenchResults = {
      patients: PATIENTS,
      loadSeconds: platform.loadSeconds,
      pgVersion: scratch.pgVersion,
      chromiumVersion: browser.version(),
      bundle,
      composition,
      served,
      notes,
      loads: LOADS,
      cold,
      warm,
      throttled,
      typeAhead,
      plans,
      machine,
    };
    const report = join(ROOT, 'docs', 'app-benchmarks.md');
    writeReport(results, report);
    formatMarkdown(report);
    console.log(`\n${readFileSync(report, 'utf8')}`);
  } finally {
    await cleanup();
  }
}

/** Undone in reverse order, at the end or on Ctrl-C: the browser, the server, the scratch database. */
const cleanups: (() => Promise<unknown>)[] = [];
async function cleanup(): Promise<void> {
  for (let f = cleanups.pop(); f; f = cleanups.pop()) await f().catch((e: unknown) => console.error('cleanup:', e));
}

// Ctrl-C: unwind through the finally blocks above, so the scratch database is dropped.
let interrupted = false;
process.once('SIGINT', () => {
  interrupted = true;
  console.error('interrupted: dropping the scratch database...');
  // The work still running loses its connections as the database goes: expected, not news.
  process.on('uncaughtException', () => undefined);
  process.on('unhandledRejection', () => undefined);
  void cleanup().finally(() => process.exit(130));
});

await main().catch((err: unknown) => {
  if (!interrupted) console.error(err);
  process.exitCode = 1;
});
