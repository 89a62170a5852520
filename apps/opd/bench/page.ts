/**
 * The browser half: time to interactive of the patient search page (cold and warm HTTP cache,
 * beside a tiny page of the same server) and type-ahead latency, all timed inside the page on its
 * own clock (performance.now(), whose zero is the navigation's start).
 */

import { patientQueries } from '@hospital-ops/app-shell/patients/search.ts';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { signIn } from '../e2e/harness.ts';
import { en } from '../src/i18n/en.ts';
import type { LoadedPatient } from './data.ts';
import { prng } from './stats.ts';

export const SEARCH_INPUT = '[data-testid=patient-search]';
const RESULTS = '[data-testid=patient-results]';

/** What the init script keeps on `window.__bench` for one document. */
interface BenchState {
  ready?: number;
  painted?: number;
  longTasks: { start: number; duration: number }[];
  query?: QueryState;
}

interface QueryState {
  lastInput?: number;
  rows?: number;
  painted?: number;
  names?: string[];
  none?: boolean;
  error?: string;
}

/**
 * Runs before any of the page's own scripts, in every document: notes when the search input
 * (or, on a page that is not an app, the first element of the body) is in the document, laid out
 * and enabled, and the end of the frame after that; and, once armed for a query, the last input
 * event and when the results (or "no patient found") appear.
 */
function instrument(noneText: string): void {
  const w = window as unknown as { __bench: BenchState };
  const b: BenchState = { longTasks: [] };
  w.__bench = b;
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) b.longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch {
    // No long-task timing in this browser: the figure stays empty.
  }
  performance.setResourceTimingBufferSize(10_000);
  const afterFrame = (fn: () => void) => requestAnimationFrame(() => setTimeout(fn, 0));
  const usable = (el: Element | null): boolean =>
    !!el &&
    el.isConnected &&
    !(el as HTMLInputElement).disabled &&
    el.getClientRects().length > 0 &&
    getComputedStyle(el).visibility !== 'hidden';
  const check = () => {
    if (b.ready === undefined) {
      const target = location.pathname.startsWith('/apps/')
        ? document.querySelector('[data-testid=patient-search]')
        : (document.body?.firstElementChild ?? null);
      if (usable(target)) {
        b.ready = performance.now();
        afterFrame(() => {
          b.painted = performance.now();
        });
      }
    }
    const q = b.query;
    if (q && q.rows === undefined) {
      const rows = [...document.querySelectorAll('[data-testid=patient-results] tbody tr')];
      const none = !!document.body && [...document.querySelectorAll('p')].some((p) => p.textContent === noneText);
      const alert = document.querySelector('[role=alert]');
      if (rows.length > 0 || none || alert) {
        q.rows = performance.now();
        q.names = rows.map((r) => r.querySelector('td')?.textContent ?? '');
        q.none = none;
        if (alert && rows.length === 0 && !none) q.error = alert.textContent ?? 'error';
        afterFrame(() => {
          q.painted = performance.now();
        });
      }
    }
  };
  new MutationObserver(check).observe(document, {
    childList: true,
    subtree: true,
    characterData: true,
    attributes: true,
    attributeFilter: ['disabled', 'style', 'class', 'hidden'],
  });
  document.addEventListener(
    'input',
    () => {
      if (b.query) b.query.lastInput = performance.now();
    },
    true,
  );
}

export interface LoadSample {
  /** The target in the document, laid out and enabled (ms since navigation start). */
  ready: number;
  /** The end of the frame after that: the user can see it. */
  painted: number;
  /** The same, from Node: page.reload() until the page said so (includes the test driver's overhead). */
  outside: number;
  documentResponseEnd: number;
  /** The app's JavaScript and CSS have arrived (max responseEnd of .js and .css). */
  assetsEnd: number;
  domContentLoaded: number;
  /** Main-thread tasks over 50 ms that started before the input was painted. */
  longTaskMs: number;
  /** Bytes over the wire for the document and everything it fetched before the input was painted. */
  transferBytes: number;
  /** Bytes over the wire for the .js files (0: served from the HTTP cache). */
  jsTransferBytes: number;
  requests: number;
  /** The JavaScript file the page ran (which build of the app was measured). */
  script: string;
}

