import type { FhirRouter } from '@medplum/fhir-router';
import { registerWriteHook } from '../../repo/write-hooks.ts';
import { dispenseHandler, dispenseOtcHandler, returnHandler } from './dispense.ts';
import { dispenseLedgerHook } from './hooks.ts';
import { receiveGoodsHandler } from './receive.ts';
import { registerHandler } from './register.ts';
import { valuationHandler } from './report.ts';
import { adjustHandler, alertsHandler, reorderLevelHandler, stockHandler } from './stock.ts';
import { receiveTransferHandler, transferHandler } from './transfer.ts';

/**
 * The pharmacy's operations (docs/pharmacy.md): goods receipt, FEFO dispensing, returns, stock
 * upkeep, the H1/X registers and the alert conditions. Stock itself lives in this folder's tables
 * (migration 0030), written in the same transaction as the FHIR resources of each movement.
 */
export function addPharmacyOperations(router: FhirRouter): void {
  registerWriteHook('MedicationDispense', 'pharmacy-ledger', dispenseLedgerHook);
  router.add('POST', 'SupplyDelivery/$receive-goods', receiveGoodsHandler);
  router.add('POST', 'MedicationRequest/:id/$dispense', dispenseHandler);
  router.add('POST', 'MedicationDispense/$dispense-otc', dispenseOtcHandler);
  router.add('POST', 'MedicationDispense/:id/$return', returnHandler);
  router.add('POST', 'Location/$adjust-stock', adjustHandler);
  router.add('POST', 'Location/$transfer-stock', transferHandler);
  router.add('POST', 'SupplyDelivery/:id/$receive-transfer', receiveTransferHandler);
  router.add('POST', 'Location/$set-reorder-level', reorderLevelHandler);
  for (const method of ['GET', 'POST'] as const) {
    router.add(method, 'Location/$stock', stockHandler);
    router.add(method, 'Location/$stock-alerts', alertsHandler);
    router.add(method, 'MedicationDispense/$drug-register', registerHandler);
    router.add(method, 'Location/$stock-valuation', valuationHandler);
  }
}
