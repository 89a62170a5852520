import { type Filter, OperationOutcomeError } from '@medplum/core';
import { forbiddenOutcome } from '../http/outcomes.ts';
import { compartmentParams } from '../search/compartments.ts';
import { parseSearch } from '../search/parse.ts';
import { COMPARTMENT } from '../search/sql.ts';
import type { AccessGate } from '../search/sql-params.ts';
import type { ConsentDenial } from './consent.ts';
import { DEFAULT_POLICIES, type Role } from './policies.ts';
import { PERMISSION_VERBS, type Permission, parseResourceScope, type ResourceScope } from './scopes.ts';

export type { AccessGate };

/**
 * What a request may do, by resource type and permission (c r u d s). `gates` returns the
 * conditions (all must hold) the resources must meet, [] meaning no restriction; it throws 403
 * when the type or permission is not granted at all.
 */
export interface AccessControl {
  allows(type: string, permission: Permission): boolean;
  gates(type: string, permission: Permission): AccessGate[];
  /** May override Consent (break-the-glass), given a reason. */
  readonly breakGlass: boolean;
  /** The user's role (absent for system clients): for acts only one profession may do, such as signing a discharge summary. */
  readonly role?: Role;
}

/** Who is asking, as a verified access token says. */
export interface Principal {
  tenantId: string;
  clientId: string;
  userId?: string;
  role?: Role;
  branchIds: string[];
  practitionerId?: string;
  /** Resource scopes granted to the token. */
  scopes: ResourceScope[];
  /** Launch context: the patient (id) the token is bound to. */
  patient?: string;
  encounter?: string;
  /** Patients' Consents that refuse this actor (skipped under break-the-glass). */
  consentDenials?: ConsentDenial[];
}

/**
 * Types outside the R4 Patient compartment that still hold patients' data: the search parameter
 * naming the patient, or null when nothing searchable ties them to one (a Binary or Bundle can hold
 * anything). A patient scope reads them only through that parameter, or not at all.
 */
const PATIENT_DATA_OUTSIDE_COMPARTMENT: Record<string, string | null> = {
  Device: 'patient',
  Contract: 'patient',
  GuidanceResponse: 'patient',
  Binary: null,
  Bundle: null,
  Linkage: null,
  MessageHeader: null,
};

/** A rule or scope, parsed once per type: the alternative it contributes, or undefined when it does not apply. */
function alternative(
  s: ResourceScope,
  type: string,
  permission: Permission,
  substitute: (q: string) => string,
  patient?: string,
): Filter[] | undefined {
  if (s.resourceType !== '*' && s.resourceType !== type) return undefined;
  if (!s.permissions.has(permission)) return undefined;
  const filters: Filter[] = [];
  if (s.query) {
    const query = Object.fromEntries(new URLSearchParams(substitute(s.query)));
    filters.push(...(parseSearch(type, query, false).request.filters ?? []));
  }
  if (s.context === 'patient') {
    if (!patient) return undefined; // a patient scope without a patient in context grants nothing
    if (type === 'Patient') filters.push({ code: '_id', operator: 'eq', value: patient });
    else if (compartmentParams('Patient', type)) filters.push({ code: COMPARTMENT, operator: 'eq', value: `Patient/${patient}` });
    // Outside the compartment (Practitioner, Organization, Medication...): readable, never writable.
    else if (permission !== 'r' && permission !== 's') return undefined;
    // ...except patient data the compartment leaves out: only the patient's own, or none at all.
    else if (type in PATIENT_DATA_OUTSIDE_COMPARTMENT) {
      const code = PATIENT_DATA_OUTSIDE_COMPARTMENT[type];
      if (!code) return undefined;
      filters.push({ code, operator: 'eq', value: `Patient/${patient}` });
    }
  }
  return filters;
}

function gateOf(
  scopes: ResourceScope[],
  type: string,
  permission: Permission,
  substitute: (q: string) => string,
  patient?: string,
): AccessGate {
  const alts: AccessGate = [];
  for (const s of scopes) {
    const alt = alternative(s, type, permission, substitute, patient);
    if (alt === undefined) continue;
    if (alt.length === 0) return [[]]; // unrestricted alternative: the gate is open
    alts.push(alt);
  }
  return alts;
}

/** Resources of patients whose Consent refuses this actor are outside every answer. */
function consentGate(denials: ConsentDenial[], type: string): AccessGate | undefined {
  const inCompartment = type === 'Patient' || compartmentParams('Patient', type) !== undefined;
  if (!inCompartment) return undefined;
  const filters: Filter[] = denials
    .filter((d) => !d.types || d.types.includes(type))
    .map((d) => ({ code: COMPARTMENT, operator: 'not', value: `Patient/${d.patient}` }));
  return filters.length ? [filters] : undefined;
}

export function roleRules(role: Role): ResourceScope[] {
  return DEFAULT_POLICIES[role].rules.map((rule) => {
    const s = parseResourceScope(`user/${rule}`);
    if (!s) throw new Error(`Bad policy rule for ${role}: ${rule}`);
    return s;
  });
}

/**
 * Allowed = role policy AND token scopes AND (for patient scopes) the patient's compartment.
 * Tenant isolation is not here: row-level security enforces it below every query.
 */
export function accessControlFor(p: Principal): AccessControl {
  const branches = p.branchIds.length ? p.branchIds.map((b) => `Organization/${b}`).join(',') : 'Organization/no-branch';
  const practitioner = `Practitioner/${p.practitionerId ?? 'no-practitioner'}`;
  const substitute = (q: string) => q.replaceAll('%branches', branches).replaceAll('%practitioner', practitioner);
  const rules = p.role ? roleRules(p.role) : undefined;
  const cache = new Map<string, AccessGate[] | null>();
  const compute = (type: string, permission: Permission): AccessGate[] | null => {
    const key = `${type}.${permission}`;
    let hit = cache.get(key);
    if (hit === undefined) {
      const gates: AccessGate[] = [];
      const scopeGate = gateOf(p.scopes, type, permission, substitute, p.patient);
      const roleGate = rules ? gateOf(rules, type, permission, substitute) : [[]];
      hit = scopeGate.length === 0 || roleGate.length === 0 ? null : gates;
      if (hit) for (const g of [scopeGate, roleGate]) if (!(g.length === 1 && g[0].length === 0)) hit.push(g);
      const refused = consentGate(p.consentDenials ?? [], type);
      if (hit && refused) hit.push(refused);
      cache.set(key, hit);
    }
    return hit;
  };
  return {
    allows: (type, permission) => compute(type, permission) !== null,
    gates(type, permission) {
      const g = compute(type, permission);
      if (g === null) throw new OperationOutcomeError(forbiddenOutcome(`Not permitted: ${PERMISSION_VERBS[permission]} ${type}`));
      return g;
    },
    breakGlass: p.role ? DEFAULT_POLICIES[p.role].breakGlass : false,
    role: p.role,
  };
}
