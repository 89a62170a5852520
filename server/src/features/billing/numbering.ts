import type { Sql } from '../../db/database.ts';

/**
 * Invoice and credit note numbers (docs/billing.md): `<prefix><series>/<FY>/<seq>`, e.g.
 * `PUNI/2627/00001` for the first invoice of FY 2026-27 at a branch with prefix PUN, `PUNC/...`
 * for its credit notes. At most 16 characters as GST rule 46 allows; gapless per GSTIN, prefix
 * and financial year, because the number comes from a counter row incremented in the issuing
 * transaction (see 0032_billing.sql).
 */

export const MAX_NUMBER_LENGTH = 16;
export type Series = 'invoice' | 'credit-note';

/** Indian financial year (Apr-Mar) of an IST date `YYYY-MM-DD`, as `2627` for 2026-27. */
export function financialYear(istDate: string): string {
  const y = Number(istDate.slice(0, 4));
  const m = Number(istDate.slice(5, 7));
  const start = m >= 4 ? y : y - 1;
  return `${String(start % 100).padStart(2, '0')}${String((start + 1) % 100).padStart(2, '0')}`;
}

export function seriesPrefix(branchPrefix: string, series: Series): string {
  return `${branchPrefix}${series === 'invoice' ? 'I' : 'C'}`;
}

export function formatNumber(prefix: string, fy: string, seq: number): string {
  return `${prefix}/${fy}/${String(seq).padStart(5, '0')}`;
}

/** Takes the next number; the counter row stays locked until commit, so call it last. */
export async function nextNumber(sql: Sql, gstin: string, prefix: string, fy: string): Promise<number> {
  const r = await sql.query<{ last_number: number }>(
    `INSERT INTO billing_number_counter (tenant_id, gstin, prefix, fy, last_number)
     VALUES (app_current_tenant(), $1, $2, $3, 1)
     ON CONFLICT (tenant_id, gstin, prefix, fy) DO UPDATE SET last_number = billing_number_counter.last_number + 1
     RETURNING last_number`,
    [gstin, prefix, fy],
  );
  return Number(r.rows[0].last_number);
}
