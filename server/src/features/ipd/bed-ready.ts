import { allOk } from '@medplum/core';
import type { FhirRequest, FhirResponse } from '@medplum/fhir-router';
import type { Location } from '@medplum/fhirtypes';
import type { PostgresRepository } from '../../repo/postgres-repository.ts';
import { fail, stateConflict, unprocessable } from '../opd/fhir.ts';
import { lockRows, readNamed, setBedStatus } from './beds.ts';
import { BED_STATUS, physicalTypeOf, statusOf } from './model.ts';

/**
 * `POST Location/:id/$bed-ready` (docs/ipd.md): housekeeping has cleaned the bed; it goes from H
 * (or K, contaminated, after terminal cleaning) to U and the board shows it free.
 */
async function bedReady(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  const id = req.params.id;
  const bed = await repo.withTransaction(
    async (tx) => {
      await lockRows(tx, 'Location', [id]);
      const bed = await readNamed<Location>(tx, 'Location', id, 'bed');
      if (physicalTypeOf(bed) !== 'bd') fail(unprocessable(`Location/${id} is not a bed (physicalType bd)`));
      const status = statusOf(bed) ?? 'U';
      if (status !== 'H' && status !== 'K') {
        fail(stateConflict(`Bed ${bed.name ?? id} is ${BED_STATUS[status].toLowerCase()}, not waiting for housekeeping`));
      }
      return setBedStatus(tx, bed, 'U');
    },
    { resourceTypes: ['Location'] },
  );
  return [allOk, bed];
}

export const bedReadyHandler = (req: FhirRequest, repo: unknown) => bedReady(req, repo as PostgresRepository);
