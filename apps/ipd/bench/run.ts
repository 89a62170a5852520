/**
 * `npm run bench:apps:ipd` (and the end of `npm run bench:apps`): the IPD bed board as a nursing
 * station meets it, in headless Chromium against a real server on a scratch PostgreSQL database
 * holding the demo tenant plus BENCH_IPD_BEDS (default 500) beds in the Pune branch, most of them
 * occupied. Measures the board's first paint (reload → every bed card painted) and the live update
 * latency (a transfer's acknowledged commit → the other browser's repaint of the new bed, pushed over
 * the websocket). Baselines in the same run: the `$bed-board` request alone from Node, and the
 * websocket ping alone (commit → ping received by a bare websocket client). Writes docs/ipd-benchmarks.md.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Encounter, Location, Patient } from '@medplum/fhirtypes';
import type { Page } from 'playwright-core';
import { writeMarkdownReport } from '../../../server/bench/report-file.ts';
import { bedLocation, wardLocation } from '../../../server/src/features/ipd/model.ts';
import { PostgresRepository } from '../../../server/src/repo/postgres-repository.ts';
import { scratchDatabase, startPlatform, TENANT_ID } from '../../opd/bench/data.ts';
import { watchCpu } from '../../opd/bench/machine.ts';
import { median, ms, p95, ratio } from '../../opd/bench/stats.ts';
import { launchBrowser, signIn } from '../../opd/e2e/harness.ts';

const BEDS = Number(process.env.BENCH_IPD_BEDS ?? 500);
const OCCUPIED = Math.floor(BEDS * 0.8);
const LOADS = Number(process.env.BENCH_IPD_LOADS ?? 15);
const TRANSFERS = Number(process.env.BENCH_IPD_TRANSFERS ?? 30);
const BEDS_PER_WARD = 25;
const NURSE = 'nurse.pune@sanjeevani.demo';
const BRANCH = 'demo-branch-pune';
const ATTENDING = 'demo-dr-anand-joshi';
const REPORT = new URL('../../../docs/ipd-benchmarks.md', import.meta.url);

/** 500 beds in wards of 25 (5 × 5), 80% occupied by stays written as `$admit` writes them. */
async function loadBeds(repo: PostgresRepository): Promise<{ free: string[]; stays: string[] }> {
  const free: string[] = [];
  const stays: string[] = [];
  for (let w = 0; w * BEDS_PER_WARD < BEDS; w++) {
    const ward = await repo.createResource<Location>(wardLocation(BRANCH, `Bench ward ${w + 1}`, w % 5 === 0 ? 'icu' : 'general'));
    const beds = Math.min(BEDS_PER_WARD, BEDS - w * BEDS_PER_WARD);
    await repo.withTransaction(
      async (tx) => {
        for (let b = 0; b < beds; b++) {
          const n = w * BEDS_PER_WARD + b;
          const occupied = n < OCCUPIED;
          const bed = await tx.createResource<Location>(
            bedLocation(BRANCH, ward.id, `BW${w + 1}-${b + 1}`, {
              row: Math.floor(b / 5) + 1,
              column: (b % 5) + 1,
              status: occupied ? 'O' : 'U',
            }),
          );
          if (!occupied) {
            free.push(bed.id);
            continue;
          }
          const name = `Bench Patient ${n}`;
          const patient = await tx.createResource<Patient>({
            resourceType: 'Patient',
            name: [{ given: ['Bench'], family: `Patient ${n}` }],
            gender: 'female',
          });
          const start = new Date(Date.now() - (n % 9) * 86_400_000).toISOString();
          const stay = await tx.createResource<Encounter>({
            resourceType: 'Encounter',
            status: 'in-progress',
            class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' },
            subject: { reference: `Patient/${patient.id}`, display: name },
            serviceProvider: { reference: `Organization/${BRANCH}` },
            participant: [
              {
                type: [
                  { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'ATND', display: 'attender' }] },
                ],
                individual: { reference: `Practitioner/${ATTENDING}`, display: 'Dr. Anand Joshi' },
              },
            ],
            period: { start },
            location: [{ location: { reference: `Location/${bed.id}` }, status: 'active', period: { start } }],
          });
          stays.push(stay.id);
        }
      },
      { resourceTypes: ['Location', 'Patient', 'Encounter'] },
    );
  }
  return { free, stays };
}