function collectLoad(): Omit<LoadSample, 'outside'> {
  const b = (window as unknown as { __bench: BenchState }).__bench;
  const painted = b.painted ?? Number.NaN;
  const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
  const res = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).filter((r) => r.startTime <= painted);
  const assets = res.filter((r) => /\.(js|css)(\?|$)/.test(new URL(r.name).pathname));
  return {
    ready: b.ready ?? Number.NaN,
    painted,
    documentResponseEnd: nav.responseEnd,
    assetsEnd: Math.max(0, ...assets.map((r) => r.responseEnd)),
    domContentLoaded: nav.domContentLoadedEventEnd || Number.NaN,
    longTaskMs: b.longTasks.filter((t) => t.start < painted).reduce((n, t) => n + t.duration, 0),
    transferBytes: nav.transferSize + res.reduce((n, r) => n + r.transferSize, 0),
    jsTransferBytes: assets.filter((r) => new URL(r.name).pathname.endsWith('.js')).reduce((n, r) => n + r.transferSize, 0),
    requests: res.length + 1,
    script: assets.map((r) => new URL(r.name).pathname).find((x) => x.endsWith('.js')) ?? '',
  };
}

/** The app script the current document loaded (its file name). */
export async function loadedScript(page: Page): Promise<string> {
  const path = await page.evaluate(
    () =>
      performance
        .getEntriesByType('resource')
        .map((r) => new URL(r.name).pathname)
        .find((x) => /\/assets\/.*\.js$/.test(x)) ?? '',
  );
  return path.split('/').pop() ?? '';
}

export interface Session {
  page: Page;
  cdp: CDPSession;
  close(): Promise<void>;
}

/** One tab, signed in once as the front desk through the server's real sign-in page. */
export async function openSession(browser: Browser, url: string, login: string): Promise<Session> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.addInitScript(instrument, en.search.none);
  await signIn(page, url, login);
  await page.waitForSelector(SEARCH_INPUT);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  return { page, cdp, close: () => context.close() };
}

const painted = (page: Page) =>
  page.waitForFunction(() => (window as unknown as { __bench?: BenchState }).__bench?.painted !== undefined, undefined, {
    timeout: 60_000,
    polling: 'raf',
  });

/**
 * One timed reload of `url`: the page is put there first (untimed) if it is elsewhere, so that
 * what is timed is always a reload of the same page, whichever page was measured before.
 */
async function loadOnce(page: Page, url: string): Promise<LoadSample> {
  if (page.url() !== url) {
    await page.goto(url, { waitUntil: 'commit' });
    await painted(page);
  }
  const t0 = performance.now();
  await page.reload({ waitUntil: 'commit' });
  await painted(page);
  const outside = performance.now() - t0;
  return { ...(await page.evaluate(collectLoad)), outside };
}

export interface LoadSeries {
  app: LoadSample[];
  baseline: LoadSample[];
}

export interface NetworkConditions {
  latencyMs: number;
  downloadMbps: number;
  uploadMbps: number;
}

/**
 * `runs` reloads of the app and of the baseline page, alternating, after two of each not
 * counted. `cache: false` disables the HTTP cache (DevTools' "Disable cache": nothing from disk
 * or memory, no compiled-code cache); `network` throttles the connection.
 */
export async function measureLoads(
  s: Session,
  appUrl: string,
  baselineUrl: string,
  runs: number,
  options: { cache: boolean; network?: NetworkConditions },
): Promise<LoadSeries> {
  await s.cdp.send('Network.setCacheDisabled', { cacheDisabled: !options.cache });
  const n = options.network;
  await s.cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: n?.latencyMs ?? 0,
    downloadThroughput: n ? (n.downloadMbps * 1e6) / 8 : -1,
    uploadThroughput: n ? (n.uploadMbps * 1e6) / 8 : -1,
  });
  const series: LoadSeries = { app: [], baseline: [] };
  // A load that never shows the page (the app being rebuilt under the server's feet) is tried again.
  const attempt = async (target: string): Promise<LoadSample> => {
    for (let tries = 1; ; tries++) {
      try {
        return await loadOnce(s.page, target);
      } catch (err) {
        if (tries >= 3) throw err;
        console.log(`  a load of ${target} failed (${(err as Error).message.split('\n')[0]}); trying again`);
        await s.page.goto('about:blank');
        await new Promise((r) => setTimeout(r, 3000));
      }
    }
  };
  try {
    for (let i = -2; i < runs; i++) {
      const first = i % 2 === 0 ? 'app' : 'baseline';
      for (const which of first === 'app' ? (['app', 'baseline'] as const) : (['baseline', 'app'] as const)) {
        const sample = await attempt(which === 'app' ? appUrl : baselineUrl);
        if (i >= 0) series[which].push(sample);
      }
    }
  } finally {
    await s.cdp.send('Network.setCacheDisabled', { cacheDisabled: false });
    await s.cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  }
  return series;
}

/** The page ran another build of the app than the one being measured (someone rebuilt dist/). */
export class BuildChanged extends Error {}

export type QueryKind = 'name fragment' | 'given name + surname fragment' | 'name with a typo' | 'mobile number';

export interface QuerySpec {
  kind: QueryKind;
  text: string;
  /** Whether a shown name is the kind of answer the desk was looking for. */
  wanted: (name: string) => boolean;
}

