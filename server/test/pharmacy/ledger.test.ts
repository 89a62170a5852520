import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '../../src/db/database.ts';
import { ADJUSTMENT_REASONS, type Movement, move, reconcile } from '../../src/features/pharmacy/ledger.ts';
import { reconcileTenants } from '../../src/features/pharmacy/reconcile.ts';
import { deleteTenant } from '../../src/tenancy/tenant-data.ts';
import { runCli } from '../helpers/cli.ts';
import { fhirClient, startTestServer, TENANT_A, TENANT_B, type TestServer } from '../helpers/server.ts';
import { createPharmacy, inDays, type Pharmacy, receive, stockOf } from './fixtures.ts';

let t: TestServer;
let p: Pharmacy;
let batches: string[];

beforeAll(async () => {
  t = await startTestServer();
  p = await createPharmacy(t, fhirClient(t.base, TENANT_A), TENANT_A, 1);
  batches = await receive(p.pharmacist, p.store, [
    { code: 'L1', lot: 'L1-A', expiry: inDays(200), quantity: 50 },
    { code: 'L1', lot: 'L1-B', expiry: inDays(300), quantity: 50 },
    { code: 'L2', lot: 'L2-A', expiry: inDays(250), quantity: 50 },
    { code: 'L3', lot: 'L3-A', expiry: inDays(400), quantity: 50 },
  ]);
});
afterAll(() => t?.stop());

const asTenant = <T>(fn: (sql: Sql) => Promise<T>) => t.server.db.transaction({ tenantId: TENANT_A }, fn);

/** A small deterministic PRNG (mulberry32), so a failure can be replayed. */
function prng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

