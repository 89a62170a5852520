import { getStatus, OperationOutcomeError, type WithId } from '@medplum/core';
import type {
  AllergyIntolerance,
  Appointment,
  CodeableConcept,
  Composition,
  CompositionSection,
  DiagnosticReport,
  DocumentReference,
  Encounter,
  Immunization,
  Invoice,
  MedicationRequest,
  Observation,
  Organization,
  Reference,
  Resource,
  ServiceRequest,
} from '@medplum/fhirtypes';
import { forbiddenOutcome } from '../../http/outcomes.ts';
import type { PostgresRepository } from '../../repo/postgres-repository.ts';
import { parseSearch } from '../../search/parse.ts';
import { conformance } from '../../validation/conformance.ts';
import { documentError } from './assemble.ts';
import { label, sectionNarrative } from './narrative.ts';
import { ABDM_PROFILE_BASE, bindingOf, type RecordShape, recordShape, type SectionShape } from './profiles.ts';
import { parseLocalReference } from './references.ts';

/**
 * The eight ABDM health-record documents (IG 6.5.0), each built from stored data for a care context.
 * A record type names its Composition profile; its sections are the profile's slices, read from
 * the snapshot (profiles.ts), and filled by the gatherers below, each a search through the caller's
 * repository. Sections with nothing in them are left out; a profile that requires a section the
 * data cannot fill is answered 422.
 */

export const RECORD_TYPES = [
  'OPConsultRecord',
  'PrescriptionRecord',
  'DischargeSummaryRecord',
  'DiagnosticReportRecord',
  'ImmunizationRecord',
  'WellnessRecord',
  'HealthDocumentRecord',
  'InvoiceRecord',
] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

export function isRecordType(value: string): value is RecordType {
  return (RECORD_TYPES as readonly string[]).includes(value);
}

const SNOMED = 'http://snomed.info/sct';
const CONDITION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/condition-category';
const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const PARTICIPATION_TYPE = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';
/** SNOMED CT 3457005 |Patient referral|: a ServiceRequest so categorised (or coded) is a referral, not investigation advice. */
const PATIENT_REFERRAL = '3457005';
const PAGE = 1000;

type Found = WithId<Resource>;

/** One care context: the resource the document is about, its patient, and memoized searches. */
export class CareContext {
  readonly repo: PostgresRepository;
  readonly resource: Found;
  readonly patient: string;
  encounter?: WithId<Encounter>;
  private readonly searches = new Map<string, Promise<Found[]>>();
  private readonly reads = new Map<string, Promise<Found | undefined>>();

  constructor(repo: PostgresRepository, resource: Found, patient: string, encounter?: WithId<Encounter>) {
    this.repo = repo;
    this.resource = resource;
    this.patient = patient;
    this.encounter = encounter;
  }

  get ref(): string {
    return `${this.resource.resourceType}/${this.resource.id}`;
  }

  /** Every match of a search (all pages), in the order recorded, without entered-in-error records. */
  search<T extends Resource>(type: T['resourceType'], query: Record<string, string>): Promise<WithId<T>[]> {
    const key = `${type}?${new URLSearchParams(query).toString()}`;
    let hit = this.searches.get(key);
    if (!hit) {
      hit = this.searchAll(type, query);
      this.searches.set(key, hit);
    }
    return hit as Promise<WithId<T>[]>;
  }

  private async searchAll(type: string, query: Record<string, string>): Promise<Found[]> {
    const out: Found[] = [];
    for (let offset = 0; ; offset += PAGE) {
      const { request } = parseSearch(type, { ...query, _sort: '_lastUpdated', _count: String(PAGE), _offset: String(offset) }, false);
      const bundle = await this.repo.search(request, { resourceOnly: true });
      const page = (bundle.entry ?? []).map((e) => e.resource).filter((r): r is Found => Boolean(r));
      out.push(...page);
      if (page.length < PAGE) break;
    }
    return out.filter((r) => !enteredInError(r));
  }

