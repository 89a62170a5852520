import { allOk, badRequest, created, type WithId } from '@medplum/core';
import type { FhirRequest, FhirResponse } from '@medplum/fhir-router';
import type { Account, ChargeItem, Extension, Invoice, InvoiceLineItemPriceComponent, Patient } from '@medplum/fhirtypes';
import type { PostgresRepository } from '../../repo/postgres-repository.ts';
import { fail, localReference, stateConflict, unprocessable } from '../opd/fhir.ts';
import { kolkataDate, kolkataInstant } from '../opd/kolkata.ts';
import {
  billingCoding,
  CORRECTS_URL,
  GST_RULE_URL,
  HSN_SAC_URL,
  INVOICE_NUMBER_SYSTEM,
  inr,
  NDHM_PRICE,
  PRICE_COMPONENT_EXTRA,
  REVERSES_URL,
  TARIFF_VERSION_URL,
} from './fhir.ts';
import { invoiceTotals } from './gst/compute.ts';
import { addLedger } from './ledger.ts';
import { type Branch, branchOf, type Line, parties, pendingCharges, taxLines } from './lines.ts';
import { financialYear, formatNumber, MAX_NUMBER_LENGTH, nextNumber, type Series, seriesPrefix } from './numbering.ts';

/**
 * Invoices on an Account (docs/billing.md). `$draft-invoice` shows what the live charges would
 * bill, stored nowhere. `$issue-invoice` bills them in one transaction: the Account row is locked
 * (two desks cannot bill the same charges), the next number of the branch's series is taken last,
 * the Invoice is written with it, the charges become billed and the ledger gets the amount.
 * `$issue-credit-note` does the same for reversal charges, in the credit note series.
 */

const price = (code: string, display: string, type: InvoiceLineItemPriceComponent['type'], paise: number, system = NDHM_PRICE) => ({
  type,
  code: { coding: [{ system, code, display }] },
  amount: inr(paise),
});

function lineItem(line: Line, sequence: number) {
  const { taxed, input, charge } = line;
  const components: InvoiceLineItemPriceComponent[] = [];
  if (input.priceIncludesTax) components.push(price('00', 'MRP', 'informational', taxed.grossPaise));
  components.push(price('01', 'Rate', 'base', taxed.taxablePaise));
  if (taxed.interState) {
    if (taxed.igstPaise) components.push(price('IGST', 'IGST', 'tax', taxed.igstPaise, PRICE_COMPONENT_EXTRA));
  } else if (taxed.cgstPaise || taxed.sgstPaise) {
    components.push(price('03', 'CGST', 'tax', taxed.cgstPaise), price('04', 'SGST', 'tax', taxed.sgstPaise));
  }
  const hsn = charge.extension?.find((e) => e.url === HSN_SAC_URL);
  const extension: Extension[] = [
    ...(hsn ? [hsn] : []),
    { url: GST_RULE_URL, valueString: `${taxed.ruleId} ${taxed.rateBp / 100}%` },
    ...(charge.definitionCanonical?.[0] ? [{ url: TARIFF_VERSION_URL, valueCanonical: charge.definitionCanonical[0] }] : []),
  ];
  return { sequence, extension, chargeItemReference: { reference: `ChargeItem/${charge.id}` }, priceComponent: components };
}

interface Built {
  invoice: Invoice;
  totalPaise: number;
}

/** The Invoice for these lines (status, identifier and date set by the caller). */
function buildInvoice(account: WithId<Account>, branch: Branch, patientRef: string | undefined, lines: Line[], series: Series): Built {
  const totals = invoiceTotals(lines.map((l) => l.taxed));
  const inpatient = lines.some((l) => l.input.setting === 'inpatient');
  const totalPriceComponent: InvoiceLineItemPriceComponent[] = [];
  if (totals.roundOffPaise !== 0) {
    totalPriceComponent.push(
      price(
        'round-off',
        'Round off',
        totals.roundOffPaise < 0 ? 'discount' : 'surcharge',
        Math.abs(totals.roundOffPaise),
        PRICE_COMPONENT_EXTRA,
      ),
    );
  }
  const invoice: Invoice = {
    resourceType: 'Invoice',
    status: 'draft',
    type: { coding: [billingCoding(inpatient ? '02' : '03')] },
    ...(patientRef ? { subject: { reference: patientRef }, recipient: { reference: patientRef } } : {}),
    issuer: { reference: `Organization/${branch.org.id}`, ...(branch.org.name ? { display: branch.org.name } : {}) },
    account: { reference: `Account/${account.id}` },
    lineItem: lines.map((l, i) => lineItem(l, i + 1)),
    ...(totalPriceComponent.length ? { totalPriceComponent } : {}),
    totalNet: inr(totals.netPaise),
    totalGross: inr(totals.grossPaise),
    ...(series === 'credit-note' ? { note: [{ text: 'Credit note' }] } : {}),
  };
  return { invoice, totalPaise: totals.grossPaise };
}

async function accountOf(tx: PostgresRepository, id: string): Promise<WithId<Account>> {
  return tx.readResource<Account>('Account', id);
}

async function patientOf(tx: PostgresRepository, account: Account): Promise<{ ref?: string; patient?: Patient }> {
  const ref = localReference(account.subject?.[0]?.reference, tx.baseUrl);
  if (ref?.type !== 'Patient') return {};
  return { ref: `Patient/${ref.id}`, patient: await tx.readResource<Patient>('Patient', ref.id).catch(() => undefined) };
}

