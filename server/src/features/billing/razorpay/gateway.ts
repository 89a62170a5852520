import { randomUUID } from 'node:crypto';
import { allOk, OperationOutcomeError } from '@medplum/core';
import type { FhirRequest, FhirResponse } from '@medplum/fhir-router';
import type { Account, OperationOutcome, Parameters } from '@medplum/fhirtypes';
import type { Config } from '../../../config.ts';
import type { PostgresRepository } from '../../../repo/postgres-repository.ts';
import { fail, stateConflict, unprocessable } from '../../opd/fhir.ts';
import { inr, paiseOf } from '../fhir.ts';
import { balanceOf } from '../ledger.ts';

/**
 * `POST Account/{id}/$payment-link` (docs/billing.md): a Razorpay UPI payment link for what is due
 * (or part of it), recorded in billing_payment_link; the payment itself is recorded when Razorpay's
 * signed webhook reports it (webhook.ts), never from the patient's redirect.
 */

interface Gateway {
  apiBase: string;
  keyId: string;
  keySecret: string;
}

// Set once when the HTTP app is built: FHIR operations get the request and repository, not the config.
let gateway: Gateway | undefined;

export function configureRazorpay(config: Config): void {
  gateway =
    config.RAZORPAY_KEY_ID && config.RAZORPAY_KEY_SECRET
      ? { apiBase: config.RAZORPAY_API_BASE.replace(/\/+$/, ''), keyId: config.RAZORPAY_KEY_ID, keySecret: config.RAZORPAY_KEY_SECRET }
      : undefined;
}

const unavailable = (text: string): OperationOutcome => ({
  resourceType: 'OperationOutcome',
  id: 'exception',
  issue: [
    {
      severity: 'error',
      code: 'transient',
      details: { coding: [{ system: 'https://hospital-ops.in/fhir/CodeSystem/hops-business-error', code: 'PAYMENT_ERROR' }], text },
    },
  ],
});

async function createLink(g: Gateway, body: Record<string, unknown>): Promise<{ id: string; short_url: string }> {
  let res: Response;
  try {
    res = await fetch(`${g.apiBase}/payment_links`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${g.keyId}:${g.keySecret}`).toString('base64')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
  } catch {
    throw new OperationOutcomeError(unavailable('Razorpay could not be reached; try again'), undefined);
  }
  const answer = (await res.json().catch(() => ({}))) as { id?: string; short_url?: string; error?: { description?: string } };
  if (!res.ok || !answer.id || !answer.short_url) {
    throw new OperationOutcomeError(unavailable(`Razorpay refused the payment link: ${answer.error?.description ?? `HTTP ${res.status}`}`));
  }
  return { id: answer.id, short_url: answer.short_url };
}

async function paymentLink(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  const accountId = req.params.id;
  repo.accessControl?.gates('PaymentReconciliation', 'c');
  const g = gateway;
  if (!g) return [unavailable('Payment links are not configured on this server (RAZORPAY_KEY_ID, RAZORPAY_KEY_SECRET)')];
  const given = (req.body as Parameters | undefined)?.parameter?.find((p) => p.name === 'amount');
  const asked = given ? paiseOf(given.valueMoney) : undefined;
  if (given && (asked === undefined || asked < 100)) fail(unprocessable('amount must be valueMoney in INR, at least ₹1.00', 'amount'));
  const { tenant, due } = await repo.withTransaction(
    async (tx) => {
      const account = await tx.readResource<Account>('Account', accountId);
      if (account.status !== 'active') fail(stateConflict(`The Account is ${account.status}: no money can move on it`));
      const t = await tx.query((sql) => sql.query<{ t: string }>('SELECT app_current_tenant()::text AS t'));
      return { tenant: t.rows[0].t, due: Math.max(0, (await balanceOf(tx, accountId)).balancePaise) };
    },
    { resourceTypes: ['Account'] },
  );
  const amount = asked ?? due;
  if (due === 0) fail(unprocessable('Nothing is due on this Account: there is nothing to send a payment link for', 'amount'));
  // Links take no partial payments and no advance: at most what is due.
  if (amount > due) fail(unprocessable(`A payment link can ask for at most the ₹${(due / 100).toFixed(2)} due`, 'amount'));
  const link = await createLink(g, {
    amount,
    currency: 'INR',
    upi_link: true,
    reference_id: randomUUID(),
    description: 'Hospital bill',
    notes: { tenant, account: accountId },
  });
  await repo.withTransaction(
    (tx) =>
      tx.query((sql) =>
        sql.query(
          `INSERT INTO billing_payment_link (tenant_id, link_id, account_id, amount_paise, status) VALUES (app_current_tenant(), $1, $2, $3, 'created')`,
          [link.id, accountId, amount],
        ),
      ),
    { resourceTypes: [] },
  );
  const out: Parameters = {
    resourceType: 'Parameters',
    parameter: [
      { name: 'link', valueString: link.id },
      { name: 'url', valueUrl: link.short_url },
      { name: 'amount', valueMoney: inr(amount) },
    ],
  };
  return [allOk, out];
}

export const paymentLinkHandler = (req: FhirRequest, repo: unknown) => paymentLink(req, repo as PostgresRepository);
