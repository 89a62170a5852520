import { allOk, badRequest, type WithId } from '@medplum/core';
import type { FhirRequest, FhirResponse } from '@medplum/fhir-router';
import type { Encounter, Location } from '@medplum/fhirtypes';
import type { PostgresRepository } from '../../repo/postgres-repository.ts';
import { fail, OperationInput, stateConflict } from '../opd/fhir.ts';
import { freeBed, idOf, lockRows, readNamed, setBedStatus } from './beds.ts';
import { bedReference, currentBed, effectiveAt, lastChange, moveBed, openAdmission } from './encounter.ts';

/**
 * `POST Encounter/:id/$transfer` (docs/ipd.md): the patient moves to another bed (another ward, the
 * ICU and back). The old bed goes to housekeeping, the new one is occupied, and Encounter.location
 * closes the old entry and opens the new one at the same instant, all in one transaction.
 */
async function transfer(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  const input = new OperationInput(req.body, req.query);
  const encounterId = req.params.id;
  const occurredAt = input.string('occurredAt');
  const bedId = idOf(
    input.reference('bed') ?? fail(badRequest('Parameter bed is required', 'bed')),
    'Location',
    'bed',
    repo.baseUrl,
  ) as string;
  const result = await repo.withTransaction(
    async (tx) => {
      await lockRows(tx, 'Encounter', [encounterId]);
      const encounter = await openAdmission(tx, encounterId);
      const current = currentBed(encounter, repo.baseUrl) ?? fail(stateConflict('The admission has no current bed'));
      if (current.id === bedId) fail(stateConflict('The patient is already in that bed', 'bed'));
      await lockRows(tx, 'Location', [current.id, bedId]);
      const next = await freeBed(tx, bedId, 'bed');
      const old = await readNamed<Location>(tx, 'Location', current.id, 'encounter');
      if (next.managingOrganization?.reference !== encounter.serviceProvider?.reference) {
        fail(stateConflict('That bed is in another branch: discharge and admit there instead', 'bed'));
      }
      const now = effectiveAt(occurredAt, lastChange(encounter));
      const updated = await tx.updateResource<WithId<Encounter>>({
        ...encounter,
        location: moveBed(encounter, current.index, now, { location: bedReference(next), status: 'active', period: { start: now } }),
      });
      await setBedStatus(tx, old, 'H');
      await setBedStatus(tx, next, 'O');
      return updated;
    },
    { resourceTypes: ['Encounter', 'Location'] },
  );
  return [allOk, result];
}

export const transferHandler = (req: FhirRequest, repo: unknown) => transfer(req, repo as PostgresRepository);
