import { allOk, badRequest, created, OperationOutcomeError, type SearchRequest, type WithId } from '@medplum/core';
import type { FhirRequest, FhirResponse } from '@medplum/fhir-router';
import type {
  Appointment,
  CarePlan,
  ClinicalImpression,
  CodeableConcept,
  Composition,
  Condition,
  Encounter,
  MedicationRequest,
  Parameters,
  ParametersParameter,
  Practitioner,
  Procedure,
  Reference,
} from '@medplum/fhirtypes';
import { forbiddenOutcome } from '../../http/outcomes.ts';
import type { PostgresRepository } from '../../repo/postgres-repository.ts';
import { parseSearch } from '../../search/parse.ts';
import { buildComposition, careContext } from '../documents/records.ts';
import { fail, localReference, OperationInput, stateConflict, unprocessable } from '../opd/fhir.ts';
import { kolkataDate, kolkataInstant } from '../opd/kolkata.ts';
import { lockRows, readNamed } from './beds.ts';
import { nameText } from './encounter.ts';
import { DISCHARGE_DISPOSITION } from './model.ts';
import { contentOf, FIELDS, type SummaryContent, textSection } from './summary-content.ts';

/**
 * The discharge summary (docs/ipd.md):
 * - `Encounter/{id}/$discharge-summary-draft` (GET, POST): what the stay recorded, for the doctor to
 *   edit; once signed, the signed text (so an edit starts from it).
 * - `POST Encounter/{id}/$discharge-summary`: the doctor signs the edited text. Stored as the ABDM
 *   DischargeSummaryRecord Composition (the documents feature's builder), status final, the doctor
 *   as legal attester; signing again updates it to `amended`, and the signed version stays in its history.
 */
export const DISCHARGE_SUMMARY_TYPE = { system: 'http://snomed.info/sct', code: '373942005' };
const TX = { resourceTypes: ['Composition'] as const };

const conceptText = (c: CodeableConcept | undefined) => c?.text ?? c?.coding?.find((x) => x.display)?.display ?? c?.coding?.[0]?.code ?? '';

async function all<T extends WithId<Condition | Procedure | MedicationRequest | ClinicalImpression | CarePlan | Appointment | Composition>>(
  repo: PostgresRepository,
  type: T['resourceType'],
  query: Record<string, string>,
): Promise<T[]> {
  const { request } = parseSearch(type, { ...query, _count: '1000' }, false);
  return (await repo.searchResources(request as SearchRequest<T>)) as T[];
}

/** The stay: an in-patient Encounter the caller may read (422 otherwise, another tenant's included). */
async function stayOf(repo: PostgresRepository, id: string): Promise<WithId<Encounter>> {
  const encounter = await readNamed<Encounter>(repo, 'Encounter', id, 'encounter');
  if (encounter.class?.code !== 'IMP') fail(unprocessable(`Encounter/${id} is not an in-patient admission (class IMP)`, 'encounter'));
  if (encounter.status === 'cancelled' || encounter.status === 'entered-in-error') {
    fail(stateConflict(`The admission is ${encounter.status}: it has no discharge summary`, 'encounter'));
  }
  return encounter;
}

/** The stay's signed summary, if any. */
export async function signedSummary(repo: PostgresRepository, encounterId: string): Promise<WithId<Composition> | undefined> {
  const found = await all<WithId<Composition>>(repo, 'Composition', {
    encounter: `Encounter/${encounterId}`,
    type: `${DISCHARGE_SUMMARY_TYPE.system}|${DISCHARGE_SUMMARY_TYPE.code}`,
    status: 'final,amended',
  });
  return found.sort((a, b) => (a.meta?.lastUpdated ?? '').localeCompare(b.meta?.lastUpdated ?? '')).at(-1);
}

const dmy = (iso: string) => iso.slice(0, 10).split('-').reverse().join('-');
const notEnded = (status: string | undefined) => !['entered-in-error', 'cancelled', 'refuted'].includes(status ?? '');

