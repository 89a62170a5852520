import { allOk, badRequest, conflict, OperationOutcomeError, type WithId } from '@medplum/core';
import type { FhirRequest, FhirResponse } from '@medplum/fhir-router';
import type {
  Coding,
  HumanName,
  Location,
  Medication,
  MedicationDispense,
  MedicationRequest,
  Parameters,
  ParametersParameter,
  Patient,
  Practitioner,
  SupplyDelivery,
} from '@medplum/fhirtypes';
import type { PostgresRepository } from '../../repo/postgres-repository.ts';
import { fail, localReference, stateConflict, unprocessable } from '../opd/fhir.ts';
import { kolkataDate, kolkataInstant } from '../opd/kolkata.ts';
import { daysBetween, inr, readNamed, requireAccess } from './common.ts';
import { DEFAULT_SAFETY_DAYS, HSN_SYSTEM, insufficientStock, RETURNED_DISPENSE_URL, ruleBroken, UNIT_PRICE_URL } from './fhir.ts';
import { itemKey, Params } from './input.ts';
import { batchById, compositionsOf, dispensedFor, fefo, move, type Pickable, pickable, returnedFor, scanned } from './ledger.ts';
import { writeRegister } from './register.ts';

/**
 * Dispensing (docs/pharmacy.md): `POST MedicationRequest/[id]/$dispense` against a prescription and
 * `POST $dispense-otc` over the counter. Batches are picked first-expiry-first-out among those not
 * expired and not inside the store's safety window, split across batches when one is not enough,
 * one MedicationDispense per batch. Short stock answers 409 INSUFFICIENT_STOCK with what is
 * available, unless `partial=true` asks to hand over what there is and leave the rest pending.
 * `POST MedicationDispense/[id]/$return` puts returned units back into the same batch and store.
 * Everything of one call is one transaction: all of it is written, or none.
 */

const SUBSTITUTION_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-substanceAdminSubstitution';
export const SAFETY_DAYS_URL = 'https://hospital-ops.in/fhir/StructureDefinition/dispense-safety-days';

/** The store's safety window: its Location extension, else 30 days. */
function safetyDays(store: Location): number {
  const v = store.extension?.find((e) => e.url === SAFETY_DAYS_URL)?.valueInteger;
  return typeof v === 'number' && v >= 0 ? v : DEFAULT_SAFETY_DAYS;
}

const nameOf = (names: HumanName[] | undefined) =>
  names?.[0]?.text ?? [names?.[0]?.prefix?.join(' '), names?.[0]?.given?.join(' '), names?.[0]?.family].filter(Boolean).join(' ');

interface DispenseContext {
  store: WithId<Location>;
  item: string;
  itemLabel: string;
  wanted: number;
  partial: boolean;
  request?: WithId<MedicationRequest>;
  /** A batch the pharmacist scanned or picked, instead of FEFO's choice. */
  batch?: string;
  /** A generic in place of the prescribed item, confirmed by the pharmacist with a reason. */
  substitution?: { reason: string };
  patient?: string;
  actor?: string;
  now: number;
}

interface Dispensed {
  dispenses: WithId<MedicationDispense>[];
  dispensed: number;
}

/** Picks, writes the MedicationDispenses and their ledger rows, and the H1/X register lines. */
async function dispenseFromStore(tx: PostgresRepository, c: DispenseContext): Promise<Dispensed> {
  const today = kolkataDate(c.now);
  const batches = c.batch
    ? await scannedBatch(tx, c, today)
    : await tx.query((sql) => pickable(sql, c.store.id, c.item, today, safetyDays(c.store)));
  const available = batches.reduce((n, b) => n + b.onHand, 0);
  if (available < c.wanted && (!c.partial || available === 0)) fail(insufficientStock(c.itemLabel, c.wanted, available, 'quantity'));
  const picks = fefo(batches, c.wanted);
  if (!c.request && picks.some((p) => p.batch.schedule !== 'OTC'))
    fail(
      ruleBroken(
        'PRESCRIPTION_REQUIRED',
        `${c.itemLabel} is a Schedule ${picks.find((p) => p.batch.schedule !== 'OTC')?.batch.schedule} drug: it is dispensed only against a prescription`,
        'item',
      ),
    );
  const dispenses: WithId<MedicationDispense>[] = [];
  for (const { batch, qty } of picks) {
    // The ledger row first, under the dispense's id: the MedicationDispense write hook (hooks.ts)
    // then finds the stock movement it records, as it demands of every dispense of a stocked batch.
    const id = crypto.randomUUID();
    const ok = await tx.query((sql) =>
      move(sql, {
        store: c.store.id,
        medicationId: batch.medicationId,
        kind: 'dispense',
        qty: -qty,
        reference: `MedicationDispense/${id}`,
        request: c.request ? `MedicationRequest/${c.request.id}` : undefined,
        actor: c.actor,
      }),
    );
    // The batch rows are locked since picking, so this only fails if something bypassed the lock.
    if (!ok) throw new OperationOutcomeError(conflict('The stock changed while dispensing; retry'));
    const md = await tx.createResource<MedicationDispense>({ ...medicationDispense(c, batch, qty), id }, { assignedId: true });
    if (c.request && (batch.schedule === 'H1' || batch.schedule === 'X')) await registerLine(tx, c, batch, qty, md.id);
    dispenses.push(md);
  }
  return { dispenses, dispensed: picks.reduce((n, p) => n + p.qty, 0) };
}

