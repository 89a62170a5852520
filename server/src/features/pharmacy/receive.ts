import { allOk, badRequest } from '@medplum/core';
import type { FhirRequest, FhirResponse } from '@medplum/fhir-router';
import type {
  Location,
  Medication,
  Organization,
  Parameters,
  ParametersParameter,
  SupplyDelivery,
  SupplyRequest,
} from '@medplum/fhirtypes';
import type { PostgresRepository } from '../../repo/postgres-repository.ts';
import { fail, stateConflict } from '../opd/fhir.ts';
import { kolkataDate, kolkataInstant } from '../opd/kolkata.ts';
import { batchMedication, daysBetween, inr, readNamed, requireAccess } from './common.ts';
import { type DrugSchedule, RECEIPT_LINE_URL, RECEIPT_NEAR_EXPIRY_DAYS, ruleBroken, SCHEDULES, SUPPLIER_INVOICE_SYSTEM } from './fhir.ts';
import { itemKey, normalComposition, Params } from './input.ts';
import { type Batch, batchByLot, insertBatch, move } from './ledger.ts';

/**
 * `POST /fhir/R4/$receive-goods` (docs/pharmacy.md): a goods receipt note. Each line names an item,
 * its batch (lot, expiry, MRP, purchase price, pack size, HSN, schedule) and the quantity received
 * plus free quantity; the whole note is one transaction: a Medication per new batch, a completed
 * SupplyDelivery per line, a receipt ledger row per line and the balances. A line with an expired
 * batch refuses the note; one expiring within 90 days needs `nearExpiryReason`. With `order`, the
 * note is received against a purchase order (an active SupplyRequest for this store and supplier),
 * which each SupplyDelivery names in `basedOn`.
 */

interface Line {
  at: string;
  itemSystem: string;
  itemCode: string;
  batch: Omit<Batch, 'medicationId'>;
  quantity: number;
  free: number;
  discountPercent: number;
  gstPercent: number;
  nearExpiryReason?: string;
}

function readLine(p: ParametersParameter, i: number, today: string): Line {
  const at = `line[${i}]`;
  const l = Params.ofParts(p.part, at);
  const item = l.coding('item') ?? fail(badRequest(`Parameter ${at}.item is required`, `${at}.item`));
  const expiry = l.date('expiry') ?? fail(badRequest(`Parameter ${at}.expiry is required: every batch has an expiry date`, `${at}.expiry`));
  const schedule = (l.string('schedule') ?? 'OTC').toUpperCase();
  if (!SCHEDULES.includes(schedule as DrugSchedule)) fail(badRequest(`Parameter ${at}.schedule must be OTC, H, H1 or X`, `${at}.schedule`));
  const quantity = l.integer('quantity', 1) ?? fail(badRequest(`Parameter ${at}.quantity is required`, `${at}.quantity`));
  const line: Line = {
    at,
    itemSystem: item.system as string,
    itemCode: item.code as string,
    batch: {
      item: itemKey(item),
      itemDisplay: item.display ?? (item.code as string),
      lot: l.requiredString('lot'),
      expiry,
      mrpPaise: l.paise('mrp') ?? fail(badRequest(`Parameter ${at}.mrp is required (price per unit)`, `${at}.mrp`)),
      purchasePaise:
        l.paise('purchasePrice') ?? fail(badRequest(`Parameter ${at}.purchasePrice is required (per unit)`, `${at}.purchasePrice`)),
      packSize: l.integer('packSize', 1) ?? 1,
      hsn: l.requiredString('hsn'),
      schedule: schedule as DrugSchedule,
      ...(l.string('composition') ? { composition: normalComposition(l.string('composition') as string) } : {}),
    },
    quantity,
    free: l.integer('freeQuantity', 0) ?? 0,
    discountPercent: l.percent('discountPercent'),
    gstPercent: l.percent('gstPercent'),
    nearExpiryReason: l.string('nearExpiryReason'),
  };
  const days = daysBetween(today, expiry);
  if (days <= 0)
    fail(
      ruleBroken('EXPIRED_BATCH', `${at}: batch ${line.batch.lot} expired on ${expiry}; expired stock cannot be received`, `${at}.expiry`),
    );
  if (days <= RECEIPT_NEAR_EXPIRY_DAYS && !line.nearExpiryReason)
    fail(
      ruleBroken(
        'NEAR_EXPIRY_BATCH',
        `${at}: batch ${line.batch.lot} expires on ${expiry}, within ${RECEIPT_NEAR_EXPIRY_DAYS} days; give nearExpiryReason to accept it`,
        `${at}.nearExpiryReason`,
      ),
    );
  return line;
}

interface Note {
  store: string;
  supplier?: string;
  invoice?: string;
  order?: string;
}

