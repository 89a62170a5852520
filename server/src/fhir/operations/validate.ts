import { allOk, badRequest, OperationOutcomeError } from '@medplum/core';
import type { FhirRequest, FhirResponse, FhirRouter } from '@medplum/fhir-router';
import type { OperationOutcome, OperationOutcomeIssue, Parameters, Resource } from '@medplum/fhirtypes';
import type { PostgresRepository } from '../../repo/postgres-repository.ts';
import { assertStoredResourceType } from '../definitions.ts';
import { validator } from '../validate.ts';

/**
 * `$validate` (type and instance level): the same checks a write makes, with nothing stored.
 * Input is the resource itself or Parameters with `resource`, `mode` (create | update | delete)
 * and `profile`. The answer is always 200 with an OperationOutcome; its issues say whether the
 * resource is valid.
 */

interface ValidateInput {
  resource?: Resource;
  mode?: string;
  profile?: string;
}

const MODES = new Set(['create', 'update', 'delete', 'profile']);

function readInput(req: FhirRequest): ValidateInput {
  const body = req.body as Resource | undefined;
  const query: ValidateInput = {
    mode: typeof req.query.mode === 'string' ? req.query.mode : undefined,
    profile: typeof req.query.profile === 'string' ? req.query.profile : undefined,
  };
  if (!body || typeof body !== 'object' || Object.keys(body).length === 0) return query;
  if (body.resourceType !== 'Parameters') return { ...query, resource: body };
  const params = (body as Parameters).parameter ?? [];
  const input: ValidateInput = { ...query };
  for (const p of params) {
    if (p.name === 'resource') input.resource = p.resource;
    else if (p.name === 'mode') input.mode = p.valueCode ?? p.valueString;
    else if (p.name === 'profile') input.profile = p.valueUri ?? p.valueCanonical ?? p.valueString;
  }
  return input;
}

function outcomeOf(issues: OperationOutcomeIssue[]): OperationOutcome {
  if (issues.length === 0) {
    return {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'information', code: 'informational', details: { text: 'Validation successful: no issues' } }],
    };
  }
  return { resourceType: 'OperationOutcome', issue: issues };
}

async function validateOperation(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  const { resourceType, id } = req.params;
  assertStoredResourceType(resourceType);
  const input = readInput(req);
  if (input.mode && !MODES.has(input.mode)) {
    throw new OperationOutcomeError(badRequest(`Unknown mode "${input.mode}": use create, update, delete or profile`, 'mode'));
  }
  let resource = input.resource;
  if (id && (!resource || input.mode === 'delete')) resource = await repo.readResource(resourceType, id);
  if (!resource) throw new OperationOutcomeError(badRequest('Nothing to validate: send the resource, or Parameters with a resource'));
  if (input.mode === 'delete') return [allOk, outcomeOf([])];
  if (resource.resourceType !== resourceType) {
    throw new OperationOutcomeError(badRequest(`The resource is a ${resource.resourceType}, not a ${resourceType}`));
  }
  const issues: OperationOutcomeIssue[] = [];
  if (input.mode === 'update' && id && resource.id !== id) {
    issues.push({
      severity: 'error',
      code: 'invalid',
      details: { text: `An update of ${resourceType}/${id} must carry id ${id}` },
      expression: [`${resourceType}.id`],
    });
  }
  if (input.mode === 'create' && resource.id) {
    issues.push({
      severity: 'warning',
      code: 'invalid',
      details: { text: 'The server assigns the id on create; the one sent is ignored' },
      expression: [`${resourceType}.id`],
    });
  }
  const required = input.mode === 'profile' ? [] : [...(repo.validation?.requiredProfiles[resourceType] ?? [])];
  const profiles = input.profile ? [...required, input.profile] : required;
  issues.push(...validator().validate(resource, { profiles }));
  return [allOk, outcomeOf(issues)];
}

export function addValidateOperation(router: FhirRouter): void {
  const handler = (req: FhirRequest, repo: unknown) => validateOperation(req, repo as PostgresRepository);
  router.add('POST', ':resourceType/$validate', handler);
  router.add('POST', ':resourceType/:id/$validate', handler);
  router.add('GET', ':resourceType/:id/$validate', handler);
}
