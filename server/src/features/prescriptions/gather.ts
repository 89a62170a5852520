import { OperationOutcomeError, type WithId } from '@medplum/core';
import type {
  AllergyIntolerance,
  Appointment,
  CarePlan,
  CodeableConcept,
  Condition,
  Encounter,
  Medication,
  MedicationRequest,
  Observation,
  Organization,
  Patient,
  Practitioner,
  PractitionerRole,
  Reference,
  ServiceRequest,
} from '@medplum/fhirtypes';
import { forbiddenOutcome } from '../../http/outcomes.ts';
import type { PostgresRepository } from '../../repo/postgres-repository.ts';
import { documentError } from '../documents/assemble.ts';
import { CareContext } from '../documents/records.ts';
import { parseLocalReference } from '../documents/references.ts';

/**
 * Everything a printed prescription shows, read through the caller's repository: reads and
 * searches carry the caller's tenant, role rules, branch conditions, scopes and Consent, and are
 * audited as usual. Searches a role may not make at all fail the print (403) rather than leave a
 * section out: a prescription handed to a patient without its lab orders says something false.
 */
export interface Gathered {
  encounter: WithId<Encounter>;
  patient: WithId<Patient>;
  organization?: Organization;
  /** The organization's partOf chain, nearest first (branch -> chain). */
  parents: Organization[];
  doctor: Practitioner;
  observations: Observation[];
  conditions: Condition[];
  medicationRequests: MedicationRequest[];
  /** Medications the requests reference, by reference string (contained ones by `#id`). */
  medications: Map<string, Medication>;
  serviceRequests: ServiceRequest[];
  carePlans: CarePlan[];
  appointments: Appointment[];
  /** The patient's allergies and intolerances, from any visit (refuted and resolved ones left out). */
  allergies: AllergyIntolerance[];
  /** The doctor's advice written as a note of the visit (LOINC 69730-0 Instructions, as the OPD app records it). */
  adviceNotes: Observation[];
}

/** LOINC 69730-0 Instructions: the consultation's advice note. */
export const ADVICE_NOTE = 'http://loinc.org|69730-0';

const PARTICIPATION = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';
/** Primary performer, then attender, then anyone else: who treated the patient and signs. */
const DOCTOR_ORDER = ['PPRF', 'ATND'];

function participantRank(types: CodeableConcept[] | undefined): number {
  const codes = (types ?? []).flatMap((t) => t.coding ?? []).filter((c) => c.system === PARTICIPATION);
  const ranks = codes.map((c) => DOCTOR_ORDER.indexOf(c.code ?? '')).filter((i) => i >= 0);
  return ranks.length ? Math.min(...ranks) : DOCTOR_ORDER.length;
}

async function practitionerOf(ctx: CareContext, ref: Reference | undefined): Promise<Practitioner | undefined> {
  const found = await ctx.readable(ref);
  if (found?.resourceType === 'Practitioner') return found as Practitioner;
  if (found?.resourceType === 'PractitionerRole') {
    const p = await ctx.readable((found as PractitionerRole).practitioner);
    return p?.resourceType === 'Practitioner' ? (p as Practitioner) : undefined;
  }
  return undefined;
}

/** The encounter's doctor; failing that, the prescriber of its medication requests. */
async function doctorOf(ctx: CareContext, encounter: Encounter, requests: MedicationRequest[]): Promise<Practitioner> {
  const participants = [...(encounter.participant ?? [])].sort((a, b) => participantRank(a.type) - participantRank(b.type));
  for (const candidate of [...participants.map((p) => p.individual), ...requests.map((r) => r.requester)]) {
    const practitioner = await practitionerOf(ctx, candidate);
    if (practitioner) return practitioner;
  }
  throw documentError(
    'No doctor can be named on this prescription: the Encounter has no Practitioner participant (and no MedicationRequest a requester) you may read',
    'Encounter.participant',
  );
}

async function parentsOf(ctx: CareContext, org: Organization | undefined): Promise<Organization[]> {
  const out: Organization[] = [];
  const seen = new Set<string>();
  let current = org;
  // A chain is a handful of levels; the bound stops a cycle in bad data.
  while (current?.partOf && out.length < 5) {
    const parent = await ctx.readable(current.partOf);
    if (parent?.resourceType !== 'Organization' || seen.has(parent.id)) break;
    seen.add(parent.id);
    out.push(parent as Organization);
    current = parent as Organization;
  }
  return out;
}

