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
 * the PostgreSQL server (default the machine's); CHROMIUM_PATH the browser (default Debian's).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser } from '../e2e/harness.ts';
import { patientQuery } from '../src/registration/search.ts';
import { ASSETS_DIR, type Composition, measureBundle, measureComposition } from './bundle.ts';
import { captureServerTimes, scratchDatabase, startPlatform, TENANT_ID } from './data.ts';
import { type ExplainedSearch, explainSearch } from './explain.ts';
import { makeQueries, measureLoads, measureTypeAhead, type NetworkConditions, openSession } from './page.ts';
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

/** Makes sure apps/opd/dist is a current production build (the one the server serves). */
function ensureProductionBuild(): string | undefined {
  const env = { ...process.env, NODE_ENV: 'production' };
  const script = join(ROOT, 'apps', 'scripts', 'build-if-stale.ts');
  execFileSync(process.execPath, [script], { cwd: ROOT, stdio: 'inherit', env });
  const dev = jsFiles().some((f) => readFileSync(join(ASSETS_DIR, f), 'utf8').includes(DEV_BUILD_MARKER));
  if (!dev) return undefined;
  console.log(
    'apps/opd/dist holds a development build of React (built with NODE_ENV set to something else); rebuilding it for production...',
  );
  execFileSync(process.execPath, [script, '--force'], { cwd: ROOT, stdio: 'inherit', env });
  if (jsFiles().some((f) => readFileSync(join(ASSETS_DIR, f), 'utf8').includes(DEV_BUILD_MARKER)))
    throw new Error('apps/opd/dist is still a development build after rebuilding');
  return 'apps/opd/dist held a development build of React when the benchmark started (it had been built with NODE_ENV=test, e.g. by the e2e tests); it was rebuilt for production before measuring.';
}

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

/** The machine's 1-minute load average at the start and end of each browser phase (others' work skews timings). */
const machineLoad: { phase: string; start: number; end: number }[] = [];
async function phase<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const start = os.loadavg()[0];
  const result = await fn();
  machineLoad.push({ phase: name, start, end: os.loadavg()[0] });
  return result;
}

async function main(): Promise<void> {
  const rebuilt = ensureProductionBuild();
  const jsAtStart = jsFiles().join(',');
  console.log('measuring the bundle...');
  const bundle = measureBundle();
  let composition: Composition | undefined;
  if (COMPOSITION) {
    console.log('building once more with source maps, to see what the JavaScript is made of...');
    composition = measureComposition();
  }

  try {
    const scratch = await scratchDatabase();
    cleanups.push(() => scratch.drop());
    console.log(`loading ${PATIENTS.toLocaleString('en-US')} synthetic patients into the demo tenant...`);
    const platform = await startPlatform(scratch, PATIENTS);
    cleanups.push(() => platform.server.stop());
    const { url } = platform;
    const serverTimes = captureServerTimes(platform.server);
    const served = await servedEncoding(url, `/apps/opd/assets/${jsFiles()[0]}`);
    const browser = await launchBrowser();
    cleanups.push(() => browser.close());
    const session = await openSession(browser, url, DESK);
    const appUrl = `${url}/apps/opd/`;
    const baselineUrl = `${url}/health/live`;
    console.log(`time to interactive, ${LOADS} loads each, HTTP cache disabled...`);
    const cold = await phase('first loads', () => measureLoads(session, appUrl, baselineUrl, LOADS, { cache: false }));
    console.log(`  app p50 ${ms(median(cold.app.map((x) => x.painted)))}, baseline p50 ${ms(median(cold.baseline.map((x) => x.painted)))}`);
    console.log(`time to interactive, ${LOADS} loads each, HTTP cache warm...`);
    const warm = await phase('next visits', () => measureLoads(session, appUrl, baselineUrl, LOADS, { cache: true }));
    console.log(`  app p50 ${ms(median(warm.app.map((x) => x.painted)))}, baseline p50 ${ms(median(warm.baseline.map((x) => x.painted)))}`);
    let throttled: BenchResults['throttled'];
    if (THROTTLED_LOADS > 0) {
      console.log(`time to interactive on a throttled connection, ${THROTTLED_LOADS} loads each, HTTP cache disabled...`);
      throttled = {
        conditions: THROTTLE,
        series: await phase('throttled loads', () =>
          measureLoads(session, appUrl, baselineUrl, THROTTLED_LOADS, { cache: false, network: THROTTLE }),
        ),
      };
      console.log(`  app p50 ${ms(median(throttled.series.app.map((x) => x.painted)))}`);
    }
    console.log(`type-ahead, ${QUERIES} queries...`);
    const queries = makeQueries(platform.patients, QUERIES);
    const typeAhead = await phase('type-ahead', () =>
      measureTypeAhead(session, url, queries, serverTimes, (q, i) =>
        console.log(
          `  ${String(i + 1).padStart(3)} ${q.spec.kind.padEnd(30)} ${JSON.stringify(q.spec.text).padEnd(16)} ${String(q.rows).padStart(2)} rows  request→painted ${ms(q.requestToPainted)}  keystroke→painted ${ms(q.keystrokeToPainted)}  node ${ms(q.node)}`,
        ),
      ),
    );
    // The plans of the slowest searches (by Node's time, the browser's own costs left out).
    const plans: ExplainedSearch[] = [];
    for (const q of [...typeAhead].sort((a, b) => b.node - a.node).slice(0, 2)) {
      plans.push(await explainSearch(platform.server.db, TENANT_ID, { ...patientQuery(q.spec.text), _count: '20' }));
    }
    const results: BenchResults = {
      patients: PATIENTS,
      loadSeconds: platform.loadSeconds,
      pgVersion: scratch.pgVersion,
      chromiumVersion: browser.version(),
      bundle,
      composition,
      served,
      rebuilt,
      distChanged: jsAtStart !== jsFiles().join(','),
      loads: LOADS,
      cold,
      warm,
      throttled,
      typeAhead,
      plans,
      machineLoad,
    };
    const text = writeReport(results, join(ROOT, 'docs', 'app-benchmarks.md'));
    console.log(`\n${text}`);
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
process.once('SIGINT', () => {
  console.error('interrupted: dropping the scratch database...');
  void cleanup().finally(() => process.exit(130));
});

await main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
