import { allOk, type WithId } from '@medplum/core';
import type { FhirRequest, FhirResponse } from '@medplum/fhir-router';
import type { Bundle, Organization, ServiceRequest, Specimen, SpecimenDefinition } from '@medplum/fhirtypes';
import type { PostgresRepository } from '../../repo/postgres-repository.ts';
import { kolkataDate, kolkataInstant } from '../opd/kolkata.ts';
import { accessionValue, branchCode, nextAccessionNumber } from './accession.ts';
import { readTenantCatalogue, testFor } from './catalogue.ts';
import { ACCESSION_SYSTEM, bad, conflict, unprocessable, V2_0490 } from './fhir.ts';
import { oneString, parametersOf, referenceIds } from './input.ts';
import { readNamed } from './read.ts';
import { RECEIVED_URL, receivedInLab } from './stage.ts';

/**
 * `POST ServiceRequest/$collect` (and `ServiceRequest/[id]/$collect`), docs/lab.md: the
 * phlebotomist draws the samples for one patient's orders. Orders that go in the same container
 * (SpecimenDefinition of their catalogue test) share one Specimen with one accession number; each
 * order lists its Specimens in ServiceRequest.specimen. One transaction: all or nothing.
 */

const TX = { resourceTypes: ['ServiceRequest', 'Specimen'] as const };