/** The scanned batch, if it is the item's, in this store, and neither expired nor inside the safety window. */
async function scannedBatch(tx: PostgresRepository, c: DispenseContext, today: string): Promise<Pickable[]> {
  const b = await tx.query((sql) => scanned(sql, c.store.id, c.batch as string));
  if (!b || b.item !== c.item)
    fail(unprocessable(`Medication/${c.batch} is not a batch of ${c.itemLabel} held in this store`, 'batch', 'not-found'));
  const batch = b as Pickable;
  const left = daysBetween(today, batch.expiry);
  if (left <= 0) fail(ruleBroken('EXPIRED_BATCH', `Batch ${batch.lot} expired on ${batch.expiry}: it cannot be dispensed`, 'batch'));
  const window = safetyDays(c.store);
  if (left <= window)
    fail(
      ruleBroken(
        'BATCH_IN_SAFETY_WINDOW',
        `Batch ${batch.lot} expires on ${batch.expiry}, within this store's ${window}-day safety window: dispense another batch`,
        'batch',
      ),
    );
  return batch.onHand > 0 ? [batch] : [];
}

async function registerLine(tx: PostgresRepository, c: DispenseContext, batch: Pickable, qty: number, dispenseId: string): Promise<void> {
  const request = c.request as WithId<MedicationRequest>;
  const patientRef = request.subject?.reference as string;
  const patient = await readNamed<Patient>(tx, 'Patient', patientRef.split('/')[1], 'subject');
  const prescriberRef = request.requester?.reference;
  const prescriber = localReference(prescriberRef, tx.baseUrl);
  if (prescriber?.type !== 'Practitioner')
    fail(
      ruleBroken(
        'PRESCRIBER_REQUIRED',
        `A Schedule ${batch.schedule} dispense needs the prescription's requester (a Practitioner) for the register`,
        'MedicationRequest.requester',
      ),
    );
  const doctor = await readNamed<Practitioner>(tx, 'Practitioner', (prescriber as { id: string }).id, 'requester');
  await tx.query((sql) =>
    writeRegister(sql, {
      schedule: batch.schedule as 'H1' | 'X',
      dispenseId,
      store: c.store.id,
      medicationId: batch.medicationId,
      itemDisplay: batch.itemDisplay,
      lot: batch.lot,
      qty,
      patient: patientRef,
      patientName: nameOf(patient.name),
      prescriber: `Practitioner/${doctor.id}`,
      prescriberName: nameOf(doctor.name),
      prescription: `MedicationRequest/${request.id}`,
    }),
  );
}

function medicationDispense(c: DispenseContext, batch: Pickable, qty: number): MedicationDispense {
  return {
    resourceType: 'MedicationDispense',
    status: 'completed',
    medicationReference: {
      reference: `Medication/${batch.medicationId}`,
      display: `${batch.itemDisplay} (batch ${batch.lot}, exp ${batch.expiry})`,
    },
    ...(c.patient ? { subject: { reference: c.patient } } : {}),
    ...(c.actor?.startsWith('Practitioner/') ? { performer: [{ actor: { reference: c.actor } }] } : {}),
    location: { reference: `Location/${c.store.id}` },
    ...(c.request ? { authorizingPrescription: [{ reference: `MedicationRequest/${c.request.id}` }] } : {}),
    ...(c.request?.encounter ? { context: c.request.encounter } : {}),
    quantity: { value: qty, unit: 'unit' },
    whenHandedOver: kolkataInstant(c.now),
    ...(c.request?.dosageInstruction ? { dosageInstruction: c.request.dosageInstruction } : {}),
    ...(c.substitution
      ? {
          substitution: {
            wasSubstituted: true,
            type: { coding: [{ system: SUBSTITUTION_SYSTEM, code: 'G', display: 'generic composition' }] },
            reason: [{ text: c.substitution.reason }],
            ...(c.actor?.startsWith('Practitioner/') ? { responsibleParty: [{ reference: c.actor }] } : {}),
          },
        }
      : {}),
    extension: [{ url: UNIT_PRICE_URL, valueMoney: inr(batch.mrpPaise) }],
  };
}

