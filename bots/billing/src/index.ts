import type { MedplumClient } from '@medplum/core';
import type {
  Account,
  Appointment,
  ChargeItem,
  ChargeItemDefinition,
  Coding,
  Encounter,
  Extension,
  Medication,
  MedicationDispense,
  Money,
  Reference,
  Resource,
  ServiceRequest,
  SupplyDelivery,
} from '@medplum/fhirtypes';
import type { BotHandler } from '../../contract.ts';

/**
 * The billing bot (docs/billing.md): each clinical event becomes at most one ChargeItem on the
 * patient's Account at the branch, priced from the branch's tariff (ChargeItemDefinition) and
 * recording the tariff version it used. Every write is a conditional create on a key derived from
 * the event's subject (Appointment, ServiceRequest, MedicationDispense), so a replayed event, a
 * retried run or a later edit adds nothing. Cancelled orders are reversed: a charge not yet billed
 * becomes not-billable; a billed one gets a reversal ChargeItem, which the cashier credits with a
 * credit note.
 */

const HOPS = 'https://hospital-ops.in/fhir';
const CHARGE_SYSTEM = `${HOPS}/sid/charge`;
const ACCOUNT_SYSTEM = `${HOPS}/sid/billing-account`;
const TARIFF_BASE = `${HOPS}/tariff`;
const TARIFF_CODE_SYSTEM = `${HOPS}/CodeSystem/tariff`;
const HSN_SYSTEM = `${HOPS}/sid/hsn`;
const HSN_SAC_URL = `${HOPS}/StructureDefinition/hsn-sac`;
const TAX_CATEGORY_URL = `${HOPS}/StructureDefinition/tax-category`;
const PRICE_INCLUDES_TAX_URL = `${HOPS}/StructureDefinition/price-includes-tax`;
const ICU_URL = `${HOPS}/StructureDefinition/icu`;
const REVERSES_URL = `${HOPS}/StructureDefinition/reverses`;
const RATE_PLAN_URL = `${HOPS}/StructureDefinition/rate-plan`;
const UNIT_PRICE_URL = `${HOPS}/StructureDefinition/unit-price`;
const RETURNED_DISPENSE_URL = `${HOPS}/StructureDefinition/returned-dispense`;
/** On a drug charge not yet billed: a pharmacy return already taken off its quantity (so a replay takes nothing). */
const RETURN_URL = `${HOPS}/StructureDefinition/dispense-return`;
/** Dispense statuses under which the pharmacy has put back what was not returned (docs/pharmacy.md). */
const DISPENSE_UNDONE = new Set(['cancelled', 'entered-in-error', 'stopped', 'declined']);
const WARD_CLASS_SYSTEM = `${HOPS}/CodeSystem/ward-class`;
const IST_MS = 330 * 60_000;
const DAY_MS = 86_400_000;
const NDHM_BILLING = 'https://nrces.in/ndhm/fhir/r4/CodeSystem/ndhm-billing-codes';
const NDHM_ID = 'https://nrces.in/ndhm/fhir/r4/CodeSystem/ndhm-identifier-type-code';
const BILLING_DISPLAY: Record<string, string> = { '02': 'IPD', '00': 'Consultation', '03': 'OPD', '04': 'Pathology', '05': 'Medicines' };
/** ChargeItem.code as the ABDM profile wants it: exactly one ndhm-billing-codes coding, with its display. */
const billingCode = (code: string, text: string) => ({
  coding: [{ system: NDHM_BILLING, code, display: BILLING_DISPLAY[code] ?? 'Others' }],
  text,
});
/** Extensions a tariff passes on to its charges (the GST engine reads them). */
const TAX_EXTENSIONS = [HSN_SAC_URL, TAX_CATEGORY_URL, PRICE_INCLUDES_TAX_URL, ICU_URL];

const ref = <T extends Resource>(r: T): Reference<T> => ({ reference: `${r.resourceType}/${r.id}` });
const idOf = (reference: string | undefined, type: string): string | undefined => {
  const m = reference ? /^([A-Za-z]+)\/([A-Za-z0-9\-.]+)$/.exec(reference) : null;
  return m && m[1] === type ? m[2] : undefined;
};

interface Target {
  key: string;
  patientRef: string;
  branchId: string;
  encounterRef?: string;
  when: string;
}

