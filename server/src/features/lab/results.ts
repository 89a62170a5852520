import { allOk, created, type SearchRequest, type WithId } from '@medplum/core';
import type { FhirRequest, FhirResponse } from '@medplum/fhir-router';
import type {
  Bundle,
  CodeableConcept,
  DiagnosticReport,
  Observation,
  ObservationDefinition,
  ParametersParameter,
  Patient,
  ServiceRequest,
  Specimen,
} from '@medplum/fhirtypes';
import type { PostgresRepository } from '../../repo/postgres-repository.ts';
import { kolkataInstant } from '../opd/kolkata.ts';
import { egfr, friedewald } from './calculated.ts';
import { analytesOf, readTenantCatalogue, testFor } from './catalogue.ts';
import { alertCriticalResults } from './critical-alert.ts';
import { deltaCheck, deltaInterpretation, deltaNote, deltaRule } from './delta.ts';
import {
  bad,
  conflict,
  ENTERED_AT_URL,
  ENTERED_BY_URL,
  fail,
  LOINC,
  OBS_CATEGORY,
  secondPersonOutcome,
  UCUM,
  unprocessable,
  V2_0074,
  VERIFIED_AT_URL,
  VERIFIED_BY_URL,
} from './fhir.ts';
import { named, oneString, parametersOf } from './input.ts';
import { ageInDays, assess, interpretation, referenceRange, type Sex } from './ranges.ts';
import { actorKey, readNamed } from './read.ts';

/**
 * Result entry and verification (docs/lab.md):
 * - `POST ServiceRequest/[id]/$enter-results`: one `result` per analyte (parts `code`, the LOINC
 *   code, and `value`); Observations (preliminary) with UCUM units, the catalogue's reference range
 *   for the patient's sex and age at collection and H/L/HH/LL flags, under a preliminary
 *   DiagnosticReport that records who entered it.
 * - `POST DiagnosticReport/[id]/$verify`: someone else makes it final (the enterer gets 403).
 * - `POST DiagnosticReport/[id]/$amend` (reason, result...): after final, changed values become
 *   amended Observations and an amended report; the earlier versions stay in _history.
 * Every input is checked before the first write, and each operation is one transaction.
 */

export const TX = { resourceTypes: ['Observation', 'DiagnosticReport'] as const };
const ENDED = new Set(['cancelled', 'entered-in-error']);

interface Entry {
  def: WithId<ObservationDefinition>;
  value: number | string | CodeableConcept;
}

/** The `result` parameters, each matched to one of the test's analytes and type-checked. */
function readResults(params: ParametersParameter[], analytes: WithId<ObservationDefinition>[], testName: string): Entry[] {
  const results = named(params, 'result');
  if (!results.length) bad('Give at least one result (parts code and value)', 'result');
  const seen = new Set<string>();
  return results.map((r, i) => {
    const where = `result[${i}]`;
    const codePart = r.part?.find((p) => p.name === 'code');
    const code = codePart?.valueCode ?? codePart?.valueString ?? codePart?.valueCoding?.code;
    if (!code) bad(`${where} has no code`, where);
    const def = analytes.find((a) => a.code.coding?.some((c) => c.system === LOINC && c.code === code));
    if (!def) unprocessable(`${code} is not an analyte of ${testName}`, `${where}.code`);
    if (seen.has(code as string)) bad(`${code} is given more than once`, `${where}.code`);
    seen.add(code as string);
    const v = r.part?.find((p) => p.name === 'value');
    if (!v) bad(`${where} (${code}) has no value`, `${where}.value`);
    const d = def as WithId<ObservationDefinition>;
    if (d.permittedDataType?.includes('Quantity')) {
      const raw = v?.valueQuantity?.value ?? v?.valueDecimal ?? v?.valueInteger ?? v?.valueString;
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : Number.NaN;
      if (!Number.isFinite(n)) bad(`${d.code.text ?? code} takes a number, not ${JSON.stringify(raw ?? v)}`, `${where}.value`);
      const unit = d.quantitativeDetails?.unit?.coding?.[0]?.code;
      if (v?.valueQuantity?.code && v.valueQuantity.code !== unit)
        bad(`${d.code.text ?? code} is entered in ${unit}, not ${v.valueQuantity.code}`, `${where}.value`);
      return { def: d, value: n };
    }
    const coded = v?.valueCodeableConcept ?? v?.valueString;
    if (coded === undefined) bad(`${d.code.text ?? code} takes a coded or text value`, `${where}.value`);
    return { def: d, value: coded as string | CodeableConcept };
  });
}

