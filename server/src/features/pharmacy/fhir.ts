import type { OperationOutcome } from '@medplum/fhirtypes';
import { BUSINESS_ERROR_SYSTEM, HOPS } from '../opd/fhir.ts';

/** Canonical URLs the pharmacy writes; billing reads the unit price and the HSN identifier (docs/pharmacy.md, "For billing"). */
export const UNIT_PRICE_URL = `${HOPS}/StructureDefinition/unit-price`;
export const HSN_SYSTEM = `${HOPS}/sid/hsn`;
/** The ABDM identifier type the batch Medication's HSN identifier carries (the IG's Medication example). */
export const HSN_IDENTIFIER_TYPE = {
  system: 'https://nrces.in/ndhm/fhir/r4/CodeSystem/ndhm-identifier-type-code',
  code: 'HSN',
  display: 'Harmonized System of Nomenclature',
};
export const PURCHASE_PRICE_URL = `${HOPS}/StructureDefinition/purchase-price`;
export const PACK_SIZE_URL = `${HOPS}/StructureDefinition/pack-size`;
export const DRUG_SCHEDULE_URL = `${HOPS}/StructureDefinition/drug-schedule`;
export const RECEIPT_LINE_URL = `${HOPS}/StructureDefinition/goods-receipt-line`;
export const TRANSFER_FROM_URL = `${HOPS}/StructureDefinition/transfer-from`;
export const RETURNED_DISPENSE_URL = `${HOPS}/StructureDefinition/returned-dispense`;
export const SUPPLIER_INVOICE_SYSTEM = `${HOPS}/sid/supplier-invoice`;
export const DRUG_SCHEDULE_SYSTEM = `${HOPS}/CodeSystem/drug-schedule`;
export const ALERT_SYSTEM = `${HOPS}/sid/pharmacy-alert`;

export type DrugSchedule = 'OTC' | 'H' | 'H1' | 'X';
export const SCHEDULES: readonly DrugSchedule[] = ['OTC', 'H', 'H1', 'X'];

/** Days before expiry within which a batch is not dispensed (a patient needs the course to last). */
export const DEFAULT_SAFETY_DAYS = 30;
/** A receipt of a batch expiring within this many days needs a reason. */
export const RECEIPT_NEAR_EXPIRY_DAYS = 90;

function issue(id: string, code: string, businessCode: string | undefined, text: string, expression?: string): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    id,
    issue: [
      {
        severity: 'error',
        code: code as 'conflict',
        details: {
          ...(businessCode ? { coding: [{ system: BUSINESS_ERROR_SYSTEM, code: businessCode }] } : {}),
          text,
        },
        ...(expression ? { expression: [expression] } : {}),
      },
    ],
  };
}

/** 409 INSUFFICIENT_STOCK (seed architecture's business code), with what can be dispensed now. */
export function insufficientStock(item: string, wanted: number, available: number, expression?: string): OperationOutcome {
  const outcome = issue(
    'conflict',
    'conflict',
    'INSUFFICIENT_STOCK',
    `Only ${available} of ${wanted} units of ${item} are in stock and dispensable (not expired, not inside the safety window); nothing was dispensed`,
    expression,
  );
  (outcome.issue[0] as { diagnostics?: string }).diagnostics = JSON.stringify({ available, wanted });
  return outcome;
}

/** 422 with a business code. */
export function ruleBroken(businessCode: string, text: string, expression?: string): OperationOutcome {
  return issue('business-rule', 'business-rule', businessCode, text, expression);
}