/** The patient's open Account at the branch, made on the first charge (conditional: races make one). */
async function accountFor(medplum: MedplumClient, patientRef: string, branchId: string): Promise<Account> {
  const patientId = idOf(patientRef, 'Patient') as string;
  const value = `${branchId}/${patientId}`;
  return medplum.createResourceIfNoneExist<Account>(
    {
      resourceType: 'Account',
      identifier: [{ system: ACCOUNT_SYSTEM, value }],
      status: 'active',
      name: 'Patient account',
      subject: [{ reference: patientRef }],
      owner: { reference: `Organization/${branchId}` },
    },
    `identifier=${ACCOUNT_SYSTEM}|${value}`,
  );
}

/** The branch's active tariff for a billable code, or undefined when the branch does not bill it. */
async function tariff(medplum: MedplumClient, branchId: string, code: string): Promise<ChargeItemDefinition | undefined> {
  return (await medplum.searchOne('ChargeItemDefinition', { url: `${TARIFF_BASE}/${branchId}/${code}`, status: 'active' })) ?? undefined;
}

/** The unit price under the Account's rate plan; a definition without a group for it uses its general group. */
function priceFor(def: ChargeItemDefinition, plan: string): Money | undefined {
  const groups = def.propertyGroup ?? [];
  const planOf = (g: (typeof groups)[number]) => g.applicability?.[0]?.description ?? 'general';
  const group = groups.find((g) => planOf(g) === plan) ?? groups.find((g) => planOf(g) === 'general');
  return group?.priceComponent?.find((p) => p.type === 'base')?.amount;
}

async function chargeFromTariff(
  medplum: MedplumClient,
  target: Target,
  codes: string[],
  billing: string,
  product: Coding | undefined,
  reprice = false,
): Promise<void> {
  let def: ChargeItemDefinition | undefined;
  let code = '';
  for (const c of codes) {
    def = await tariff(medplum, target.branchId, c);
    if (def) {
      code = c;
      break;
    }
  }
  // A code the branch has no tariff for is not billed; the draft invoice shows what was charged.
  if (!def) return;
  const account = await accountFor(medplum, target.patientRef, target.branchId);
  const plan = account.extension?.find((e) => e.url === RATE_PLAN_URL)?.valueCode ?? 'general';
  const unit = priceFor(def, plan);
  if (!unit) throw new Error(`The tariff ${def.url} has no base price for the ${plan} plan`);
  const display = def.title ?? product?.display ?? code;
  const charge: ChargeItem = {
    resourceType: 'ChargeItem',
    identifier: [{ system: CHARGE_SYSTEM, value: target.key }],
    extension: (def.extension ?? []).filter((e) => TAX_EXTENSIONS.includes(e.url)),
    status: 'billable',
    definitionCanonical: [`${def.url}|${def.meta?.versionId}`],
    code: billingCode(billing, display),
    subject: { reference: target.patientRef },
    ...(target.encounterRef ? { context: { reference: target.encounterRef } } : {}),
    occurrenceDateTime: target.when,
    quantity: { value: 1 },
    priceOverride: unit,
    enteredDate: new Date().toISOString(),
    account: [ref(account)],
    productCodeableConcept: { coding: [{ system: TARIFF_CODE_SYSTEM, code, display }, ...(product ? [product] : [])], text: display },
  };
  if (reprice) {
    // A bed move recorded late changes where the patient slept: a night not yet invoiced takes the
    // new class's tariff; one already invoiced stays as billed.
    const existing = await medplum.searchOne('ChargeItem', { identifier: `${CHARGE_SYSTEM}|${target.key}` });
    if (existing) {
      const charged = existing.productCodeableConcept?.coding?.find((c) => c.system === TARIFF_CODE_SYSTEM)?.code;
      if (existing.status === 'billable' && charged !== code) await medplum.updateResource<ChargeItem>({ ...charge, id: existing.id });
      return;
    }
  }
  await medplum.createResourceIfNoneExist<ChargeItem>(charge, `identifier=${CHARGE_SYSTEM}|${target.key}`);
}

/** Reverses the charge made under `key`: not-billable before billing, a reversal ChargeItem after. */
async function reverse(medplum: MedplumClient, key: string, billedQuantity?: (charge: ChargeItem) => Promise<number>): Promise<void> {
  const charge = await medplum.searchOne('ChargeItem', { identifier: `${CHARGE_SYSTEM}|${key}` });
  if (!charge) return;
  if (charge.status === 'billable') {
    await medplum.updateResource<ChargeItem>({ ...charge, status: 'not-billable' });
    return;
  }
  if (charge.status !== 'billed') return;
  const quantity = billedQuantity ? await billedQuantity(charge) : (charge.quantity?.value ?? 1);
  if (quantity > 0) await reversal(medplum, charge, `reversal:${key}`, quantity);
}