interface Context {
  order: WithId<ServiceRequest>;
  specimen: WithId<Specimen>;
  sex: Sex;
  ageDays: number | undefined;
  collected: string | undefined;
}

function observation(e: Entry, c: Context, status: Observation['status'], now: string): Observation {
  const base: Observation = {
    resourceType: 'Observation',
    status,
    category: [{ coding: [{ system: OBS_CATEGORY, code: 'laboratory', display: 'Laboratory' }] }],
    code: e.def.code,
    subject: c.order.subject,
    ...(c.order.encounter ? { encounter: c.order.encounter } : {}),
    basedOn: [{ reference: `ServiceRequest/${c.order.id}` }],
    specimen: { reference: `Specimen/${c.specimen.id}` },
    ...(c.collected ? { effectiveDateTime: c.collected } : {}),
    issued: now,
  };
  if (typeof e.value === 'number') {
    const unit = e.def.quantitativeDetails?.unit;
    const a = assess(e.def, e.value, c.sex, c.ageDays);
    return {
      ...base,
      valueQuantity: { value: e.value, unit: unit?.text ?? unit?.coding?.[0]?.display, system: UCUM, code: unit?.coding?.[0]?.code },
      ...(a.flag ? { interpretation: [interpretation(a.flag)] } : {}),
      ...(a.reference ? { referenceRange: [referenceRange(a.reference)] } : {}),
    };
  }
  return typeof e.value === 'string' ? { ...base, valueString: e.value } : { ...base, valueCodeableConcept: e.value };
}

