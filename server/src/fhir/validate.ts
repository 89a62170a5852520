import { badRequest, OperationOutcomeError } from '@medplum/core';
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { conformance } from '../validation/conformance.ts';
import { profileFailure, requiredBy, Validator } from '../validation/validator.ts';

/** Which profiles writes must meet, per resource type, besides those a resource claims. */
export interface ValidationPolicy {
  requiredProfiles: Readonly<Record<string, readonly string[]>>;
}

/** `abdm`: the ABDM profile named after the type (Patient, Encounter, ...) is required; `claimed`: only meta.profile. */
export type ProfileEnforcement = 'abdm' | 'claimed';

export function validationPolicy(enforcement: ProfileEnforcement): ValidationPolicy {
  if (enforcement === 'claimed') return { requiredProfiles: {} };
  const defaults = conformance().abdmDefaultProfiles();
  return { requiredProfiles: Object.fromEntries(Object.entries(defaults).map(([type, url]) => [type, [url]])) };
}

let shared: Validator | undefined;
export function validator(): Validator {
  shared ??= new Validator(conformance());
  return shared;
}

/**
 * Validates a resource before it is stored: the R4 base (structure, cardinality, types, FHIRPath
 * invariants, required bindings), every profile it claims in meta.profile and every profile the
 * policy requires for its type. Failures come back as one OperationOutcome (422) listing every
 * issue with its expression; warnings do not block the write and are returned.
 */
export function validateForWrite(resource: Resource, policy?: ValidationPolicy, extraProfiles: string[] = []): OperationOutcomeIssue[] {
  if (!resource || typeof resource !== 'object' || Array.isArray(resource) || typeof resource.resourceType !== 'string') {
    throw new OperationOutcomeError(badRequest('The request body is not a FHIR resource'));
  }
  const profiles = [...(policy?.requiredProfiles[resource.resourceType] ?? []), ...extraProfiles];
  const issues = validator().validate(resource, { profiles });
  if (issues.some(isUnknownProperty)) {
    // An element R4 does not define makes the body unparseable as a FHIR resource: 400, as HAPI's
    // strict parser answers, before any rule is weighed.
    throw new OperationOutcomeError({
      resourceType: 'OperationOutcome',
      issue: issues.filter(isUnknownProperty).map((i) => ({
        ...i,
        details: { text: `${i.expression?.[0]?.split('.').pop() ?? 'This property'} is not an element of this resource type in FHIR R4` },
      })),
    });
  }
  if (issues.some((i) => i.severity === 'error' || i.severity === 'fatal')) {
    tenantRequired(resource.resourceType, policy, issues);
    issues.push(...relaxHints(resource.resourceType, policy, issues));
    // A well-formed resource that breaks the definitions' rules is unprocessable (422), as HAPI answers.
    throw new OperationOutcomeError({ resourceType: 'OperationOutcome', id: 'business-rule', issue: issues });
  }
  return issues;
}

function isUnknownProperty(i: OperationOutcomeIssue): boolean {
  return i.severity === 'error' && /^Invalid additional property/.test(i.details?.text ?? '');
}

/** FHIR id: 1 to 64 of [A-Za-z0-9-.]. */
export function isValidId(id: string): boolean {
  return /^[A-Za-z0-9\-.]{1,64}$/.test(id);
}

/** Where the docs say which profiles a tenant requires and how to relax them. */
export const PROFILE_DOCS = 'docs/conformance.md#relaxing-the-requirement';

/**
 * Each issue of a profile the tenant requires (not one the resource claimed) says so in its
 * diagnostics, and where to read how to relax it: the reader of one issue needs no other.
 */
function tenantRequired(type: string, policy: ValidationPolicy | undefined, issues: OperationOutcomeIssue[]): void {
  for (const url of policy?.requiredProfiles[type] ?? []) {
    const mark = requiredBy(url);
    for (const i of issues) {
      if (i.diagnostics !== mark) continue;
      i.diagnostics = `${mark}, which this tenant requires of every ${type} (PUT /admin/profile-requirements/${type} relaxes it; see ${PROFILE_DOCS})`;
    }
  }
}

/**
 * Says where a failed profile came from when the tenant's requirements (not the resource) asked
 * for it, and how a tenant that does not exchange with ABDM relaxes it.
 */
function relaxHints(type: string, policy: ValidationPolicy | undefined, issues: OperationOutcomeIssue[]): OperationOutcomeIssue[] {
  const failed = new Set(issues.filter((i) => i.severity === 'information').map((i) => i.details?.text));
  return (policy?.requiredProfiles[type] ?? [])
    .filter((url) => failed.has(profileFailure(type, url)))
    .map((url) => ({
      severity: 'information',
      code: 'informational',
      expression: [type],
      details: {
        text:
          `This server requires the profile ${url} of every ${type} written in this tenant. A super_admin can change that ` +
          `with PUT /admin/profile-requirements/${type} (an empty list keeps only the FHIR R4 base rules); ` +
          `see ${PROFILE_DOCS}.`,
      },
    }));
}