function delivery(line: Line, medicationId: string, note: Note, now: number): SupplyDelivery {
  const { store, supplier, invoice, order } = note;
  const ext = (url: string, v: Record<string, unknown>) => ({ url, ...v });
  return {
    resourceType: 'SupplyDelivery',
    ...(order ? { basedOn: [{ reference: `SupplyRequest/${order}` }] } : {}),
    status: 'completed',
    ...(invoice ? { identifier: [{ system: SUPPLIER_INVOICE_SYSTEM, value: invoice }] } : {}),
    suppliedItem: {
      quantity: { value: line.quantity + line.free, unit: 'unit' },
      itemReference: { reference: `Medication/${medicationId}` },
    },
    occurrenceDateTime: kolkataInstant(now),
    ...(supplier ? { supplier: { reference: `Organization/${supplier}` } } : {}),
    destination: { reference: `Location/${store}` },
    extension: [
      {
        url: RECEIPT_LINE_URL,
        extension: [
          ext('quantity', { valueInteger: line.quantity }),
          ext('freeQuantity', { valueInteger: line.free }),
          ext('purchasePrice', { valueMoney: inr(line.batch.purchasePaise) }),
          ext('discountPercent', { valueDecimal: line.discountPercent }),
          ext('gstPercent', { valueDecimal: line.gstPercent }),
          ...(line.nearExpiryReason ? [ext('nearExpiryReason', { valueString: line.nearExpiryReason })] : []),
        ],
      },
    ],
  };
}

async function receiveGoods(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  requireAccess(repo, 'SupplyDelivery', 'c');
  const input = new Params(req.body, req.query as Record<string, string>);
  const base = repo.baseUrl;
  const store = input.requiredId('store', 'Location', base);
  const supplier = input.id('supplier', 'Organization', base);
  const invoice = input.string('invoice');
  const order = input.id('order', 'SupplyRequest', base);
  const now = Date.now();
  const today = kolkataDate(now);
  const rawLines = input.all('line');
  if (rawLines.length === 0) fail(badRequest('A goods receipt needs at least one line', 'line'));
  if (rawLines.length > 500) fail(badRequest('A goods receipt holds at most 500 lines', 'line'));
  const lines = rawLines.map((p, i) => readLine(p, i, today));
  const out = await repo.withTransaction(
    async (tx) => {
      await readNamed<Location>(tx, 'Location', store, 'store');
      if (supplier) await readNamed<Organization>(tx, 'Organization', supplier, 'supplier');
      if (order) {
        // A purchase order still open, to this store, from this supplier (when it names them).
        const po = await readNamed<SupplyRequest>(tx, 'SupplyRequest', order, 'order');
        if (po.status !== 'active')
          fail(stateConflict(`The purchase order is ${po.status}: goods are received only against an active one`, 'order'));
        const deliverTo = po.deliverTo?.reference;
        if (deliverTo && deliverTo !== `Location/${store}`)
          fail(stateConflict(`The purchase order is for ${deliverTo}, not Location/${store}`, 'store'));
        const from = po.deliverFrom?.reference;
        if (from && supplier && from !== `Organization/${supplier}`)
          fail(stateConflict(`The purchase order is to ${from}, not Organization/${supplier}`, 'supplier'));
      }
      const parts: ParametersParameter[] = [];
      for (const line of lines) {
        // Two notes bringing the same new lot at once: the second waits and adds to the first's batch.
        let batch = await tx.query(async (sql) => {
          await sql.query("SELECT pg_advisory_xact_lock(hashtext('pharmacy-batch:' || app_current_tenant()::text || $1))", [
            `${line.batch.item}|${line.batch.lot}`,
          ]);
          return batchByLot(sql, line.batch.item, line.batch.lot);
        });
        if (batch && batch.expiry !== line.batch.expiry)
          fail(
            ruleBroken(
              'BATCH_MISMATCH',
              `${line.at}: batch ${line.batch.lot} of this item was received before with expiry ${batch.expiry}, not ${line.batch.expiry}`,
              `${line.at}.expiry`,
            ),
          );
        if (!batch) {
          const med = await tx.createResource<Medication>(batchMedication(line.batch, line.itemSystem, line.itemCode));
          batch = { ...line.batch, medicationId: med.id };
          const fresh = batch;
          await tx.query((sql) => insertBatch(sql, fresh));
        }
        const sd = await tx.createResource<SupplyDelivery>(delivery(line, batch.medicationId, { store, supplier, invoice, order }, now));
        const medicationId = batch.medicationId;
        await tx.query((sql) =>
          move(sql, {
            store,
            medicationId,
            kind: 'receipt',
            qty: line.quantity + line.free,
            reference: `SupplyDelivery/${sd.id}`,
            actor: repo.actor,
          }),
        );
        parts.push({
          name: 'line',
          part: [
            { name: 'medication', valueReference: { reference: `Medication/${medicationId}` } },
            { name: 'supplyDelivery', valueReference: { reference: `SupplyDelivery/${sd.id}` } },
            { name: 'received', valueInteger: line.quantity + line.free },
          ],
        });
      }
      return parts;
    },
    { resourceTypes: ['Medication', 'SupplyDelivery'] },
  );
  const result: Parameters = { resourceType: 'Parameters', parameter: out };
  return [allOk, result];
}

export const receiveGoodsHandler = (req: FhirRequest, repo: unknown) => receiveGoods(req, repo as PostgresRepository);
