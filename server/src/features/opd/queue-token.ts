import type { Extension } from '@medplum/fhirtypes';
import type { Sql } from '../../db/database.ts';
import { QUEUE_TOKEN_URL } from './fhir.ts';

/**
 * OPD queue tokens: numbered from 1 per branch, practitioner and local day. The number comes from
 * a counter row incremented in the check-in's own transaction: the row lock makes concurrent
 * check-ins take turns (no duplicates), and a check-in that rolls back takes its increment with
 * it (no gaps). The lock is held until commit, so take the number as late as possible.
 */
export async function nextToken(sql: Sql, branchId: string, practitionerId: string, date: string): Promise<number> {
  const r = await sql.query<{ last_token: number }>(
    `INSERT INTO opd_queue_counter (tenant_id, branch_id, practitioner_id, queue_date, last_token)
     VALUES (app_current_tenant(), $1, $2, $3::date, 1)
     ON CONFLICT (tenant_id, branch_id, practitioner_id, queue_date) DO UPDATE SET last_token = opd_queue_counter.last_token + 1
     RETURNING last_token`,
    [branchId, practitionerId, date],
  );
  return Number(r.rows[0].last_token);
}

/** The opd-queue-token extension (in.hospital-ops.fhir): token number and the queue's day. */
export function queueTokenExtension(number: number, date: string): Extension {
  return {
    url: QUEUE_TOKEN_URL,
    extension: [
      { url: 'number', valuePositiveInt: number },
      { url: 'date', valueDate: date },
    ],
  };
}
