import { allOk, badRequest } from '@medplum/core';
import type { FhirRequest, FhirResponse } from '@medplum/fhir-router';
import type { Location, Parameters, ParametersParameter } from '@medplum/fhirtypes';
import type { PostgresRepository } from '../../repo/postgres-repository.ts';
import { fail, unprocessable } from '../opd/fhir.ts';
import { kolkataDate } from '../opd/kolkata.ts';
import { readNamed, requireAccess } from './common.ts';
import { ruleBroken } from './fhir.ts';
import { itemKey, Params } from './input.ts';
import { ADJUSTMENT_REASONS, type AdjustmentReason, batchById, move, onHand } from './ledger.ts';

/**
 * Stock upkeep (docs/pharmacy.md): `$adjust-stock` (a signed correction with a reason code),
 * `$set-reorder-level`, `$stock` (balances) and `$stock-alerts` (the conditions
 * the morning alerts raise Tasks for). All of it needs the role's inventory (SupplyDelivery) access.
 */

async function adjust(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  requireAccess(repo, 'SupplyDelivery', 'c');
  const input = new Params(req.body, req.query as Record<string, string>);
  const store = input.requiredId('store', 'Location', repo.baseUrl);
  const medicationId = input.requiredId('medication', 'Medication', repo.baseUrl);
  const qty = input.integer('quantity', -1_000_000) ?? fail(badRequest('Parameter quantity is required (signed)', 'quantity'));
  if (qty === 0) fail(badRequest('Parameter quantity must not be zero', 'quantity'));
  const reason = input.requiredString('reason') as AdjustmentReason;
  if (!ADJUSTMENT_REASONS.includes(reason)) fail(badRequest(`Parameter reason must be one of ${ADJUSTMENT_REASONS.join(', ')}`, 'reason'));
  const balance = await repo.withTransaction(
    async (tx) => {
      await readNamed<Location>(tx, 'Location', store, 'store');
      if (!(await tx.query((sql) => batchById(sql, medicationId))))
        fail(unprocessable(`Medication/${medicationId} is not a stocked batch`, 'medication'));
      const ok = await tx.query((sql) => move(sql, { store, medicationId, kind: 'adjustment', qty, reason, actor: repo.actor }));
      if (!ok) {
        const have = await tx.query((sql) => onHand(sql, store, medicationId));
        fail(
          ruleBroken(
            'INSUFFICIENT_STOCK',
            `The store holds ${have} units of this batch; it cannot be adjusted down by ${-qty}`,
            'quantity',
          ),
        );
      }
      return tx.query((sql) => onHand(sql, store, medicationId));
    },
    { resourceTypes: [] },
  );
  return [allOk, { resourceType: 'Parameters', parameter: [{ name: 'onHand', valueInteger: balance }] } as Parameters];
}

async function setReorderLevel(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  requireAccess(repo, 'SupplyDelivery', 'c');
  const input = new Params(req.body, req.query as Record<string, string>);
  const store = input.requiredId('store', 'Location', repo.baseUrl);
  const item = input.coding('item') ?? fail(badRequest('Parameter item is required', 'item'));
  const level = input.integer('level', 0) ?? fail(badRequest('Parameter level is required', 'level'));
  await repo.withTransaction(
    async (tx) => {
      await readNamed<Location>(tx, 'Location', store, 'store');
      await tx.query((sql) =>
        sql.query(
          `INSERT INTO pharmacy_reorder_level (tenant_id, store_id, item, reorder_level) VALUES (app_current_tenant(), $1, $2, $3)
           ON CONFLICT (tenant_id, store_id, item) DO UPDATE SET reorder_level = EXCLUDED.reorder_level`,
          [store, itemKey(item), level],
        ),
      );
    },
    { resourceTypes: [] },
  );
  return [allOk, { resourceType: 'Parameters', parameter: [{ name: 'level', valueInteger: level }] } as Parameters];
}

interface StockRow {
  store_id: string;
  medication_id: string;
  item: string;
  item_display: string;
  lot: string;
  expiry: string;
  on_hand: number;
}

