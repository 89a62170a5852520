// npm run bench:events: what the outbox costs writes, and how fast a committed change reaches a
// rest-hook subscriber. Writes docs/events-benchmarks.md.
import { type ChildProcess, fork } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus } from 'node:os';
import { runLoad } from './load.ts';
import { writeMarkdownReport } from './report-file.ts';
import { createScratchDatabase } from './scratch-database.ts';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 16);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const TENANT = '0e0e0e0e-0000-4000-8000-00000000000e';
const CLIENT = { id: 'bench-events', secret: 'bench-events-secret-0123456789' };
const PORT = 18094;
/** The worker process of the EVENT_DELIVERY=separate runs (it serves too, but the writers use PORT). */
const WORKER_PORT = 18095;
const BASE = `http://127.0.0.1:${PORT}/fhir/R4`;

function start(env: Record<string, string>): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = fork(new URL('./server-process.ts', import.meta.url), {
      env: { ...process.env, ...env },
      // BENCH_CPU_PROF=<folder>: the server writes a V8 CPU profile there when it stops.
      execArgv: process.env.BENCH_CPU_PROF
        ? [...process.execArgv, '--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
        : undefined,
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    child.once('message', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

async function token(): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${PORT}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: CLIENT.id, client_secret: CLIENT.secret }),
  });
  return `Bearer ${((await res.json()) as { access_token: string }).access_token}`;
}

const observation = (i: number) => ({
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
  valueQuantity: { value: 60 + (i % 40), unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
});

/** Creates Observations from CLIENTS loops; `acked` gets each id and the moment its 201 arrived. */
async function writes(authorization: string, acked?: Map<string, number>) {
  return runLoad(CLIENTS, SECONDS, async (i) => {
    const res = await fetch(`${BASE}/Observation`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json', authorization },
      body: JSON.stringify(observation(i)),
    });
    const body = (await res.json()) as { id?: string };
    if (res.status === 201 && body.id) acked?.set(body.id, performance.now());
    return res.status === 201;
  });
}

/** CLIENTS loops writing together at `rate` creates a second (an open workload, below saturation). */
async function pacedWrites(authorization: string, acked: Map<string, number>, rate: number): Promise<void> {
  const gapMs = (1000 * CLIENTS) / rate;
  const end = performance.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      for (let next = performance.now() + (gapMs * c) / CLIENTS; next < end; next += gapMs) {
        await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
        const res = await fetch(`${BASE}/Observation`, {
          method: 'POST',
          headers: { 'content-type': 'application/fhir+json', authorization },
          body: JSON.stringify(observation(c)),
        });
        const body = (await res.json()) as { id?: string };
        if (res.status === 201 && body.id) acked.set(body.id, performance.now());
      }
    }),
  );
}