function result(d: Dispensed, pending?: number): Parameters {
  const parameter: ParametersParameter[] = [
    { name: 'dispensed', valueInteger: d.dispensed },
    ...(pending !== undefined ? [{ name: 'pending', valueInteger: pending }] : []),
    ...d.dispenses.map((md) => ({ name: 'dispense', resource: md })),
  ];
  return { resourceType: 'Parameters', parameter };
}

/** The catalogue item a prescription names: its coding (or its Medication's), excluding HSN. */
async function prescribedItem(tx: PostgresRepository, request: MedicationRequest): Promise<Coding> {
  let codings = request.medicationCodeableConcept?.coding;
  const ref = localReference(request.medicationReference?.reference, tx.baseUrl);
  if (!codings && ref?.type === 'Medication') codings = (await readNamed<Medication>(tx, 'Medication', ref.id, 'medication')).code?.coding;
  const coding = codings?.find((c) => c.system && c.code && c.system !== HSN_SYSTEM);
  return coding ?? fail(unprocessable('The prescription names no coded medication the pharmacy can pick', 'MedicationRequest.medication'));
}

/** A substitute must be received with exactly the prescribed item's (known) composition. */
async function assertSameComposition(tx: PostgresRepository, prescribed: string, substitute: string): Promise<void> {
  const [a, b] = await tx.query(async (sql) => [await compositionsOf(sql, prescribed), await compositionsOf(sql, substitute)]);
  if (a.length !== 1 || b.length !== 1 || a[0] !== b[0])
    fail(
      ruleBroken(
        'NOT_SAME_COMPOSITION',
        `A generic substitute must have the prescribed medicine's composition (${a.join('; ') || 'not recorded'}), not ${b.join('; ') || 'an unrecorded one'}`,
        'substitute',
      ),
    );
}

/** One dispense per prescription at a time: the second counter waits and then sees the first's. */
const lockRequest = (tx: PostgresRepository, id: string) =>
  tx.query((sql) => sql.query("SELECT pg_advisory_xact_lock(hashtext('pharmacy-rx:' || app_current_tenant()::text || $1))", [id]));

async function dispense(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  requireAccess(repo, 'MedicationDispense', 'c');
  const input = new Params(req.body, req.query as Record<string, string>);
  const storeId = input.requiredId('store', 'Location', repo.baseUrl);
  const quantity = input.integer('quantity', 1);
  const partial = input.boolean('partial') ?? false;
  const batch = input.id('batch', 'Medication', repo.baseUrl);
  const substitute = input.coding('substitute');
  const substitutionReason = input.string('substitutionReason');
  if (substitute && !substitutionReason)
    fail(badRequest('A generic substitute needs substitutionReason: the pharmacist confirms why', 'substitutionReason'));
  const requestId = req.params.id;
  const out = await repo.withTransaction(
    async (tx) => {
      await lockRequest(tx, requestId);
      const request = await tx.readResource<MedicationRequest>('MedicationRequest', requestId);
      if (request.status !== 'active')
        fail(stateConflict(`The prescription is ${request.status}: only an active one is dispensed`, 'MedicationRequest.status'));
      if (request.intent !== 'order' && request.intent !== 'original-order' && request.intent !== 'instance-order')
        fail(stateConflict(`A MedicationRequest with intent ${request.intent} is not an order to dispense`, 'MedicationRequest.intent'));
      if (!request.subject?.reference?.startsWith('Patient/'))
        fail(unprocessable('The prescription names no patient', 'MedicationRequest.subject'));
      const store = await readNamed<Location>(tx, 'Location', storeId, 'store');
      const prescribedCoding = await prescribedItem(tx, request);
      const item = substitute ?? prescribedCoding;
      if (substitute) await assertSameComposition(tx, itemKey(prescribedCoding), itemKey(substitute));
      const prescribed = request.dispenseRequest?.quantity?.value;
      const already = await tx.query((sql) => dispensedFor(sql, `MedicationRequest/${request.id}`));
      const remaining = prescribed !== undefined ? Math.max(0, prescribed - already) : undefined;
      const wanted =
        quantity ?? remaining ?? fail(badRequest('The prescription has no dispenseRequest.quantity: give quantity', 'quantity'));
      if (remaining !== undefined && wanted > remaining)
        fail(unprocessable(`Only ${remaining} of the ${prescribed} prescribed units remain to be dispensed, not ${wanted}`, 'quantity'));
      const done = await dispenseFromStore(tx, {
        store,
        item: itemKey(item),
        itemLabel: item.display ?? (item.code as string),
        wanted,
        partial,
        request,
        ...(batch ? { batch } : {}),
        ...(substitute ? { substitution: { reason: substitutionReason as string } } : {}),
        patient: request.subject?.reference,
        actor: repo.actor,
        now: Date.now(),
      });
      return result(done, remaining !== undefined ? remaining - done.dispensed : wanted - done.dispensed);
    },
    { resourceTypes: ['MedicationDispense'] },
  );
  return [allOk, out];
}