  /** A referenced resource if the caller may read it; undefined when refused or missing (nothing is named that cannot be read). */
  readable(reference: Reference | undefined): Promise<Found | undefined> {
    const ref = parseLocalReference(reference?.reference, `${this.repo.baseUrl}/fhir/R4`);
    if (!ref || ref.version) return Promise.resolve(undefined);
    let hit = this.reads.get(ref.key);
    if (!hit) {
      hit = this.repo.readResource(ref.type, ref.id).catch((err: unknown) => {
        if (err instanceof OperationOutcomeError && [403, 404, 410].includes(getStatus(err.outcome))) return undefined;
        throw err;
      });
      this.reads.set(ref.key, hit);
    }
    return hit;
  }
}

function enteredInError(r: Resource): boolean {
  const status = (r as { status?: string }).status;
  if (status === 'entered-in-error') return true;
  const verification = (r as { verificationStatus?: CodeableConcept }).verificationStatus;
  return Boolean(verification?.coding?.some((c) => c.code === 'entered-in-error'));
}

function hasCode(concepts: CodeableConcept[] | CodeableConcept | undefined, system: string, codes: string[]): boolean {
  const list = Array.isArray(concepts) ? concepts : concepts ? [concepts] : [];
  return list.some((cc) => cc.coding?.some((c) => c.system === system && codes.includes(c.code ?? '')));
}

