import { randomUUID } from 'node:crypto';
import type { AuditEvent, AuditEventAgent, AuditEventEntity, CodeableConcept, Coding } from '@medplum/fhirtypes';

/** What was done: REST interactions (FHIR restful-interaction codes) and security events. */
export type AuditKind =
  | 'create'
  | 'read'
  | 'vread'
  | 'update'
  | 'patch'
  | 'delete'
  | 'search-type'
  | 'search-system'
  | 'search-compartment'
  | 'history-instance'
  | 'history-type'
  | 'history-system'
  | 'operation'
  | 'transaction'
  | 'batch'
  | 'login'
  | 'logout'
  | 'login-failed'
  | 'token'
  | 'export'
  | 'import'
  | 'break-glass';

/** '0' success, '4' minor failure (e.g. a denied or invalid request), '8' serious, '12' major. */
export type AuditOutcome = '0' | '4' | '8' | '12';

export interface AuditInput {
  tenantId: string;
  branchId?: string;
  /** The acting user's id (app_user.id), or the login tried for a failed login. */
  userId?: string;
  /** The user's FHIR identity, e.g. `Practitioner/123`. */
  fhirUser?: string;
  /** OAuth client_id of the app that made the request. */
  clientId?: string;
  /** The patient whose data was touched, `Patient/123`. */
  patient?: string;
  ip?: string;
  userAgent?: string;
  requestId?: string;
  kind: AuditKind;
  /** The resource acted on, `Type/id` (or `Type/id/_history/n`). */
  resource?: string;
  /** Search or operation query string, stored base64 in entity.query as FHIR requires. */
  query?: string;
  outcome?: AuditOutcome;
  /** Free text; becomes outcomeDesc. */
  detail?: string;
  /** Reason given, e.g. for break-the-glass access. */
  purpose?: string;
}

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const REST_TYPE: Coding = { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'RESTful Operation' };
const INTERACTION = 'http://hl7.org/fhir/restful-interaction';
const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';
// IHE Basic Audit Log Patterns: the entity that carries the HTTP X-Request-Id.
const BALP_ENTITY_TYPE = 'https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType';
export const CLIENT_ID_SYSTEM = 'https://hospital-ops.in/fhir/sid/oauth-client';

const OUTCOME_TEXT: Record<AuditOutcome, string> = { '0': 'Success', '4': 'Minor failure', '8': 'Serious failure', '12': 'Major failure' };

interface KindCodes {
  type: Coding;
  subtype: Coding;
  action: NonNullable<AuditEvent['action']>;
}

const rest = (code: string, action: KindCodes['action']): KindCodes => ({
  type: REST_TYPE,
  subtype: { system: INTERACTION, code, display: code },
  action,
});
const USER_AUTH: Coding = { system: DCM, code: '110114', display: 'User Authentication' };
const LOGIN: Coding = { system: DCM, code: '110122', display: 'Login' };

const KINDS: Record<AuditKind, KindCodes> = {
  create: rest('create', 'C'),
  read: rest('read', 'R'),
  vread: rest('vread', 'R'),
  update: rest('update', 'U'),
  patch: rest('patch', 'U'),
  delete: rest('delete', 'D'),
  'search-type': rest('search-type', 'E'),
  'search-system': rest('search-system', 'E'),
  // R4 has no search-compartment interaction (R5 does): it is a type search within a compartment;
  // the compartment's patient is recorded as an entity.
  'search-compartment': rest('search-type', 'E'),
  'history-instance': rest('history-instance', 'R'),
  'history-type': rest('history-type', 'R'),
  'history-system': rest('history-system', 'R'),
  operation: rest('operation', 'E'),
  transaction: rest('transaction', 'E'),
  batch: rest('batch', 'E'),
  login: { type: USER_AUTH, subtype: LOGIN, action: 'E' },
  logout: { type: USER_AUTH, subtype: { system: DCM, code: '110123', display: 'Logout' }, action: 'E' },
  'login-failed': { type: USER_AUTH, subtype: LOGIN, action: 'E' },
  // As IHE IUA audits ITI-71 (Get Access Token).
  token: { type: USER_AUTH, subtype: { system: 'urn:ihe:event-type-code', code: 'ITI-71', display: 'Get Access Token' }, action: 'E' },
  // DICOM's Export event is recorded as a read of the exported data.
  export: {
    type: { system: DCM, code: '110106', display: 'Export' },
    subtype: { system: INTERACTION, code: 'operation', display: 'operation' },
    action: 'R',
  },
  // DICOM's Import event: data brought in from outside, recorded as a create.
  import: {
    type: { system: DCM, code: '110107', display: 'Import' },
    subtype: { system: INTERACTION, code: 'operation', display: 'operation' },
    action: 'C',
  },
  'break-glass': {
    type: { system: DCM, code: '110113', display: 'Security Alert' },
    subtype: { system: DCM, code: '110127', display: 'Emergency Override Started' },
    action: 'E',
  },
};

