import { allOk, badRequest, OperationOutcomeError } from '@medplum/core';
import type { FhirRequest, FhirResponse } from '@medplum/fhir-router';
import type { Account, ChargeItem, Extension, Organization, Parameters } from '@medplum/fhirtypes';
import type { PostgresRepository } from '../../repo/postgres-repository.ts';
import { BUSINESS_ERROR_SYSTEM, fail, OperationInput, stateConflict, unprocessable } from '../opd/fhir.ts';
import { HOPS, inr, paiseOf } from './fhir.ts';

/**
 * Discounts on a charge (docs/billing.md): `ChargeItem/{id}/$discount` (percent, reason). Up to the
 * branch's threshold the discounted price applies at once; above it the request waits, the price
 * unchanged (so the invoice bills the list price), until an approver (`$approve-discount`) applies
 * it or refuses it (`$reject-discount`). The request and the decision, with who and why, stay on
 * the ChargeItem (extension `discount`), so its version history is the audit trail.
 */

/** On a ChargeItem: the discount asked for and its fate (sub-extensions below). */
export const DISCOUNT_URL = `${HOPS}/StructureDefinition/discount`;
/** On a branch Organization: the largest discount (valueDecimal, percent) the desk gives without an approver. */
export const DISCOUNT_THRESHOLD_URL = `${HOPS}/StructureDefinition/discount-approval-threshold`;
export const DEFAULT_THRESHOLD_PERCENT = 10;

type State = 'applied' | 'pending' | 'approved' | 'rejected';

interface Discount {
  percent: number;
  state: State;
  reason: string;
  requester: string;
  listPaise: number;
  decidedBy?: string;
  decisionReason?: string;
}

const sub = (ext: Extension | undefined, url: string) => ext?.extension?.find((e) => e.url === url);

function discountOf(charge: ChargeItem): Discount | undefined {
  const ext = charge.extension?.find((e) => e.url === DISCOUNT_URL);
  if (!ext) return undefined;
  return {
    percent: sub(ext, 'percent')?.valueDecimal ?? 0,
    state: sub(ext, 'state')?.valueCode as State,
    reason: sub(ext, 'reason')?.valueString ?? '',
    requester: sub(ext, 'requester')?.valueString ?? '',
    listPaise: paiseOf(sub(ext, 'list-price')?.valueMoney) ?? 0,
    decidedBy: sub(ext, 'decided-by')?.valueString,
    decisionReason: sub(ext, 'decision-reason')?.valueString,
  };
}

function withDiscount(charge: ChargeItem, d: Discount): ChargeItem {
  const parts: Extension[] = [
    { url: 'percent', valueDecimal: d.percent },
    { url: 'state', valueCode: d.state },
    { url: 'reason', valueString: d.reason },
    { url: 'requester', valueString: d.requester },
    { url: 'list-price', valueMoney: inr(d.listPaise) },
  ];
  if (d.decidedBy) parts.push({ url: 'decided-by', valueString: d.decidedBy });
  if (d.decisionReason) parts.push({ url: 'decision-reason', valueString: d.decisionReason });
  const others = (charge.extension ?? []).filter((e) => e.url !== DISCOUNT_URL);
  return { ...charge, extension: [...others, { url: DISCOUNT_URL, extension: parts }] };
}

/** The unit price after `percent` off the list price, rounded once to the paisa (half up). */
export const discountedPaise = (listPaise: number, percent: number) => Math.round((listPaise * (100 - percent)) / 100);

function forbidden(text: string): never {
  throw new OperationOutcomeError({
    resourceType: 'OperationOutcome',
    id: 'forbidden',
    issue: [{ severity: 'error', code: 'forbidden', details: { coding: [{ system: BUSINESS_ERROR_SYSTEM, code: 'FORBIDDEN' }], text } }],
  });
}

const actorOf = (repo: PostgresRepository) => repo.auditActor?.userId ?? repo.auditActor?.clientId ?? 'unknown';

/** Reads and locks the charge, checks it can still change, and writes what `change` makes of it, in one transaction. */
async function onCharge(
  repo: PostgresRepository,
  id: string,
  change: (tx: PostgresRepository, charge: ChargeItem) => Promise<ChargeItem>,
): Promise<ChargeItem> {
  return repo.withTransaction(
    async (tx) => {
      await tx.query((sql) => sql.query('SELECT 1 FROM "ChargeItem" WHERE id = $1 FOR UPDATE', [id]));
      const charge = await tx.readResource<ChargeItem>('ChargeItem', id);
      if (charge.status !== 'billable')
        fail(stateConflict(`ChargeItem/${id} is ${charge.status}: only a charge not yet invoiced can be discounted`));
      return tx.updateResource<ChargeItem>(await change(tx, charge));
    },
    { resourceTypes: ['ChargeItem', 'Account', 'Organization'] },
  );
}

