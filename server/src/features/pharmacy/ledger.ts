import type { Sql } from '../../db/database.ts';
import type { DrugSchedule } from './fhir.ts';

/**
 * The stock ledger (docs/pharmacy.md): every movement is one INSERT into pharmacy_ledger and one
 * change of the batch's balance row, in the caller's transaction. The balance is only a cache of
 * the ledger's sum; the guarded UPDATE (`on_hand >= n`) is what keeps it from going negative when
 * counters race, and the CHECK (on_hand >= 0) is the last line behind it.
 */

export type MovementKind =
  | 'receipt'
  | 'dispense'
  | 'return-from-patient'
  | 'return-to-supplier'
  | 'transfer-out'
  | 'transfer-in'
  | 'adjustment';

export const ADJUSTMENT_REASONS = ['damage', 'expiry-write-off', 'count-correction'] as const;
export type AdjustmentReason = (typeof ADJUSTMENT_REASONS)[number];

export interface Batch {
  medicationId: string;
  item: string;
  itemDisplay: string;
  lot: string;
  expiry: string;
  mrpPaise: number;
  purchasePaise: number;
  packSize: number;
  hsn: string;
  schedule: DrugSchedule;
  composition?: string;
}

export interface Movement {
  store: string;
  medicationId: string;
  kind: MovementKind;
  /** Signed: + into the store, - out of it. */
  qty: number;
  reason?: AdjustmentReason;
  reference?: string;
  request?: string;
  actor?: string;
}

interface BatchRow {
  medication_id: string;
  item: string;
  item_display: string;
  lot: string;
  expiry: string;
  mrp_paise: string | number;
  purchase_paise: string | number;
  pack_size: number;
  hsn: string;
  schedule: DrugSchedule;
  composition: string | null;
}

const batchColumns = (p: string) =>
  `${p}medication_id, ${p}item, ${p}item_display, ${p}lot, to_char(${p}expiry, 'YYYY-MM-DD') AS expiry, ${p}mrp_paise, ${p}purchase_paise, ${p}pack_size, ${p}hsn, ${p}schedule, ${p}composition`;
const BATCH_COLUMNS = batchColumns('');

function toBatch(r: BatchRow): Batch {
  return {
    medicationId: r.medication_id,
    item: r.item,
    itemDisplay: r.item_display,
    lot: r.lot,
    expiry: r.expiry,
    mrpPaise: Number(r.mrp_paise),
    purchasePaise: Number(r.purchase_paise),
    packSize: r.pack_size,
    hsn: r.hsn,
    schedule: r.schedule,
    ...(r.composition ? { composition: r.composition } : {}),
  };
}