function typo(word: string, rand: () => number): string {
  const w = word.toLowerCase();
  const i = 1 + Math.floor(rand() * (w.length - 2));
  switch (Math.floor(rand() * 3)) {
    case 0: // two letters swapped
      return w.slice(0, i) + w[i + 1] + w[i] + w.slice(i + 2);
    case 1: // a letter dropped
      return w.slice(0, i) + w.slice(i + 1);
    default: {
      // a vowel for another, the commonest slip with Indian names in Latin letters
      const vowels = 'aeiou';
      const j = [...w].findIndex((c, k) => k >= i && vowels.includes(c));
      const at = j >= 0 ? j : i;
      const other = vowels.replace(w[at], '')[Math.floor(rand() * 4)] ?? 'a';
      return w.slice(0, at) + other + w.slice(at + 1);
    }
  }
}

const words = (name: string) => name.toLowerCase().split(/\s+/);

/**
 * Realistic things a front desk types, from randomly chosen loaded patients: 3–5 letter
 * fragments of a first name or surname, a first name with the start of the surname, a name with
 * a typo, a 10-digit mobile number. No query twice (the app's client would answer from its cache).
 */
export function makeQueries(patients: LoadedPatient[], count: number, seed = 20261125): QuerySpec[] {
  const rand = prng(seed);
  const pick = () => patients[Math.floor(rand() * patients.length)];
  const len = (w: string) => Math.min(w.length, 3 + Math.floor(rand() * 3));
  const kinds: QueryKind[] = [];
  for (let i = 0; i < count; i++) {
    const r = i % 10;
    kinds.push(r < 4 ? 'name fragment' : r < 6 ? 'given name + surname fragment' : r < 8 ? 'name with a typo' : 'mobile number');
  }
  // Shuffle, so that no kind always runs first or last.
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [kinds[i], kinds[j]] = [kinds[j], kinds[i]];
  }
  const seen = new Set<string>();
  const out: QuerySpec[] = [];
  for (const kind of kinds) {
    for (let attempt = 0; attempt < 1000; attempt++) {
      const p = pick();
      let q: QuerySpec;
      if (kind === 'name fragment') {
        const w = rand() < 0.5 ? p.given : p.family;
        const text = w.slice(0, len(w)).toLowerCase();
        q = { kind, text, wanted: (n) => words(n).some((x) => x.startsWith(text)) };
      } else if (kind === 'given name + surname fragment') {
        const frag = p.family.slice(0, len(p.family)).toLowerCase();
        const text = `${p.given.toLowerCase()} ${frag}`;
        q = { kind, text, wanted: (n) => words(n).includes(p.given.toLowerCase()) && words(n).some((x) => x.startsWith(frag)) };
      } else if (kind === 'name with a typo') {
        const w = p.family.length >= 5 || p.given.length < 5 ? p.family : p.given;
        const text = typo(w, rand);
        q = { kind, text, wanted: (n) => words(n).includes(w.toLowerCase()) };
      } else {
        const full = `${p.given} ${p.family}`.toLowerCase();
        q = { kind, text: p.phone.replace(/^\+91/, ''), wanted: (n) => n.toLowerCase() === full };
      }
      if (seen.has(q.text) || !patientQueries(q.text)) continue;
      seen.add(q.text);
      out.push(q);
      break;
    }
  }
  return out;
}

export interface QuerySample {
  spec: QuerySpec;
  /** Browser: the debounced search request started (fetch called) → results painted. */
  requestToPainted: number;
  /** Browser: the last keystroke → results painted (includes the app's 200 ms debounce). */
  keystrokeToPainted: number;
  /** Browser: the fetch itself (start → response end). */
  fetch: number;
  /** Browser: response end → results painted (parse, React render, layout, paint). */
  render: number;
  /** Node: the same request with fetch(), to the parsed JSON body. */
  node: number;
  /** The server's own time (access log) for the browser's and for Node's request. */
  serverBrowser?: number;
  serverNode?: number;
  rows: number;
  wantedShown: boolean;
  /** Search requests the browser made for this query (1 unless the debounce let one slip). */
  requests: number;
  sameUrl: boolean;
  /** How many times the query was typed (more than once when typing stalled past the debounce). */
  attempts: number;
  error?: string;
}

async function clearSearch(page: Page): Promise<void> {
  await page.fill(SEARCH_INPUT, '');
  await page.locator(RESULTS).waitFor({ state: 'detached', timeout: 15_000 });
  await page.getByText(en.search.none).waitFor({ state: 'detached', timeout: 15_000 });
}

/**
 * Types each query into the search box of the signed-in page, as a person would (60 ms between
 * keys), and times it in the page; beside each, the same FHIR request from Node.
 */