/** The draft from what the stay recorded: diagnoses, procedures, progress notes, medicines still active, advice, follow-up. */
async function gatherDraft(repo: PostgresRepository, encounter: WithId<Encounter>): Promise<SummaryContent> {
  const e = `Encounter/${encounter.id}`;
  const named = new Set((encounter.diagnosis ?? []).map((d) => d.condition.reference));
  const conditions = (await all<WithId<Condition>>(repo, 'Condition', { encounter: e })).filter(
    (c) => notEnded(c.verificationStatus?.coding?.[0]?.code) && !named.has(`Condition/${c.id}`),
  );
  const diagnosisLines: string[] = [];
  for (const d of [...(encounter.diagnosis ?? [])].sort((a, b) => (a.rank ?? 99) - (b.rank ?? 99))) {
    const ref = localReference(d.condition.reference, repo.baseUrl);
    const c = ref ? await repo.readResource<Condition>('Condition', ref.id).catch(() => undefined) : undefined;
    const text = c ? conceptText(c.code) : (d.condition.display ?? '');
    if (text) diagnosisLines.push(text);
  }
  diagnosisLines.push(...conditions.map((c) => conceptText(c.code)).filter(Boolean));
  if (!diagnosisLines.length) diagnosisLines.push(...(encounter.reasonCode ?? []).map(conceptText).filter(Boolean));

  const procedures = (await all<WithId<Procedure>>(repo, 'Procedure', { encounter: e })).filter((p) => notEnded(p.status));
  const notes = (await all<WithId<ClinicalImpression>>(repo, 'ClinicalImpression', { encounter: e }))
    .filter((n) => notEnded(n.status) && (n.summary || n.description))
    .sort((a, b) => (a.date ?? a.effectiveDateTime ?? '').localeCompare(b.date ?? b.effectiveDateTime ?? ''));
  const medicines = (await all<WithId<MedicationRequest>>(repo, 'MedicationRequest', { encounter: e, status: 'active' })).map((m) =>
    [conceptText(m.medicationCodeableConcept) || m.medicationReference?.display, m.dosageInstruction?.[0]?.text]
      .filter(Boolean)
      .join(' — '),
  );
  const plans = (await all<WithId<CarePlan>>(repo, 'CarePlan', { encounter: e })).filter((p) => notEnded(p.status) && p.description);
  const visits = (await all<WithId<Appointment>>(repo, 'Appointment', { 'supporting-info': e }))
    .filter((a) => a.start && !['cancelled', 'noshow', 'entered-in-error'].includes(a.status))
    .map((a) => a.start as string)
    .sort();
  return {
    diagnoses: diagnosisLines.join('\n'),
    procedures: procedures
      .map((p) =>
        [p.performedDateTime ? dmy(kolkataInstant(Date.parse(p.performedDateTime))) : '', conceptText(p.code)].filter(Boolean).join(': '),
      )
      .join('\n'),
    course: notes
      .map((n) => {
        const at = n.date ?? n.effectiveDateTime;
        return [at ? dmy(kolkataDate(Date.parse(at))) : '', n.summary ?? n.description].filter(Boolean).join(': ');
      })
      .join('\n'),
    medications: medicines.filter(Boolean).join('\n'),
    advice: plans.map((p) => p.description).join('\n'),
    followUp: visits[0] ? kolkataDate(Date.parse(visits[0])) : '',
  };
}

function dispositionOf(encounter: Encounter): string | undefined {
  return encounter.hospitalization?.dischargeDisposition?.coding?.find((c) => c.system === DISCHARGE_DISPOSITION)?.code;
}

/** The sentence a DAMA or death adds to the summary, in English (the PDF adds the Hindi). */
export function dispositionStatement(encounter: Encounter): string {
  const code = dispositionOf(encounter);
  const end = encounter.period?.end;
  if (code === 'exp')
    return `The patient died on ${end ? dmy(kolkataInstant(Date.parse(end))) : ''} at ${end ? kolkataInstant(Date.parse(end)).slice(11, 16) : ''} IST.`;
  if (code === 'aadvice')
    return 'The patient left the hospital against medical advice (DAMA), having been told of the risks of leaving before treatment was complete.';
  const text = encounter.hospitalization?.dischargeDisposition?.coding?.find((c) => c.system === DISCHARGE_DISPOSITION)?.display;
  return text ? `Discharged to: ${text}.` : '';
}

function stayParameters(encounter: WithId<Encounter>): ParametersParameter[] {
  const disposition = dispositionOf(encounter);
  const attending = encounter.participant?.find((p) => p.type?.some((t) => t.coding?.some((c) => c.code === 'ATND')))?.individual;
  return [
    { name: 'encounter', valueReference: { reference: `Encounter/${encounter.id}` } },
    ...(encounter.subject ? [{ name: 'patient', valueReference: encounter.subject }] : []),
    ...(attending ? [{ name: 'attending', valueReference: attending }] : []),
    ...(encounter.period?.start ? [{ name: 'admittedAt', valueDateTime: encounter.period.start }] : []),
    ...(encounter.status === 'finished' && encounter.period?.end ? [{ name: 'dischargedAt', valueDateTime: encounter.period.end }] : []),
    ...(disposition ? [{ name: 'disposition', valueCode: disposition }] : []),
    ...(disposition === 'exp' && encounter.period?.end ? [{ name: 'deathAt', valueDateTime: encounter.period.end }] : []),
  ];
}

function contentParameters(content: SummaryContent): ParametersParameter[] {
  return [
    ...FIELDS.map((f) => ({ name: f, valueString: content[f] })),
    ...(content.followUp ? [{ name: 'followUp', valueDate: content.followUp }] : []),
  ];
}

