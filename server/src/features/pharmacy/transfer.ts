import { allOk, badRequest } from '@medplum/core';
import type { FhirRequest, FhirResponse } from '@medplum/fhir-router';
import type { Location, Parameters, SupplyDelivery, SupplyRequest } from '@medplum/fhirtypes';
import type { PostgresRepository } from '../../repo/postgres-repository.ts';
import { fail, localReference, stateConflict, unprocessable } from '../opd/fhir.ts';
import { kolkataInstant } from '../opd/kolkata.ts';
import { readNamed, requireAccess } from './common.ts';
import { insufficientStock, TRANSFER_FROM_URL } from './fhir.ts';
import { Params } from './input.ts';
import { batchById, move, onHand } from './ledger.ts';

/**
 * Internal transfers (docs/pharmacy.md): an indent (a SupplyRequest from a ward to the main store)
 * is issued with `POST Location/$transfer-stock`: the units leave the sending store (transfer-out)
 * and travel as a SupplyDelivery in-progress; `POST SupplyDelivery/[id]/$receive-transfer` books
 * them into the receiving store (transfer-in) and completes it. `receive=true` does both at once.
 * Stock in transit is what the ledger says left on a transfer and has not arrived: the sum of the
 * transfer-out and transfer-in rows referencing its SupplyDelivery.
 */

async function issue(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  requireAccess(repo, 'SupplyDelivery', 'c');
  const input = new Params(req.body, req.query as Record<string, string>);
  const from = input.requiredId('from', 'Location', repo.baseUrl);
  const to = input.requiredId('to', 'Location', repo.baseUrl);
  if (from === to) fail(badRequest('A transfer needs two different stores', 'to'));
  const medicationId = input.requiredId('medication', 'Medication', repo.baseUrl);
  const qty = input.integer('quantity', 1) ?? fail(badRequest('Parameter quantity is required', 'quantity'));
  const indent = input.id('indent', 'SupplyRequest', repo.baseUrl);
  const receiveNow = input.boolean('receive') ?? false;
  const sd = await repo.withTransaction(
    async (tx) => {
      await readNamed<Location>(tx, 'Location', from, 'from');
      await readNamed<Location>(tx, 'Location', to, 'to');
      const batch = await tx.query((sql) => batchById(sql, medicationId));
      if (!batch) fail(unprocessable(`Medication/${medicationId} is not a stocked batch`, 'medication'));
      if (indent) {
        const request = await readNamed<SupplyRequest>(tx, 'SupplyRequest', indent, 'indent');
        if (request.status !== 'active') fail(stateConflict(`The indent is ${request.status}: only an active one is issued`, 'indent'));
      }
      const now = Date.now();
      const delivery = await tx.createResource<SupplyDelivery>({
        resourceType: 'SupplyDelivery',
        status: receiveNow ? 'completed' : 'in-progress',
        ...(indent ? { basedOn: [{ reference: `SupplyRequest/${indent}` }] } : {}),
        suppliedItem: { quantity: { value: qty, unit: 'unit' }, itemReference: { reference: `Medication/${medicationId}` } },
        occurrenceDateTime: kolkataInstant(now),
        destination: { reference: `Location/${to}` },
        extension: [{ url: TRANSFER_FROM_URL, valueReference: { reference: `Location/${from}` } }],
      });
      const reference = `SupplyDelivery/${delivery.id}`;
      const ok = await tx.query((sql) =>
        move(sql, { store: from, medicationId, kind: 'transfer-out', qty: -qty, reference, actor: repo.actor }),
      );
      if (!ok) {
        const have = await tx.query((sql) => onHand(sql, from, medicationId));
        fail(insufficientStock(`${batch?.itemDisplay} batch ${batch?.lot} in the sending store`, qty, have, 'quantity'));
      }
      if (receiveNow)
        await tx.query((sql) => move(sql, { store: to, medicationId, kind: 'transfer-in', qty, reference, actor: repo.actor }));
      return delivery;
    },
    { resourceTypes: ['SupplyDelivery'] },
  );
  const out: Parameters = { resourceType: 'Parameters', parameter: [{ name: 'supplyDelivery', resource: sd }] };
  return [allOk, out];
}

async function receiveTransfer(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  requireAccess(repo, 'SupplyDelivery', 'u');
  const id = req.params.id;
  const sd = await repo.withTransaction(
    async (tx) => {
      await tx.query((sql) =>
        sql.query("SELECT pg_advisory_xact_lock(hashtext('pharmacy-transfer:' || app_current_tenant()::text || $1))", [id]),
      );
      const delivery = await tx.readResource<SupplyDelivery>('SupplyDelivery', id);
      const from = delivery.extension?.find((e) => e.url === TRANSFER_FROM_URL)?.valueReference?.reference;
      if (!from) fail(stateConflict('This SupplyDelivery is not an internal transfer', 'SupplyDelivery'));
      if (delivery.status !== 'in-progress')
        fail(stateConflict(`The transfer is ${delivery.status}: only one in transit is received`, 'SupplyDelivery.status'));
      const reference = `SupplyDelivery/${id}`;
      const inTransit = await tx.query(async (sql) => {
        const r = await sql.query<{ n: string | number }>(
          "SELECT -COALESCE(SUM(qty), 0) AS n FROM pharmacy_ledger WHERE reference = $1 AND kind IN ('transfer-out', 'transfer-in')",
          [reference],
        );
        return Number(r.rows[0].n);
      });
      const to = localReference(delivery.destination?.reference, tx.baseUrl);
      const med = localReference(delivery.suppliedItem?.itemReference?.reference, tx.baseUrl);
      if (inTransit <= 0 || to?.type !== 'Location' || med?.type !== 'Medication')
        fail(stateConflict('Nothing of this transfer is in transit', 'SupplyDelivery'));
      await tx.query((sql) =>
        move(sql, {
          store: to?.id as string,
          medicationId: med?.id as string,
          kind: 'transfer-in',
          qty: inTransit,
          reference,
          actor: repo.actor,
        }),
      );
      return tx.updateResource<SupplyDelivery>({ ...delivery, status: 'completed', occurrenceDateTime: kolkataInstant(Date.now()) });
    },
    { resourceTypes: ['SupplyDelivery'] },
  );
  const out: Parameters = { resourceType: 'Parameters', parameter: [{ name: 'supplyDelivery', resource: sd }] };
  return [allOk, out];
}

export const transferHandler = (req: FhirRequest, repo: unknown) => issue(req, repo as PostgresRepository);
export const receiveTransferHandler = (req: FhirRequest, repo: unknown) => receiveTransfer(req, repo as PostgresRepository);