export async function insertBatch(sql: Sql, b: Batch): Promise<void> {
  await sql.query(
    `INSERT INTO pharmacy_batch (tenant_id, medication_id, item, item_display, lot, expiry, mrp_paise, purchase_paise, pack_size, hsn, schedule, composition)
     VALUES (app_current_tenant(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [
      b.medicationId,
      b.item,
      b.itemDisplay,
      b.lot,
      b.expiry,
      b.mrpPaise,
      b.purchasePaise,
      b.packSize,
      b.hsn,
      b.schedule,
      b.composition ?? null,
    ],
  );
}

export async function batchByLot(sql: Sql, item: string, lot: string): Promise<Batch | undefined> {
  const r = await sql.query<BatchRow>(`SELECT ${BATCH_COLUMNS} FROM pharmacy_batch WHERE item = $1 AND lot = $2`, [item, lot]);
  return r.rows[0] ? toBatch(r.rows[0]) : undefined;
}

export async function batchById(sql: Sql, medicationId: string): Promise<Batch | undefined> {
  const r = await sql.query<BatchRow>(`SELECT ${BATCH_COLUMNS} FROM pharmacy_batch WHERE medication_id = $1`, [medicationId]);
  return r.rows[0] ? toBatch(r.rows[0]) : undefined;
}

/**
 * Records one movement. Outgoing quantities take the balance down only if it holds them (false when
 * it does not, and nothing is written); incoming ones create the balance row on first receipt.
 */
export async function move(sql: Sql, m: Movement): Promise<boolean> {
  if (!Number.isInteger(m.qty) || m.qty === 0) throw new Error(`A movement needs a non-zero whole quantity, not ${m.qty}`);
  // One statement: the balance change, and the ledger row only if the change happened.
  const balance =
    m.qty < 0
      ? `UPDATE pharmacy_stock SET on_hand = on_hand + $3::int, last_movement = now()
          WHERE store_id = $1 AND medication_id = $2 AND on_hand >= -$3::int RETURNING tenant_id`
      : `INSERT INTO pharmacy_stock (tenant_id, store_id, medication_id, on_hand) VALUES (app_current_tenant(), $1, $2, $3::int)
         ON CONFLICT (tenant_id, store_id, medication_id)
         DO UPDATE SET on_hand = pharmacy_stock.on_hand + EXCLUDED.on_hand, last_movement = now() RETURNING tenant_id`;
  const r = await sql.query(
    `WITH b AS (${balance})
     INSERT INTO pharmacy_ledger (tenant_id, store_id, medication_id, kind, qty, reason, reference, request, actor)
     SELECT tenant_id, $1, $2, $4, $3::int, $5, $6, $7, $8 FROM b`,
    [m.store, m.medicationId, m.qty, m.kind, m.reason ?? null, m.reference ?? null, m.request ?? null, m.actor ?? null],
  );
  return r.rowCount === 1;
}

export interface Pickable extends Batch {
  onHand: number;
}

/**
 * Batches of `item` in `store` that may be dispensed on `today` (IST date), first expiry first,
 * locked FOR UPDATE in that order (so concurrent pickers queue instead of deadlocking, and each
 * sees the balance the one before it left). Expired batches and those expiring within
 * `safetyDays` are never offered.
 */
export async function pickable(sql: Sql, store: string, item: string, today: string, safetyDays: number): Promise<Pickable[]> {
  const r = await sql.query<BatchRow & { on_hand: number }>(
    `SELECT ${batchColumns('b.')}, s.on_hand
       FROM pharmacy_stock s JOIN pharmacy_batch b ON b.tenant_id = s.tenant_id AND b.medication_id = s.medication_id
      WHERE s.store_id = $1 AND b.item = $2 AND s.on_hand > 0 AND b.expiry > $3::date + $4::int
      ORDER BY b.expiry, b.medication_id
        FOR UPDATE OF s`,
    [store, item, today, safetyDays],
  );
  return r.rows.map((row) => ({ ...toBatch(row), onHand: row.on_hand }));
}

/** One batch in a store (a scanned strip), locked, whatever its expiry: the caller judges it. */
export async function scanned(sql: Sql, store: string, medicationId: string): Promise<Pickable | undefined> {
  const r = await sql.query<BatchRow & { on_hand: number }>(
    `SELECT ${batchColumns('b.')}, s.on_hand
       FROM pharmacy_stock s JOIN pharmacy_batch b ON b.tenant_id = s.tenant_id AND b.medication_id = s.medication_id
      WHERE s.store_id = $1 AND s.medication_id = $2
        FOR UPDATE OF s`,
    [store, medicationId],
  );
  return r.rows[0] ? { ...toBatch(r.rows[0]), onHand: r.rows[0].on_hand } : undefined;
}

/** First-expiry-first-out: how much to take from each batch, in order, for `wanted` units. */
export function fefo(batches: Pickable[], wanted: number): { batch: Pickable; qty: number }[] {
  const picks: { batch: Pickable; qty: number }[] = [];
  let left = wanted;
  for (const batch of batches) {
    if (left === 0) break;
    const qty = Math.min(left, batch.onHand);
    if (qty > 0) picks.push({ batch, qty });
    left -= qty;
  }
  return picks;
}

export async function onHand(sql: Sql, store: string, medicationId: string): Promise<number> {
  const r = await sql.query<{ on_hand: number }>('SELECT on_hand FROM pharmacy_stock WHERE store_id = $1 AND medication_id = $2', [
    store,
    medicationId,
  ]);
  return r.rows[0]?.on_hand ?? 0;
}

/** The compositions the item's batches were received with (one, when the catalogue is consistent). */
export async function compositionsOf(sql: Sql, item: string): Promise<string[]> {
  const r = await sql.query<{ composition: string }>(
    'SELECT DISTINCT composition FROM pharmacy_batch WHERE item = $1 AND composition IS NOT NULL ORDER BY 1',
    [item],
  );
  return r.rows.map((row) => row.composition);
}

/** Units already dispensed against a prescription, net of returns. */
export async function dispensedFor(sql: Sql, request: string): Promise<number> {
  const r = await sql.query<{ n: string | number | null }>(
    `SELECT -COALESCE(SUM(qty), 0) AS n FROM pharmacy_ledger WHERE request = $1 AND kind IN ('dispense', 'return-from-patient')`,
    [request],
  );
  return Number(r.rows[0]?.n ?? 0);
}

/** Units returned so far against one dispense (its ledger rows reference it). */
export async function returnedFor(sql: Sql, dispenseRef: string): Promise<number> {
  const r = await sql.query<{ n: string | number | null }>(
    `SELECT COALESCE(SUM(qty), 0) AS n FROM pharmacy_ledger WHERE reference = $1 AND kind = 'return-from-patient'`,
    [dispenseRef],
  );
  return Number(r.rows[0]?.n ?? 0);
}

export interface Discrepancy {
  store: string;
  medicationId: string;
  ledger: number;
  balance: number;
}

/**
 * Every (store, batch) whose balance differs from the sum of its ledger rows (or is negative), in
 * what the transaction can see: the current tenant under row-level security.
 */
export async function reconcile(sql: Sql): Promise<{ checked: number; discrepancies: Discrepancy[] }> {
  const r = await sql.query<{ store_id: string; medication_id: string; ledger: string | number; balance: string | number }>(
    `WITH l AS (SELECT tenant_id, store_id, medication_id, SUM(qty) AS ledger FROM pharmacy_ledger GROUP BY 1, 2, 3)
     SELECT COALESCE(l.store_id, s.store_id) AS store_id, COALESCE(l.medication_id, s.medication_id) AS medication_id,
            COALESCE(l.ledger, 0) AS ledger, COALESCE(s.on_hand, 0) AS balance
       FROM l FULL JOIN pharmacy_stock s
         ON s.tenant_id = l.tenant_id AND s.store_id = l.store_id AND s.medication_id = l.medication_id`,
  );
  const discrepancies = r.rows
    .map((row) => ({ store: row.store_id, medicationId: row.medication_id, ledger: Number(row.ledger), balance: Number(row.balance) }))
    .filter((d) => d.ledger !== d.balance || d.balance < 0);
  return { checked: r.rows.length, discrepancies };
}
