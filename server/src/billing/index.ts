import type { FhirRouter } from '@medplum/fhir-router';
import { registerWriteHook } from '../repo/write-hooks.ts';
import { cashReportHandler } from './cash-report.ts';
import { chargeItemHook, invoiceHook } from './hooks.ts';
import { draftInvoiceHandler, issueCreditNoteHandler, issueInvoiceHandler } from './invoice.ts';
import { balanceHandler, depositHandler, payHandler, refundHandler } from './payments.ts';
import { paymentLinkHandler } from './razorpay/gateway.ts';

/** Billing's server side (docs/billing.md): invoice issuing, credit notes, payments, and its write hooks. */
export function addBillingOperations(router: FhirRouter): void {
  registerWriteHook('Invoice', 'billing-immutable', invoiceHook);
  registerWriteHook('ChargeItem', 'billing-charge', chargeItemHook);
  router.add('GET', 'Account/:id/$draft-invoice', draftInvoiceHandler);
  router.add('POST', 'Account/:id/$draft-invoice', draftInvoiceHandler);
  router.add('POST', 'Account/:id/$issue-invoice', issueInvoiceHandler);
  router.add('POST', 'Account/:id/$issue-credit-note', issueCreditNoteHandler);
  router.add('POST', 'Account/:id/$pay', payHandler);
  router.add('POST', 'Account/:id/$deposit', depositHandler);
  router.add('POST', 'Account/:id/$refund', refundHandler);
  router.add('GET', 'Account/:id/$balance', balanceHandler);
  router.add('POST', 'Account/:id/$payment-link', paymentLinkHandler);
  router.add('GET', 'Organization/:id/$cash-report', cashReportHandler);
}
