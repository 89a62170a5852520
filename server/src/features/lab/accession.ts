import type { Organization } from '@medplum/fhirtypes';
import type { Sql } from '../../db/database.ts';

/**
 * Accession numbers: one per sample, numbered from 1 per branch and local (Asia/Kolkata) day, from
 * a counter row incremented in the collection's own transaction (migration 0039): concurrent
 * collections take turns on the row, a rolled-back one gives its number back. The value is
 * `<branch code><YYMMDD><4-digit number>` (e.g. PUN2612060007): digits and capitals only, so a
 * Code-128 label stays short and scanners read it without shifts.
 */
export async function nextAccessionNumber(sql: Sql, branchId: string, date: string): Promise<number> {
  const r = await sql.query<{ last_number: number }>(
    `INSERT INTO lab_accession_counter (tenant_id, branch_id, accession_date, last_number)
     VALUES (app_current_tenant(), $1, $2::date, 1)
     ON CONFLICT (tenant_id, branch_id, accession_date) DO UPDATE SET last_number = lab_accession_counter.last_number + 1
     RETURNING last_number`,
    [branchId, date],
  );
  return Number(r.rows[0].last_number);
}

/** The branch's short code: its first alias if it is 2-6 letters or digits, else the start of its id. */
export function branchCode(branch: Organization & { id: string }): string {
  const alias = branch.alias?.[0]?.toUpperCase();
  if (alias && /^[A-Z0-9]{2,6}$/.test(alias)) return alias;
  return branch.id
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, 4)
    .toUpperCase();
}

export function accessionValue(code: string, date: string, n: number): string {
  return `${code}${date.slice(2, 4)}${date.slice(5, 7)}${date.slice(8, 10)}${String(n).padStart(4, '0')}`;
}
