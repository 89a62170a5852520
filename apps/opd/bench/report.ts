/** docs/app-benchmarks.md, from one run's figures. */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import type { BundleSizes, Composition } from './bundle.ts';
import type { ExplainedSearch } from './explain.ts';
import type { OthersCpu } from './machine.ts';
import type { LoadSample, LoadSeries, NetworkConditions, QueryKind, QuerySample } from './page.ts';
import { kb, median, ms, p95, ratio } from './stats.ts';

export interface BenchResults {
  patients: number;
  loadSeconds: number;
  pgVersion: string;
  chromiumVersion: string;
  bundle: BundleSizes;
  composition?: Composition;
  served: { encoding: string; bytes: number };
  /** What happened during the run that a reader should know (rebuilds, phases measured again). */
  notes: string[];
  loads: number;
  cold: LoadSeries;
  warm: LoadSeries;
  throttled?: { conditions: NetworkConditions; series: LoadSeries };
  typeAhead: QuerySample[];
  plans: ExplainedSearch[];
  /** CPU other work on the machine used during each browser phase. */
  machine: OthersCpu[];
}

const FIRST_LOAD_GOAL = 1500;
const TYPE_AHEAD_GOAL = 150;

const pick = <T>(xs: T[], f: (x: T) => number | undefined) => xs.map(f).filter((x): x is number => x !== undefined && Number.isFinite(x));
const pp = (xs: number[]) => `${ms(median(xs))} / ${ms(p95(xs))}`;
const pct = (part: number, whole: number) => `${((100 * part) / whole).toFixed(0)}%`;
const met = (x: number, goal: number) => (x < goal ? '**yes**' : '**no**');

function loadRow(name: string, s: LoadSeries): string {
  const app = pick(s.app, (x) => x.painted);
  const base = pick(s.baseline, (x) => x.painted);
  return `| ${name} | ${pp(app)} | ${pp(base)} | **${ratio(median(app), median(base))}** / ${ratio(p95(app), p95(base))} |`;
}

function breakdown(label: string, xs: LoadSample[]): string {
  const m = (f: (x: LoadSample) => number) => median(pick(xs, f));
  return `| ${label} | ${ms(m((x) => x.documentResponseEnd))} | ${ms(m((x) => x.assetsEnd))} | ${ms(m((x) => x.domContentLoaded))} | ${ms(m((x) => x.ready))} | ${ms(m((x) => x.painted))} | ${ms(m((x) => x.longTaskMs))} | ${kb(m((x) => x.transferBytes))} (JS ${kb(m((x) => x.jsTransferBytes))}) | ${m((x) => x.requests)} | ${ms(m((x) => x.outside))} |`;
}

