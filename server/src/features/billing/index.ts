import { allOk } from '@medplum/core';
import type { FhirRequest, FhirRouter } from '@medplum/fhir-router';
import type { Binary } from '@medplum/fhirtypes';
import { binaryFilenames } from '../../http/fhir-handler.ts';
import type { PostgresRepository } from '../../repo/postgres-repository.ts';
import { registerWriteHook } from '../../repo/write-hooks.ts';
import { cashReportHandler } from './cash-report.ts';
import { approveDiscountHandler, discountHandler, rejectDiscountHandler } from './discount.ts';
import { chargeItemHook, invoiceHook } from './hooks.ts';
import { draftInvoiceHandler, issueCreditNoteHandler, issueInvoiceHandler } from './invoice.ts';
import { balanceHandler, depositHandler, payHandler, refundHandler } from './payments.ts';
import { invoicePdf } from './pdf.ts';
import { paymentLinkHandler } from './razorpay/gateway.ts';

async function invoicePdfHandler(req: FhirRequest, repo: unknown): Promise<[typeof allOk, Binary]> {
  const pdf = await invoicePdf(repo as PostgresRepository, req.params.id);
  // Access to the PDF is access to the Invoice it prints.
  const binary: Binary = {
    resourceType: 'Binary',
    contentType: 'application/pdf',
    securityContext: { reference: `Invoice/${req.params.id}` },
    data: pdf.toString('base64'),
  };
  binaryFilenames.set(binary, `invoice-${req.params.id}.pdf`);
  return [allOk, binary];
}

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
  router.add('POST', 'ChargeItem/:id/$discount', discountHandler);
  router.add('POST', 'ChargeItem/:id/$approve-discount', approveDiscountHandler);
  router.add('POST', 'ChargeItem/:id/$reject-discount', rejectDiscountHandler);
  router.add('GET', 'Organization/:id/$cash-report', cashReportHandler);
  router.add('GET', 'Invoice/:id/$invoice-pdf', invoicePdfHandler);
  router.add('POST', 'Invoice/:id/$invoice-pdf', invoicePdfHandler);
}
