import type { AuditEvent } from '@medplum/fhirtypes';
import type { Database, Sql } from '../db/database.ts';
import { type AuditInput, buildAuditEvent } from './event.ts';

/** The searchable columns kept beside the event (the rest is in `event`). */
export interface AuditColumns {
  userId?: string;
  clientId?: string;
  patient?: string;
  requestId?: string;
}

/**
 * The statements that store events: their audit_log rows and their places in the queue the sealer
 * chains from, one multi-row INSERT each (a transaction bundle's hundred events cost two
 * statements, not two hundred). INSERT only, so the runtime role needs no other right and writers
 * never wait on the chain. Parameterless (values are literals) so it can ride in the COMMIT message.
 */
export function auditInsertScript(sql: Sql, events: { tenantId: string; event: AuditEvent; columns?: AuditColumns }[]): string {
  const lit = (v: string | undefined) => (v === undefined ? 'NULL' : sql.literal(v));
  const rows: string[] = [];
  const queue: string[] = [];
  for (const { tenantId, event, columns = {} } of events) {
    const id = event.id;
    if (!id) throw new Error('An audit event needs an id');
    const tenant = lit(tenantId);
    const values = [
      tenant,
      lit(id),
      lit(event.recorded),
      lit(event.action ?? 'E'),
      lit(event.outcome ?? '0'),
      lit(columns.userId),
      lit(columns.clientId),
      lit(columns.patient),
      lit(columns.requestId),
      `${lit(JSON.stringify(event))}::jsonb`,
    ];
    rows.push(`(${values.join(', ')})`);
    queue.push(`(${tenant}, ${lit(id)})`);
  }
  return (
    'INSERT INTO audit_log (tenant_id, id, recorded, action, outcome, user_id, client_id, patient, request_id, event) ' +
    `VALUES ${rows.join(', ')}; INSERT INTO audit_pending (tenant_id, id) VALUES ${queue.join(', ')}`
  );
}

/**
 * Records events in the caller's transaction: they commit (or roll back) with the change they
 * describe, and cost no extra round trip because they are sent with COMMIT. The transaction must
 * not be read-only.
 */
export function queueAudits(sql: Sql, inputs: AuditInput[]): AuditEvent[] {
  if (inputs.length === 0) return [];
  const events = inputs.map((input) => ({ tenantId: input.tenantId, event: buildAuditEvent(input), columns: input }));
  sql.execAtCommit(auditInsertScript(sql, events));
  return events.map((e) => e.event);
}

export function queueAudit(sql: Sql, input: AuditInput): AuditEvent {
  return queueAudits(sql, [input])[0] as AuditEvent;
}

/**
 * Records an event in a transaction of its own, for events outside any data transaction: logins,
 * failed logins, denials. Only the tenant is set as context: user and branch ids need not be the
 * uuids the RLS helpers expect (a failed login names what was typed).
 */
export async function writeAudit(db: Database, input: AuditInput): Promise<AuditEvent> {
  return db.transaction({ tenantId: input.tenantId }, async (sql) => queueAudit(sql, input));
}