async function stock(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  requireAccess(repo, 'SupplyDelivery', 's');
  const input = new Params(req.body, req.query as Record<string, string>);
  const store = input.id('store', 'Location', repo.baseUrl);
  const rows = await repo.query((sql) =>
    sql.query<StockRow>(
      `SELECT s.store_id, s.medication_id, b.item, b.item_display, b.lot, to_char(b.expiry, 'YYYY-MM-DD') AS expiry, s.on_hand
         FROM pharmacy_stock s JOIN pharmacy_batch b ON b.tenant_id = s.tenant_id AND b.medication_id = s.medication_id
        WHERE ($1::text IS NULL OR s.store_id = $1) ORDER BY b.item_display, b.expiry LIMIT 5000`,
      [store ?? null],
    ),
  );
  // Stock in transit: transfers that left and have not arrived, from the ledger.
  const transit = await repo.query((sql) =>
    sql.query<{ reference: string; medication_id: string; qty: string | number }>(
      `SELECT reference, medication_id, -SUM(qty) AS qty FROM pharmacy_ledger
        WHERE kind IN ('transfer-out', 'transfer-in') AND reference LIKE 'SupplyDelivery/%'
        GROUP BY reference, medication_id HAVING SUM(qty) < 0 ORDER BY reference LIMIT 5000`,
    ),
  );
  const parameter: ParametersParameter[] = rows.rows.map((r) => ({
    name: 'batch',
    part: [
      { name: 'store', valueReference: { reference: `Location/${r.store_id}` } },
      { name: 'medication', valueReference: { reference: `Medication/${r.medication_id}`, display: r.item_display } },
      { name: 'item', valueString: r.item },
      { name: 'lot', valueString: r.lot },
      { name: 'expiry', valueDate: r.expiry },
      { name: 'onHand', valueInteger: r.on_hand },
    ],
  }));
  for (const r of transit.rows)
    parameter.push({
      name: 'inTransit',
      part: [
        { name: 'supplyDelivery', valueReference: { reference: r.reference } },
        { name: 'medication', valueReference: { reference: `Medication/${r.medication_id}` } },
        { name: 'quantity', valueInteger: Number(r.qty) },
      ],
    });
  return [allOk, { resourceType: 'Parameters', parameter } as Parameters];
}

/** The near-expiry bucket a batch is in on `today`: 30, 60 or 90 days, or undefined. */
export function expiryBucket(daysLeft: number): 30 | 60 | 90 | undefined {
  if (daysLeft <= 0) return undefined;
  if (daysLeft <= 30) return 30;
  if (daysLeft <= 60) return 60;
  if (daysLeft <= 90) return 90;
  return undefined;
}

/**
 * `GET $stock-alerts?kind=stock|expiry[&date=][&deadDays=90][&store=&medication=]`: the conditions that hold on that IST day
 * (stock: below reorder level, and dead stock unmoved for deadDays; expiry: 90/60/30 days, expired), each with
 * a stable key (`low-stock/<store>/<system>#<code>`, `near-expiry-60/<store>/<batch>`, `expired/<store>/<batch>`),
 * free of `|` and `,` so it can sit in a token search,
 * so whoever raises Tasks for them raises one per condition per day. Read-only.
 */
