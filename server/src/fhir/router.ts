import { allOk, badRequest, OperationOutcomeError } from '@medplum/core';
import { type FhirRequest, FhirRouter } from '@medplum/fhir-router';
import { readHistoryBundle } from '../repo/history.ts';
import type { PostgresRepository } from '../repo/postgres-repository.ts';
import { assertStoredResourceType } from './definitions.ts';

function param(req: FhirRequest, key: string): string | undefined {
  const v = req.query[key];
  return Array.isArray(v) ? v.at(-1) : v;
}

function int(req: FhirRequest, key: string): number | undefined {
  const v = param(req, key);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new OperationOutcomeError(badRequest(`${key} must be a non-negative integer`, key));
  return Number(v);
}

function historyParams(req: FhirRequest) {
  return { since: param(req, '_since'), at: param(req, '_at'), count: int(req, '_count'), offset: int(req, '_offset') };
}

/**
 * The FHIR router: @medplum/fhir-router's standard interactions plus what it leaves to servers:
 * type- and system-level history (it routes only instance history).
 */
export function createFhirRouter(): FhirRouter {
  const router = new FhirRouter();
  // Replace the built-in instance history (which ignores _since and _at) with ours.
  const builtIn = router.router.routes.findIndex((r) => r.data?.interaction === 'history-instance');
  if (builtIn >= 0) router.router.routes.splice(builtIn, 1);
  router.add(
    'GET',
    ':resourceType/:id/_history',
    async (req, repo) => {
      const { resourceType, id } = req.params;
      await (repo as PostgresRepository).assertHasHistory(resourceType, id);
      return [allOk, await readHistoryBundle(repo as PostgresRepository, { resourceType, id, ...historyParams(req) })];
    },
    'history-instance',
  );
  router.add(
    'GET',
    '_history',
    async (req, repo) => [
      allOk,
      await readHistoryBundle(repo as PostgresRepository, {
        ...historyParams(req),
      }),
    ],
    'history-system',
  );
  router.add(
    'GET',
    ':resourceType/_history',
    async (req, repo) => {
      const { resourceType } = req.params;
      assertStoredResourceType(resourceType);
      return [
        allOk,
        await readHistoryBundle(repo as PostgresRepository, {
          resourceType,
          ...historyParams(req),
        }),
      ];
    },
    'history-type',
  );
  return router;
}