async function collect(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  const params = parametersOf(req.body);
  const base = repo.baseUrl;
  const requestIds = [...new Set([...(req.params.id ? [req.params.id] : []), ...referenceIds(params, 'request', 'ServiceRequest', base)])];
  if (!requestIds.length) bad('Give the orders to collect for as request', 'request');
  const [branchId] = referenceIds(params, 'branch', 'Organization', base);
  if (!branchId) bad('Give the branch (Organization) whose lab numbers the samples', 'branch');
  const [collectorId] = referenceIds(params, 'collector', 'Practitioner', base);
  const collected = oneString(params, 'collected');
  if (collected !== undefined && Number.isNaN(Date.parse(collected))) bad('collected must be a dateTime', 'collected');

  const specimens = await repo.withTransaction(async (tx) => {
    // Two desks collecting for the same order take turns; the second sees the first's sample.
    await tx.query((sql) => sql.query('SELECT 1 FROM "ServiceRequest" WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE', [requestIds]));
    const orders: WithId<ServiceRequest>[] = [];
    for (const id of requestIds) orders.push(await readNamed<ServiceRequest>(tx, 'ServiceRequest', id, 'request'));
    const subjects = new Set(orders.map((o) => o.subject?.reference));
    if (subjects.size !== 1) unprocessable('The orders must all be for one patient', 'request');
    for (const o of orders)
      if (o.status !== 'active') conflict(`ServiceRequest/${o.id} is ${o.status}, not active: nothing to collect`, 'request');
    const branch = await readNamed<Organization>(tx, 'Organization', branchId, 'branch');
    if (collectorId) await readNamed(tx, 'Practitioner', collectorId, 'collector');
    const catalogue = await readTenantCatalogue(tx);

    // Group the orders by container.
    const groups = new Map<string, WithId<ServiceRequest>[]>();
    for (const o of orders) {
      const test = testFor(catalogue, o.code);
      if (!test)
        unprocessable(
          `ServiceRequest/${o.id} (${o.code?.text ?? o.code?.coding?.[0]?.display ?? 'no code'}) is not a test in the lab catalogue`,
          'request',
        );
      const specDef = (test?.specimenRequirement?.[0]?.reference ?? '').replace(/^SpecimenDefinition\//, '');
      // A sample already drawn and not rejected stands: a second draw is a recollection after $reject.
      for (const ref of o.specimen ?? []) {
        const s = await tx.readResource<Specimen>('Specimen', (ref.reference ?? '').replace(/^Specimen\//, ''));
        if (s.status === 'available')
          conflict(`ServiceRequest/${o.id} already has sample ${s.accessionIdentifier?.value}; reject it first to recollect`, 'request');
      }
      groups.set(specDef, [...(groups.get(specDef) ?? []), o]);
    }

    const now = Date.now();
    const date = kolkataDate(now);
    const code = branchCode(branch);
    const made: WithId<Specimen>[] = [];
    for (const [specDefId, group] of groups) {
      const def = catalogue.specimens.get(specDefId) as SpecimenDefinition | undefined;
      if (!def) unprocessable(`The catalogue test for ServiceRequest/${group[0].id} names no container`, 'request');
      const container = def?.typeTested?.[0]?.container;
      // Numbers are taken last, right before the writes: the counter row stays locked until commit.
      const n = await tx.query((sql) => nextAccessionNumber(sql, branch.id, date));
      const specimen = await tx.createResource<Specimen>({
        resourceType: 'Specimen',
        accessionIdentifier: {
          system: ACCESSION_SYSTEM,
          value: accessionValue(code, date, n),
          assigner: { reference: `Organization/${branch.id}` },
        },
        status: 'available',
        // ABDM's Specimen profile requires receivedTime, which servers enforcing it (the default) refuse
        // to go without: until the lab receives the sample it is the collection time. Whether the
        // lab has it is the lab-received mark that $receive sets (stage.ts).
        receivedTime: collected ?? kolkataInstant(now),
        ...(def?.typeCollected ? { type: def.typeCollected } : {}),
        subject: group[0].subject,
        request: group.map((o) => ({ reference: `ServiceRequest/${o.id}` })),
        collection: {
          ...(collectorId ? { collector: { reference: `Practitioner/${collectorId}` } } : {}),
          collectedDateTime: collected ?? kolkataInstant(now),
        },
        ...(container
          ? {
              container: [
                {
                  type: container.type,
                  ...(container.additive?.[0] ? { additiveCodeableConcept: container.additive[0].additiveCodeableConcept } : {}),
                },
              ],
            }
          : {}),
      });
      made.push(specimen);
      for (const o of group) {
        const current = orders.find((x) => x.id === o.id) as WithId<ServiceRequest>;
        const updated = await tx.updateResource<ServiceRequest>({
          ...current,
          specimen: [...(current.specimen ?? []), { reference: `Specimen/${specimen.id}` }],
        });
        orders[orders.indexOf(current)] = updated;
      }
    }
    return made;
  }, TX);
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'collection',
    entry: specimens.map((s) => ({ fullUrl: `${base}/fhir/R4/Specimen/${s.id}`, resource: s })),
  };
  return [allOk, bundle];
}

/** Rejection reasons a lab uses, as HL7 v2 table 0490 codes. */
export const REJECT_REASONS: Record<string, { code: string; display: string }> = {
  haemolysed: { code: 'RH', display: 'Hemolysis' },
  insufficient: { code: 'QS', display: 'Quantity not sufficient' },
  clotted: { code: 'RC', display: 'Clotting' },
  contaminated: { code: 'RN', display: 'Contamination' },
  mislabelled: { code: 'RM', display: 'Labeling' },
};

/**
 * `POST Specimen/[id]/$reject` (reason: haemolysed, insufficient, clotted, contaminated,
 * mislabelled; note optional): the sample is unsatisfactory and its orders can be collected again.
 */
async function reject(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  const params = parametersOf(req.body);
  const reason = oneString(params, 'reason');
  const why = reason ? REJECT_REASONS[reason] : undefined;
  if (!why) bad(`Give reason, one of ${Object.keys(REJECT_REASONS).join(', ')}`, 'reason');
  const note = oneString(params, 'note');
  const result = await repo.withTransaction(
    async (tx) => {
      await tx.query((sql) => sql.query('SELECT 1 FROM "Specimen" WHERE id = $1 FOR UPDATE', [req.params.id]));
      const s = await readNamed<Specimen>(tx, 'Specimen', req.params.id, 'id');
      if (s.status !== 'available') conflict(`The sample is ${s.status}: only an available sample can be rejected`);
      return tx.updateResource<Specimen>({
        ...s,
        status: 'unsatisfactory',
        condition: [{ coding: [{ system: V2_0490, code: why?.code, display: why?.display }], text: reason }],
        note: [...(s.note ?? []), { text: `Rejected: ${reason}${note ? ` (${note})` : ''}`, time: kolkataInstant(Date.now()) }],
      });
    },
    { resourceTypes: ['Specimen'] },
  );
  return [allOk, result];
}

/** `POST Specimen/[id]/$receive`: the sample reached the lab (receivedTime, and the lab-received mark). */
async function receive(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  const result = await repo.withTransaction(
    async (tx) => {
      await tx.query((sql) => sql.query('SELECT 1 FROM "Specimen" WHERE id = $1 FOR UPDATE', [req.params.id]));
      const s = await readNamed<Specimen>(tx, 'Specimen', req.params.id, 'id');
      if (s.status !== 'available') conflict(`The sample is ${s.status}: it cannot be received`);
      if (receivedInLab(s)) return s;
      const now = kolkataInstant(Date.now());
      return tx.updateResource<Specimen>({
        ...s,
        receivedTime: now,
        extension: [...(s.extension ?? []), { url: RECEIVED_URL, valueDateTime: now }],
      });
    },
    { resourceTypes: ['Specimen'] },
  );
  return [allOk, result];
}

export const collectHandler = (req: FhirRequest, repo: unknown) => collect(req, repo as PostgresRepository);
export const rejectHandler = (req: FhirRequest, repo: unknown) => reject(req, repo as PostgresRepository);
export const receiveHandler = (req: FhirRequest, repo: unknown) => receive(req, repo as PostgresRepository);