async function draft(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  const out = await repo.withTransaction(
    async (tx) => {
      const encounter = await stayOf(tx, req.params.id);
      const signed = await signedSummary(tx, encounter.id);
      const content = signed ? contentOf(signed.section) : await gatherDraft(tx, encounter);
      const parameter: ParametersParameter[] = [...stayParameters(encounter), ...contentParameters(content)];
      if (signed) {
        parameter.push({ name: 'composition', valueReference: { reference: `Composition/${signed.id}` } });
        parameter.push({ name: 'status', valueCode: signed.status });
        const attester = signed.attester?.find((a) => a.mode === 'legal');
        if (attester?.party) parameter.push({ name: 'signedBy', valueReference: attester.party });
        if (attester?.time) parameter.push({ name: 'signedAt', valueDateTime: attester.time });
      }
      const result: Parameters = { resourceType: 'Parameters', parameter };
      return result;
    },
    { resourceTypes: [] },
  );
  return [allOk, out];
}

/** The doctor's edited texts from the sign request: strings (diagnoses required) and a follow-up date. */
function readContent(input: OperationInput): SummaryContent {
  const text = (name: string) => (input.string(name) ?? '').replaceAll('\r\n', '\n').trim();
  const content: SummaryContent = {
    diagnoses: text('diagnoses'),
    procedures: text('procedures'),
    course: text('course'),
    medications: text('medications'),
    advice: text('advice'),
    followUp: text('followUp'),
  };
  if (!content.diagnoses) fail(badRequest('Give the diagnosis at discharge (parameter diagnoses)', 'diagnoses'));
  for (const f of FIELDS) if (content[f].length > 20_000) fail(badRequest(`${f} is longer than 20,000 characters`, f));
  if (content.followUp && !/^\d{4}-\d{2}-\d{2}$/.test(content.followUp))
    fail(badRequest('followUp must be a date (YYYY-MM-DD)', 'followUp'));
  return content;
}

/** Only a doctor signs, as themself (their Practitioner is the attester). */
function signer(repo: PostgresRepository): string {
  const who = repo.actor;
  if (repo.accessControl?.role !== 'doctor' || !who?.startsWith('Practitioner/')) {
    throw new OperationOutcomeError(forbiddenOutcome('Signing a discharge summary is for doctors'));
  }
  return who.slice('Practitioner/'.length);
}

async function sign(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  const doctorId = signer(repo);
  const input = new OperationInput(req.body, req.query);
  const content = readContent(input);
  let isNew = false;
  const composition = await repo.withTransaction(async (tx) => {
    // Two signatures at once: the second waits and amends what the first signed.
    await lockRows(tx, 'Encounter', [req.params.id]);
    const encounter = await stayOf(tx, req.params.id);
    const doctor = await readNamed<Practitioner>(tx, 'Practitioner', doctorId, 'signer');
    const doctorRef: Reference = {
      reference: `Practitioner/${doctor.id}`,
      ...(nameText(doctor.name) ? { display: nameText(doctor.name) } : {}),
    };
    const built = await buildComposition('DischargeSummaryRecord', await careContext(tx, encounter), { sectionsToAdd: 1 });
    const previous = await signedSummary(tx, encounter.id);
    const now = kolkataInstant(Date.now());
    const statement = dispositionStatement(encounter);
    const sections = [
      ...(built.section ?? []),
      textSection('diagnoses', content.diagnoses),
      ...(content.procedures ? [textSection('procedures', content.procedures)] : []),
      ...(content.course ? [textSection('course', content.course)] : []),
      ...(content.medications ? [textSection('medications', content.medications)] : []),
      ...(content.advice ? [textSection('advice', content.advice)] : []),
      ...(content.followUp ? [textSection('followUp', content.followUp)] : []),
      ...(statement ? [textSection('disposition', statement)] : []),
    ];
    const others = (built.author ?? []).filter((a) => a.reference !== doctorRef.reference);
    const next: Composition = {
      ...built,
      status: previous ? 'amended' : 'final',
      date: now,
      author: [doctorRef, ...others] as Composition['author'],
      attester: [{ mode: 'legal', time: now, party: doctorRef as Reference<Practitioner> }],
      section: sections,
    };
    if (previous) return tx.updateResource<Composition>({ ...next, id: previous.id });
    isNew = true;
    const { id: _generated, ...fresh } = next;
    return tx.createResource<Composition>(fresh);
  }, TX);
  return [isNew ? created : allOk, composition];
}

export const dischargeSummaryDraftHandler = (req: FhirRequest, repo: unknown) => draft(req, repo as PostgresRepository);
export const dischargeSummarySignHandler = (req: FhirRequest, repo: unknown) => sign(req, repo as PostgresRepository);