/** Waits (at most 60 s) until every acknowledged write's notification arrived. */
async function drained(acked: Map<string, number>, delivered: Map<string, number>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while ([...acked.keys()].some((id) => !delivered.has(id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
}

const latenciesOf = (acked: Map<string, number>, delivered: Map<string, number>) =>
  [...acked].flatMap(([id, at]) => (delivered.has(id) ? [(delivered.get(id) as number) - at] : [])).sort((a, b) => a - b);

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;

async function main(): Promise<void> {
  const scratch = await createScratchDatabase('hops_bench_events');
  const env = {
    DATABASE_URL: scratch.url,
    PORT: String(PORT),
    LOG_LEVEL: 'warn',
    SEED_DEMO: 'false',
    TENANT_ID: TENANT,
    SYSTEM_CLIENT_ID: CLIENT.id,
    SYSTEM_CLIENT_SECRET: CLIENT.secret,
    RATE_LIMIT_API: '0',
    RATE_LIMIT_TOKEN: '0',
    SUBSCRIPTION_ENDPOINT_ALLOW: '127.0.0.1',
    // Measures the events' cost, not the ABDM profile checks (bench/run.ts measures those).
    PROFILE_ENFORCEMENT: 'claimed',
  };
  // The subscriber: notes when each notification arrives.
  const delivered = new Map<string, number>();
  const hook = createServer((req, res) => {
    const id = req.url?.split('/').at(-1) ?? '';
    delivered.set(id, performance.now());
    req.resume();
    req.on('end', () => res.end());
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
  try {
    const off = await start({ ...env, EVENTS_ENABLED: 'false' });
    const withoutEvents = await writes(await token());
    await stop(off);

    const on = await start(env);
    const authorization = await token();
    // The outbox alone: every write records its event, which the dispatcher matches against no Subscription.
    const outboxOnly = await writes(authorization);
    const sub = await fetch(`${BASE}/Subscription`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json', authorization },
      body: JSON.stringify({
        resourceType: 'Subscription',
        status: 'requested',
        reason: 'benchmark',
        criteria: 'Observation?code=http://loinc.org|8867-4',
        channel: { type: 'rest-hook', endpoint: hookUrl, payload: 'application/fhir+json' },
      }),
    });
    if (sub.status !== 201) throw new Error(`Subscription refused: ${await sub.text()}`);
    const acked = new Map<string, number>();
    const withEvents = await writes(authorization, acked);
    // Let the deliveries catch up (bounded), then compare arrival with acknowledgement.
    await drained(acked, delivered);
    const drainedAt = performance.now();
    const latencies = latenciesOf(acked, delivered);
    // The same writers at half the rate the server sustains without events: the pipeline's own
    // latency, without the queueing of a machine kept at 100% by closed-loop writers.
    const pacedRate = Math.max(1, Math.round(withoutEvents.perSecond / 2));
    const pacedAcked = new Map<string, number>();
    await pacedWrites(authorization, pacedAcked, pacedRate);
    await drained(pacedAcked, delivered);
    await stop(on);
    const paced = latenciesOf(pacedAcked, delivered);

    // The same load on an API process that leaves delivery to a worker process (EVENT_DELIVERY=separate):
    // deliveries no longer queue behind request handling in one event loop.
    const worker = await start({ ...env, PORT: String(WORKER_PORT) });
    const api = await start({ ...env, EVENT_DELIVERY: 'separate' });
    const separateAcked = new Map<string, number>();
    const separateAuthorization = await token();
    const separate = await writes(separateAuthorization, separateAcked);
    await drained(separateAcked, delivered);
    const separateLatencies = latenciesOf(separateAcked, delivered);
    const separatePacedAcked = new Map<string, number>();
    await pacedWrites(separateAuthorization, separatePacedAcked, pacedRate);
    await drained(separatePacedAcked, delivered);
    await stop(api);
    await stop(worker);
    const separatePaced = latenciesOf(separatePacedAcked, delivered);
    const missing = [...acked.keys(), ...pacedAcked.keys(), ...separateAcked.keys(), ...separatePacedAcked.keys()].filter(
      (id) => !delivered.has(id),
    ).length;
    const firstAck = Math.min(...acked.values());
    const eventsPerSecond = latencies.length / ((drainedAt - firstAck) / 1000);

    const ratio = withEvents.perSecond / withoutEvents.perSecond;
    const cpu = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}`;
    const lines = [
      '# Events benchmark',
      '',
      `Written by \`npm run bench:events\` on ${new Date().toISOString().slice(0, 10)}: ${cpu}, PostgreSQL ${scratch.pgVersion}, ${CLIENTS} clients creating Observations for ${SECONDS} s each run, server and PostgreSQL on the same machine. One active rest-hook Subscription matches every Observation; the subscriber is a local HTTP server.`,
      '',
      '| Measure | Figure | Goal (issue 23) |',
      '| --- | --- | --- |',
      `| Creates/s, events off (\`EVENTS_ENABLED=false\`) | ${withoutEvents.perSecond.toFixed(0)} (p50 ${withoutEvents.p50ms.toFixed(1)} ms) | baseline |`,
      `| Creates/s, events on, one Subscription | ${withEvents.perSecond.toFixed(0)} (p50 ${withEvents.p50ms.toFixed(1)} ms) | |`,
      `| Creates/s, events on, no Subscription (the outbox alone) | ${outboxOnly.perSecond.toFixed(0)} (p50 ${outboxOnly.p50ms.toFixed(1)} ms) | |`,
      `| Write throughput kept with the outbox alone | ${((outboxOnly.perSecond / withoutEvents.perSecond) * 100).toFixed(0)}% | at least 90% |`,
      `| Write throughput kept while this process also delivers every change | ${(ratio * 100).toFixed(0)}% | |`,
      `| Commit to rest-hook delivered at full load (writers never pause), p50 / p95 | ${pct(latencies, 0.5).toFixed(0)} ms / ${pct(latencies, 0.95).toFixed(0)} ms | p95 under 250 ms |`,
      `| Commit to rest-hook delivered at ${pacedRate} creates/s (half the events-off rate), p50 / p95 | ${pct(paced, 0.5).toFixed(0)} ms / ${pct(paced, 0.95).toFixed(0)} ms | p95 under 250 ms |`,
      `| Notifications delivered per second (first ack to last delivery) | ${eventsPerSecond.toFixed(0)} | |`,
      `| Separate worker process (\`EVENT_DELIVERY=separate\`): creates/s at full load, share of the events-off rate | ${separate.perSecond.toFixed(0)} (${((separate.perSecond / withoutEvents.perSecond) * 100).toFixed(0)}%) | |`,
      `| Separate worker process: commit to rest-hook delivered at full load, p50 / p95 | ${pct(separateLatencies, 0.5).toFixed(0)} ms / ${pct(separateLatencies, 0.95).toFixed(0)} ms | p95 under 250 ms |`,
      `| Separate worker process: commit to rest-hook delivered at ${pacedRate} creates/s, p50 / p95 | ${pct(separatePaced, 0.5).toFixed(0)} ms / ${pct(separatePaced, 0.95).toFixed(0)} ms | p95 under 250 ms |`,
      `| Acknowledged writes not delivered within 60 s | ${missing} | 0 |`,
      '',
      'The delivery latency is measured from the 201 reaching the client to the notification reaching the subscriber, both clocks in the benchmark process. Rerun: `npm run bench:events` (BENCH_CLIENTS, BENCH_SECONDS to change the load).',
      '',
      'With one process, writers that never pause keep its event loop busy and deliveries queue behind them (they catch up when the load eases). With `EVENT_DELIVERY=separate` a worker process delivers beside the API process, so deliveries keep pace with the writes at full load; on this machine both processes and PostgreSQL share the same cores, so the writes give up the CPU the deliveries now take. On a deployment the worker gets cores of its own.',
      '',
    ];
    writeMarkdownReport(new URL('../../docs/events-benchmarks.md', import.meta.url), lines.join('\n'));
    console.log(lines.join('\n'));
    if (withoutEvents.errors || outboxOnly.errors || withEvents.errors || separate.errors)
      throw new Error(`errors: ${withoutEvents.errors} without events, ${withEvents.errors} with`);
  } finally {
    hook.close();
    await scratch.drop();
  }
}

await main();