function uniqueById(resources: Found[]): Found[] {
  const seen = new Set<string>();
  return resources.filter((r) => {
    const key = `${r.resourceType}/${r.id}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

// ---- gatherers: what each section holds, for an Encounter care context ------------------------

const encounterRef = (ctx: CareContext) => `Encounter/${ctx.encounter?.id}`;
const isProblemListItem = (r: Resource) =>
  hasCode((r as { category?: CodeableConcept[] }).category, CONDITION_CATEGORY, ['problem-list-item']);
const isEncounterDiagnosis = (r: Resource) =>
  hasCode((r as { category?: CodeableConcept[] }).category, CONDITION_CATEGORY, ['encounter-diagnosis']);
const isExamination = (o: Observation) => hasCode(o.category, OBSERVATION_CATEGORY, ['exam', 'vital-signs']);

const gather = {
  /**
   * Conditions recorded in the encounter, except problem-list items (history) and the diagnoses
   * Encounter.diagnosis names (the IG carries those on the Encounter, which the document includes).
   */
  async chiefComplaints(ctx: CareContext): Promise<Found[]> {
    const diagnoses = new Set((ctx.encounter?.diagnosis ?? []).map((x) => x.condition.reference));
    const conditions = await ctx.search('Condition', { encounter: encounterRef(ctx) });
    return conditions.filter((c) => !isProblemListItem(c) && !(isEncounterDiagnosis(c) && diagnoses.has(`Condition/${c.id}`)));
  },
  /** The patient's problem list: problem-list-item Conditions from any encounter. */
  async medicalHistory(ctx: CareContext): Promise<Found[]> {
    return uniqueById(await ctx.search('Condition', { patient: ctx.patient, category: `${CONDITION_CATEGORY}|problem-list-item` }));
  },
  /** The patient's allergies and intolerances (refuted ones left out). */
  async allergies(ctx: CareContext): Promise<Found[]> {
    const all = await ctx.search<AllergyIntolerance>('AllergyIntolerance', { patient: ctx.patient });
    return all.filter((a) => !a.verificationStatus?.coding?.some((c) => c.code === 'refuted'));
  },
  async familyHistory(ctx: CareContext): Promise<Found[]> {
    return ctx.search('FamilyMemberHistory', { patient: ctx.patient });
  },
  async observations(ctx: CareContext): Promise<WithId<Observation>[]> {
    return ctx.search<Observation>('Observation', { encounter: encounterRef(ctx) });
  },
  /** Examination findings and vital signs of the encounter (Observation category exam or vital-signs). */
  async examination(ctx: CareContext): Promise<Found[]> {
    return (await gather.observations(ctx)).filter(isExamination);
  },
  /** The encounter's other Observations (laboratory, social history, ...). */
  async otherObservations(ctx: CareContext): Promise<Found[]> {
    return (await gather.observations(ctx)).filter((o) => !isExamination(o));
  },
  async serviceRequests(ctx: CareContext, referral: boolean, referralCode?: string): Promise<Found[]> {
    const codes = [PATIENT_REFERRAL, ...(referralCode ? [referralCode] : [])];
    const all = await ctx.search<ServiceRequest>('ServiceRequest', { encounter: encounterRef(ctx) });
    return all.filter((s) => (hasCode(s.category, SNOMED, codes) || hasCode(s.code, SNOMED, codes)) === referral);
  },
  /** The encounter's MedicationRequests; drafts (not issued) and cancelled ones (withdrawn) are left out. */
  async medicationRequests(ctx: CareContext): Promise<Found[]> {
    const all = await ctx.search<MedicationRequest>('MedicationRequest', { encounter: encounterRef(ctx) });
    return all.filter((m) => m.status !== 'draft' && m.status !== 'cancelled');
  },
  async medicationStatements(ctx: CareContext): Promise<Found[]> {
    return ctx.search('MedicationStatement', { context: encounterRef(ctx) });
  },
  /** Follow-up visits: Appointments whose supportingInformation names this encounter. */
  async followUp(ctx: CareContext): Promise<Found[]> {
    const all = await ctx.search<Appointment>('Appointment', { 'supporting-info': encounterRef(ctx) });
    return all.filter((a) => !['cancelled', 'noshow'].includes(a.status ?? ''));
  },
  async procedures(ctx: CareContext): Promise<Found[]> {
    return ctx.search('Procedure', { encounter: encounterRef(ctx) });
  },
  async documents(ctx: CareContext): Promise<Found[]> {
    return ctx.search('DocumentReference', { encounter: encounterRef(ctx) });
  },
  async diagnosticReports(ctx: CareContext): Promise<Found[]> {
    return ctx.search('DiagnosticReport', { encounter: encounterRef(ctx) });
  },
  async carePlans(ctx: CareContext): Promise<Found[]> {
    return ctx.search('CarePlan', { encounter: encounterRef(ctx) });
  },
};

type Gatherer = (ctx: CareContext, shape: RecordShape) => Promise<Found[]>;

interface SectionPlan {
  /** The profile's slice name ('' for the one unsliced section). */
  slice: string;
  title?: string;
  gather: Gatherer;
}

interface RecordDefinition {
  /** The resource types a document of this kind is built for. */
  contexts: string[];
  title: (ctx: CareContext) => string;
  sections: SectionPlan[];
}

const sliceCode = (shape: RecordShape, slice: string) => shape.sections.find((s) => s.name === slice)?.code?.code;

/** Wellness Observations go to the slice whose Observation profile binds their code (the IG's value sets). */
async function wellnessObservations(ctx: CareContext, shape: RecordShape, slice: string): Promise<Found[]> {
  const observations = await gather.observations(ctx);
  const terminology = conformance().terminology;
  const buckets = shape.sections
    .filter((s) => s.name !== 'OtherObservations' && s.name !== 'DocumentReference')
    .map((s) => ({ name: s.name, valueSet: s.targets.map((t) => bindingOf(t, 'Observation.code')).find(Boolean) }));
  const bucketOf = (o: Observation): string => {
    for (const b of buckets) {
      if (b.valueSet && o.code.coding?.some((c) => c.code && terminology.membership(b.valueSet as string, c.system, c.code) === 'member')) {
        return b.name;
      }
    }
    return 'OtherObservations';
  };
  return observations.filter((o) => bucketOf(o) === slice);
}

const wellness = (slice: string): SectionPlan => ({ slice, gather: (ctx, shape) => wellnessObservations(ctx, shape, slice) });

const DEFINITIONS: Record<RecordType, RecordDefinition> = {
  OPConsultRecord: {
    contexts: ['Encounter'],
    title: () => 'Consultation Report',
    sections: [
      { slice: 'ChiefComplaints', title: 'Chief complaints', gather: gather.chiefComplaints },
      { slice: 'PhysicalExamination', title: 'Physical examination', gather: gather.examination },
      { slice: 'Allergies', title: 'Allergies', gather: gather.allergies },
      { slice: 'MedicalHistory', title: 'Medical history', gather: gather.medicalHistory },
      { slice: 'FamilyHistory', title: 'Family history', gather: gather.familyHistory },
      {
        slice: 'InvestigationAdvice',
        title: 'Investigation advice',
        gather: (ctx, shape) => gather.serviceRequests(ctx, false, sliceCode(shape, 'Referral')),
      },
      {
        slice: 'Medications',
        title: 'Medications',
        gather: async (ctx) => [...(await gather.medicationStatements(ctx)), ...(await gather.medicationRequests(ctx))],
      },
      { slice: 'FollowUp', title: 'Follow up', gather: gather.followUp },
      { slice: 'Procedure', title: 'Procedures', gather: gather.procedures },
      { slice: 'Referral', title: 'Referral', gather: (ctx, shape) => gather.serviceRequests(ctx, true, sliceCode(shape, 'Referral')) },
      { slice: 'OtherObservations', title: 'Other observations', gather: gather.otherObservations },
      { slice: 'DocumentReference', title: 'Documents', gather: gather.documents },
    ],
  },
  PrescriptionRecord: {
    contexts: ['Encounter'],
    title: () => 'Prescription record',
    sections: [
      {
        slice: '',
        title: 'Prescription record',
        gather: gather.medicationRequests,
      },
    ],
  },
  DischargeSummaryRecord: {
    contexts: ['Encounter'],
    title: () => 'Discharge Summary',
    sections: [
      { slice: 'ChiefComplaints', title: 'Chief complaints', gather: gather.chiefComplaints },
      { slice: 'PhysicalExamination', title: 'Physical examination', gather: gather.examination },
      { slice: 'Allergies', title: 'Allergies', gather: gather.allergies },
      { slice: 'MedicalHistory', title: 'Past medical history', gather: gather.medicalHistory },
      { slice: 'FamilyHistory', title: 'Family history', gather: gather.familyHistory },
      { slice: 'Investigations', title: 'Investigations', gather: gather.diagnosticReports },
      { slice: 'Medications', title: 'Medications', gather: gather.medicationRequests },
      { slice: 'Procedures', title: 'Procedures', gather: gather.procedures },
      { slice: 'CarePlan', title: 'Care plan', gather: gather.carePlans },
      { slice: 'DocumentReference', title: 'Documents', gather: gather.documents },
    ],
  },
  DiagnosticReportRecord: {
    contexts: ['DiagnosticReport'],
    title: (ctx) => label(ctx.resource) || 'Diagnostic Report',
    sections: [
      {
        slice: '',
        gather: async (ctx) => {
          // The report, and the newest document about it (the profile allows one).
          const documents = await ctx.search('DocumentReference', { related: ctx.ref });
          return [ctx.resource, ...documents.slice(-1)];
        },
      },
    ],
  },
  ImmunizationRecord: {
    contexts: ['Immunization'],
    title: () => 'Immunization record',
    sections: [
      {
        slice: '',
        title: 'Immunization record',
        gather: async (ctx) => {
          const recommendations = await ctx.search('ImmunizationRecommendation', { support: ctx.ref });
          const documents = await ctx.search('DocumentReference', { related: ctx.ref });
          return [ctx.resource, ...recommendations.slice(-1), ...documents];
        },
      },
    ],
  },
  WellnessRecord: {
    contexts: ['Encounter'],
    title: () => 'Wellness Record',
    sections: [
      wellness('VitalSigns'),
      wellness('BodyMeasurement'),
      wellness('PhysicalActivity'),
      wellness('GeneralAssessment'),
      wellness('WomenHealth'),
      wellness('Lifestyle'),
      wellness('OtherObservations'),
      { slice: 'DocumentReference', gather: gather.documents },
    ],
  },
  HealthDocumentRecord: {
    contexts: ['Encounter', 'DocumentReference'],
    title: (ctx) => (ctx.resource.resourceType === 'DocumentReference' ? label(ctx.resource) || 'Health Document' : 'Health Document'),
    sections: [
      {
        slice: '',
        title: 'Health Document',
        gather: async (ctx) => (ctx.resource.resourceType === 'DocumentReference' ? [ctx.resource] : gather.documents(ctx)),
      },
    ],
  },
  InvoiceRecord: {
    contexts: ['Invoice'],
    title: (ctx) => {
      const number = (ctx.resource as Invoice).identifier?.[0]?.value;
      return number ? `Invoice ${number}` : 'Invoice';
    },
    sections: [{ slice: '', title: 'Invoice', gather: async (ctx) => [ctx.resource] }],
  },
};

/** The resource types each record type is built for. */
export function recordContexts(type: RecordType): string[] {
  return DEFINITIONS[type].contexts;
}

export function recordProfile(type: RecordType): string {
  return `${ABDM_PROFILE_BASE}${type}`;
}

/** The loaded profile's shape, checked against the slices the builder fills. */
export function shapeOf(type: RecordType): RecordShape {
  const shape = recordShape(recordProfile(type));
  if (!shape) throw new Error(`The ABDM profile ${recordProfile(type)} is not loaded`);
  for (const plan of DEFINITIONS[type].sections) {
    if (!shape.sections.some((s) => s.name === plan.slice)) {
      throw new Error(`${type}: the profile has no section slice '${plan.slice}' (IG package changed?)`);
    }
  }
  return shape;
}

// ---- the Composition ----------------------------------------------------------------------------

interface Participants {
  subject: string;
  encounter?: Reference<Encounter>;
  authors: Reference[];
  custodian?: Reference<Organization>;
}

function refOf(r: Reference | undefined): Reference | undefined {
  return r?.reference ? { reference: r.reference, ...(r.display ? { display: r.display } : {}) } : undefined;
}

const PEOPLE_AND_ORGANIZATIONS = ['Practitioner', 'PractitionerRole', 'Organization', 'Patient', 'RelatedPerson', 'Device'];

function isType(r: Reference | undefined, types: string[]): boolean {
  const t = r?.reference?.split('/').at(-2);
  return Boolean(t && types.includes(t));
}

/** Encounter participants, primary performer and attender first. */
function encounterAuthors(encounter: Encounter | undefined): Reference[] {
  const ranked = (encounter?.participant ?? [])
    .filter((p) => p.individual?.reference)
    .map((p) => ({
      ref: p.individual as Reference,
      rank: hasCode(p.type, PARTICIPATION_TYPE, ['PPRF']) ? 0 : hasCode(p.type, PARTICIPATION_TYPE, ['ATND']) ? 1 : 2,
    }))
    .sort((a, b) => a.rank - b.rank);
  return ranked.map((r) => r.ref);
}

/** Practitioners recorded on the gathered entries (prescriber, orderer, recorder, performer). */
function entryPeople(resources: Resource[]): Reference[] {
  const out: Reference[] = [];
  for (const r of resources) {
    const x = r as { requester?: Reference; recorder?: Reference; asserter?: Reference; performer?: unknown };
    for (const candidate of [x.requester, x.recorder, x.asserter]) if (candidate) out.push(candidate);
    if (Array.isArray(x.performer)) {
      for (const p of x.performer as (Reference & { actor?: Reference })[]) out.push(p.actor ?? p);
    }
  }
  return out.filter((r) => isType(r, ['Practitioner', 'PractitionerRole']));
}

function statusOf(resource: Resource): Composition['status'] {
  const status = (resource as { status?: string }).status ?? '';
  if (status === 'entered-in-error') {
    throw documentError(`${resource.resourceType}/${resource.id} is entered-in-error: there is nothing to document`);
  }
  switch (resource.resourceType) {
    case 'Encounter':
      return status === 'finished' || status === 'cancelled' ? 'final' : 'preliminary';
    case 'DiagnosticReport':
      if (status === 'amended' || status === 'corrected' || status === 'appended') return 'amended';
      return status === 'final' ? 'final' : 'preliminary';
    case 'Invoice':
      return status === 'draft' ? 'preliminary' : 'final';
    default:
      // Immunization completed / not-done, DocumentReference current / superseded.
      return 'final';
  }
}

/** Subject, encounter, authors and custodian, from the care context (only what the caller may read is named). */
async function participants(ctx: CareContext, gathered: Found[]): Promise<Participants> {
  const r = ctx.resource;
  const encounter = ctx.encounter;
  // Tiers of author candidates: the first tier with someone the caller may read gives the authors.
  let authorTiers: (Reference | undefined)[][] = [];
  let custodianCandidates: (Reference | undefined)[] = [encounter?.serviceProvider];
  switch (r.resourceType) {
    case 'Encounter':
      authorTiers = [encounterAuthors(r), entryPeople(gathered)];
      break;
    case 'DiagnosticReport': {
      const dr = r as DiagnosticReport;
      authorTiers = [dr.resultsInterpreter ?? [], dr.performer ?? []];
      custodianCandidates = [...custodianCandidates, ...(dr.performer ?? []).filter((p) => isType(p, ['Organization']))];
      break;
    }
    case 'Immunization': {
      const im = r as Immunization;
      const performers = [...(im.performer ?? [])].sort(
        (a, b) =>
          Number(!hasCode(a.function, 'http://terminology.hl7.org/CodeSystem/v2-0443', ['AP'])) -
          Number(!hasCode(b.function, 'http://terminology.hl7.org/CodeSystem/v2-0443', ['AP'])),
      );
      authorTiers = [performers.map((p) => p.actor), encounterAuthors(encounter)];
      custodianCandidates = [...custodianCandidates, ...performers.map((p) => p.actor).filter((a) => isType(a, ['Organization']))];
      break;
    }
    case 'Invoice': {
      const inv = r as Invoice;
      authorTiers = [(inv.participant ?? []).map((p) => p.actor), [inv.issuer]];
      custodianCandidates = [inv.issuer, ...custodianCandidates];
      break;
    }
    case 'DocumentReference': {
      const doc = r as DocumentReference;
      authorTiers = [doc.author ?? [], [doc.authenticator]];
      custodianCandidates = [doc.custodian, ...custodianCandidates];
      break;
    }
    default:
  }
  const patient = await ctx.readable({ reference: ctx.patient });
  if (!patient) {
    throw new OperationOutcomeError(
      forbiddenOutcome(`The document is about ${ctx.patient}, which does not exist or is outside what you may read; nothing was returned`),
    );
  }
  custodianCandidates.push((patient as { managingOrganization?: Reference }).managingOrganization);
  let custodian: Reference<Organization> | undefined;
  for (const c of custodianCandidates) {
    if (isType(c, ['Organization']) && (await ctx.readable(c))) {
      custodian = refOf(c) as Reference<Organization> | undefined;
      break;
    }
  }
  const authors: Reference[] = [];
  for (const tier of authorTiers) {
    const seen = new Set<string>();
    for (const a of tier) {
      if (!a?.reference || seen.has(a.reference) || !isType(a, PEOPLE_AND_ORGANIZATIONS)) continue;
      seen.add(a.reference);
      if (await ctx.readable(a)) authors.push(refOf(a) as Reference);
    }
    if (authors.length) break;
  }
  if (authors.length === 0 && custodian) authors.push(custodian);
  if (authors.length === 0) {
    throw documentError(
      `No author can be named for ${ctx.ref}: it records no practitioner or organization that you may read (a document needs an author)`,
    );
  }
  // ctx.encounter is the care context itself, or one the caller could read.
  const encounterReference: Reference<Encounter> | undefined = encounter ? { reference: `Encounter/${encounter.id}` } : undefined;
  return { subject: ctx.patient, encounter: encounterReference, authors, custodian };
}

function entryReference(r: Found): Reference {
  const display = label(r);
  return { reference: `${r.resourceType}/${r.id}`, type: r.resourceType, ...(display ? { display } : {}) };
}

function sectionFor(plan: SectionPlan, slice: SectionShape, resources: Found[]): CompositionSection {
  const title = slice.title ?? plan.title ?? slice.code?.display;
  return {
    ...(title ? { title } : {}),
    ...(slice.code ? { code: { coding: [slice.code] } } : {}),
    text: sectionNarrative(resources),
    entry: resources.map(entryReference),
  };
}

/** Keeps what closed `entry.type` slicing allows: types it names, each within its maximum. */
function fitEntries(slice: SectionShape, resources: Found[]): Found[] {
  if (!slice.entryTypes) return resources.slice(0, Number.isFinite(slice.entryMax) ? slice.entryMax : undefined);
  const counts = new Map<string, number>();
  return resources.filter((r) => {
    const rule = slice.entryTypes?.[r.resourceType];
    const n = counts.get(r.resourceType) ?? 0;
    if (!rule || n >= rule.max) return false;
    counts.set(r.resourceType, n + 1);
    return true;
  });
}

/**
 * Builds the record type's Composition for a care context (not stored: the caller decides).
 * Every section's entries were found by searches the caller's access filters.
 * `sectionsToAdd`: sections the caller appends itself, counted towards the profile's minimum.
 */
export async function buildComposition(type: RecordType, ctx: CareContext, options: { sectionsToAdd?: number } = {}): Promise<Composition> {
  const definition = DEFINITIONS[type];
  const shape = shapeOf(type);
  const status = statusOf(ctx.resource);
  const sections: CompositionSection[] = [];
  const gathered: Found[] = [];
  for (const slice of shape.sections) {
    const plan = definition.sections.find((p) => p.slice === slice.name);
    if (!plan) continue;
    const resources = fitEntries(slice, uniqueById(await plan.gather(ctx, shape)));
    gathered.push(...resources);
    if (resources.length === 0) {
      if (slice.min > 0 || slice.entryMin > 0) {
        throw documentError(
          `A ${type} needs ${slice.title ?? plan.title ?? slice.code?.display ?? 'its section'} entries, and ${ctx.ref} has none that you may read`,
        );
      }
      continue;
    }
    sections.push(sectionFor(plan, slice, resources));
  }
  // A caller that adds sections of its own (the signed discharge summary's texts) may start from none.
  if (sections.length + (options.sectionsToAdd ?? 0) < shape.sectionMin) {
    throw documentError(`${ctx.ref} has nothing a ${type} could hold (or nothing that you may read)`);
  }
  const who = await participants(ctx, gathered);
  if (shape.encounterMin > 0 && !who.encounter) throw documentError(`A ${type} needs an Encounter you may read`);
  const typeConcept: CodeableConcept =
    shape.type.coding || shape.type.text
      ? { ...(shape.type.coding ? { coding: [shape.type.coding] } : {}), ...(shape.type.text ? { text: shape.type.text } : {}) }
      : DIAGNOSTIC_STUDIES_REPORT;
  const title = definition.title(ctx);
  return {
    resourceType: 'Composition',
    id: crypto.randomUUID(),
    meta: { profile: [recordProfile(type)] },
    language: 'en-IN',
    status,
    type: typeConcept,
    subject: { reference: who.subject },
    ...(who.encounter ? { encounter: who.encounter } : {}),
    date: new Date().toISOString(),
    author: who.authors as Composition['author'],
    title,
    ...(who.custodian ? { custodian: who.custodian } : {}),
    section: adjustDiagnosticSection(type, ctx, sections),
  };
}

/**
 * DiagnosticReportRecord fixes neither the document type nor the section code, but requires both
 * (coding 1..1, SNOMED, code and display). Both IG examples type the document 721981007
 * "Diagnostic studies report", a code its value set lists by name; the section says what kind of
 * report it holds: 4241000179101 "Laboratory report" (as the IG's examples name it) or, for an
 * imaging report (one with media or an ImagingStudy), 4201000179104 "Imaging report" (the root the
 * IG's value set includes by is-a).
 */
const DIAGNOSTIC_STUDIES_REPORT: CodeableConcept = {
  coding: [{ system: SNOMED, code: '721981007', display: 'Diagnostic studies report' }],
};

function adjustDiagnosticSection(type: RecordType, ctx: CareContext, sections: CompositionSection[]): CompositionSection[] {
  if (type !== 'DiagnosticReportRecord' || !sections[0]) return sections;
  const report = ctx.resource as DiagnosticReport;
  const imaging = Boolean(report.media?.length || report.imagingStudy?.length);
  const code = imaging
    ? { system: SNOMED, code: '4201000179104', display: 'Imaging report' }
    : { system: SNOMED, code: '4241000179101', display: 'Laboratory report' };
  return [{ ...sections[0], title: sections[0].title ?? code.display, code: { coding: [code] } }];
}

/** The patient a care context is about, and its encounter if it has one the caller may read. */
export async function careContext(repo: PostgresRepository, resource: Found): Promise<CareContext> {
  const r = resource as Found & {
    subject?: Reference;
    patient?: Reference;
    encounter?: Reference;
    context?: { encounter?: Reference[] };
  };
  const subject = r.resourceType === 'Immunization' ? r.patient : r.subject;
  const local = parseLocalReference(subject?.reference, `${repo.baseUrl}/fhir/R4`);
  if (local?.type !== 'Patient' || local.version) {
    throw documentError(`${r.resourceType}/${r.id} is not about a Patient of this server, so no ABDM record can be built from it`);
  }
  const ctx = new CareContext(repo, resource, `Patient/${local.id}`);
  if (r.resourceType === 'Encounter') {
    ctx.encounter = r as WithId<Encounter>;
  } else {
    const ref = r.resourceType === 'DocumentReference' ? r.context?.encounter?.[0] : r.encounter;
    const encounter = await ctx.readable(ref);
    if (encounter?.resourceType === 'Encounter') ctx.encounter = encounter;
  }
  return ctx;
}