async function draft(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  const id = req.params.id;
  const invoice = await repo.withTransaction(
    async (tx) => {
      const account = await accountOf(tx, id);
      const branch = await branchOf(tx, account);
      const { ref, patient } = await patientOf(tx, account);
      const lines = await taxLines(tx, await pendingCharges(tx, id, false), parties(branch, patient));
      const built = buildInvoice(account, branch, ref, lines, 'invoice');
      return { ...built.invoice, date: kolkataInstant(Date.now()) };
    },
    { resourceTypes: ['Account', 'ChargeItem', 'Invoice'] },
  );
  return [allOk, invoice];
}

/** Issues an invoice (or credit note) from the Account's pending charges; exported for the bench. */
export async function issue(repo: PostgresRepository, accountId: string, series: Series): Promise<WithId<Invoice>> {
  // Who may not write invoices learns that first, not what the Account holds.
  repo.accessControl?.gates('Invoice', 'c');
  repo.accessControl?.gates('ChargeItem', 'u');
  return repo.withTransaction(
    async (tx) => {
      // Serialises issuing per Account: a second desk waits, then finds the charges already billed.
      await tx.query((sql) => sql.query('SELECT 1 FROM "Account" WHERE id = $1 FOR UPDATE', [accountId]));
      const account = await accountOf(tx, accountId);
      if (account.status !== 'active') fail(stateConflict(`The Account is ${account.status}: nothing can be billed on it`));
      const branch = await branchOf(tx, account);
      const { ref, patient } = await patientOf(tx, account);
      const charges = await pendingCharges(tx, accountId, series === 'credit-note');
      if (charges.length === 0) {
        fail(
          unprocessable(
            series === 'invoice' ? 'The Account has no charges waiting to be billed' : 'The Account has no reversed charges to credit',
          ),
        );
      }
      const lines = await taxLines(tx, charges, parties(branch, patient));
      const built = buildInvoice(account, branch, ref, lines, series);
      const now = Date.now();
      const fy = financialYear(kolkataDate(now));
      const prefix = seriesPrefix(branch.prefix, series);
      const invoiceId = tx.generateId();
      // The number last: its counter row stays locked until commit.
      const seq = await tx.query((sql) => nextNumber(sql, branch.gstin, prefix, fy));
      const number = formatNumber(prefix, fy, seq);
      if (number.length > MAX_NUMBER_LENGTH)
        fail(stateConflict(`The ${prefix} series of FY ${fy} is exhausted: give the branch another prefix`));
      await tx.query((sql) =>
        sql.query(
          `INSERT INTO billing_invoice_number (tenant_id, gstin, number, invoice_id, kind, account_id) VALUES (app_current_tenant(), $1, $2, $3, $4, $5)`,
          [branch.gstin, number, invoiceId, series, accountId],
        ),
      );
      const corrected = series === 'credit-note' ? await correctedInvoices(tx, charges) : [];
      const invoice = await tx.createResource<Invoice>(
        {
          ...built.invoice,
          id: invoiceId,
          status: 'issued',
          identifier: [
            {
              type: { text: series === 'invoice' ? 'Bill number' : 'Credit note number' },
              system: `${INVOICE_NUMBER_SYSTEM}/${branch.gstin}`,
              value: number,
            },
          ],
          date: kolkataInstant(now),
          ...(corrected.length ? { extension: corrected.map((r) => ({ url: CORRECTS_URL, valueReference: { reference: r } })) } : {}),
        },
        { assignedId: true },
      );
      await tx.updateResources<ChargeItem>(charges.map((c) => ({ ...c, status: 'billed' as const })));
      await addLedger(tx, {
        accountId,
        kind: series,
        amountPaise: series === 'invoice' ? built.totalPaise : -built.totalPaise,
        invoiceId,
      });
      return invoice;
    },
    { resourceTypes: ['Account', 'ChargeItem', 'Invoice'] },
  );
}

/** The Invoices that billed the charges a credit note reverses. */
async function correctedInvoices(tx: PostgresRepository, reversals: ChargeItem[]): Promise<string[]> {
  const originals = reversals
    .map((c) => localReference(c.extension?.find((e) => e.url === REVERSES_URL)?.valueReference?.reference, tx.baseUrl)?.id)
    .filter((x): x is string => Boolean(x));
  if (!originals.length) return [];
  const r = await tx.query((sql) =>
    sql.query<{ id: string }>(
      `SELECT DISTINCT i.id FROM "Invoice" i, jsonb_array_elements(i.content->'lineItem') li
       WHERE i.deleted = false AND li->'chargeItemReference'->>'reference' = ANY($1::text[]) ORDER BY i.id`,
      [originals.map((o) => `ChargeItem/${o}`)],
    ),
  );
  return r.rows.map((row) => `Invoice/${row.id}`);
}

const issueHandler =
  (series: Series) =>
  async (req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> => {
    if (!req.params.id) fail(badRequest('An Account id is required'));
    return [created, await issue(repo, req.params.id, series)];
  };

export const draftInvoiceHandler = (req: FhirRequest, repo: unknown) => draft(req, repo as PostgresRepository);
export const issueInvoiceHandler = (req: FhirRequest, repo: unknown) => issueHandler('invoice')(req, repo as PostgresRepository);
export const issueCreditNoteHandler = (req: FhirRequest, repo: unknown) => issueHandler('credit-note')(req, repo as PostgresRepository);
