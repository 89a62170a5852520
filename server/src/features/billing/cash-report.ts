import { allOk, badRequest } from '@medplum/core';
import type { FhirRequest, FhirResponse } from '@medplum/fhir-router';
import type { Organization, Parameters, ParametersParameter } from '@medplum/fhirtypes';
import type { PostgresRepository } from '../../repo/postgres-repository.ts';
import { fail } from '../opd/fhir.ts';
import { kolkataDate } from '../opd/kolkata.ts';
import { inr } from './fhir.ts';

/**
 * `GET Organization/{id}/$cash-report?date=YYYY-MM-DD` (docs/billing.md): the branch's money of
 * one IST day from the ledger, per cashier and method: collections (payments), deposits and
 * refunds, with totals. For the accountant and the billing desk (read access to payments).
 */
async function cashReport(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  repo.accessControl?.gates('PaymentReconciliation', 'r');
  const date = (Array.isArray(req.query.date) ? req.query.date.at(-1) : req.query.date) ?? kolkataDate(Date.now());
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00+05:30`)))
    fail(badRequest('date must be YYYY-MM-DD', 'date'));
  const branchId = req.params.id;
  const rows = await repo.withTransaction(
    async (tx) => {
      await tx.readResource<Organization>('Organization', branchId);
      const r = await tx.query((sql) =>
        sql.query<{ cashier: string | null; method: string | null; kind: string; total: string | number; n: string | number }>(
          `SELECT l.cashier, l.method, l.kind, sum(l.amount_paise) AS total, count(*) AS n
           FROM billing_ledger l JOIN "Account" a ON a.id = l.account_id
          WHERE l.kind IN ('payment', 'deposit', 'refund')
            AND a.content->'owner'->>'reference' = $1
            AND l.created_at >= ($2::date)::timestamp AT TIME ZONE 'Asia/Kolkata'
            AND l.created_at < ($2::date + 1)::timestamp AT TIME ZONE 'Asia/Kolkata'
          GROUP BY l.cashier, l.method, l.kind ORDER BY l.cashier, l.method, l.kind`,
          [`Organization/${branchId}`, date],
        ),
      );
      return r.rows;
    },
    { resourceTypes: ['Organization', 'Account'] },
  );
  // Ledger signs are the hospital's side; the report shows money in as positive, refunds as paid out.
  const amount = (kind: string, total: number) => (kind === 'refund' ? total : -total);
  const lines: ParametersParameter[] = rows.map((r) => ({
    name: 'line',
    part: [
      { name: 'cashier', valueString: r.cashier ?? 'unknown' },
      { name: 'method', valueCode: r.method ?? 'other' },
      { name: 'kind', valueCode: r.kind },
      { name: 'count', valueInteger: Number(r.n) },
      { name: 'amount', valueMoney: inr(amount(r.kind, Number(r.total))) },
    ],
  }));
  const sum = (kind: string) => rows.filter((r) => r.kind === kind).reduce((s, r) => s + amount(kind, Number(r.total)), 0);
  const out: Parameters = {
    resourceType: 'Parameters',
    parameter: [
      { name: 'date', valueDate: date },
      { name: 'collections', valueMoney: inr(sum('payment')) },
      { name: 'deposits', valueMoney: inr(sum('deposit')) },
      { name: 'refunds', valueMoney: inr(sum('refund')) },
      { name: 'net', valueMoney: inr(sum('payment') + sum('deposit') - sum('refund')) },
      ...lines,
    ],
  };
  return [allOk, out];
}

export const cashReportHandler = (req: FhirRequest, repo: unknown) => cashReport(req, repo as PostgresRepository);