export function renderReport(r: BenchResults): string {
  const cpus = os.cpus();
  const date = new Date().toISOString().slice(0, 10);
  const b = r.bundle;
  const files = (ext: string) => {
    const n = b.assets.filter((a) => a.file.endsWith(ext)).length;
    return `${n} file${n === 1 ? '' : 's'}`;
  };
  const coldApp = pick(r.cold.app, (x) => x.painted);
  const q = r.typeAhead;
  const reqToPainted = pick(q, (x) => x.requestToPainted);
  const keyToPainted = pick(q, (x) => x.keystrokeToPainted);
  const node = pick(q, (x) => x.node);
  const kinds = [...new Set(q.map((x) => x.spec.kind))] as QueryKind[];
  const wanted = q.filter((x) => x.wantedShown).length;
  const single = q.filter((x) => x.requests === 1).length;
  const sameUrl = q.filter((x) => x.sameUrl).length;
  const retyped = q.filter((x) => x.attempts > 1).length;
  const errors = q.filter((x) => x.error);
  const found = q.filter((x) => x.rows > 0);
  const nobody = q.filter((x) => x.rows === 0 && !x.error);
  const notes = [...new Set(r.notes)];
  const firstColdJs = r.cold.app.filter((x) => x.jsTransferBytes === 0).length;
  if (firstColdJs)
    notes.push(`${firstColdJs} of the "cache disabled" loads still got their JavaScript from a cache: those figures are optimistic.`);
  const busiest = Math.max(0, ...r.machine.map((m) => m.otherCores));
  if (busiest > cpus.length / 4)
    notes.push(
      `Other work on the machine (not this benchmark) kept up to ${busiest.toFixed(1)} of its ${cpus.length} cores busy during a phase: absolute timings are inflated, the ratios to the same-run baselines less so.`,
    );
  if (errors.length)
    notes.push(`${errors.length} type-ahead queries ended in an error shown by the app: ${errors.map((e) => e.error).join('; ')}`);

  const comp = r.composition;
  const compTotal = comp ? comp.packages.reduce((n, p) => n + p.bytes, 0) : 0;
  const compRows = comp
    ? [
        ...comp.packages.slice(0, 14).map((p) => `| ${p.name} | ${kb(p.bytes)} | ${pct(p.bytes, compTotal)} |`),
        `| ${comp.packages.length - 14} other sources | ${kb(comp.packages.slice(14).reduce((n, p) => n + p.bytes, 0))} | ${pct(
          comp.packages.slice(14).reduce((n, p) => n + p.bytes, 0),
          compTotal,
        )} |`,
      ]
    : [];
  const medplumShare = comp ? comp.packages.filter((p) => p.name.startsWith('@medplum/')).reduce((n, p) => n + p.bytes, 0) : 0;
  const ownShare = comp ? comp.packages.filter((p) => p.name.startsWith('apps/')).reduce((n, p) => n + p.bytes, 0) : 0;

  const th = r.throttled;
  const kindRows = kinds.map((k) => {
    const xs = q.filter((x) => x.spec.kind === k);
    const examples = xs
      .slice(0, 3)
      .map((x) => `\`${x.spec.text}\``)
      .join(', ');
    return `| ${k} (${examples}) | ${xs.length} | ${pp(pick(xs, (x) => x.requestToPainted))} | ${pp(pick(xs, (x) => x.node))} | ${pp(pick(xs, (x) => x.serverBrowser))} | ${median(xs.map((x) => x.rows))} | ${xs.filter((x) => x.wantedShown).length}/${xs.length} |`;
  });

  return `# App benchmarks: the OPD app

Written by \`npm run bench:apps\` (apps/opd/bench/run.ts) on ${date}. Each timing stands beside a
baseline measured in the same run on the same machine; the ratio is what to compare across machines,
the goals are absolute.

Machine: ${cpus.length} × ${cpus[0]?.model ?? 'CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os.platform()} ${os.release()};
Node.js ${process.version}; Chromium ${r.chromiumVersion} (Debian's, headless, driven by playwright-core);
PostgreSQL ${r.pgVersion}. Browser, server and database share the machine's cores, over localhost.
The server is one process with production settings: auditing on (every search writes an
AuditEvent), rate limits off, LOG_LEVEL=silent. Data: the demo tenant plus
${r.patients.toLocaleString('en-US')} synthetic patients (\`syntheticPatientBundle\`, patients only),
loaded through the repository in ${r.loadSeconds.toFixed(0)} s, then VACUUM ANALYZE. CPU used during each phase by
other work on the machine / by the benchmark itself (browser, server, its database backends), in
cores: ${r.machine.length ? r.machine.map((m) => `${m.phase} ${m.otherCores.toFixed(2)} / ${m.ownCores.toFixed(2)}`).join(', ') : 'not measured (no /proc)'}.
${notes.length ? `\n${notes.map((n) => `> ${n}`).join('\n>\n')}\n` : ''}
## Goals

| goal | measured | target | met |
| --- | --- | --- | --- |
| First load of the patient search page, HTTP cache disabled, p95 (p50) | ${ms(p95(coldApp))} (${ms(median(coldApp))}) | under 1.5 s | ${met(p95(coldApp), FIRST_LOAD_GOAL)} |
| Type-ahead over ${r.patients.toLocaleString('en-US')} patients: search request sent → results painted, p95 (p50) | ${ms(p95(reqToPainted))} (${ms(median(reqToPainted))}) | under 150 ms | ${met(p95(reqToPainted), TYPE_AHEAD_GOAL)} |
| for information: type-ahead, the ${nobody.length} of ${q.length} queries that found no one: request sent → "no patient found" painted, p50 (max) | ${ms(median(pick(nobody, (x) => x.requestToPainted)))} (${ms(Math.max(...pick(nobody, (x) => x.requestToPainted)))}) | - | - |
| for information: last keystroke → results painted, p95 (p50); includes the app's 200 ms debounce | ${ms(p95(keyToPainted))} (${ms(median(keyToPainted))}) | - | - |
| for information: JavaScript + CSS the page needs, gzip -9 (raw) | ${kb(b.total.gzip9)} (${kb(b.total.raw)}) | - | - |

## What the app ships

Every .js and .css in apps/opd/dist/assets, raw and compressed with node:zlib: gzip level 6
(zlib's default, what express's \`compression\` middleware and most servers' on-the-fly gzip send),
gzip level 9, and Brotli quality 11 (what a build step would precompress for a CDN).

| file | raw | gzip -6 | gzip -9 | Brotli 11 |
| --- | --- | --- | --- | --- |
${b.assets
  .slice(0, 8)
  .map((a) => `| ${a.file} | ${kb(a.raw)} | ${kb(a.gzip6)} | ${kb(a.gzip9)} | ${kb(a.brotli)} |`)
  .join('\n')}${b.assets.length > 8 ? `\n| … ${b.assets.length - 8} more | | | | |` : ''}
| **all JavaScript** (${files('.js')}) | **${kb(b.js.raw)}** | **${kb(b.js.gzip6)}** | **${kb(b.js.gzip9)}** | **${kb(b.js.brotli)}** |
| all CSS (${files('.css')}) | ${kb(b.css.raw)} | ${kb(b.css.gzip6)} | ${kb(b.css.gzip9)} | ${kb(b.css.brotli)} |
| total | ${kb(b.total.raw)} | ${kb(b.total.gzip6)} | ${kb(b.total.gzip9)} | ${kb(b.total.brotli)} |

What this server actually sends for the JavaScript to a browser that accepts gzip and Brotli:
**Content-Encoding ${r.served.encoding}**, ${kb(r.served.bytes)}. dist/assets also holds
${b.fontFiles} font files (${kb(b.fontBytes)}); a page fetches only the ones its text needs.
${
  comp
    ? `
What the JavaScript is made of (raw bytes, from a second build of the same sources with source maps,
${kb(comp.jsBytes)} of JavaScript; each generated character counted to the source file it came from):

| package | raw | share |
| --- | --- | --- |
${compRows.join('\n')}

The @medplum packages together are ${pct(medplumShare, compTotal)} of the JavaScript; our own code (apps/opd and the app shell) ${pct(ownShare, compTotal)}.
${
  b.assets.filter((a) => a.file.endsWith('.js')).length === 1
    ? `Everything is in one chunk: no route is split off, so the patient search page downloads, parses and
runs the consultation, prescribing and scheduling code too.
`
    : ''
}`
    : ''
}
## Time to interactive of the patient search page

One tab, signed in once as the Pune front desk (desk.pune@sanjeevani.demo) through the server's
sign-in page; the SMART session lives in the tab's sessionStorage, so each navigation to
/apps/opd/ resumes it without signing in again (a first visit ever also signs in: not measured here). Measured inside the page: an init script that runs
before the page's own scripts watches the DOM and notes when the search input is in the document,
laid out and enabled, then the end of the next frame ("painted"); times are performance.now(),
whose zero is the navigation's start. Each timed navigation is a reload of the page (put there
first, untimed). The baseline is the same, alternating with the app's, for the smallest page the
same server serves (\`/health/live\`, a 20-byte JSON document that Chromium renders as text), timed
the same way (its first element painted). ${r.loads} reloads of each per series, after two not counted. "HTTP cache disabled" is
DevTools' "Disable cache" (CDP \`Network.setCacheDisabled\`): every file comes over the network and
no compiled code is reused, as on a first visit. "Warm cache" is the same with the cache on, as on
a later visit: the hashed assets (immutable) come from the cache, index.html is revalidated.

The build measured: \`${r.cold.app[0]?.script.split('/').pop() ?? '?'}\`.

| series | app: input painted, p50 / p95 | baseline: /health/live painted, p50 / p95 | ratio p50 / p95 |
| --- | --- | --- | --- |
${loadRow('first load (HTTP cache disabled)', r.cold)}
${loadRow('later visit (warm HTTP cache)', r.warm)}
${th ? loadRow(`first load, connection throttled to ${th.conditions.downloadMbps} Mbit/s down, ${th.conditions.uploadMbps} up, ${th.conditions.latencyMs} ms latency (${th.series.app.length} loads; an illustration, not a goal)`, th.series) : ''}

Where the time goes (medians, ms since navigation start):

| series | document received | JS and CSS received | DOMContentLoaded | input in the DOM | input painted | long tasks before that | transferred | requests | from Node (page.reload() → seen) |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${breakdown('app, first load', r.cold.app)}
${breakdown('app, later visit', r.warm.app)}
${th ? `${breakdown('app, first load, throttled', th.series.app)}\n` : ''}${breakdown('baseline, first load', r.cold.baseline)}

## Type-ahead patient search over ${r.patients.toLocaleString('en-US')} patients

In the same signed-in tab, on the patient search page, ${q.length} queries typed into the search box
as a person types (60 ms between keys; the app waits for 200 ms without typing, then sends one
search: \`Patient?name:fuzzy=…\`, or \`phone=\` for a mobile number, \`_count=20\`). Made from randomly
chosen loaded patients: 3–5 letter fragments of a first name or surname, a first name with the
start of the surname, a name with a typo (two letters swapped, one dropped or a vowel changed),
a 10-digit mobile number; no query twice. Before each query the box is cleared and the results
have gone. Timed inside the page: the search request's start is its Resource Timing entry's
startTime (when the app called fetch), the keystroke the last \`input\` event, and "painted" the end
of the frame after the results table's rows (or "no patient found") appeared. Baseline: the same
request URL, with the same access token, from Node's fetch() to the parsed JSON body (no browser),
alternately before and after the browser's; and the server's own time for each request from its
access-log line (routing, token check, search, AuditEvent, response).

| measure | p50 / p95 |
| --- | --- |
| **browser: search request sent → results painted** | **${pp(reqToPainted)}** |
| of which the request (fetch start → response end) | ${pp(pick(q, (x) => x.fetch))} |
| of which the page (response end → results painted: JSON parse, React render, layout, paint) | ${pp(pick(q, (x) => x.render))} |
| browser: search request sent → results painted, the ${found.length} queries that found someone | ${pp(pick(found, (x) => x.requestToPainted))} |
| browser: search request sent → "no patient found" painted, the ${q.length - found.length} queries that found no one | ${pp(pick(nobody, (x) => x.requestToPainted))} |
| browser: last keystroke → results painted (includes the 200 ms debounce) | ${pp(keyToPainted)} |
| baseline: the same request from Node fetch() | ${pp(node)} |
| server's own time, the browser's requests | ${pp(pick(q, (x) => x.serverBrowser))} |
| server's own time, Node's requests | ${pp(pick(q, (x) => x.serverNode))} |

Browser request → painted over Node fetch(): **${ratio(median(reqToPainted), median(node))}** at p50, **${ratio(p95(reqToPainted), p95(node))}** at p95;
for the ${found.length} queries that found someone ${ratio(median(pick(found, (x) => x.requestToPainted)), median(pick(found, (x) => x.node)))} and ${ratio(p95(pick(found, (x) => x.requestToPainted)), p95(pick(found, (x) => x.node)))}.

| kind (examples) | queries | browser request → painted p50 / p95 | Node fetch() p50 / p95 | server p50 / p95 | rows (median) | the patient or name looked for among the rows |
| --- | --- | --- | --- | --- | --- | --- |
${kindRows.join('\n')}

${single}/${q.length} queries sent exactly one search request (the debounce let no intermediate one through); the
browser's URL matched the one Node requested for ${sameUrl}/${q.length}. ${retyped} had to be typed again (at most
three times) because the typing stalled past the debounce and a search for a prefix went out. The synthetic population has 40 first
names and 24 surnames, so a name fragment matches thousands of patients and only the first 20 come back:
the rows column shows how many, and the last column how often the name looked for (for a mobile number,
that patient) was among them: ${wanted}/${q.length} in all. The server returns fuzzy matches most similar
first (then newest first), and several words must each start a word of the same name. Searches and their AuditEvents hit a database that also holds the
demo tenant; the server's PostgreSQL pool and cache are shared with nothing else.
${
  r.plans.length
    ? `
## Plans of the slowest searches

The ${r.plans.length} type-ahead searches Node's fetch() waited longest for, compiled as the repository compiles
them and run again with EXPLAIN ANALYZE in the tenant's context after the measurements:

${r.plans
  .map(
    (x) => `### \`${x.fhir}\`

\`\`\`sql
${x.sql}
-- ${JSON.stringify(x.params)}
\`\`\`

\`\`\`
${x.plan}
\`\`\``,
  )
  .join('\n\n')}
`
    : ''
}`;
}

export function writeReport(r: BenchResults, path: string): void {
  writeFileSync(path, renderReport(r));
}
