import { allOk, badRequest, created, OperationOutcomeError } from '@medplum/core';
import type { FhirRequest, FhirResponse } from '@medplum/fhir-router';
import type { Account, Parameters, PaymentReconciliation } from '@medplum/fhirtypes';
import type { PostgresRepository } from '../../repo/postgres-repository.ts';
import { BUSINESS_ERROR_SYSTEM, fail, OperationInput, stateConflict, unprocessable } from '../opd/fhir.ts';
import { kolkataDate, kolkataInstant } from '../opd/kolkata.ts';
import { HOPS, inr, paiseOf } from './fhir.ts';
import { addLedger, type Balance, balanceOf, type LedgerKind, type Method } from './ledger.ts';

/**
 * Money in and out of an Account (docs/billing.md): `$pay`, `$deposit`, `$refund`, `$balance`.
 * Each movement locks the Account row, reads the ledger balance, checks the rule and writes a
 * PaymentReconciliation with its ledger row, in one transaction: two cashiers taking the last
 * payment at once queue on the lock and the second finds nothing due.
 */

const METHODS = new Set<Method>(['cash', 'card', 'upi']);
const PAYMENT_KIND_URL = `${HOPS}/StructureDefinition/payment-kind`;
const rupees = (paise: number) => `₹${(paise / 100).toLocaleString('en-IN', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

function moneyInput(body: unknown, name: string, required: boolean): number | undefined {
  const p = (body as Parameters | undefined)?.parameter?.find((x) => x.name === name);
  if (!p) {
    if (required) fail(badRequest(`Parameter ${name} (valueMoney, INR) is required`, name));
    return undefined;
  }
  const paise = paiseOf(p.valueMoney);
  if (paise === undefined) fail(badRequest(`Parameter ${name} must be valueMoney in INR with at most two decimals`, name));
  if ((paise as number) <= 0) fail(badRequest(`Parameter ${name} must be more than zero`, name));
  return paise;
}

function booleanInput(body: unknown, name: string): boolean {
  return (body as Parameters | undefined)?.parameter?.find((x) => x.name === name)?.valueBoolean === true;
}

function balanceParameters(b: Balance, extra: Parameters['parameter'] = []): Parameters {
  return {
    resourceType: 'Parameters',
    parameter: [
      ...extra,
      { name: 'charges', valueMoney: inr(b.chargesPaise) },
      { name: 'payments', valueMoney: inr(b.paymentsPaise) },
      { name: 'refunds', valueMoney: inr(b.refundsPaise) },
      { name: 'balance', valueMoney: inr(b.balancePaise) },
      { name: 'advance', valueMoney: inr(Math.max(0, -b.balancePaise)) },
    ],
  };
}

async function move(req: FhirRequest, repo: PostgresRepository, kind: 'payment' | 'deposit' | 'refund'): Promise<FhirResponse> {
  const accountId = req.params.id;
  repo.accessControl?.gates('PaymentReconciliation', 'c');
  const input = new OperationInput(req.body, req.query);
  const method = input.string('method') as Method | undefined;
  if (!method || !METHODS.has(method)) fail(badRequest('Parameter method must be cash, card or upi', 'method'));
  const amount = moneyInput(req.body, 'amount', true) as number;
  const tendered = moneyInput(req.body, 'tendered', false);
  const reference = input.string('reference');
  const reason = input.string('reason');
  const asAdvance = booleanInput(req.body, 'advance');
  if (tendered !== undefined && method !== 'cash') fail(badRequest('tendered is for cash payments only', 'tendered'));
  if (tendered !== undefined && tendered < amount)
    fail(unprocessable(`${rupees(tendered)} tendered is less than the ${rupees(amount)} to pay`, 'tendered'));
  if (kind === 'refund' && !reason) fail(badRequest('A refund needs a reason', 'reason'));
  // Cash leaves the drawer only on a supervisor's say: the role must hold full rights over payment
  // records (branch admins, super admins, system clients), not only the desk's create and update.
  if (kind === 'refund' && method === 'cash' && repo.accessControl && !repo.accessControl.allows('PaymentReconciliation', 'd')) {
    throw new OperationOutcomeError({
      resourceType: 'OperationOutcome',
      id: 'forbidden',
      issue: [
        {
          severity: 'error',
          code: 'forbidden',
          details: {
            coding: [{ system: BUSINESS_ERROR_SYSTEM, code: 'FORBIDDEN' }],
            text: 'A cash refund needs a branch administrator; the desk can refund to card or UPI',
          },
        },
      ],
    });
  }

  const result = await repo.withTransaction(
    async (tx) => {
      await tx.query((sql) => sql.query('SELECT 1 FROM "Account" WHERE id = $1 FOR UPDATE', [accountId]));
      const account = await tx.readResource<Account>('Account', accountId);
      if (account.status !== 'active') fail(stateConflict(`The Account is ${account.status}: no money can move on it`));
      const before = await balanceOf(tx, accountId);
      let ledgerKind: LedgerKind = kind;
      let advancePaise = 0;
      if (kind === 'payment') {
        const due = Math.max(0, before.balancePaise);
        if (amount > due) {
          if (!asAdvance) {
            fail(
              unprocessable(
                due === 0
                  ? `Nothing is due on this Account. To hold ${rupees(amount)} as an advance, send advance=true (or use $deposit)`
                  : `Only ${rupees(due)} is due; ${rupees(amount - due)} more would be held as advance. Pay ${rupees(due)}, or send advance=true to hold the excess as advance`,
                'amount',
              ),
            );
          }
          advancePaise = amount - due;
        }
      } else if (kind === 'deposit') {
        ledgerKind = 'deposit';
        advancePaise = amount;
      } else {
        const held = Math.max(0, -before.balancePaise);
        if (amount > held)
          fail(unprocessable(`Only ${rupees(held)} is held as advance on this Account; a refund cannot exceed it`, 'amount'));
      }
      const now = Date.now();
      const record: PaymentReconciliation = {
        resourceType: 'PaymentReconciliation',
        extension: [{ url: PAYMENT_KIND_URL, valueCode: kind }],
        status: 'active',
        created: kolkataInstant(now),
        paymentDate: kolkataDate(now),
        paymentAmount: inr(kind === 'refund' ? -amount : amount),
        ...(reference ? { paymentIdentifier: { value: reference } } : {}),
        outcome: 'complete',
        disposition: [
          `${kind} by ${method}`,
          advancePaise ? `${rupees(advancePaise)} held as advance` : '',
          tendered !== undefined ? `tendered ${rupees(tendered)}, change ${rupees(tendered - amount)}` : '',
          reason ? `reason: ${reason}` : '',
        ]
          .filter(Boolean)
          .join('; '),
        detail: [
          {
            type: {
              coding: [
                {
                  system: 'http://terminology.hl7.org/CodeSystem/payment-type',
                  code: kind === 'payment' ? 'payment' : kind === 'deposit' ? 'advance' : 'adjustment',
                },
              ],
            },
            request: { reference: `Account/${accountId}` },
            date: kolkataDate(now),
            amount: inr(kind === 'refund' ? -amount : amount),
          },
        ],
      };
      // The cashier: named on the record (their Practitioner) and on the ledger row (their user id).
      const actor = repo.auditActor;
      if (actor?.fhirUser?.startsWith('Practitioner/')) record.requestor = { reference: actor.fhirUser };
      const saved = await tx.createResource<PaymentReconciliation>(record);
      const cashier = actor?.userId ?? actor?.clientId;
      await addLedger(tx, {
        accountId,
        kind: ledgerKind,
        amountPaise: kind === 'refund' ? amount : -amount,
        method,
        resourceId: saved.id,
        cashier,
      });
      return { saved, after: await balanceOf(tx, accountId), advancePaise };
    },
    { resourceTypes: ['Account', 'PaymentReconciliation'] },
  );

  const extra: NonNullable<Parameters['parameter']> = [
    { name: 'payment', valueReference: { reference: `PaymentReconciliation/${result.saved.id}` } },
  ];
  if (tendered !== undefined) extra.push({ name: 'change', valueMoney: inr(tendered - amount) });
  if (result.advancePaise) extra.push({ name: 'held-as-advance', valueMoney: inr(result.advancePaise) });
  return [created, balanceParameters(result.after, extra)];
}

async function balance(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  const b = await repo.withTransaction(
    async (tx) => {
      await tx.readResource<Account>('Account', req.params.id);
      return balanceOf(tx, req.params.id);
    },
    { resourceTypes: ['Account'] },
  );
  return [allOk, balanceParameters(b)];
}

export const payHandler = (req: FhirRequest, repo: unknown) => move(req, repo as PostgresRepository, 'payment');
export const depositHandler = (req: FhirRequest, repo: unknown) => move(req, repo as PostgresRepository, 'deposit');
export const refundHandler = (req: FhirRequest, repo: unknown) => move(req, repo as PostgresRepository, 'refund');
export const balanceHandler = (req: FhirRequest, repo: unknown) => balance(req, repo as PostgresRepository);
