import { allOk } from '@medplum/core';
import type { FhirRequest, FhirResponse } from '@medplum/fhir-router';
import type { Parameters, ParametersParameter } from '@medplum/fhirtypes';
import type { PostgresRepository } from '../../repo/postgres-repository.ts';
import { inr, requireAccess } from './common.ts';
import { Params } from './input.ts';

/** ₹ with Indian (lakh, crore) grouping and paise: ₹12,34,567.50. */
export function rupees(paise: number): string {
  return `₹${new Intl.NumberFormat('en-IN', { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(paise / 100)}`;
}

interface Row {
  item: string;
  item_display: string;
  units: string | number;
  at_cost: string | number;
  at_mrp: string | number;
}

/**
 * `GET Location/$stock-valuation[?store=]`: what is on the shelves, per item, valued at purchase
 * price and at MRP (expired units included: they are still the pharmacy's until written off), with
 * totals. Money as Money (INR) and as Indian-formatted text.
 */
async function valuation(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  requireAccess(repo, 'SupplyDelivery', 's');
  const input = new Params(req.body, req.query as Record<string, string>);
  const store = input.id('store', 'Location', repo.baseUrl);
  const rows = await repo.query((sql) =>
    sql.query<Row>(
      `SELECT b.item, max(b.item_display) AS item_display, SUM(s.on_hand) AS units,
              SUM(s.on_hand * b.purchase_paise) AS at_cost, SUM(s.on_hand * b.mrp_paise) AS at_mrp
         FROM pharmacy_stock s JOIN pharmacy_batch b ON b.tenant_id = s.tenant_id AND b.medication_id = s.medication_id
        WHERE s.on_hand > 0 AND ($1::text IS NULL OR s.store_id = $1)
        GROUP BY b.item ORDER BY 2 LIMIT 5000`,
      [store ?? null],
    ),
  );
  let cost = 0;
  let mrp = 0;
  const parameter: ParametersParameter[] = rows.rows.map((r) => {
    cost += Number(r.at_cost);
    mrp += Number(r.at_mrp);
    return {
      name: 'item',
      part: [
        { name: 'item', valueString: r.item },
        { name: 'name', valueString: r.item_display },
        { name: 'units', valueInteger: Number(r.units) },
        { name: 'atCost', valueMoney: inr(Number(r.at_cost)) },
        { name: 'atMrp', valueMoney: inr(Number(r.at_mrp)) },
      ],
    };
  });
  parameter.push(
    { name: 'totalAtCost', valueMoney: inr(cost) },
    { name: 'totalAtMrp', valueMoney: inr(mrp) },
    { name: 'totalAtCostText', valueString: rupees(cost) },
    { name: 'totalAtMrpText', valueString: rupees(mrp) },
  );
  return [allOk, { resourceType: 'Parameters', parameter } as Parameters];
}

export const valuationHandler = (req: FhirRequest, repo: unknown) => valuation(req, repo as PostgresRepository);
