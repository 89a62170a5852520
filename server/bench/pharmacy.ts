// npm run bench:pharmacy: OTC dispenses per second from 16 counters on 50 hot items, beside bare
// ledger inserts (SQL, the floor of what a stock movement costs) and plain FHIR creates (the HTTP
// floor). Checks afterwards that no balance went negative and the ledger reconciles. Writes
// docs/pharmacy-benchmarks.md.
import { type ChildProcess, fork } from 'node:child_process';
import { cpus } from 'node:os';
import pg from 'pg';
import { runLoad } from './load.ts';
import { writeMarkdownReport } from './report-file.ts';
import { createScratchDatabase } from './scratch-database.ts';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 16);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ITEMS = 50;
const TENANT = '0f0f0f0f-0000-4000-8000-00000000000f';
const CLIENT = { id: 'bench-pharmacy', secret: 'bench-pharmacy-secret-0123456789' };
const PORT = 18095;
const BASE = `http://127.0.0.1:${PORT}/fhir/R4`;
const ITEM_SYSTEM = 'https://hospital-ops.in/fhir/sid/formulary';

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

async function post(authorization: string, path: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${BASE}/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json', authorization },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

const inDays = (days: number) => new Date(Date.now() + 330 * 60_000 + days * 86_400_000).toISOString().slice(0, 10);

async function main(): Promise<void> {
  const scratch = await createScratchDatabase('hops_bench_pharmacy');
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
    PROFILE_ENFORCEMENT: 'claimed',
  };
  const server = await start(env);
  const owner = new pg.Pool({ connectionString: scratch.url, max: CLIENTS });
  try {
    const authorization = await token();
    const store = await post(authorization, 'Location', { resourceType: 'Location', status: 'active', name: 'Bench pharmacy' });
    const storeId = store.body.id as string;
    // Each hot item: a small early batch (so dispenses split and move on) and a large later one.
    const lines = Array.from({ length: ITEMS }, (_, i) => [
      { code: `HOT${i}`, lot: `A${i}`, expiry: inDays(200), quantity: 20 },
      { code: `HOT${i}`, lot: `B${i}`, expiry: inDays(400), quantity: 100_000 },
    ]).flat();
    const receipt = await post(authorization, 'SupplyDelivery/$receive-goods', {
      resourceType: 'Parameters',
      parameter: [
        { name: 'store', valueReference: { reference: `Location/${storeId}` } },
        ...lines.map((l) => ({
          name: 'line',
          part: [
            { name: 'item', valueCoding: { system: ITEM_SYSTEM, code: l.code, display: l.code } },
            { name: 'hsn', valueString: '30049099' },
            { name: 'lot', valueString: l.lot },
            { name: 'expiry', valueDate: l.expiry },
            { name: 'quantity', valueInteger: l.quantity },
            { name: 'mrp', valueDecimal: 3 },
            { name: 'purchasePrice', valueDecimal: 2 },
          ],
        })),
      ],
    });
    if (receipt.status !== 200) throw new Error(`receipt refused: ${JSON.stringify(receipt.body)}`);
    const firstBatch = receipt.body.parameter[0].part[0].valueReference.reference.split('/')[1] as string;

    let insufficient = 0;
    const dispenses = await runLoad(CLIENTS, SECONDS, async (i) => {
      const res = await post(authorization, 'MedicationDispense/$dispense-otc', {
        resourceType: 'Parameters',
        parameter: [
          { name: 'store', valueReference: { reference: `Location/${storeId}` } },
          { name: 'item', valueCoding: { system: ITEM_SYSTEM, code: `HOT${i % ITEMS}` } },
          { name: 'quantity', valueInteger: 1 + (i % 3) },
        ],
      });
      if (res.status === 409) insufficient++;
      return res.status === 200;
    });

    const creates = await runLoad(CLIENTS, SECONDS, async () => {
      const res = await post(authorization, 'MedicationDispense', {
        resourceType: 'MedicationDispense',
        status: 'completed',
        medicationCodeableConcept: { coding: [{ system: ITEM_SYSTEM, code: 'HOT0' }] },
        quantity: { value: 1 },
      });
      return res.status === 201;
    });

    // A ledger-only movement through the API: $adjust-stock, +1/-1 on the large batch of an item.
    const bigBatches = receipt.body.parameter
      .filter((_: unknown, i: number) => i % 2 === 1)
      .map((l: any) => l.part[0].valueReference.reference);
    const adjustments = await runLoad(CLIENTS, SECONDS, async (i) => {
      const res = await post(authorization, 'Location/$adjust-stock', {
        resourceType: 'Parameters',
        parameter: [
          { name: 'store', valueReference: { reference: `Location/${storeId}` } },
          { name: 'medication', valueReference: { reference: bigBatches[i % ITEMS] } },
          { name: 'quantity', valueInteger: i % 2 ? 1 : -1 },
          { name: 'reason', valueCode: 'count-correction' },
        ],
      });
      return res.status === 200;
    });

    // Bare ledger inserts: one tenant transaction with one INSERT each, straight to PostgreSQL.
    const bare = await runLoad(CLIENTS, SECONDS, async (i) => {
      const c = await owner.connect();
      try {
        await c.query('BEGIN');
        await c.query("SELECT set_config('app.current_tenant_id', $1, true)", [TENANT]);
        await c.query(
          "INSERT INTO pharmacy_ledger (tenant_id, store_id, medication_id, kind, qty, reason) VALUES ($1, $2, $3, 'adjustment', $4, 'count-correction')",
          [TENANT, storeId, firstBatch, i % 2 ? 1 : -1],
        );
        await c.query('ROLLBACK'); // measured, not kept: the reconcile below stays meaningful
        return true;
      } finally {
        c.release();
      }
    });

    const check = await owner.connect();
    let negative: number;
    let discrepancies: number;
    try {
      await check.query('BEGIN');
      await check.query("SELECT set_config('app.current_tenant_id', $1, true)", [TENANT]);
      negative = Number((await check.query('SELECT count(*) AS n FROM pharmacy_stock WHERE on_hand < 0')).rows[0].n);
      discrepancies = Number(
        (
          await check.query(`SELECT count(*) AS n FROM pharmacy_stock s
            LEFT JOIN (SELECT store_id, medication_id, sum(qty) AS q FROM pharmacy_ledger GROUP BY 1, 2) l USING (store_id, medication_id)
            WHERE s.on_hand <> COALESCE(l.q, 0)`)
        ).rows[0].n,
      );
      await check.query('COMMIT');
    } finally {
      check.release();
    }

    const ratioBare = dispenses.perSecond / bare.perSecond;
    const ratioCreate = dispenses.perSecond / creates.perSecond;
    const ratioAdjust = dispenses.perSecond / adjustments.perSecond;
    const cpu = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}`;
    const lines2 = [
      '# Pharmacy benchmark',
      '',
      `Written by \`npm run bench:pharmacy\` on ${new Date().toISOString().slice(0, 10)}: ${cpu}, PostgreSQL ${scratch.pgVersion}, ${CLIENTS} concurrent counters for ${SECONDS} s each run, ${ITEMS} hot items (two batches each, the first small so dispenses split), server and PostgreSQL on the same machine.`,
      '',
      '| Measure | Figure |',
      '| --- | --- |',
      `| OTC dispenses/s (\`$dispense-otc\`, 1-3 units, FEFO, MedicationDispense + ledger + balance in one transaction) | ${dispenses.perSecond.toFixed(0)} (p50 ${dispenses.p50ms.toFixed(1)} ms, p95 ${dispenses.p95ms.toFixed(1)} ms) |`,
      `| Plain \`POST MedicationDispense\` creates/s (the HTTP floor) | ${creates.perSecond.toFixed(0)} (p50 ${creates.p50ms.toFixed(1)} ms) |`,
      `| Bare ledger inserts/s (SQL: BEGIN, tenant, INSERT, end) | ${bare.perSecond.toFixed(0)} (p50 ${bare.p50ms.toFixed(1)} ms) |`,
      `| Ledger-only movements/s over the API (\`$adjust-stock\`: ledger row + balance, no FHIR resource) | ${adjustments.perSecond.toFixed(0)} (p50 ${adjustments.p50ms.toFixed(1)} ms) |`,
      `| Dispenses as a share of bare SQL ledger inserts (issue goal: at least 30%) | ${(ratioBare * 100).toFixed(0)}% |`,
      `| Dispenses as a share of ledger-only movements over the API | ${(ratioAdjust * 100).toFixed(0)}% |`,
      `| Dispenses as a share of plain FHIR creates | ${(ratioCreate * 100).toFixed(0)}% |`,
      `| Dispenses refused INSUFFICIENT_STOCK / other failures | ${insufficient} / ${dispenses.errors - insufficient} |`,
      `| Balances below zero afterwards / balances not equal to their ledger sum | ${negative} / ${discrepancies} |`,
      '',
      'Rerun: `npm run bench:pharmacy` (BENCH_CLIENTS, BENCH_SECONDS to change the load).',
      '',
    ];
    writeMarkdownReport(new URL('../../docs/pharmacy-benchmarks.md', import.meta.url), lines2.join('\n'));
    console.log(lines2.join('\n'));
    if (dispenses.errors || creates.errors || adjustments.errors || bare.errors)
      throw new Error(
        `failures: ${dispenses.errors} dispenses, ${creates.errors} creates, ${adjustments.errors} adjustments, ${bare.errors} inserts`,
      );
    if (negative || discrepancies) throw new Error('a balance went negative or does not reconcile');
  } finally {
    await owner.end();
    await stop(server);
    await scratch.drop();
  }
}

await main();