/** A reversal ChargeItem of `quantity` units of a billed charge, credited by the next credit note. */
async function reversal(medplum: MedplumClient, charge: ChargeItem, reversalKey: string, quantity: number): Promise<void> {
  const { id: _id, meta: _meta, identifier: _identifier, extension, ...rest } = charge;
  await medplum.createResourceIfNoneExist<ChargeItem>(
    {
      ...rest,
      identifier: [{ system: CHARGE_SYSTEM, value: reversalKey }],
      extension: [
        ...(extension ?? []).filter((e) => e.url !== RETURN_URL),
        { url: REVERSES_URL, valueReference: { reference: `ChargeItem/${charge.id}` } },
      ],
      status: 'billable',
      quantity: { ...charge.quantity, value: quantity },
      enteredDate: new Date().toISOString(),
    },
    `identifier=${CHARGE_SYSTEM}|${reversalKey}`,
  );
}

async function branchOfLocation(medplum: MedplumClient, locationRef: string | undefined): Promise<string | undefined> {
  const id = idOf(locationRef, 'Location');
  if (!id) return undefined;
  const location = await medplum.readResource('Location', id);
  return idOf(location.managingOrganization?.reference, 'Organization');
}

/**
 * The consultation codes to try for a visit: `<code>-follow-up` first when the patient had a
 * billed or billable consultation at this branch in the last `days` (the tariff decides whether a
 * follow-up is free or reduced; a branch without that tariff charges the full consultation).
 */
async function consultationCodes(
  medplum: MedplumClient,
  target: Target,
  consultation: string,
  days: number,
  practitionerRef: string | undefined,
): Promise<string[]> {
  const codes = await visitTypeCodes(medplum, target, consultation, days);
  // Most specific first: the doctor's own fee for the visit type, then the branch's for it.
  const doctorId = idOf(practitionerRef, 'Practitioner');
  return codes.flatMap((c) => (doctorId ? [`${c}/Practitioner/${doctorId}`, c] : [c]));
}

async function visitTypeCodes(medplum: MedplumClient, target: Target, consultation: string, days: number): Promise<string[]> {
  if (!(days > 0)) return [consultation];
  const since = new Date(Date.parse(target.when) - days * DAY_MS).toISOString();
  const earlier = await medplum.searchResources('ChargeItem', {
    patient: target.patientRef,
    occurrence: `ge${since}`,
    _count: '100',
  });
  // The branch's consultation or any doctor's own (`…/consultation/Practitioner/<id>`).
  const base = `${TARIFF_BASE}/${target.branchId}/${consultation}`;
  const isConsultation = (d: string) => d.startsWith(`${base}|`) || d.startsWith(`${base}/Practitioner/`);
  const isVisit = (c: ChargeItem) =>
    c.identifier?.[0]?.value !== target.key &&
    (c.status === 'billable' || c.status === 'billed') &&
    Date.parse(c.occurrenceDateTime ?? '') <= Date.parse(target.when) &&
    (c.definitionCanonical ?? []).some(isConsultation);
  return earlier.some(isVisit) ? [`${consultation}-follow-up`, consultation] : [consultation];
}

/** Appointment statuses that undo the consultation charged at booking. */
const APPOINTMENT_UNDONE = new Set(['cancelled', 'noshow', 'entered-in-error']);

async function onAppointment(medplum: MedplumClient, a: Appointment, consultation: string, followUpDays: number): Promise<void> {
  if (APPOINTMENT_UNDONE.has(a.status)) return reverse(medplum, `consultation:Appointment/${a.id}`);
  if (a.status !== 'booked') return;
  const actors = (a.participant ?? []).map((p) => p.actor?.reference ?? '');
  const patientRef = actors.find((r) => idOf(r, 'Patient'));
  const branchId = await branchOfLocation(
    medplum,
    actors.find((r) => idOf(r, 'Location')),
  );
  if (!patientRef || !branchId) return;
  const key = `consultation:Appointment/${a.id}`;
  const target = { key, patientRef, branchId, when: a.start ?? new Date().toISOString() };
  const doctor = actors.find((r) => idOf(r, 'Practitioner'));
  await chargeFromTariff(medplum, target, await consultationCodes(medplum, target, consultation, followUpDays, doctor), '00', undefined);
}

