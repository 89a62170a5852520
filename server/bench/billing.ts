// npm run bench:billing: invoices issued per second, and the time to bill a 30-day IPD stay of 300
// charge lines against the bare writes of the same rows. Writes docs/billing-benchmarks.md.
import { type ChildProcess, fork } from 'node:child_process';
import { cpus } from 'node:os';
import { writeMarkdownReport } from './report-file.ts';
import { createScratchDatabase } from './scratch-database.ts';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);
const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 200);
const STAYS = Number(process.env.BENCH_STAYS ?? 10);
const LINES = 300;
const TENANT = '0e0e0e0e-0000-4000-8000-0000000000b1';
const CLIENT = { id: 'bench-billing', secret: 'bench-billing-secret-0123456789' };
const PORT = 18097;
const BASE = `http://127.0.0.1:${PORT}/fhir/R4`;
const HOPS = 'https://hospital-ops.in/fhir';

type Json = Record<string, any>;
let authorization = '';

function start(env: Record<string, string>): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = fork(new URL('./server-process.ts', import.meta.url), {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    child.once('message', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${BASE}/${path}`, {
    method,
    headers: { authorization, ...(body ? { 'content-type': 'application/fhir+json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json()) as Json };
}

async function mustCreate(resource: Json): Promise<string> {
  const r = await call('POST', resource.resourceType, resource);
  if (r.status !== 201) throw new Error(`${resource.resourceType}: ${JSON.stringify(r.body)}`);
  return r.body.id;
}

const chargeItem = (accountId: string, patient: string, i: number, status = 'billable'): Json => ({
  resourceType: 'ChargeItem',
  extension: [
    {
      url: `${HOPS}/StructureDefinition/hsn-sac`,
      valueCoding: { system: `${HOPS}/sid/${i % 3 ? 'sac' : 'hsn'}`, code: i % 3 ? '999311' : '30049099' },
    },
  ],
  status,
  code: { coding: [{ system: 'https://nrces.in/ndhm/fhir/r4/CodeSystem/ndhm-billing-codes', code: '02', display: 'IPD' }] },
  subject: { reference: `Patient/${patient}` },
  occurrenceDateTime: new Date(Date.now() - (i % 30) * 86_400_000).toISOString(),
  quantity: { value: 1 + (i % 4) },
  priceOverride: { value: 100 + (i % 97) + 0.35, currency: 'INR' },
  account: [{ reference: `Account/${accountId}` }],
  productCodeableConcept: { text: `line ${i}` },
});

async function charges(accountId: string, patient: string, n: number): Promise<void> {
  const bundle = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: Array.from({ length: n }, (_, i) => ({
      resource: chargeItem(accountId, patient, i),
      request: { method: 'POST', url: 'ChargeItem' },
    })),
  };
  const r = await call('POST', '', bundle);
  if (r.status !== 200) throw new Error(`charges: ${JSON.stringify(r.body).slice(0, 500)}`);
}

const account = (patient: string, branch: string): Json => ({
  resourceType: 'Account',
  status: 'active',
  subject: [{ reference: `Patient/${patient}` }],
  owner: { reference: `Organization/${branch}` },
});

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? Number.NaN;

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await f();
  return [r, performance.now() - t0];
}

async function main(): Promise<void> {
  const scratch = await createScratchDatabase('hops_bench_billing');
  const server = await start({
    DATABASE_URL: scratch.url,
    PORT: String(PORT),
    LOG_LEVEL: 'warn',
    SEED_DEMO: 'false',
    TENANT_ID: TENANT,
    SYSTEM_CLIENT_ID: CLIENT.id,
    SYSTEM_CLIENT_SECRET: CLIENT.secret,
    RATE_LIMIT_API: '0',
    RATE_LIMIT_TOKEN: '0',
    PROFILE_ENFORCEMENT: 'claimed',
  });
  try {
    const tok = await fetch(`http://127.0.0.1:${PORT}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: CLIENT.id, client_secret: CLIENT.secret }),
    });
    authorization = `Bearer ${((await tok.json()) as { access_token: string }).access_token}`;
    const branch = await mustCreate({
      resourceType: 'Organization',
      name: 'Bench branch',
      identifier: [{ system: `${HOPS}/sid/gstin`, value: '27AAACB1234B1Z1' }],
      extension: [{ url: `${HOPS}/StructureDefinition/invoice-prefix`, valueString: 'BEN' }],
    });
    const patient = await mustCreate({ resourceType: 'Patient', name: [{ text: 'Bench Patient' }], address: [{ state: 'Maharashtra' }] });

    // 1. Invoices per second: ACCOUNTS OPD accounts of 3 charges, issued by CLIENTS desks at once.
    const opd: string[] = [];
    for (let i = 0; i < ACCOUNTS; i++) {
      const a = await mustCreate(account(patient, branch));
      await charges(a, patient, 3);
      opd.push(a);
    }
    const latencies: number[] = [];
    let next = 0;
    let failures = 0;
    const [, wall] = await timed(() =>
      Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          while (next < opd.length) {
            const a = opd[next++];
            const [r, ms] = await timed(() => call('POST', `Account/${a}/$issue-invoice`, {}));
            latencies.push(ms);
            if (r.status !== 201) failures++;
          }
        }),
      ),
    );
    const perSecond = opd.length / (wall / 1000);

    // 2. A 30-day stay of 300 lines: issue time vs. the bare inserts of the same rows (300 billed
    // ChargeItems and one 300-line Invoice in one transaction bundle: no GST, numbering or ledger).
    const issue: number[] = [];
    const bare: number[] = [];
    let lineCount = 0;
    for (let s = 0; s < STAYS; s++) {
      const a = await mustCreate(account(patient, branch));
      await charges(a, patient, LINES);
      const [r, ms] = await timed(() => call('POST', `Account/${a}/$issue-invoice`, {}));
      if (r.status !== 201) throw new Error(`issue: ${JSON.stringify(r.body).slice(0, 500)}`);
      lineCount = r.body.lineItem.length;
      issue.push(ms);

      const b = await mustCreate(account(patient, branch));
      const invoice = {
        ...r.body,
        id: undefined,
        meta: undefined,
        status: 'draft',
        identifier: undefined,
        account: { reference: `Account/${b}` },
      };
      const bundle = {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          ...Array.from({ length: LINES }, (_, i) => ({
            resource: chargeItem(b, patient, i, 'billed'),
            request: { method: 'POST', url: 'ChargeItem' },
          })),
          { resource: invoice, request: { method: 'POST', url: 'Invoice' } },
        ],
      };
      const [br, bms] = await timed(() => call('POST', '', bundle));
      if (br.status !== 200) throw new Error(`bare: ${JSON.stringify(br.body).slice(0, 500)}`);
      bare.push(bms);
    }

    const cpu = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}`;
    const lines = [
      '# Billing benchmark',
      '',
      `Written by \`npm run bench:billing\` on ${new Date().toISOString().slice(0, 10)}: ${cpu}, PostgreSQL ${scratch.pgVersion}, server and PostgreSQL on the same machine, \`PROFILE_ENFORCEMENT=claimed\`.`,
      '',
      '| Measure | Figure | Goal (issue 17) |',
      '| --- | --- | --- |',
      `| Invoices issued per second (${ACCOUNTS} accounts of 3 lines, ${CLIENTS} desks at once, one number series) | ${perSecond.toFixed(0)} (p50 ${pct(latencies, 0.5).toFixed(0)} ms, p95 ${pct(latencies, 0.95).toFixed(0)} ms, ${failures} failed) | |`,
      `| Issue of a 30-day IPD stay of ${lineCount} lines, p50 / p95 over ${STAYS} | ${pct(issue, 0.5).toFixed(0)} ms / ${pct(issue, 0.95).toFixed(0)} ms | p95 under 300 ms |`,
      `| Bare inserts of the same rows (300 ChargeItems + one 300-line Invoice, one transaction bundle), p50 / p95 | ${pct(bare, 0.5).toFixed(0)} ms / ${pct(bare, 0.95).toFixed(0)} ms | baseline |`,
      '',
      'The issue reads and taxes every line, takes the number, writes the Invoice, marks each ChargeItem billed and adds the ledger row, in one transaction. Rerun: `npm run bench:billing` (BENCH_CLIENTS, BENCH_ACCOUNTS, BENCH_STAYS).',
      '',
    ];
    writeMarkdownReport(new URL('../../docs/billing-benchmarks.md', import.meta.url), lines.join('\n'));
    console.log(lines.join('\n'));
    if (failures) throw new Error(`${failures} issues failed`);
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    await scratch.drop();
  }
}

await main();
