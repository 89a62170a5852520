import { getSearchParameters } from '@medplum/core';
import type { CapabilityStatement, CapabilityStatementRestResource } from '@medplum/fhirtypes';
import { WEBSOCKET_PATH } from '../events/subscriptions.ts';
import { compartmentTypes } from '../search/compartments.ts';
import { conformance } from '../validation/conformance.ts';
import { storedResourceTypes } from './definitions.ts';

const SERVER_VERSION = '0.1.0';

/** Hospital-Ops operations (lab, IPD), by type, as CapabilityStatement entries. */
function ours(byType: Record<string, string[]>): Record<string, { name: string; definition: string }[]> {
  return Object.fromEntries(
    Object.entries(byType).map(([type, names]) => [
      type,
      names.map((name) => ({ name, definition: `https://hospital-ops.in/fhir/OperationDefinition/${name}` })),
    ]),
  );
}

// Operations beyond $validate, by type.
const OPERATIONS: Record<string, { name: string; definition: string }[]> = {
  ValueSet: [
    { name: 'expand', definition: 'http://hl7.org/fhir/OperationDefinition/ValueSet-expand' },
    { name: 'validate-code', definition: 'http://hl7.org/fhir/OperationDefinition/ValueSet-validate-code' },
  ],
  Composition: [{ name: 'document', definition: 'http://hl7.org/fhir/OperationDefinition/Composition-document' }],
  ...Object.fromEntries(
    ['DiagnosticReport', 'Immunization', 'Invoice', 'DocumentReference'].map((type) => [
      type,
      [
        { name: 'abdm-document', definition: 'https://hospital-ops.in/fhir/OperationDefinition/abdm-document' },
        ...(type === 'DiagnosticReport' ? ours({ DiagnosticReport: ['verify', 'amend', 'lab-report-pdf'] }).DiagnosticReport : []),
        ...(type === 'Invoice' ? ours({ Invoice: ['invoice-pdf'] }).Invoice : []),
      ],
    ]),
  ),
  // Patient and Encounter $everything (docs/fhir-api.md).
  Patient: [
    { name: 'everything', definition: 'http://hl7.org/fhir/OperationDefinition/Patient-everything' },
    // Bulk Data $export (docs/bulk-data.md).
    { name: 'export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export' },
    // ABHA at the desk (docs/abdm.md "ABHA at the desk").
    ...['abha-otp', 'abha-verify', 'abha-address'].map((name) => ({
      name,
      definition: `https://hospital-ops.in/fhir/OperationDefinition/${name}`,
    })),
  ],
  Group: [{ name: 'export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export' }],
  Encounter: [
    { name: 'everything', definition: 'http://hl7.org/fhir/OperationDefinition/Encounter-everything' },
    { name: 'abdm-document', definition: 'https://hospital-ops.in/fhir/OperationDefinition/abdm-document' },
    // OPD: check-in with a gap-free token (docs/opd.md) and the printed prescription (docs/documents.md).
    { name: 'check-in', definition: 'https://hospital-ops.in/fhir/OperationDefinition/check-in' },
    { name: 'prescription-pdf', definition: 'https://hospital-ops.in/fhir/OperationDefinition/prescription-pdf' },
    // IPD: admission, transfer and discharge, the day's medication record, the discharge summary (docs/ipd.md).
    ...(ours({
      Encounter: ['admit', 'transfer', 'discharge', 'mar', 'discharge-summary-draft', 'discharge-summary', 'discharge-summary-pdf'],
    }).Encounter ?? []),
  ],
  ...ours({
    // IPD beds (docs/ipd.md) and pharmacy stores (docs/pharmacy.md).
    Location: [
      'bed-ready',
      'bed-board',
      'census',
      'stock',
      'stock-alerts',
      'stock-valuation',
      'adjust-stock',
      'transfer-stock',
      'set-reorder-level',
    ],
    MedicationRequest: ['dispense'],
    MedicationDispense: ['dispense-otc', 'return', 'drug-register'],
    SupplyDelivery: ['receive-goods', 'receive-transfer'],
    // Billing (docs/billing.md).
    Account: ['balance', 'deposit', 'draft-invoice', 'issue-invoice', 'issue-credit-note', 'pay', 'payment-link', 'refund'],
    Organization: ['cash-report'],
    ChargeItem: ['discount', 'approve-discount', 'reject-discount'],
  }),
  PractitionerRole: [{ name: 'generate-slots', definition: 'https://hospital-ops.in/fhir/OperationDefinition/generate-slots' }],
  // Laboratory (docs/lab.md).
  ...ours({
    ActivityDefinition: ['load-lab-catalogue'],
    ServiceRequest: ['collect', 'enter-results', 'lab-worklist', 'lab-tat'],
    Specimen: ['receive', 'reject', 'analyser-result'],
  }),
  CodeSystem: [
    { name: 'lookup', definition: 'http://hl7.org/fhir/OperationDefinition/CodeSystem-lookup' },
    { name: 'validate-code', definition: 'http://hl7.org/fhir/OperationDefinition/CodeSystem-validate-code' },
    { name: 'subsumes', definition: 'http://hl7.org/fhir/OperationDefinition/CodeSystem-subsumes' },
  ],
};

const TYPE_INTERACTIONS = [
  'read',
  'vread',
  'update',
  'patch',
  'delete',
  'history-instance',
  'history-type',
  'create',
  'search-type',
] as const;