async function onEncounter(medplum: MedplumClient, e: Encounter, consultation: string, followUpDays: number): Promise<void> {
  // Bed-days follow the stay's latest bed history, not the version that triggered the run: an
  // older version's event processed late must not undo a transfer recorded since.
  if (e.class?.code === 'IMP') {
    const latest = await medplum.readResource('Encounter', e.id as string).catch(() => undefined);
    return latest ? bedDays(medplum, latest) : undefined;
  }
  if (e.status !== 'arrived' && e.status !== 'in-progress') return;
  const patientRef = e.subject?.reference;
  const branchId = idOf(e.serviceProvider?.reference, 'Organization');
  if (!patientRef || !idOf(patientRef, 'Patient') || !branchId || e.class?.code !== 'AMB') return;
  // A booked visit was charged at booking: the same key makes the check-in add nothing.
  const appointment = e.appointment?.[0]?.reference;
  const key = `consultation:${appointment && idOf(appointment, 'Appointment') ? appointment : `Encounter/${e.id}`}`;
  const when = e.period?.start ?? new Date().toISOString();
  const target = { key, patientRef, branchId, encounterRef: `Encounter/${e.id}`, when };
  const doctor = e.participant?.map((p) => p.individual?.reference).find((r) => idOf(r, 'Practitioner'));
  await chargeFromTariff(medplum, target, await consultationCodes(medplum, target, consultation, followUpDays, doctor), '00', undefined);
}

async function onServiceRequest(medplum: MedplumClient, s: ServiceRequest): Promise<void> {
  const key = `service:ServiceRequest/${s.id}`;
  if (s.status === 'revoked' || s.status === 'entered-in-error') return reverse(medplum, key);
  if (s.status !== 'active') return;
  const patientRef = s.subject?.reference;
  const encounterId = idOf(s.encounter?.reference, 'Encounter');
  if (!patientRef || !idOf(patientRef, 'Patient') || !encounterId) return;
  const encounter = await medplum.readResource('Encounter', encounterId);
  const branchId = idOf(encounter.serviceProvider?.reference, 'Organization');
  if (!branchId) return;
  const codes = (s.code?.coding ?? []).map((c) => c.code).filter((c): c is string => Boolean(c));
  const lab = (s.category ?? []).some((c) => c.coding?.some((x) => x.code === '108252007'));
  await chargeFromTariff(
    medplum,
    { key, patientRef, branchId, encounterRef: `Encounter/${encounterId}`, when: s.authoredOn ?? new Date().toISOString() },
    codes,
    lab ? '04' : '03',
    s.code?.coding?.[0],
  );
}

/** The HSN: the ABDM identifier of type HSN (as the pharmacy writes it), else an HSN coding (batches received before). */
function hsnOf(m: Medication): string | undefined {
  return (
    m.identifier?.find((i) => i.type?.coding?.some((c) => c.system === NDHM_ID && c.code === 'HSN'))?.value ??
    m.code?.coding?.find((c) => c.system === HSN_SYSTEM)?.code
  );
}

const dispenseKey = (dispenseId: string) => `dispense:MedicationDispense/${dispenseId}`;
const returnKey = (deliveryId: string) => `reversal:return:SupplyDelivery/${deliveryId}`;

/** Units of a billed drug charge already reversed by returns after it was billed. */
async function returnedAfterBilling(medplum: MedplumClient, charge: ChargeItem): Promise<number> {
  const patient = charge.subject?.reference;
  if (!patient) return 0;
  const all = await medplum.searchResources('ChargeItem', { patient, _count: '1000' });
  return all
    .filter(
      (c) =>
        c.identifier?.[0]?.value?.startsWith('reversal:return:') &&
        c.extension?.some((e) => e.url === REVERSES_URL && e.valueReference?.reference === `ChargeItem/${charge.id}`),
    )
    .reduce((n, c) => n + (c.quantity?.value ?? 0), 0);
}

