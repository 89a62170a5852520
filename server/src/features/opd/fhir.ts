import { badRequest, OperationOutcomeError } from '@medplum/core';
import type { OperationOutcome, Parameters, ParametersParameter, Reference } from '@medplum/fhirtypes';

/** Canonical URLs and codes the OPD writes (Hospital-Ops package in.hospital-ops.fhir, docs/opd.md). */
export const HOPS = 'https://hospital-ops.in/fhir';
export const OPD_ENCOUNTER_PROFILE = `${HOPS}/StructureDefinition/hops-opd-encounter`;
export const QUEUE_TOKEN_URL = `${HOPS}/StructureDefinition/opd-queue-token`;
export const NO_SHOW_COUNT_URL = `${HOPS}/StructureDefinition/no-show-count`;
export const BUSINESS_ERROR_SYSTEM = `${HOPS}/CodeSystem/hops-business-error`;
/** Marks the Schedule that $generate-slots keeps for a PractitionerRole; the value is the role's id. */
export const SCHEDULE_ID_SYSTEM = `${HOPS}/sid/opd-schedule`;
export const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
export const PARTICIPATION_TYPE = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';

/** 409 with the seed architecture's business code, so apps can tell "taken" from other conflicts. */
export function slotNotAvailable(text: string, expression?: string): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    id: 'conflict',
    issue: [
      {
        severity: 'error',
        code: 'conflict',
        details: { coding: [{ system: BUSINESS_ERROR_SYSTEM, code: 'SLOT_NOT_AVAILABLE', display: 'Slot not available' }], text },
        ...(expression ? { expression: [expression] } : {}),
      },
    ],
  };
}

/** 422 with SLOT_IN_PAST: a Slot that has started cannot be booked; walk-ins go through $check-in. */
export function slotInPast(text: string, expression?: string): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    id: 'business-rule',
    issue: [
      {
        severity: 'error',
        code: 'business-rule',
        details: { coding: [{ system: BUSINESS_ERROR_SYSTEM, code: 'SLOT_IN_PAST', display: 'Slot in the past' }], text },
        ...(expression ? { expression: [expression] } : {}),
      },
    ],
  };
}

/** 409: the request is fine, but the current state of what it names does not allow it. */
export function stateConflict(text: string, expression?: string): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    id: 'conflict',
    issue: [{ severity: 'error', code: 'conflict', details: { text }, ...(expression ? { expression: [expression] } : {}) }],
  };
}

/** 422: well-formed input that breaks a rule (a referenced resource missing, a role without working hours). */
export function unprocessable(text: string, expression?: string, code: 'business-rule' | 'not-found' = 'business-rule'): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    id: 'business-rule',
    issue: [{ severity: 'error', code, details: { text }, ...(expression ? { expression: [expression] } : {}) }],
  };
}

export const fail = (outcome: OperationOutcome): never => {
  throw new OperationOutcomeError(outcome);
};

/**
 * `Type/id` of a reference to a resource on this server: relative, or absolute under our base.
 * Undefined for anything else (another server, urn:uuid, a contained `#id`).
 */
export function localReference(reference: string | undefined, baseUrl: string): { type: string; id: string } | undefined {
  if (!reference) return undefined;
  const base = `${baseUrl}/fhir/R4/`;
  const path = reference.startsWith(base) ? reference.slice(base.length) : reference;
  const m = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/.exec(path);
  return m ? { type: m[1], id: m[2] } : undefined;
}

// ---- operation input --------------------------------------------------------------------------

/** One named input, from a Parameters body or (for simple values) the query string. */
export class OperationInput {
  private readonly params: ParametersParameter[];
  private readonly query: Record<string, string | string[] | undefined>;

  constructor(body: unknown, query: Record<string, string | string[] | undefined>) {
    const resource = body as Parameters | undefined;
    if (resource && typeof resource === 'object' && Object.keys(resource).length > 0 && resource.resourceType !== 'Parameters') {
      fail(badRequest('The operation takes a Parameters resource'));
    }
    this.params = resource?.parameter ?? [];
    this.query = query;
  }

  private one(name: string): ParametersParameter | undefined {
    const found = this.params.filter((p) => p.name === name);
    if (found.length > 1) fail(badRequest(`Parameter ${name} is given more than once`, name));
    return found[0];
  }

  private queryValue(name: string): string | undefined {
    const v = this.query[name];
    return Array.isArray(v) ? v.at(-1) : v;
  }

  string(name: string): string | undefined {
    const p = this.one(name);
    if (!p) return this.queryValue(name);
    const value = p.valueDate ?? p.valueString ?? p.valueCode ?? p.valueDateTime;
    if (value === undefined) fail(badRequest(`Parameter ${name} must be a date or string value`, name));
    return value;
  }

  integer(name: string): number | undefined {
    const p = this.one(name);
    if (p) {
      const value = p.valueInteger ?? p.valuePositiveInt ?? p.valueUnsignedInt;
      if (value === undefined) fail(badRequest(`Parameter ${name} must be an integer`, name));
      return value;
    }
    const raw = this.queryValue(name);
    if (raw === undefined) return undefined;
    if (!/^\d{1,6}$/.test(raw)) fail(badRequest(`Parameter ${name} must be an integer`, name));
    return Number(raw);
  }

  /** A Reference input: valueReference, or a `Type/id` string. */
  reference(name: string): string | undefined {
    const p = this.one(name);
    if (!p) return this.queryValue(name);
    const value = (p.valueReference as Reference | undefined)?.reference ?? p.valueString;
    if (!value) fail(badRequest(`Parameter ${name} must be a Reference with a reference`, name));
    return value;
  }
}
