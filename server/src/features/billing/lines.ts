import type { SearchRequest, WithId } from '@medplum/core';
import type { Account, ChargeItem, Encounter, Organization, Patient, Reference } from '@medplum/fhirtypes';
import type { PostgresRepository } from '../../repo/postgres-repository.ts';
import { parseSearch } from '../../search/parse.ts';
import { fail, localReference, unprocessable } from '../opd/fhir.ts';
import { kolkataDate } from '../opd/kolkata.ts';
import {
  GSTIN_SYSTEM,
  HSN_SAC_URL,
  HSN_SYSTEM,
  ICU_URL,
  INVOICE_PREFIX_URL,
  PRICE_INCLUDES_TAX_URL,
  paiseOf,
  REVERSES_URL,
  SAC_SYSTEM,
  TAX_CATEGORY_URL,
} from './fhir.ts';
import { GstError, type SupplyParties, stateCode, type TaxedLine, type TaxLineInput, taxLine } from './gst/compute.ts';

/** Encounter classes whose charges are an in-patient (composite) supply. */
const INPATIENT_CLASSES = new Set(['IMP', 'ACUTE', 'NONAC']);
export const MAX_LINES = 500;
const MAX_SEARCH = 1000;

export interface Branch {
  org: WithId<Organization>;
  gstin: string;
  prefix: string;
  state: string;
}

export interface Line {
  charge: WithId<ChargeItem>;
  input: TaxLineInput;
  taxed: TaxedLine;
}

const ext = (c: ChargeItem, url: string) => c.extension?.find((e) => e.url === url);

/** The branch that bills an Account (its owner), with the GSTIN and number prefix it must carry. */
export async function branchOf(tx: PostgresRepository, account: Account): Promise<Branch> {
  const ref = localReference(account.owner?.reference, tx.baseUrl);
  if (ref?.type !== 'Organization') fail(unprocessable('The Account has no owner branch (Account.owner)', 'Account.owner'));
  const org = await tx.readResource<Organization>('Organization', (ref as { id: string }).id);
  const gstin = org.identifier?.find((i) => i.system === GSTIN_SYSTEM)?.value?.toUpperCase();
  if (!gstin || !/^\d{2}[A-Z0-9]{13}$/.test(gstin)) {
    fail(
      unprocessable(
        `The branch ${org.name ?? org.id} has no GSTIN (identifier ${GSTIN_SYSTEM}): it cannot issue tax invoices`,
        'Account.owner',
      ),
    );
  }
  const prefix = org.extension?.find((e) => e.url === INVOICE_PREFIX_URL)?.valueString?.toUpperCase() ?? 'HO';
  if (!/^[A-Z0-9]{1,4}$/.test(prefix)) fail(unprocessable(`The branch's invoice prefix "${prefix}" must be 1 to 4 letters or digits`));
  return { org, gstin: gstin as string, prefix, state: (gstin as string).slice(0, 2) };
}

/** The Account's charges of one kind waiting to be invoiced (billable), oldest first. */
export async function pendingCharges(tx: PostgresRepository, accountId: string, reversals: boolean): Promise<WithId<ChargeItem>[]> {
  const { request } = parseSearch(
    'ChargeItem',
    { account: `Account/${accountId}`, _sort: '_lastUpdated', _count: String(MAX_SEARCH) },
    false,
  );
  // R4 has no ChargeItem status search parameter: the Account's charges are read and filtered.
  const all = await tx.searchResources(request as SearchRequest<ChargeItem>);
  if (all.length >= MAX_SEARCH) fail(unprocessable(`The Account has ${MAX_SEARCH} charges or more: open a new Account for the stay`));
  const pending = all.filter((c) => c.status === 'billable' && Boolean(ext(c, REVERSES_URL)) === reversals);
  if (pending.length > MAX_LINES) fail(unprocessable(`More than ${MAX_LINES} charges wait on this Account: bill them in parts`));
  return pending;
}

/** What the GST engine needs from a ChargeItem; a charge it cannot price is unprocessable. */
export function taxInput(c: WithId<ChargeItem>, encounter: Encounter | undefined): TaxLineInput {
  const where = `ChargeItem/${c.id}`;
  const code = ext(c, HSN_SAC_URL)?.valueCoding;
  if (!code?.code || (code.system !== HSN_SYSTEM && code.system !== SAC_SYSTEM)) {
    fail(unprocessable(`${where} carries no HSN or SAC code (extension ${HSN_SAC_URL})`));
  }
  const unitPaise = paiseOf(c.priceOverride);
  if (unitPaise === undefined || unitPaise < 0) fail(unprocessable(`${where} has no unit price in whole paise (priceOverride, INR)`));
  const quantity = c.quantity?.value ?? 1;
  if (!(quantity > 0)) fail(unprocessable(`${where} has a quantity that is not positive`));
  const when = c.occurrenceDateTime ?? c.occurrencePeriod?.start ?? c.enteredDate ?? c.meta?.lastUpdated;
  return {
    codeSystem: code?.system === HSN_SYSTEM ? 'HSN' : 'SAC',
    code: code?.code as string,
    unitPaise: unitPaise as number,
    quantity,
    priceIncludesTax: ext(c, PRICE_INCLUDES_TAX_URL)?.valueBoolean === true,
    date: kolkataDate(when ? Date.parse(when) : Date.now()),
    setting: encounter && INPATIENT_CLASSES.has(encounter.class?.code ?? '') ? 'inpatient' : 'outpatient',
    category: ext(c, TAX_CATEGORY_URL)?.valueCode,
    icu: ext(c, ICU_URL)?.valueBoolean === true,
  };
}

/** Supplier and recipient states: the branch's GSTIN state and the patient's address state. */
export function parties(branch: Branch, patient: Patient | undefined): SupplyParties {
  const address = patient?.address?.find((a) => a.use === 'home') ?? patient?.address?.[0];
  return { supplierState: branch.state, recipientState: stateCode(address?.state) };
}

/** Taxes each charge (reading each context Encounter once). */
export async function taxLines(tx: PostgresRepository, charges: WithId<ChargeItem>[], supply: SupplyParties): Promise<Line[]> {
  const encounters = new Map<string, Encounter | undefined>();
  const lines: Line[] = [];
  for (const charge of charges) {
    const ref = localReference((charge.context as Reference | undefined)?.reference, tx.baseUrl);
    let encounter: Encounter | undefined;
    if (ref?.type === 'Encounter') {
      if (!encounters.has(ref.id)) encounters.set(ref.id, await tx.readResource<Encounter>('Encounter', ref.id).catch(() => undefined));
      encounter = encounters.get(ref.id);
    }
    const input = taxInput(charge, encounter);
    try {
      lines.push({ charge, input, taxed: taxLine(input, supply) });
    } catch (err) {
      if (err instanceof GstError) fail(unprocessable(`ChargeItem/${charge.id}: ${err.message}`));
      throw err;
    }
  }
  return lines;
}