async function contextOf(tx: PostgresRepository, order: WithId<ServiceRequest>): Promise<Context> {
  let specimen: WithId<Specimen> | undefined;
  for (const ref of order.specimen ?? []) {
    const s = await tx.readResource<Specimen>('Specimen', (ref.reference ?? '').replace(/^Specimen\//, ''));
    if (s.status === 'available') specimen = s;
  }
  if (!specimen) conflict('The order has no sample: collect it first ($collect)');
  const patientId = (order.subject?.reference ?? '').replace(/^Patient\//, '');
  const patient = await readNamed<Patient>(tx, 'Patient', patientId, 'subject');
  const collected = specimen?.collection?.collectedDateTime;
  return {
    order,
    specimen: specimen as WithId<Specimen>,
    sex: patient.gender,
    ageDays: patient.birthDate && collected ? ageInDays(patient.birthDate, collected) : undefined,
    collected,
  };
}

async function reportsFor(tx: PostgresRepository, orderId: string): Promise<WithId<DiagnosticReport>[]> {
  return tx.searchResources<DiagnosticReport>({
    resourceType: 'DiagnosticReport',
    filters: [{ code: 'based-on', operator: 'eq', value: `ServiceRequest/${orderId}` }],
  } as SearchRequest<DiagnosticReport>);
}

const resultBundle = (base: string, report: WithId<DiagnosticReport>, observations: WithId<Observation>[]): Bundle => ({
  resourceType: 'Bundle',
  type: 'collection',
  entry: [report, ...observations].map((r) => ({ fullUrl: `${base}/fhir/R4/${r.resourceType}/${r.id}`, resource: r })),
});

/**
 * Enters results for one order inside an open transaction (`$enter-results`, and analyser
 * messages): checks everything, then writes the Observations and the preliminary report.
 */
export async function enterInTransaction(tx: PostgresRepository, orderId: string, params: ParametersParameter[]): Promise<Bundle> {
  await tx.query((sql) => sql.query('SELECT 1 FROM "ServiceRequest" WHERE id = $1 FOR UPDATE', [orderId]));
  const order = await readNamed<ServiceRequest>(tx, 'ServiceRequest', orderId, 'id');
  if (order.status !== 'active') conflict(`The order is ${order.status}, not active`);
  const catalogue = await readTenantCatalogue(tx);
  const test = testFor(catalogue, order.code);
  if (!test) unprocessable('The order is not for a test in the lab catalogue');
  const entries = readResults(params, analytesOf(catalogue, test as NonNullable<typeof test>), test?.title ?? 'the test');
  if ((await reportsFor(tx, order.id)).some((r) => !ENDED.has(r.status))) {
    conflict('Results are already entered for this order: verify them, or amend after verification ($amend)');
  }
  const ctx = await contextOf(tx, order);
  const now = kolkataInstant(Date.now());
  const observations: WithId<Observation>[] = [];
  for (const e of entries) {
    const o = observation(e, ctx, 'preliminary', now);
    const d = typeof e.value === 'number' ? await deltaCheck(tx, e.def, order.subject?.reference ?? '', e.value, ctx.collected) : undefined;
    if (d) {
      o.interpretation = [...(o.interpretation ?? []), deltaInterpretation(d)];
      o.note = [{ text: deltaNote(d, deltaRule(e.def), o.valueQuantity?.unit) }];
    }
    observations.push(await tx.createResource<Observation>(o));
  }
  const analytes = analytesOf(catalogue, test as NonNullable<typeof test>);
  const ageYears = ctx.ageDays === undefined ? undefined : Math.floor(ctx.ageDays / 365.25);
  for (const calc of [friedewald(analytes, entries), egfr(analytes, entries, ctx.sex, ageYears)]) {
    if (!calc) continue;
    const from = observations.filter((o) => o.code.coding?.some((c) => c.system === LOINC && calc.from.includes(c.code ?? '')));
    observations.push(
      await tx.createResource<Observation>({
        ...observation({ def: calc.def, value: calc.value }, ctx, 'preliminary', now),
        method: { text: calc.method },
        derivedFrom: from.map((o) => ({ reference: `Observation/${o.id}` })),
      }),
    );
  }
  const report = await tx.createResource<DiagnosticReport>({
    resourceType: 'DiagnosticReport',
    extension: [
      { url: ENTERED_BY_URL, valueString: actorKey(tx) },
      { url: ENTERED_AT_URL, valueDateTime: now },
    ],
    status: 'preliminary',
    category: [{ coding: [{ system: V2_0074, code: 'LAB', display: 'Laboratory' }] }],
    code: order.code as CodeableConcept,
    subject: order.subject,
    ...(order.encounter ? { encounter: order.encounter } : {}),
    basedOn: [{ reference: `ServiceRequest/${order.id}` }],
    specimen: [{ reference: `Specimen/${ctx.specimen.id}` }],
    ...(ctx.collected ? { effectiveDateTime: ctx.collected } : {}),
    issued: now,
    result: observations.map((o) => ({ reference: `Observation/${o.id}`, display: o.code.text })),
  });
  await alertCriticalResults(tx, order, observations, ctx.specimen.accessionIdentifier?.value, now);
  return resultBundle(tx.baseUrl, report, observations);
}

async function enterResults(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  const params = parametersOf(req.body);
  const result = await repo.withTransaction((tx) => enterInTransaction(tx, req.params.id, params), TX);
  return [created, result];
}

async function lockedReport(tx: PostgresRepository, id: string): Promise<WithId<DiagnosticReport>> {
  await tx.query((sql) => sql.query('SELECT 1 FROM "DiagnosticReport" WHERE id = $1 FOR UPDATE', [id]));
  return readNamed<DiagnosticReport>(tx, 'DiagnosticReport', id, 'id');
}

async function resultsOf(tx: PostgresRepository, report: DiagnosticReport): Promise<WithId<Observation>[]> {
  const out: WithId<Observation>[] = [];
  for (const r of report.result ?? [])
    out.push(await tx.readResource<Observation>('Observation', (r.reference ?? '').replace(/^Observation\//, '')));
  return out;
}

async function verify(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  const result = await repo.withTransaction(async (tx) => {
    const report = await lockedReport(tx, req.params.id);
    if (report.status !== 'preliminary') conflict(`The report is ${report.status}: only a preliminary report is verified`);
    const enteredBy = report.extension?.find((e) => e.url === ENTERED_BY_URL)?.valueString;
    if (!enteredBy || enteredBy === actorKey(tx)) fail(secondPersonOutcome());
    const now = kolkataInstant(Date.now());
    const observations: WithId<Observation>[] = [];
    for (const o of await resultsOf(tx, report)) observations.push(await tx.updateResource<Observation>({ ...o, status: 'final' }));
    // The verifier as a person the report can print (resultsInterpreter), when they sign in as a Practitioner.
    const who = tx.auditActor?.fhirUser;
    const interpreter = who?.startsWith('Practitioner/') ? [{ reference: who }] : report.resultsInterpreter;
    const final = await tx.updateResource<DiagnosticReport>({
      ...report,
      extension: [
        ...(report.extension ?? []),
        { url: VERIFIED_BY_URL, valueString: actorKey(tx) },
        { url: VERIFIED_AT_URL, valueDateTime: now },
      ],
      ...(interpreter ? { resultsInterpreter: interpreter } : {}),
      status: 'final',
      issued: now,
    });
    return resultBundle(tx.baseUrl, final, observations);
  }, TX);
  return [allOk, result];
}

async function amend(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  const params = parametersOf(req.body);
  const reason = oneString(params, 'reason');
  if (!reason?.trim()) bad('Give the reason for the amendment', 'reason');
  const result = await repo.withTransaction(async (tx) => {
    const report = await lockedReport(tx, req.params.id);
    if (report.status !== 'final' && report.status !== 'amended')
      conflict(`The report is ${report.status}: only a verified report is amended`);
    const orderId = (report.basedOn?.[0]?.reference ?? '').replace(/^ServiceRequest\//, '');
    const order = await readNamed<ServiceRequest>(tx, 'ServiceRequest', orderId, 'basedOn');
    const catalogue = await readTenantCatalogue(tx);
    const test = testFor(catalogue, order.code);
    if (!test) unprocessable('The order is not for a test in the lab catalogue');
    const entries = readResults(params, analytesOf(catalogue, test as NonNullable<typeof test>), test?.title ?? 'the test');
    const ctx = await contextOf(tx, order);
    const now = kolkataInstant(Date.now());
    const current = await resultsOf(tx, report);
    const observations: WithId<Observation>[] = [];
    const added: WithId<Observation>[] = [];
    for (const o of current) {
      const e = entries.find((x) => x.def.code.coding?.some((c) => o.code.coding?.some((d) => d.system === c.system && d.code === c.code)));
      if (!e) {
        observations.push(o);
        continue;
      }
      const fresh = observation(e, ctx, 'amended', now);
      observations.push(
        await tx.updateResource<Observation>({
          ...fresh,
          id: o.id,
          meta: o.meta,
          note: [...(o.note ?? []), { text: `Amended: ${reason}`, time: now }],
        }),
      );
    }
    for (const e of entries) {
      if (current.some((o) => o.code.coding?.some((d) => e.def.code.coding?.some((c) => c.system === d.system && c.code === d.code))))
        continue;
      added.push(await tx.createResource<Observation>(observation(e, ctx, 'amended', now)));
    }
    const amended = await tx.updateResource<DiagnosticReport>({
      ...report,
      status: 'amended',
      issued: now,
      result: [...(report.result ?? []), ...added.map((o) => ({ reference: `Observation/${o.id}`, display: o.code.text }))],
      conclusion: [report.conclusion, `Amended ${now}: ${reason}`].filter(Boolean).join('\n'),
    });
    // A value amended into the critical range alerts the doctor; one alerted before does not again.
    const changed = [...observations.filter((o) => o.status === 'amended' && o.issued === now), ...added];
    await alertCriticalResults(tx, order, changed, ctx.specimen.accessionIdentifier?.value, now);
    return resultBundle(tx.baseUrl, amended, [...observations, ...added]);
  }, TX);
  return [allOk, result];
}

export const enterResultsHandler = (req: FhirRequest, repo: unknown) => enterResults(req, repo as PostgresRepository);
export const verifyHandler = (req: FhirRequest, repo: unknown) => verify(req, repo as PostgresRepository);
export const amendHandler = (req: FhirRequest, repo: unknown) => amend(req, repo as PostgresRepository);