export async function measureTypeAhead(
  s: Session,
  baseUrl: string,
  queries: QuerySpec[],
  serverTimes: Map<string, number>,
  options: { script: string; onSample?: (q: QuerySample, i: number) => void },
): Promise<QuerySample[]> {
  const { page } = s;
  const onSample = options.onSample;
  await page.goto(`${baseUrl}/apps/opd/`);
  await page.waitForSelector(SEARCH_INPUT);
  const script = await loadedScript(page);
  if (script !== options.script) throw new BuildChanged(`the page ran ${script}, not ${options.script}`);
  let authorization: string | undefined;
  const browserIds: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/fhir/R4/Patient?')) void r.headerValue('authorization').then((v) => (authorization = v ?? authorization));
  });
  page.on('response', (r) => {
    if (r.url().includes('/fhir/R4/Patient?')) browserIds.push(r.headers()['x-request-id'] ?? '');
  });
  const nodeSearch = async (url: string, id: string): Promise<number> => {
    const t = performance.now();
    const res = await fetch(url, { headers: { authorization: authorization ?? '', accept: 'application/fhir+json', 'x-request-id': id } });
    await res.json();
    if (!res.ok) throw new Error(`Node search ${url}: ${res.status}`);
    return performance.now() - t;
  };
  const samples: QuerySample[] = [];
  // Two queries not counted: the first search of a session compiles and caches things on both sides.
  const warmups: QuerySpec[] = [
    { kind: 'name fragment', text: 'zzq', wanted: () => true },
    { kind: 'name fragment', text: 'qxw', wanted: () => true },
  ];
  for (let i = -warmups.length; i < queries.length; i++) {
    const spec = i < 0 ? warmups[i + warmups.length] : queries[i];
    const expectedUrl = `${baseUrl}/fhir/R4/Patient?${new URLSearchParams({ ...patientQueries(spec.text)?.[0], _count: '20' })}`;
    await clearSearch(page);
    await page.focus(SEARCH_INPUT);
    let node = Number.NaN;
    const nodeId = `bench-node-${i}-${Date.now()}`;
    // Alternate who goes first, so that neither always finds PostgreSQL's cache warmer.
    if (i % 2 === 1 && authorization) node = await nodeSearch(expectedUrl, nodeId);
    // Typed again when the timing does not belong to the whole query: if the typing stalled past
    // the debounce (a busy machine), a search for a prefix went out and its rows were timed.
    let idsBefore = browserIds.length;
    let attempts = 0;
    let r: QueryState & { count: number; url?: string; start?: number; end?: number };
    for (;;) {
      attempts++;
      idsBefore = browserIds.length;
      await page.evaluate(() => {
        performance.clearResourceTimings();
        (window as unknown as { __bench: BenchState }).__bench.query = {};
      });
      await page.keyboard.type(spec.text, { delay: 60 });
      await page.waitForFunction(
        () => {
          const q = (window as unknown as { __bench: BenchState }).__bench.query;
          return q?.painted !== undefined;
        },
        undefined,
        { timeout: 30_000, polling: 'raf' },
      );
      r = await page.evaluate(() => {
        const q = (window as unknown as { __bench: BenchState }).__bench.query as QueryState;
        const searches = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).filter((e) =>
          e.name.includes('/fhir/R4/Patient?'),
        );
        const last = searches[searches.length - 1];
        return { ...q, count: searches.length, url: last?.name, start: last?.startTime, end: last?.responseEnd };
      });
      const whole = r.url === expectedUrl && r.count === 1 && (r.start ?? Number.NaN) >= (r.lastInput ?? Number.POSITIVE_INFINITY);
      if (whole || attempts >= 3) break;
      await clearSearch(page);
      await page.focus(SEARCH_INPUT);
    }
    if (Number.isNaN(node)) node = await nodeSearch(expectedUrl, nodeId);
    if (i < 0) continue;
    const start = r.start ?? Number.NaN;
    const painted = r.painted ?? Number.NaN;
    const sample: QuerySample = {
      spec,
      requestToPainted: painted - start,
      keystrokeToPainted: painted - (r.lastInput ?? Number.NaN),
      fetch: (r.end ?? Number.NaN) - start,
      render: painted - (r.end ?? Number.NaN),
      node,
      serverBrowser: serverTimes.get(browserIds[browserIds.length - 1] ?? '') ?? undefined,
      serverNode: serverTimes.get(nodeId),
      rows: r.names?.length ?? 0,
      wantedShown: (r.names ?? []).some((n) => spec.wanted(n)),
      requests: r.count,
      sameUrl: r.url === expectedUrl,
      attempts,
      error: r.error,
    };
    if (browserIds.length === idsBefore) sample.serverBrowser = undefined;
    samples.push(sample);
    onSample?.(sample, i);
  }
  return samples;
}
