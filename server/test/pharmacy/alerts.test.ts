import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scheduleName } from '../../src/bots/runtime.ts';
import { MemoryJobQueue } from '../bots/helpers.ts';
import { fhirClient, startTestServer, TENANT_A, TENANT_B, type TestServer } from '../helpers/server.ts';
import { createStaff, userToken } from '../helpers/staff.ts';
import { staff } from '../opd/fixtures.ts';
import { createPharmacy, ITEM_SYSTEM, inDays, type Pharmacy, receive, storeParam } from './fixtures.ts';

// The real bot (bots/pharmacy-alerts) run by the runtime in its sandbox, on its own client, fired
// as the queue fires its 08:00 and 09:00 schedules.
const BOT = 'pharmacy-alerts';
const QUEUE = `bot-${BOT}`;
const ALERT_SYSTEM = 'https://hospital-ops.in/fhir/sid/pharmacy-alert';
const PERFORMER = 'https://hospital-ops.in/fhir/CodeSystem/staff-role|pharmacist';

let t: TestServer;
let p: Pharmacy;
const jobs = new MemoryJobQueue({ backoffMs: 20 });
let batches: string[];

beforeAll(async () => {
  t = await startTestServer({ EVENTS_POLL_MS: '3600000' }, { jobs });
  p = await createPharmacy(t, fhirClient(t.base, TENANT_A), TENANT_A, 1);
  batches = await receive(p.pharmacist, p.store, [
    { code: 'EXP', lot: 'D30', expiry: inDays(20), quantity: 5, nearExpiryReason: 'test' },
    { code: 'EXP', lot: 'D60', expiry: inDays(45), quantity: 5, nearExpiryReason: 'test' },
    { code: 'EXP', lot: 'D90', expiry: inDays(80), quantity: 5, nearExpiryReason: 'test' },
    { code: 'EXP', lot: 'FAR', expiry: inDays(300), quantity: 5 },
    { code: 'LOW', lot: 'LOW-1', expiry: inDays(300), quantity: 10 },
    { code: 'FINE', lot: 'FINE-1', expiry: inDays(300), quantity: 50 },
  ]);
  for (const [code, level] of [
    ['LOW', 100],
    ['FINE', 5],
  ] as const) {
    const res = await p.pharmacist.post('Location/$set-reorder-level', {
      resourceType: 'Parameters',
      parameter: [
        storeParam(p.store),
        { name: 'item', valueCoding: { system: ITEM_SYSTEM, code } },
        { name: 'level', valueInteger: level },
      ],
    });
    expect(res.status).toBe(200);
  }
  const admin = await userToken(t, (await createStaff(t, TENANT_A, 'super_admin')).user);
  const enabled = await fetch(`${t.server.url}/admin/bots/${BOT}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ enabled: true }),
  });
  expect(enabled.status).toBe(200);
}, 120_000);
afterAll(async () => {
  await jobs.close();
  await t?.stop();
});

async function run(schedule: 'stock' | 'expiry') {
  const id = await jobs.fire(scheduleName(BOT, TENANT_A, schedule), new Date(Date.now() + Math.random() * 1000));
  const settled = await jobs.settled(QUEUE, id);
  expect(settled.state, settled.lastError).toBe('completed');
}

const alertTasks = async () =>
  ((await fhirClient(t.base, TENANT_A).get(`Task?identifier=${encodeURIComponent(`${ALERT_SYSTEM}|`)}&_count=100`)).body.entry ?? [])
    .map((e: any) => e.resource)
    .filter((task: any) => task.identifier?.[0]?.system === ALERT_SYSTEM);

describe('pharmacy alerts', () => {
  it('registers the 08:00 and 09:00 IST schedules for the tenant', () => {
    expect(jobs.schedules.get(scheduleName(BOT, TENANT_A, 'stock'))).toMatchObject({ cron: '0 8 * * *', timezone: 'Asia/Kolkata' });
    expect(jobs.schedules.get(scheduleName(BOT, TENANT_A, 'expiry'))).toMatchObject({ cron: '0 9 * * *', timezone: 'Asia/Kolkata' });
  });

  it('the stock run raises one Task per item below its reorder level, once per day', async () => {
    await run('stock');
    await run('stock');
    const tasks = await alertTasks();
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({
      status: 'requested',
      priority: 'asap',
      code: { coding: [{ code: 'low-stock' }] },
      location: { reference: `Location/${p.store}` },
      performerType: [{ coding: [{ code: 'pharmacist' }] }],
    });
    expect(tasks[0].description).toContain('10 usable units, below the reorder level of 100');
  });

  it('the expiry run raises one Task per batch within 30, 60 and 90 days, once per day', async () => {
    await run('expiry');
    await run('expiry');
    const tasks = (await alertTasks()).filter((x: any) => x.code.coding[0].code !== 'low-stock');
    expect(tasks.map((x: any) => [x.code.coding[0].code, x.focus.reference]).sort()).toEqual(
      [
        ['near-expiry-30', `Medication/${batches[0]}`],
        ['near-expiry-60', `Medication/${batches[1]}`],
        ['near-expiry-90', `Medication/${batches[2]}`],
      ].sort(),
    );
  });

  it('reports expired stock still on the shelf as its own condition', async () => {
    const later = await p.pharmacist.get(`Location/$stock-alerts?kind=expiry&date=${inDays(25)}`);
    const codes = later.body.parameter
      .filter((x: any) => x.name === 'alert')
      .map((x: any) => Object.fromEntries(x.part.map((y: any) => [y.name, y.valueCode ?? y.valueReference?.reference ?? y.valueString])));
    expect(codes.find((c: any) => c.medication === `Medication/${batches[0]}`).code).toBe('expired');
    expect(codes.find((c: any) => c.medication === `Medication/${batches[1]}`).code).toBe('near-expiry-30');
    expect(codes.find((c: any) => c.medication === `Medication/${batches[0]}`).key).toBe(`expired/${p.store}/${batches[0]}`);
  });

  it('reports dead stock: batches nothing has moved for deadDays', async () => {
    const codes = async (date: string) =>
      (await p.pharmacist.get(`Location/$stock-alerts?kind=stock&date=${date}&deadDays=30`)).body.parameter
        .filter((x: any) => x.name === 'alert')
        .map((x: any) => Object.fromEntries(x.part.map((y: any) => [y.name, y.valueCode ?? y.valueReference?.reference ?? y.valueString])))
        .filter((a: any) => a.code === 'dead-stock');
    expect(await codes(inDays(10))).toHaveLength(0);
    const later = await codes(inDays(31));
    expect(later.map((a: any) => a.medication).sort()).toEqual(batches.map((b) => `Medication/${b}`).sort());
    expect(later[0].text).toContain('have not moved since');
  });

  it('the pharmacist sees the Tasks; a doctor and another tenant do not', async () => {
    const mine = await p.pharmacist.get(`Task?performer=${encodeURIComponent(PERFORMER)}&_count=100`);
    expect(mine.status).toBe(200);
    expect(mine.body.entry).toHaveLength(4);
    const doctor = await staff(t, TENANT_A, 'doctor', [p.branch]);
    expect((await doctor.get(`Location/$stock-alerts?kind=stock`)).status).toBe(403);
    const other = await staff(t, TENANT_B, 'pharmacist', []);
    const theirs = await other.get(`Location/$stock-alerts?kind=expiry`);
    expect(theirs.body.parameter.filter((x: any) => x.name === 'alert')).toHaveLength(0);
    expect((await other.get(`Task?performer=${encodeURIComponent(PERFORMER)}`)).body.entry ?? []).toHaveLength(0);
  });

  it('a dispense that takes an item below its level raises the Task at once, and the morning run adds none', async () => {
    const res = await p.pharmacist.post('MedicationDispense/$dispense-otc', {
      resourceType: 'Parameters',
      parameter: [
        storeParam(p.store),
        { name: 'item', valueCoding: { system: ITEM_SYSTEM, code: 'FINE' } },
        { name: 'quantity', valueInteger: 46 },
      ],
    });
    expect(res.status).toBe(200);
    const fineTasks = async () =>
      (await alertTasks()).filter((x: any) => x.code.coding[0].code === 'low-stock' && x.description.includes('4 usable units'));
    const deadline = Date.now() + 20_000;
    while ((await fineTasks()).length === 0) {
      if (Date.now() > deadline) throw new Error('no low-stock Task after the dispense');
      await t.server.events.runNow();
      await t.server.bots?.forwardNow();
      await new Promise((r) => setTimeout(r, 100));
    }
    await run('stock');
    const tasks = await fineTasks();
    expect(tasks).toHaveLength(1);
    expect(tasks[0].identifier[0].value).toMatch(/^\d{4}-\d{2}-\d{2}\/low-stock\//);
    // The event run looked at its own item only: the LOW item's Task is still the morning's one.
    expect((await alertTasks()).filter((x: any) => x.code.coding[0].code === 'low-stock')).toHaveLength(2);
  });
});