async function thresholdFor(tx: PostgresRepository, charge: ChargeItem): Promise<number> {
  const accountId = /^Account\/(.+)$/.exec(charge.account?.[0]?.reference ?? '')?.[1];
  if (!accountId) return DEFAULT_THRESHOLD_PERCENT;
  const account = await tx.readResource<Account>('Account', accountId);
  const branchId = /^Organization\/(.+)$/.exec(account.owner?.reference ?? '')?.[1];
  if (!branchId) return DEFAULT_THRESHOLD_PERCENT;
  const branch = await tx.readResource<Organization>('Organization', branchId);
  return branch.extension?.find((e) => e.url === DISCOUNT_THRESHOLD_URL)?.valueDecimal ?? DEFAULT_THRESHOLD_PERCENT;
}

async function request(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  repo.accessControl?.gates('ChargeItem', 'u');
  const input = new OperationInput(req.body, req.query);
  const percent = (req.body as Parameters | undefined)?.parameter?.find((p) => p.name === 'percent')?.valueDecimal;
  if (percent === undefined || !(percent > 0 && percent <= 100))
    fail(badRequest('Parameter percent (valueDecimal) must be more than 0 and at most 100', 'percent'));
  const reason = input.string('reason')?.trim();
  if (!reason) fail(badRequest('A discount needs a reason', 'reason'));
  const saved = await onCharge(repo, req.params.id, async (tx, charge) => {
    const earlier = discountOf(charge);
    if (earlier?.state === 'pending') fail(stateConflict('A discount on this charge is already waiting for approval'));
    if (charge.extension?.some((e) => e.url === `${HOPS}/StructureDefinition/reverses`))
      fail(unprocessable('A reversal cannot be discounted'));
    // A new discount replaces the earlier one: always computed from the list price.
    const listPaise = earlier?.listPaise ?? paiseOf(charge.priceOverride) ?? fail(unprocessable('The charge has no price to discount'));
    const atOnce = (percent as number) <= (await thresholdFor(tx, charge));
    const d: Discount = {
      percent: percent as number,
      state: atOnce ? 'applied' : 'pending',
      reason: reason as string,
      requester: actorOf(repo),
      listPaise,
    };
    const next = withDiscount(charge, d);
    // Pending: the price stays what it was (the list price, or an earlier discount's).
    return atOnce ? { ...next, priceOverride: inr(discountedPaise(listPaise, d.percent)) } : next;
  });
  return [allOk, saved];
}

async function decide(req: FhirRequest, repo: PostgresRepository, approve: boolean): Promise<FhirResponse> {
  // Approvers hold full rights over charges (branch and super admins), not only the desk's create and update.
  if (repo.accessControl && !repo.accessControl.allows('ChargeItem', 'd'))
    forbidden('A discount above the threshold needs a branch administrator to approve or refuse it');
  const reason = new OperationInput(req.body, req.query).string('reason')?.trim();
  if (!approve && !reason) fail(badRequest('Refusing a discount needs a reason', 'reason'));
  const saved = await onCharge(repo, req.params.id, async (_tx, charge) => {
    const d = discountOf(charge);
    if (d?.state !== 'pending') fail(stateConflict('No discount on this charge is waiting for approval'));
    const me = actorOf(repo);
    if ((d as Discount).requester === me) forbidden('A discount cannot be approved or refused by the person who asked for it');
    const next = withDiscount(charge, {
      ...(d as Discount),
      state: approve ? 'approved' : 'rejected',
      decidedBy: me,
      decisionReason: reason,
    });
    return approve ? { ...next, priceOverride: inr(discountedPaise((d as Discount).listPaise, (d as Discount).percent)) } : next;
  });
  return [allOk, saved];
}

export const discountHandler = (req: FhirRequest, repo: unknown) => request(req, repo as PostgresRepository);
export const approveDiscountHandler = (req: FhirRequest, repo: unknown) => decide(req, repo as PostgresRepository, true);
export const rejectDiscountHandler = (req: FhirRequest, repo: unknown) => decide(req, repo as PostgresRepository, false);
