import { OperationOutcomeError } from '@medplum/core';
import type { ChargeItem, Invoice, OperationOutcome, Resource } from '@medplum/fhirtypes';
import type { WriteHook } from '../../repo/write-hooks.ts';
import { BUSINESS_ERROR_SYSTEM } from '../opd/fhir.ts';
import { INVOICE_NUMBER_SYSTEM } from './fhir.ts';

/**
 * Billing's rules for every write, whichever route (docs/billing.md): an issued Invoice never
 * changes (corrections are credit notes), an Invoice is issued only by `$issue-invoice` (its number
 * registered in the same transaction), a billed ChargeItem never changes, a ChargeItem's quantity
 * is positive.
 */

function refuse(status: 'conflict' | 'business-rule', code: string, text: string, expression?: string): never {
  const outcome: OperationOutcome = {
    resourceType: 'OperationOutcome',
    id: status,
    issue: [
      {
        severity: 'error',
        code: status,
        details: { coding: [{ system: BUSINESS_ERROR_SYSTEM, code }], text },
        ...(expression ? { expression: [expression] } : {}),
      },
    ],
  };
  throw new OperationOutcomeError(outcome);
}

const inOurSeries = (invoice: Invoice) => (invoice.identifier ?? []).some((i) => i.system?.startsWith(`${INVOICE_NUMBER_SYSTEM}/`));

export const invoiceHook: WriteHook = {
  async afterWrite(ctx, current, next) {
    const cur = current as Invoice | undefined;
    const nxt = next as Invoice | undefined;
    if (cur && cur.status !== 'draft') {
      refuse(
        'conflict',
        'CONFLICT',
        `Invoice ${cur.identifier?.[0]?.value ?? cur.id} is ${cur.status} and cannot be changed or deleted: correct it with a credit note (Account/$issue-credit-note)`,
      );
    }
    // Invoices in the hospital's own series exist only through $issue-invoice. Other non-draft
    // Invoices (imported from a previous system, with their own identifier) are records, not ours to number.
    if (nxt && nxt.status !== 'draft' && inOurSeries(nxt)) {
      const r = await ctx.sql.query('SELECT 1 FROM billing_invoice_number WHERE invoice_id = $1', [nxt.id]);
      if (r.rowCount === 0) {
        refuse(
          'business-rule',
          'VALIDATION_ERROR',
          "An Invoice numbered in the hospital's series is issued only by Account/$issue-invoice, which gives it its number",
          'Invoice.status',
        );
      }
    }
  },
};

export const chargeItemHook: WriteHook = {
  async afterWrite(_ctx, current, next) {
    const cur = current as ChargeItem | undefined;
    const nxt = next as ChargeItem | undefined;
    if (cur?.status === 'billed') {
      refuse('conflict', 'CONFLICT', `ChargeItem/${cur.id} is on an issued invoice and cannot be changed: reverse it instead`);
    }
    const q = nxt?.quantity?.value;
    if (q !== undefined && !(q > 0))
      refuse(
        'business-rule',
        'INVALID_INPUT',
        'A charge quantity must be positive; a reversal is its own ChargeItem',
        'ChargeItem.quantity',
      );
  },
};

export type { Resource };