async function medicationsOf(ctx: CareContext, requests: MedicationRequest[]): Promise<Map<string, Medication>> {
  const out = new Map<string, Medication>();
  for (const request of requests) {
    const ref = request.medicationReference?.reference;
    if (!ref || out.has(ref)) continue;
    if (ref.startsWith('#')) {
      const contained = request.contained?.find((c) => c.resourceType === 'Medication' && c.id === ref.slice(1));
      if (contained) out.set(ref, contained as Medication);
      continue;
    }
    const medication = await ctx.readable(request.medicationReference);
    if (medication?.resourceType === 'Medication') out.set(ref, medication as Medication);
  }
  return out;
}

const ISSUED = new Set(['active', 'completed']);

/** The prescription-line extension: a medicine's place on its visit's prescription (docs/opd.md). */
export const PRESCRIPTION_LINE = 'https://hospital-ops.in/fhir/StructureDefinition/prescription-line';

/**
 * In the order the doctor wrote them: by line number (the OPD app numbers each line as it saves
 * it); lines without one after those, by authoredOn, then id.
 */
export function inWrittenOrder(requests: WithId<MedicationRequest>[]): WithId<MedicationRequest>[] {
  const line = (m: MedicationRequest) => m.extension?.find((e) => e.url === PRESCRIPTION_LINE)?.valuePositiveInt ?? Number.MAX_SAFE_INTEGER;
  return [...requests].sort(
    (a, b) => line(a) - line(b) || (a.authoredOn ?? '').localeCompare(b.authoredOn ?? '') || a.id.localeCompare(b.id),
  );
}
const NOT_ORDERED = new Set(['draft', 'revoked', 'entered-in-error']);

export async function gather(repo: PostgresRepository, encounter: WithId<Encounter>): Promise<Gathered> {
  if (encounter.status === 'entered-in-error')
    throw documentError('This Encounter was entered in error: there is no prescription to print');
  const subject = parseLocalReference(encounter.subject?.reference, `${repo.baseUrl}/fhir/R4`);
  if (subject?.type !== 'Patient' || subject.version) {
    throw documentError('This Encounter is not about a Patient of this server, so no prescription can be printed', 'Encounter.subject');
  }
  const ctx = new CareContext(repo, encounter, `Patient/${subject.id}`, encounter);
  const patient = await ctx.readable(encounter.subject);
  // The patient is the prescription's subject: nothing is printed about someone the caller may not read.
  if (patient?.resourceType !== 'Patient') throw new OperationOutcomeError(forbiddenOutcome(`You may not read ${ctx.patient}`));
  const here = { encounter: `Encounter/${encounter.id}` };
  const medicationRequests = inWrittenOrder(
    (await ctx.search<MedicationRequest>('MedicationRequest', here)).filter((m) => ISSUED.has(m.status)),
  );
  const organization = (await ctx.readable(encounter.serviceProvider)) as Organization | undefined;
  return {
    encounter,
    patient: patient as WithId<Patient>,
    organization: organization?.resourceType === 'Organization' ? organization : undefined,
    parents: await parentsOf(ctx, organization),
    doctor: await doctorOf(ctx, encounter, medicationRequests),
    observations: await ctx.search<Observation>('Observation', { ...here, category: 'vital-signs' }),
    conditions: await ctx.search<Condition>('Condition', here),
    medicationRequests,
    medications: await medicationsOf(ctx, medicationRequests),
    serviceRequests: (await ctx.search<ServiceRequest>('ServiceRequest', here)).filter((s) => !NOT_ORDERED.has(s.status)),
    carePlans: (await ctx.search<CarePlan>('CarePlan', here)).filter((c) => !NOT_ORDERED.has(c.status)),
    allergies: (await ctx.search<AllergyIntolerance>('AllergyIntolerance', { patient: ctx.patient })).filter(
      (a) =>
        !a.verificationStatus?.coding?.some((c) => c.code === 'refuted') &&
        !a.clinicalStatus?.coding?.some((c) => c.code === 'inactive' || c.code === 'resolved'),
    ),
    adviceNotes: (await ctx.search<Observation>('Observation', { ...here, code: ADVICE_NOTE })).filter((o) => o.status !== 'cancelled'),
    // A follow-up visit names the consultation in supportingInformation (as $abdm-document's FollowUp section).
    appointments: (await ctx.search<Appointment>('Appointment', { 'supporting-info': here.encounter })).filter(
      (a) => !['cancelled', 'noshow', 'entered-in-error'].includes(a.status),
    ),
  };
}
