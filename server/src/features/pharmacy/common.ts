import { getStatus, OperationOutcomeError, type WithId } from '@medplum/core';
import type { Medication, Money, Resource } from '@medplum/fhirtypes';
import type { Permission } from '../../auth/scopes.ts';
import type { PostgresRepository } from '../../repo/postgres-repository.ts';
import { fail, unprocessable } from '../opd/fhir.ts';
import {
  DRUG_SCHEDULE_SYSTEM,
  DRUG_SCHEDULE_URL,
  type DrugSchedule,
  HSN_IDENTIFIER_TYPE,
  HSN_SYSTEM,
  PACK_SIZE_URL,
  PURCHASE_PRICE_URL,
  UNIT_PRICE_URL,
} from './fhir.ts';
import type { Batch } from './ledger.ts';

/** Reads what an input names; one that does not exist (or not for this caller, or tenant) is 422. */
export async function readNamed<T extends Resource>(
  tx: PostgresRepository,
  type: T['resourceType'],
  id: string,
  name: string,
): Promise<WithId<T>> {
  try {
    return await tx.readResource<T>(type, id);
  } catch (err) {
    const status = err instanceof OperationOutcomeError ? getStatus(err.outcome) : 0;
    if (status === 404 || status === 410) fail(unprocessable(`${type}/${id} does not exist`, name, 'not-found'));
    throw err;
  }
}

/**
 * The caller must hold `permission` on `type` (403 otherwise) before any stock moves: ledger rows
 * are not FHIR resources, so the role policy is asked about the resource that records the movement.
 */
export function requireAccess(repo: PostgresRepository, type: string, permission: Permission): void {
  repo.accessControl?.gates(type, permission);
}

export const inr = (paise: number): Money => ({ value: paise / 100, currency: 'INR' });

/**
 * The batch as a FHIR Medication: the item coding, the HSN, lot and expiry, MRP, purchase price,
 * pack size, schedule. The ABDM Medication profile allows one `code.coding` (with a display) and
 * carries the HSN as an identifier of type HSN, so the HSN is there and not a second coding.
 */
export function batchMedication(b: Omit<Batch, 'medicationId' | 'item'>, itemSystem: string, itemCode: string): Medication {
  return {
    resourceType: 'Medication',
    status: 'active',
    identifier: [{ type: { coding: [HSN_IDENTIFIER_TYPE] }, system: HSN_SYSTEM, value: b.hsn }],
    code: { coding: [{ system: itemSystem, code: itemCode, display: b.itemDisplay }], text: b.itemDisplay },
    ...(b.composition ? { ingredient: [{ itemCodeableConcept: { text: b.composition }, isActive: true }] } : {}),
    batch: { lotNumber: b.lot, expirationDate: b.expiry },
    extension: [
      { url: UNIT_PRICE_URL, valueMoney: inr(b.mrpPaise) },
      { url: PURCHASE_PRICE_URL, valueMoney: inr(b.purchasePaise) },
      { url: PACK_SIZE_URL, valueInteger: b.packSize },
      { url: DRUG_SCHEDULE_URL, valueCoding: { system: DRUG_SCHEDULE_SYSTEM, code: b.schedule as DrugSchedule } },
    ],
  };
}

/** Days from `from` to `to` (IST calendar dates). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}