const BREAK_THE_GLASS: Coding = { system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'BTG', display: 'break the glass' };

/**
 * A FHIR R4 AuditEvent for one interaction or security event.
 *
 * Where things go: the user is the requestor agent (`who` = fhirUser reference, else the user id
 * as display; `altId` = user id; network = client IP); the OAuth client is a second agent of type
 * DICOM 110150 Application (who.identifier = client_id), the requestor itself when no user acts.
 * The HTTP request is an entity of IHE BALP type `XrequestId` whose what.identifier is the request
 * id, and the User-Agent header is a detail of that entity: both describe the request, not a
 * person, and need no custom extension. The tenant (and branch) is the source site.
 */
export function buildAuditEvent(input: AuditInput): AuditEvent {
  const codes = KINDS[input.kind];
  const outcome = input.outcome ?? (input.kind === 'login-failed' ? '4' : '0');
  const purpose = purposeOf(input);
  const event: AuditEvent = {
    resourceType: 'AuditEvent',
    id: randomUUID(),
    type: codes.type,
    subtype: [codes.subtype],
    action: codes.action,
    recorded: new Date().toISOString(),
    outcome,
    outcomeDesc: input.detail ?? OUTCOME_TEXT[outcome],
    agent: agentsOf(input, purpose),
    source: {
      site: input.branchId ? `${input.tenantId}/${input.branchId}` : input.tenantId,
      observer: { display: 'Hospital-Ops FHIR server' },
      type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4', display: 'Application Server' }],
    },
  };
  if (purpose) event.purposeOfEvent = [purpose];
  const entity = entitiesOf(input);
  if (entity.length > 0) event.entity = entity;
  return event;
}

function purposeOf(input: AuditInput): CodeableConcept | undefined {
  if (input.kind === 'break-glass') return { coding: [BREAK_THE_GLASS], ...(input.purpose ? { text: input.purpose } : {}) };
  return input.purpose ? { text: input.purpose } : undefined;
}

function agentsOf(input: AuditInput, purpose: CodeableConcept | undefined): AuditEventAgent[] {
  const network = input.ip ? { address: input.ip, type: '2' as const } : undefined;
  const agents: AuditEventAgent[] = [];
  const hasUser = input.userId !== undefined || input.fhirUser !== undefined;
  if (hasUser) {
    agents.push({
      type: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/extra-security-role-type', code: 'humanuser', display: 'human user' }],
      },
      who: input.fhirUser ? { reference: input.fhirUser } : { display: input.userId },
      ...(input.userId ? { altId: input.userId } : {}),
      requestor: true,
      ...(network ? { network } : {}),
      ...(purpose ? { purposeOfUse: [purpose] } : {}),
    });
  }
  if (input.clientId) {
    const app = !hasUser;
    agents.push({
      type: { coding: [{ system: DCM, code: '110150', display: 'Application' }] },
      who: { identifier: { system: CLIENT_ID_SYSTEM, value: input.clientId }, display: input.clientId },
      requestor: app,
      ...(app && network ? { network } : {}),
    });
  }
  // AuditEvent needs an agent: an unauthenticated caller is still someone at an address.
  if (agents.length === 0) agents.push({ who: { display: 'anonymous' }, requestor: true, ...(network ? { network } : {}) });
  return agents;
}

function entitiesOf(input: AuditInput): AuditEventEntity[] {
  const entities: AuditEventEntity[] = [];
  if (input.resource) {
    const type = input.resource.split('/')[0];
    const isPatient = input.resource === input.patient;
    entities.push({
      what: { reference: input.resource },
      type: { system: 'http://hl7.org/fhir/resource-types', code: type },
      role: isPatient
        ? { system: OBJECT_ROLE, code: '1', display: 'Patient' }
        : { system: OBJECT_ROLE, code: '4', display: 'Domain Resource' },
    });
  }
  if (input.patient && input.patient !== input.resource) {
    entities.push({
      what: { reference: input.patient },
      type: { system: ENTITY_TYPE, code: '1', display: 'Person' },
      role: { system: OBJECT_ROLE, code: '1', display: 'Patient' },
    });
  }
  if (input.query !== undefined) {
    entities.push({
      type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
      role: { system: OBJECT_ROLE, code: '24', display: 'Query' },
      query: Buffer.from(input.query, 'utf8').toString('base64'),
    });
  }
  if (input.requestId || input.userAgent) {
    entities.push({
      ...(input.requestId ? { what: { identifier: { value: input.requestId } } } : {}),
      type: {
        system: BALP_ENTITY_TYPE,
        code: 'XrequestId',
        display: 'transport specific unique identifier where http X-Request-Id is used',
      },
      ...(input.userAgent ? { detail: [{ type: 'User-Agent', valueString: input.userAgent }] } : {}),
    });
  }
  return entities;
}
