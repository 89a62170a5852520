import { allOk, badRequest, type WithId } from '@medplum/core';
import type { FhirRequest, FhirResponse } from '@medplum/fhir-router';
import type { Encounter, Location } from '@medplum/fhirtypes';
import type { PostgresRepository } from '../../repo/postgres-repository.ts';
import { fail, OperationInput } from '../opd/fhir.ts';
import { lockRows, readNamed, requireEncounterCreate, setBedStatus } from './beds.ts';
import { currentBed, effectiveAt, lastChange, moveBed, openAdmission } from './encounter.ts';
import { DISCHARGE_DISPOSITION } from './model.ts';

/**
 * `POST Encounter/:id/$discharge` (docs/ipd.md): the admission ends with its disposition (home, DAMA
 * as `aadvice`, death as `exp`, …); the bed entry closes and the bed goes to housekeeping; one
 * transaction. Billing charges the last nights from the finished Encounter's event.
 */
const DISPOSITIONS: Record<string, string> = {
  home: 'Home',
  alt_home: 'Alternative home',
  'other-hcf': 'Other healthcare facility',
  hosp: 'Hospice',
  long: 'Long-term care',
  aadvice: 'Left against advice',
  exp: 'Expired',
  psy: 'Psychiatric hospital',
  rehab: 'Rehabilitation',
  snf: 'Skilled nursing facility',
  oth: 'Other',
};

async function discharge(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  requireEncounterCreate(repo, 'Discharging a patient');
  const input = new OperationInput(req.body, req.query);
  const encounterId = req.params.id;
  const occurredAt = input.string('occurredAt');
  const disposition = input.string('disposition') ?? fail(badRequest('Parameter disposition is required', 'disposition'));
  if (!DISPOSITIONS[disposition]) fail(badRequest(`disposition "${disposition}" is not a code of ${DISCHARGE_DISPOSITION}`, 'disposition'));
  const result = await repo.withTransaction(
    async (tx) => {
      await lockRows(tx, 'Encounter', [encounterId]);
      const encounter = await openAdmission(tx, encounterId);
      const current = currentBed(encounter, repo.baseUrl);
      if (current) await lockRows(tx, 'Location', [current.id]);
      const now = effectiveAt(occurredAt, lastChange(encounter));
      const updated = await tx.updateResource<WithId<Encounter>>({
        ...encounter,
        status: 'finished',
        period: { ...encounter.period, end: now },
        hospitalization: {
          ...encounter.hospitalization,
          dischargeDisposition: { coding: [{ system: DISCHARGE_DISPOSITION, code: disposition, display: DISPOSITIONS[disposition] }] },
        },
        location: current ? moveBed(encounter, current.index, now) : encounter.location,
      });
      if (current) await setBedStatus(tx, await readNamed<Location>(tx, 'Location', current.id, 'encounter'), 'H');
      return updated;
    },
    { resourceTypes: ['Encounter', 'Location'] },
  );
  return [allOk, result];
}

export const dischargeHandler = (req: FhirRequest, repo: unknown) => discharge(req, repo as PostgresRepository);