async function dispenseOtc(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  requireAccess(repo, 'MedicationDispense', 'c');
  const input = new Params(req.body, req.query as Record<string, string>);
  const storeId = input.requiredId('store', 'Location', repo.baseUrl);
  const item = input.coding('item') ?? fail(badRequest('Parameter item is required', 'item'));
  const wanted = input.integer('quantity', 1) ?? fail(badRequest('Parameter quantity is required', 'quantity'));
  const patientId = input.id('patient', 'Patient', repo.baseUrl);
  const batch = input.id('batch', 'Medication', repo.baseUrl);
  const out = await repo.withTransaction(
    async (tx) => {
      const store = await readNamed<Location>(tx, 'Location', storeId, 'store');
      if (patientId) await readNamed<Patient>(tx, 'Patient', patientId, 'patient');
      const done = await dispenseFromStore(tx, {
        store,
        item: itemKey(item),
        itemLabel: item.display ?? (item.code as string),
        wanted,
        partial: false,
        ...(batch ? { batch } : {}),
        patient: patientId ? `Patient/${patientId}` : undefined,
        actor: repo.actor,
        now: Date.now(),
      });
      return result(done);
    },
    { resourceTypes: ['MedicationDispense'] },
  );
  return [allOk, out];
}

async function returnDispense(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  requireAccess(repo, 'MedicationDispense', 'c');
  requireAccess(repo, 'SupplyDelivery', 'c');
  const input = new Params(req.body, req.query as Record<string, string>);
  const qty = input.integer('quantity', 1) ?? fail(badRequest('Parameter quantity is required', 'quantity'));
  const id = req.params.id;
  const out = await repo.withTransaction(
    async (tx) => {
      await lockRequest(tx, `MedicationDispense/${id}`);
      const md = await tx.readResource<MedicationDispense>('MedicationDispense', id);
      const med = localReference(md.medicationReference?.reference, tx.baseUrl);
      const store = localReference(md.location?.reference, tx.baseUrl);
      const batch = med?.type === 'Medication' ? await tx.query((sql) => batchById(sql, med.id)) : undefined;
      if (!batch || store?.type !== 'Location' || md.status !== 'completed')
        fail(stateConflict('Only a completed dispense of a stocked batch can be returned', 'MedicationDispense'));
      const given = md.quantity?.value ?? 0;
      const back = await tx.query((sql) => returnedFor(sql, `MedicationDispense/${id}`));
      if (qty > given - back)
        fail(unprocessable(`${given - back} of the ${given} dispensed units can still be returned, not ${qty}`, 'quantity'));
      const sd = await tx.createResource<SupplyDelivery>({
        resourceType: 'SupplyDelivery',
        status: 'completed',
        ...(md.subject?.reference?.startsWith('Patient/') ? { patient: { reference: md.subject.reference } } : {}),
        suppliedItem: { quantity: { value: qty, unit: 'unit' }, itemReference: { reference: `Medication/${batch?.medicationId}` } },
        occurrenceDateTime: kolkataInstant(Date.now()),
        destination: { reference: `Location/${store?.id}` },
        extension: [{ url: RETURNED_DISPENSE_URL, valueReference: { reference: `MedicationDispense/${id}` } }],
      });
      const request = md.authorizingPrescription?.[0]?.reference;
      await tx.query((sql) =>
        move(sql, {
          store: store?.id as string,
          medicationId: batch?.medicationId as string,
          kind: 'return-from-patient',
          qty,
          reference: `MedicationDispense/${id}`,
          request,
          actor: repo.actor,
        }),
      );
      const parameters: Parameters = {
        resourceType: 'Parameters',
        parameter: [
          { name: 'returned', valueInteger: qty },
          { name: 'supplyDelivery', resource: sd },
        ],
      };
      return parameters;
    },
    { resourceTypes: ['MedicationDispense', 'SupplyDelivery'] },
  );
  return [allOk, out];
}

export const dispenseHandler = (req: FhirRequest, repo: unknown) => dispense(req, repo as PostgresRepository);
export const dispenseOtcHandler = (req: FhirRequest, repo: unknown) => dispenseOtc(req, repo as PostgresRepository);
export const returnHandler = (req: FhirRequest, repo: unknown) => returnDispense(req, repo as PostgresRepository);