async function onDispense(medplum: MedplumClient, d: MedicationDispense): Promise<void> {
  const key = dispenseKey(d.id as string);
  // The pharmacy put back what was not returned; returns reversed the rest already.
  if (DISPENSE_UNDONE.has(d.status))
    return reverse(medplum, key, async (c) => (c.quantity?.value ?? 0) - (await returnedAfterBilling(medplum, c)));
  if (d.status !== 'completed') return;
  const patientRef = d.subject?.reference;
  const medicationId = idOf(d.medicationReference?.reference, 'Medication');
  const price = d.extension?.find((e) => e.url === UNIT_PRICE_URL)?.valueMoney;
  const quantity = d.quantity?.value;
  if (!patientRef || !idOf(patientRef, 'Patient') || !medicationId) return;
  if (!price || price.value === undefined || !(quantity && quantity > 0)) {
    throw new Error(`MedicationDispense/${d.id} has no unit price (${UNIT_PRICE_URL}) or no positive quantity: it cannot be billed`);
  }
  const encounterId = idOf(d.context?.reference, 'Encounter');
  const encounter = encounterId ? await medplum.readResource('Encounter', encounterId) : undefined;
  const branchId = idOf(encounter?.serviceProvider?.reference, 'Organization') ?? (await branchOfLocation(medplum, d.location?.reference));
  if (!branchId) throw new Error(`MedicationDispense/${d.id} names no branch (context Encounter or location)`);
  const medication = await medplum.readResource('Medication', medicationId);
  const hsn = hsnOf(medication);
  if (!hsn) throw new Error(`Medication/${medicationId} has no HSN code: the dispense cannot be billed`);
  const account = await accountFor(medplum, patientRef, branchId);
  const extension: Extension[] = [
    { url: HSN_SAC_URL, valueCoding: { system: HSN_SYSTEM, code: hsn } },
    { url: PRICE_INCLUDES_TAX_URL, valueBoolean: true },
    ...(medication.extension ?? []).filter((e) => e.url === TAX_CATEGORY_URL),
  ];
  const display = medication.code?.text ?? medication.code?.coding?.[0]?.display ?? 'Medicine';
  await medplum.createResourceIfNoneExist<ChargeItem>(
    {
      resourceType: 'ChargeItem',
      identifier: [{ system: CHARGE_SYSTEM, value: key }],
      extension,
      status: 'billable',
      code: billingCode('05', display),
      subject: { reference: patientRef },
      ...(encounterId ? { context: { reference: `Encounter/${encounterId}` } } : {}),
      occurrenceDateTime: d.whenHandedOver ?? d.whenPrepared ?? new Date().toISOString(),
      quantity: { value: quantity, ...(d.quantity?.unit ? { unit: d.quantity.unit } : {}) },
      priceOverride: { value: price.value, currency: price.currency ?? 'INR' },
      enteredDate: new Date().toISOString(),
      account: [ref(account)],
      productReference: { reference: `Medication/${medicationId}`, display },
    },
    `identifier=${CHARGE_SYSTEM}|${key}`,
  );
}

/**
 * A pharmacy return (a SupplyDelivery naming the dispense in `returned-dispense`): before billing
 * the drug charge's quantity goes down by the units returned (the return recorded on it, so a
 * replay takes nothing; If-Match, so two returns at once do not lose one); after billing, a
 * reversal ChargeItem of those units, credited by a credit note.
 */
async function onReturn(medplum: MedplumClient, sd: SupplyDelivery): Promise<void> {
  const dispenseId = idOf(sd.extension?.find((e) => e.url === RETURNED_DISPENSE_URL)?.valueReference?.reference, 'MedicationDispense');
  const units = sd.suppliedItem?.quantity?.value ?? 0;
  if (sd.status !== 'completed' || !dispenseId || !(units > 0)) return;
  const charge = await medplum.searchOne('ChargeItem', { identifier: `${CHARGE_SYSTEM}|${dispenseKey(dispenseId)}` });
  if (!charge) {
    // A sale to no patient is not on an Account; otherwise the dispense's own run has not charged yet: retried.
    const d = await medplum.readResource('MedicationDispense', dispenseId);
    if (!idOf(d.subject?.reference, 'Patient')) return;
    throw new Error(`SupplyDelivery/${sd.id} returns MedicationDispense/${dispenseId}, which is not charged yet`);
  }
  const mark = { url: RETURN_URL, valueReference: { reference: `SupplyDelivery/${sd.id}` } };
  if (charge.status === 'billable') {
    if (charge.extension?.some((e) => e.url === RETURN_URL && e.valueReference?.reference === mark.valueReference.reference)) return;
    const left = (charge.quantity?.value ?? 0) - units;
    await medplum.updateResource<ChargeItem>(
      {
        ...charge,
        extension: [...(charge.extension ?? []), mark],
        ...(left > 0 ? { quantity: { ...charge.quantity, value: left } } : { status: 'not-billable' }),
      },
      { headers: { 'If-Match': `W/"${charge.meta?.versionId}"` } },
    );
    return;
  }
  if (charge.status === 'billed') await reversal(medplum, charge, returnKey(sd.id as string), units);
}

