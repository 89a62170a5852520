import { badRequest, OperationOutcomeError, validateResource } from '@medplum/core';
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';

/**
 * Validates a resource against the R4 base StructureDefinitions (structure, cardinality, types,
 * FHIRPath invariants) before it is stored. Failures come back as one OperationOutcome listing
 * every issue with its expression; warnings do not block the write. Profiles come with issue 5.
 */
export function validateForWrite(resource: Resource): OperationOutcomeIssue[] {
  if (!resource || typeof resource !== 'object' || Array.isArray(resource)) {
    throw new OperationOutcomeError(badRequest('The request body is not a FHIR resource'));
  }
  try {
    return validateResource(resource);
  } catch (err) {
    // A well-formed resource that breaks the definitions' rules is unprocessable (422), as HAPI
    // answers; bodies that are not resources at all stay 400.
    if (err instanceof OperationOutcomeError && resource.resourceType) {
      throw new OperationOutcomeError({ ...err.outcome, id: 'business-rule' });
    }
    throw err;
  }
}

/** FHIR id: 1 to 64 of [A-Za-z0-9-.]. */
export function isValidId(id: string): boolean {
  return /^[A-Za-z0-9\-.]{1,64}$/.test(id);
}