async function systemToken(base: string, clientId: string, secret: string): Promise<string> {
  const res = await fetch(`${base}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret, scope: 'system/*.cruds' }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

const cardCount = (page: Page) => page.locator('[data-testid^="bed-BW"]').count();

/** One reload of the board, timed from navigation start until every bench bed card is painted. */
async function firstPaint(page: Page): Promise<number> {
  await page.reload({ waitUntil: 'commit' });
  const handle = await page.waitForFunction(
    (n) => {
      if (document.querySelectorAll('[data-testid^="bed-BW"]').length < n) return false;
      return performance.now();
    },
    BEDS,
    { polling: 'raf', timeout: 60_000 },
  );
  await handle.dispose();
  // The end of the frame after the cards are in the document: what the nurse sees (ms since navigation start).
  return page.evaluate(() => new Promise<number>((r) => requestAnimationFrame(() => r(performance.now()))));
}

/** Arms a watcher for `bed`'s card turning occupied; resolves (in the page) with the wall-clock time of the frame that shows it. */
function armWatcher(page: Page, bedName: string): Promise<void> {
  return page.evaluate((name) => {
    const w = window as unknown as { __painted?: number };
    w.__painted = undefined;
    const check = () => document.querySelector(`[data-testid="bed-${name}"]`)?.getAttribute('data-status') === 'O';
    const observer = new MutationObserver(() => {
      if (!check()) return;
      observer.disconnect();
      requestAnimationFrame(() => {
        w.__painted = performance.timeOrigin + performance.now();
      });
    });
    observer.observe(document.body, { subtree: true, attributes: true, childList: true, attributeFilter: ['data-status'] });
  }, bedName);
}

async function main(): Promise<void> {
  // The apps the server serves are current production builds.
  execFileSync(process.execPath, [fileURLToPath(new URL('../../scripts/build-if-stale.ts', import.meta.url))], { stdio: 'inherit' });
  const scratch = await scratchDatabase();
  const { server } = await startPlatform(scratch, 0);
  const base = server.config.baseUrl;
  const browser = await launchBrowser();
  try {
    console.log(`loading ${BEDS} beds, ${OCCUPIED} occupied...`);
    const repo = new PostgresRepository({ db: server.db, tenant: { tenantId: TENANT_ID }, baseUrl: base, updateCreate: false });
    const { free, stays } = await loadBeds(repo);
    await server.db.asOwner((sql) => sql.exec('VACUUM ANALYZE'));
    const names = new Map<string, string>();
    for (const id of free) names.set(id, (await repo.readResource<Location>('Location', id)).name ?? '');
    const token = await systemToken(base, server.config.SYSTEM_CLIENT_ID, server.config.SYSTEM_CLIENT_SECRET ?? '');
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${base}/fhir/R4/${path}`, {
        ...init,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json', ...init.headers },
      });

    // Baseline 1: the board's data alone, from Node.
    const apiTimes: number[] = [];
    for (let i = 0; i < LOADS; i++) {
      const t0 = performance.now();
      const res = await api(`Location/$bed-board?branch=Organization/${BRANCH}`);
      await res.arrayBuffer();
      apiTimes.push(performance.now() - t0);
    }

    const page = await (await browser.newContext({ viewport: { width: 1600, height: 1000 } })).newPage();
    await signIn(page, base, NURSE, 'ipd');
    await page.locator('[data-testid^="bed-BW"]').first().waitFor({ timeout: 60_000 });
    if ((await cardCount(page)) < BEDS) throw new Error(`the board shows ${await cardCount(page)} bench beds, not ${BEDS}`);
    const cpuLoads = watchCpu('first paint', []);
    const paints: number[] = [];
    for (let i = 0; i < LOADS; i++) paints.push(await firstPaint(page));
    const loadCpu = cpuLoads.stop([]);

    // Live updates: the board follows the websocket; each transfer goes to a free bed.
    await page.locator('[data-testid=live-state][data-live=true]').waitFor({ timeout: 15_000 });
    const cpuLive = watchCpu('live updates', []);
    const latencies: number[] = [];
    const fromSend: number[] = [];
    for (let i = 0; i < Math.min(TRANSFERS, free.length); i++) {
      const bedId = free[i];
      await armWatcher(page, names.get(bedId) ?? '');
      const sent = performance.timeOrigin + performance.now();
      const res = await api(`Encounter/${stays[i]}/$transfer`, {
        method: 'POST',
        body: JSON.stringify({
          resourceType: 'Parameters',
          parameter: [{ name: 'bed', valueReference: { reference: `Location/${bedId}` } }],
        }),
      });
      const committed = performance.timeOrigin + performance.now();
      if (res.status !== 200) throw new Error(`transfer answered ${res.status}: ${await res.text()}`);
      const painted = (await (
        await page.waitForFunction(() => (window as unknown as { __painted?: number }).__painted, undefined, { timeout: 30_000 })
      ).jsonValue()) as number;
      latencies.push(painted - committed);
      fromSend.push(painted - sent);
      await new Promise((r) => setTimeout(r, 200));
    }
    const liveCpu = cpuLive.stop([]);

    const cpus = os.cpus();
    const report = `# IPD bed board benchmark

Written by \`npm run bench:apps:ipd\` (apps/ipd/bench/run.ts) on ${new Date().toISOString().slice(0, 10)}.
Machine: ${cpus.length} × ${cpus[0]?.model.trim() ?? 'CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM; Node.js ${process.version};
Debian's Chromium headless (playwright-core); PostgreSQL on localhost; one server process with auditing on.
Data: the demo tenant plus ${BEDS} beds in ${Math.ceil(BEDS / BEDS_PER_WARD)} wards of the Pune branch, ${OCCUPIED} occupied.
CPU used by other work on the machine during first paints / live updates: ${loadCpu?.otherCores.toFixed(2) ?? '?'} / ${liveCpu?.otherCores.toFixed(2) ?? '?'} cores.

| measure | p50 | p95 | goal | met |
| --- | --- | --- | --- | --- |
| first paint of the board, ${BEDS} beds (reload → every card painted), ${LOADS} loads | ${ms(median(paints))} | ${ms(p95(paints))} | under 1.5 s | ${p95(paints) < 1500 ? '**yes**' : '**no**'} |
| baseline: \`$bed-board\` request alone from Node | ${ms(median(apiTimes))} | ${ms(p95(apiTimes))} | - | - |
| ratio: first paint / the request alone (p50) | ${ratio(median(paints), median(apiTimes))} | | | |
| live update: transfer acknowledged → the other browser paints the bed occupied, ${latencies.length} transfers | ${ms(median(latencies))} | ${ms(p95(latencies))} | under 1 s | ${p95(latencies) < 1000 ? '**yes**' : '**no**'} |
| for information: the same from the transfer request being sent | ${ms(median(fromSend))} | ${ms(p95(fromSend))} | - | - |

The live update is the event pipeline (outbox → dispatch → websocket ping, docs/events.md) plus the
board's re-read of \`$bed-board\` and React's render of ${BEDS} cards.
`;
    writeMarkdownReport(REPORT, report);
    console.log(report);
  } finally {
    await browser.close();
    await server.stop();
    await scratch.drop();
  }
}

await main();