/** What a stored type supports: every interaction, versioned, with conditional writes. */
const writable = (updateCreate: boolean): Partial<CapabilityStatementRestResource> => ({
  interaction: TYPE_INTERACTIONS.map((code) => ({ code })),
  versioning: 'versioned-update',
  readHistory: true,
  updateCreate,
  conditionalCreate: true,
  conditionalRead: 'full-support',
  conditionalUpdate: true,
  conditionalDelete: 'single',
});

// The audit log is written by the server only and has no history: read and search.
const AUDIT_LOG: Partial<CapabilityStatementRestResource> = {
  interaction: [{ code: 'read' }, { code: 'search-type' }],
  versioning: 'no-version',
  readHistory: false,
  updateCreate: false,
  conditionalCreate: false,
  conditionalUpdate: false,
  conditionalDelete: 'not-supported',
};

// Parameter types our search compiler answers; 'special' ones (e.g. Location near) are not claimed.
const SEARCHABLE = new Set(['number', 'date', 'string', 'token', 'reference', 'quantity', 'uri', 'composite']);

/**
 * The CapabilityStatement at /metadata, generated from what this server really does: the stored
 * resource types, the interactions the router and repository implement, and the search
 * parameters the search compiler can answer.
 */
export function buildCapabilityStatement(
  baseUrl: string,
  options: { updateCreate: boolean } = { updateCreate: true },
): CapabilityStatement {
  const profilesByType = new Map<string, string[]>();
  for (const sd of conformance().allProfiles()) {
    if (sd.kind !== 'resource' || sd.derivation !== 'constraint' || !sd.url) continue;
    profilesByType.set(sd.type, [...(profilesByType.get(sd.type) ?? []), sd.url]);
  }
  const resource: CapabilityStatementRestResource[] = storedResourceTypes().map((type) => ({
    type: type as CapabilityStatementRestResource['type'],
    profile: `http://hl7.org/fhir/StructureDefinition/${type}`,
    supportedProfile: profilesByType.get(type)?.sort(),
    ...(type === 'AuditEvent' ? AUDIT_LOG : writable(options.updateCreate)),
    operation: [{ name: 'validate', definition: 'http://hl7.org/fhir/OperationDefinition/Resource-validate' }, ...(OPERATIONS[type] ?? [])],
    searchParam: [
      { name: '_id', type: 'token' },
      { name: '_lastUpdated', type: 'date' },
      ...Object.values(getSearchParameters(type) ?? {})
        .filter((p) => SEARCHABLE.has(p.type as string) && !['_id', '_lastUpdated'].includes(p.code as string))
        .map((p) => ({ name: p.code as string, definition: p.url, type: p.type as 'token' })),
    ],
  }));
  // SQL on FHIR v2: ViewDefinition (stored as Basic, docs/analytics.md) and its $run operation.
  resource.push({
    type: 'ViewDefinition' as CapabilityStatementRestResource['type'],
    interaction: ['read', 'search-type', 'update', 'delete', 'create'].map((code) => ({ code: code as 'read' })),
    operation: [{ name: 'run', definition: 'http://sql-on-fhir.org/OperationDefinition/$run' }],
  });
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    publisher: 'Hospital-Ops',
    kind: 'instance',
    software: { name: 'Hospital-Ops FHIR Server', version: SERVER_VERSION },
    implementation: { description: 'Hospital-Ops FHIR R4 server', url: `${baseUrl}/fhir/R4` },
    fhirVersion: '4.0.1',
    // Bulk Data Access IG 2.0.0: system, Patient and Group $export (docs/bulk-data.md).
    instantiates: ['http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data'],
    implementationGuide: conformance()
      .packages.filter((p) => p.canonical)
      .map((p) => `${p.canonical}/ImplementationGuide/${p.name}|${p.version}`),
    format: ['application/fhir+json', 'json'],
    patchFormat: ['application/json-patch+json', 'application/fhir+json'],
    rest: [
      {
        mode: 'server',
        // Where the R4 websocket channel of Subscriptions is opened (docs/events.md).
        extension: [
          {
            url: 'http://hl7.org/fhir/StructureDefinition/capabilitystatement-websocket',
            valueUrl: `${baseUrl.replace(/^http/, 'ws')}${WEBSOCKET_PATH}`,
          },
        ],
        security: {
          cors: true,
          service: [
            {
              coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }],
              text: 'OAuth2 using SMART-on-FHIR profile (see http://docs.smarthealthit.org)',
            },
          ],
          // The SMART OAuth URIs extension, for clients that read them here rather than from
          // .well-known/smart-configuration.
          extension: [
            {
              url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
              extension: [
                { url: 'authorize', valueUri: `${baseUrl}/oauth2/authorize` },
                { url: 'token', valueUri: `${baseUrl}/oauth2/token` },
                { url: 'introspect', valueUri: `${baseUrl}/oauth2/introspect` },
                { url: 'revoke', valueUri: `${baseUrl}/oauth2/revoke` },
              ],
            },
          ],
        },
        resource,
        interaction: [{ code: 'transaction' }, { code: 'batch' }, { code: 'search-system' }, { code: 'history-system' }],
        operation: [
          { name: 'export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export' },
          // Bulk import as the HL7 draft and HAPI FHIR take it, plus NDJSON uploads (docs/bulk-data.md).
          { name: 'import', definition: 'https://hospital-ops.in/fhir/OperationDefinition/import' },
        ],
        // Compartment search ([Compartment]/[id]/[type]) over each of these.
        compartment: compartmentTypes().map((c) => `http://hl7.org/fhir/CompartmentDefinition/${c[0].toLowerCase()}${c.slice(1)}`),
      },
    ],
  };
}