describe('the stock ledger', () => {
  it('reconciles exactly with the balances after a randomized sequence of 2,000 movements', async () => {
    const seed = Number(process.env.PHARMACY_SEED ?? 18);
    const rand = prng(seed);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
    const stores = [p.store, p.ward];
    const model = new Map<string, number>();
    for (const b of batches) model.set(`${p.store}|${b}`, 50);
    const at = (store: string, batch: string) => model.get(`${store}|${batch}`) ?? 0;
    let movements = 0;
    let refused = 0;
    while (movements < 2000) {
      // Movements go in transactions of up to 40, as counters' requests would.
      await asTenant(async (sql) => {
        for (let i = 0; i < 40 && movements < 2000; i++) {
          const store = pick(stores);
          const batch = pick(batches);
          const n = 1 + Math.floor(rand() * 15);
          const kind = pick([
            'receipt',
            'dispense',
            'dispense',
            'return-from-patient',
            'return-to-supplier',
            'transfer',
            'adjustment',
          ] as const);
          if (kind === 'transfer') {
            const to = store === p.store ? p.ward : p.store;
            const ok = await move(sql, { store, medicationId: batch, kind: 'transfer-out', qty: -n, reference: `Location/${to}` });
            expect(ok).toBe(at(store, batch) >= n);
            movements++;
            if (!ok) {
              refused++;
              continue;
            }
            model.set(`${store}|${batch}`, at(store, batch) - n);
            await move(sql, { store: to, medicationId: batch, kind: 'transfer-in', qty: n, reference: `Location/${store}` });
            model.set(`${to}|${batch}`, at(to, batch) + n);
            movements++;
            continue;
          }
          const sign = kind === 'adjustment' ? (rand() < 0.5 ? -1 : 1) : ['dispense', 'return-to-supplier'].includes(kind) ? -1 : 1;
          const m: Movement = {
            store,
            medicationId: batch,
            kind,
            qty: sign * n,
            ...(kind === 'adjustment' ? { reason: pick(ADJUSTMENT_REASONS) } : {}),
          };
          const ok = await move(sql, m);
          expect(ok, `${kind} ${sign * n} of ${batch} at ${store} holding ${at(store, batch)}`).toBe(sign > 0 || at(store, batch) >= n);
          if (ok) model.set(`${store}|${batch}`, at(store, batch) + sign * n);
          else refused++;
          movements++;
        }
      });
    }
    // Some outgoing movements met an empty shelf and were refused without a trace.
    expect(refused).toBeGreaterThan(0);
    const result = await asTenant((sql) => reconcile(sql));
    expect(result.discrepancies).toEqual([]);
    expect(result.checked).toBe(model.size);
    // The balances the API reports are the model's.
    const [main, ward] = [await stockOf(p.pharmacist, p.store), await stockOf(p.pharmacist, p.ward)];
    for (const b of batches) {
      expect(main[b] ?? 0).toBe(at(p.store, b));
      expect(ward[b] ?? 0).toBe(at(p.ward, b));
    }
    // Sum of the ledger = what was received + net movements; nothing negative anywhere.
    const negatives = await asTenant((sql) => sql.query('SELECT 1 FROM pharmacy_stock WHERE on_hand < 0'));
    expect(negatives.rowCount).toBe(0);
  }, 120_000);

  it('is append-only: the runtime role can neither change nor delete an entry, and no role can change one', async () => {
    await expect(asTenant((sql) => sql.query('UPDATE pharmacy_ledger SET qty = qty + 1'))).rejects.toThrow();
    await expect(asTenant((sql) => sql.query('DELETE FROM pharmacy_ledger'))).rejects.toThrow();
    await expect(
      t.server.db.asOwner((sql) =>
        sql.query('UPDATE pharmacy_ledger SET qty = qty + 1 WHERE seq = (SELECT min(seq) FROM pharmacy_ledger)'),
      ),
    ).rejects.toThrow(/append-only/);
    // A balance cannot go below zero even by a direct write.
    await expect(asTenant((sql) => sql.query('UPDATE pharmacy_stock SET on_hand = -1'))).rejects.toThrow();
  });

  it('the reconcile check finds a balance changed behind the ledger (and the admin command exits 1)', async () => {
    const [batch] = batches;
    const clean = await reconcileTenants(t.server.db, TENANT_A);
    expect(clean[0].discrepancies).toEqual([]);
    // Tamper as the runtime role would have to: an UPDATE of the balance with no ledger row.
    await asTenant((sql) =>
      sql.query('UPDATE pharmacy_stock SET on_hand = on_hand + 7 WHERE store_id = $1 AND medication_id = $2', [p.store, batch]),
    );
    const [report] = await reconcileTenants(t.server.db, TENANT_A);
    expect(report.discrepancies).toHaveLength(1);
    expect(report.discrepancies[0]).toMatchObject({ store: p.store, medicationId: batch });
    expect(report.discrepancies[0].balance - report.discrepancies[0].ledger).toBe(7);
    if (t.databaseUrl) {
      const cli = await runCli('src/admin/cli.ts', { DATABASE_URL: t.databaseUrl }, 'pharmacy', 'reconcile', '--tenant', TENANT_A);
      expect(cli.code).toBe(1);
      expect(JSON.parse(cli.out)[0].discrepancies).toHaveLength(1);
    }
    // Put it back with the count correction a pharmacist would record.
    await asTenant((sql) =>
      sql.query('UPDATE pharmacy_stock SET on_hand = on_hand - 7 WHERE store_id = $1 AND medication_id = $2', [p.store, batch]),
    );
    if (t.databaseUrl) {
      const cli = await runCli('src/admin/cli.ts', { DATABASE_URL: t.databaseUrl }, 'pharmacy', 'reconcile');
      expect(cli.code).toBe(0);
      expect(cli.out.find((r: any) => r.tenant === TENANT_A).checked).toBeGreaterThan(0);
    }
  }, 60_000);

  it('deleting a tenant removes its ledger, balances and register with the rest, and nothing of another tenant', async () => {
    const b = await createPharmacy(t, fhirClient(t.base, TENANT_B), TENANT_B, 1);
    await receive(b.pharmacist, b.store, [{ code: 'DEL', lot: 'DEL-1', expiry: inDays(300), quantity: 5, schedule: 'H1' }]);
    const rx = await fhirClient(t.base, TENANT_B).post('MedicationRequest', {
      resourceType: 'MedicationRequest',
      status: 'active',
      intent: 'order',
      medicationCodeableConcept: { coding: [{ system: 'https://hospital-ops.in/fhir/sid/formulary', code: 'DEL' }] },
      subject: { reference: `Patient/${b.patients[0]}` },
      requester: { reference: `Practitioner/${b.doctor}` },
      dispenseRequest: { quantity: { value: 2 } },
    });
    const dispensed = await b.pharmacist.post(`MedicationRequest/${rx.body.id}/$dispense`, {
      resourceType: 'Parameters',
      parameter: [{ name: 'store', valueReference: { reference: `Location/${b.store}` } }],
    });
    expect(dispensed.status).toBe(200);
    const before = await stockOf(p.pharmacist, p.store);
    const result = await deleteTenant(t.server.db, TENANT_B, 'Tenant B Clinics');
    for (const table of ['pharmacy_ledger', 'pharmacy_stock', 'pharmacy_batch', 'pharmacy_register'])
      expect(result.deleted[table]).toBeGreaterThan(0);
    expect(await stockOf(p.pharmacist, p.store)).toEqual(before);
    expect((await asTenant((sql) => reconcile(sql))).discrepancies).toEqual([]);
  }, 60_000);
});
