import { OperationOutcomeError } from '@medplum/core';
import type { MedicationDispense, Resource } from '@medplum/fhirtypes';
import type { Sql } from '../../db/database.ts';
import type { WriteHook } from '../../repo/write-hooks.ts';
import { localReference, stateConflict, unprocessable } from '../opd/fhir.ts';
import { move, returnedFor } from './ledger.ts';

/**
 * Every MedicationDispense of a stocked batch must be the record of a stock movement, whichever
 * route writes it (REST, a transaction bundle, the operations), so billing never charges for
 * units that did not leave a shelf and the ledger never moves without its FHIR record:
 * - a create needs the ledger's dispense rows for its id to add up to its quantity (only
 *   `$dispense` and `$dispense-otc` write those, just before the resource);
 * - a dispense that moved stock keeps its batch, quantity and store; it is not deleted;
 * - cancelling it (cancelled, entered-in-error, stopped, declined) puts back what was not returned
 *   already, into the same batch and store; a cancelled one does not become completed again.
 */

const RESTOCK = new Set(['cancelled', 'entered-in-error', 'stopped', 'declined']);
const refuse = (text: string, expression?: string) => {
  throw new OperationOutcomeError(unprocessable(text, expression));
};

async function movedBy(sql: Sql, ref: string): Promise<number> {
  const r = await sql.query<{ n: string | number }>(
    "SELECT -COALESCE(SUM(qty), 0) AS n FROM pharmacy_ledger WHERE reference = $1 AND kind = 'dispense'",
    [ref],
  );
  return Number(r.rows[0].n);
}

export const dispenseLedgerHook: WriteHook = {
  async afterWrite({ sql, repo }, current: Resource | undefined, next: Resource | undefined) {
    const before = current as MedicationDispense | undefined;
    const after = next as MedicationDispense | undefined;
    const id = (after ?? before)?.id as string;
    const ref = `MedicationDispense/${id}`;
    if (!before && after) {
      const med = localReference(after.medicationReference?.reference, repo.baseUrl);
      if (med?.type !== 'Medication') return;
      // One round trip: is it a stocked batch, and what did the ledger take under this dispense's id.
      const r = await sql.query<{ stocked: boolean; taken: string | number }>(
        `SELECT EXISTS (SELECT 1 FROM pharmacy_batch WHERE medication_id = $1) AS stocked,
                (SELECT -COALESCE(SUM(qty), 0) FROM pharmacy_ledger WHERE reference = $2 AND kind = 'dispense') AS taken`,
        [med.id, ref],
      );
      if (!r.rows[0].stocked) return;
      const taken = Number(r.rows[0].taken);
      if (taken === 0 || taken !== after.quantity?.value)
        refuse(
          'A dispense of a stocked batch is recorded by MedicationRequest/[id]/$dispense or MedicationDispense/$dispense-otc, which take it from the shelf',
          'MedicationDispense',
        );
      return;
    }
    const moved = await movedBy(sql, ref);
    if (moved === 0 || !before) return;
    if (!after)
      throw new OperationOutcomeError(
        stateConflict('A dispense that took stock is not deleted: cancel it (status cancelled) to put the stock back'),
      );
    if (
      after.medicationReference?.reference !== before.medicationReference?.reference ||
      after.quantity?.value !== before.quantity?.value ||
      after.location?.reference !== before.location?.reference
    )
      refuse(
        'The batch, quantity and store of a dispense that took stock cannot change; cancel it and dispense again',
        'MedicationDispense',
      );
    if (RESTOCK.has(before.status) && !RESTOCK.has(after.status))
      throw new OperationOutcomeError(
        stateConflict(`A ${before.status} dispense has given its stock back; dispense again instead`, 'MedicationDispense.status'),
      );
    if (!RESTOCK.has(before.status) && RESTOCK.has(after.status)) {
      const back = moved - (await returnedFor(sql, ref));
      const med = localReference(before.medicationReference?.reference, repo.baseUrl);
      const store = localReference(before.location?.reference, repo.baseUrl);
      if (back > 0 && med && store)
        await move(sql, {
          store: store.id,
          medicationId: med.id,
          kind: 'return-from-patient',
          qty: back,
          reference: ref,
          request: before.authorizingPrescription?.[0]?.reference,
          // Who cancelled is on the MedicationDispense's own version and its AuditEvent.
        });
    }
  },
};