/** IST midnights (as instants) after `start` up to `end`: one bed-day each, the census hospitals bill by. */
export function midnightsBetween(startMs: number, endMs: number): number[] {
  const out: number[] = [];
  // The first IST midnight after the start.
  let m = Math.floor((startMs + IST_MS) / DAY_MS) * DAY_MS + DAY_MS - IST_MS;
  for (; m <= endMs; m += DAY_MS) out.push(m);
  return out;
}

/** The ward class of a bed Location: its own type coding, else its ward's (partOf). */
async function wardClass(medplum: MedplumClient, locationId: string, depth = 0): Promise<string | undefined> {
  const location = await medplum.readResource('Location', locationId);
  const own = location.type?.flatMap((t) => t.coding ?? []).find((c) => c.system === WARD_CLASS_SYSTEM)?.code;
  if (own || depth > 2) return own;
  const parent = idOf(location.partOf?.reference, 'Location');
  return parent ? wardClass(medplum, parent, depth + 1) : undefined;
}

/**
 * A bed-day for each IST midnight of an admission up to now (or the discharge), at the ward class
 * of the bed held at that midnight: a transfer splits the stay by where the patient slept. Keyed
 * per Encounter and night, so the nightly run, a rerun after a missed night and the discharge
 * event charge each night once.
 */
async function bedDays(medplum: MedplumClient, e: Encounter): Promise<void> {
  if (e.class?.code !== 'IMP' || (e.status !== 'in-progress' && e.status !== 'finished')) return;
  const patientRef = e.subject?.reference;
  const branchId = idOf(e.serviceProvider?.reference, 'Organization');
  const start = Date.parse(e.period?.start ?? '');
  if (!patientRef || !idOf(patientRef, 'Patient') || !branchId || Number.isNaN(start)) return;
  const end = e.status === 'finished' ? Date.parse(e.period?.end ?? '') || Date.now() : Date.now();
  for (const midnight of midnightsBetween(start, Math.min(end, Date.now()))) {
    const held = (e.location ?? []).find((l) => {
      const from = Date.parse(l.period?.start ?? '');
      const to = l.period?.end ? Date.parse(l.period.end) : Number.POSITIVE_INFINITY;
      return l.status !== 'planned' && l.status !== 'reserved' && from <= midnight && midnight < to;
    });
    const bed = idOf(held?.location?.reference, 'Location');
    const ward = bed ? await wardClass(medplum, bed) : undefined;
    if (!ward) continue;
    const night = new Date(midnight + IST_MS - DAY_MS).toISOString().slice(0, 10);
    const key = `bed-day:Encounter/${e.id}/${night}`;
    await chargeFromTariff(
      medplum,
      { key, patientRef, branchId, encounterRef: `Encounter/${e.id}`, when: new Date(midnight - 1000).toISOString() },
      [`bed-day-${ward}`],
      '02',
      undefined,
      true,
    );
  }
}

async function midnightCensus(medplum: MedplumClient): Promise<void> {
  const admitted = await medplum.searchResources('Encounter', { class: 'IMP', status: 'in-progress', _count: '1000' });
  for (const e of admitted) await bedDays(medplum, e);
}

const billing: BotHandler = async (medplum, input) => {
  if (input.schedule?.name === 'midnight-census') return midnightCensus(medplum);
  const event = input.event;
  if (!event || event.action === 'delete') return;
  const consultation = String(input.settings.consultationCode ?? 'consultation');
  const followUpDays = Number(input.settings.followUpDays ?? 0);
  // The version that triggered the run: later changes come as their own events.
  const version = String(event.versionId);
  switch (event.resourceType) {
    case 'Appointment':
      return onAppointment(medplum, await medplum.readVersion('Appointment', event.id, version), consultation, followUpDays);
    case 'Encounter':
      return onEncounter(medplum, await medplum.readVersion('Encounter', event.id, version), consultation, followUpDays);
    case 'ServiceRequest':
      return onServiceRequest(medplum, await medplum.readVersion('ServiceRequest', event.id, version));
    case 'MedicationDispense':
      return onDispense(medplum, await medplum.readVersion('MedicationDispense', event.id, version));
    case 'SupplyDelivery':
      return onReturn(medplum, await medplum.readVersion('SupplyDelivery', event.id, version));
    default:
  }
};

export default billing;