async function alerts(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  requireAccess(repo, 'SupplyDelivery', 's');
  const input = new Params(req.body, req.query as Record<string, string>);
  const kind = input.string('kind') ?? 'stock';
  if (kind !== 'stock' && kind !== 'expiry') fail(badRequest('Parameter kind must be stock or expiry', 'kind'));
  const today = input.date('date') ?? kolkataDate(Date.now());
  const deadDays = input.integer('deadDays', 1) ?? 90;
  // On a change: only the item of this batch in this store (and no dead-stock scan).
  const onlyStore = input.id('store', 'Location', repo.baseUrl);
  const onlyBatch = input.id('medication', 'Medication', repo.baseUrl);
  const found: { key: string; code: string; store: string; text: string; medication?: string }[] = [];
  await repo.query(async (sql) => {
    if (kind === 'stock') {
      const r = await sql.query<{
        store_id: string;
        item: string;
        item_display: string | null;
        reorder_level: number;
        on_hand: string | number;
      }>(
        `SELECT l.store_id, l.item, max(b.item_display) AS item_display, l.reorder_level, COALESCE(sum(s.on_hand) FILTER (WHERE b.expiry > $1::date), 0) AS on_hand
           FROM pharmacy_reorder_level l
           LEFT JOIN pharmacy_batch b ON b.tenant_id = l.tenant_id AND b.item = l.item
           LEFT JOIN pharmacy_stock s ON s.tenant_id = l.tenant_id AND s.store_id = l.store_id AND s.medication_id = b.medication_id
          WHERE ($2::text IS NULL OR l.store_id = $2)
            AND ($3::text IS NULL OR l.item = (SELECT item FROM pharmacy_batch WHERE medication_id = $3))
          GROUP BY l.store_id, l.item, l.reorder_level
         HAVING COALESCE(sum(s.on_hand) FILTER (WHERE b.expiry > $1::date), 0) < l.reorder_level
          ORDER BY 1, 2`,
        [today, onlyStore ?? null, onlyBatch ?? null],
      );
      for (const row of r.rows)
        found.push({
          key: `low-stock/${row.store_id}/${row.item.replace('|', '#')}`,
          code: 'low-stock',
          store: row.store_id,
          text: `${row.item_display ?? row.item}: ${Number(row.on_hand)} usable units, below the reorder level of ${row.reorder_level}`,
        });
      // Dead stock: a batch on the shelf that nothing has moved for deadDays.
      if (onlyStore || onlyBatch) return;
      const dead = await sql.query<{
        store_id: string;
        medication_id: string;
        item_display: string;
        lot: string;
        on_hand: number;
        since: string;
      }>(
        `SELECT s.store_id, s.medication_id, b.item_display, b.lot, s.on_hand,
                to_char((s.last_movement AT TIME ZONE 'Asia/Kolkata')::date, 'YYYY-MM-DD') AS since
           FROM pharmacy_stock s JOIN pharmacy_batch b ON b.tenant_id = s.tenant_id AND b.medication_id = s.medication_id
          WHERE s.on_hand > 0 AND (s.last_movement AT TIME ZONE 'Asia/Kolkata')::date <= $1::date - $2::int
          ORDER BY 1, 2`,
        [today, deadDays],
      );
      for (const row of dead.rows)
        found.push({
          key: `dead-stock/${row.store_id}/${row.medication_id}`,
          code: 'dead-stock',
          store: row.store_id,
          medication: row.medication_id,
          text: `${row.item_display} batch ${row.lot}: ${row.on_hand} units have not moved since ${row.since}`,
        });
    } else {
      const r = await sql.query<{
        store_id: string;
        medication_id: string;
        item_display: string;
        lot: string;
        expiry: string;
        on_hand: number;
        days: number;
      }>(
        `SELECT s.store_id, s.medication_id, b.item_display, b.lot, to_char(b.expiry, 'YYYY-MM-DD') AS expiry, s.on_hand, (b.expiry - $1::date) AS days
           FROM pharmacy_stock s JOIN pharmacy_batch b ON b.tenant_id = s.tenant_id AND b.medication_id = s.medication_id
          WHERE s.on_hand > 0 AND b.expiry <= $1::date + 90 ORDER BY b.expiry, 1, 2`,
        [today],
      );
      for (const row of r.rows) {
        const days = Number(row.days);
        const bucket = expiryBucket(days);
        const code = bucket ? `near-expiry-${bucket}` : 'expired';
        const text = bucket
          ? `${row.item_display} batch ${row.lot}: ${row.on_hand} units expire on ${row.expiry}, in ${days} days`
          : `${row.item_display} batch ${row.lot}: ${row.on_hand} units expired on ${row.expiry} are still on the shelf`;
        found.push({ key: `${code}/${row.store_id}/${row.medication_id}`, code, store: row.store_id, medication: row.medication_id, text });
      }
    }
  });
  const parameter: ParametersParameter[] = [
    { name: 'date', valueDate: today },
    ...found.map((a) => ({
      name: 'alert',
      part: [
        { name: 'key', valueString: a.key },
        { name: 'code', valueCode: a.code },
        { name: 'store', valueReference: { reference: `Location/${a.store}` } },
        ...(a.medication ? [{ name: 'medication', valueReference: { reference: `Medication/${a.medication}` } }] : []),
        { name: 'text', valueString: a.text },
      ],
    })),
  ];
  return [allOk, { resourceType: 'Parameters', parameter } as Parameters];
}

export const adjustHandler = (req: FhirRequest, repo: unknown) => adjust(req, repo as PostgresRepository);
export const reorderLevelHandler = (req: FhirRequest, repo: unknown) => setReorderLevel(req, repo as PostgresRepository);
export const stockHandler = (req: FhirRequest, repo: unknown) => stock(req, repo as PostgresRepository);
export const alertsHandler = (req: FhirRequest, repo: unknown) => alerts(req, repo as PostgresRepository);
