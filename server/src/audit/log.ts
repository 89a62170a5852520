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
 * The statements that store one event: its audit_log row and its place in the queue the sealer
 * chains from. INSERT only, so the runtime role needs no other right and writers never wait on
 * the chain. Parameterless (values are literals) so it can ride in the COMMIT message.
 */
export function auditInsertScript(sql: Sql, tenantId: string, event: AuditEvent, columns: AuditColumns = {}): string {
  const lit = (v: string | undefined) => (v === undefined ? 'NULL' : sql.literal(v));
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
  return (
    'INSERT INTO audit_log (tenant_id, id, recorded, action, outcome, user_id, client_id, patient, request_id, event) ' +
    `VALUES (${values.join(', ')}); INSERT INTO audit_pending (tenant_id, id) VALUES (${tenant}, ${lit(id)})`
  );
}

/**
 * Records an event in the caller's transaction: it commits (or rolls back) with the change it
 * describes, and costs no extra round trip because it is sent with COMMIT. The transaction must
 * not be read-only.
 */
export function queueAudit(sql: Sql, input: AuditInput): AuditEvent {
  const event = buildAuditEvent(input);
  sql.execAtCommit(auditInsertScript(sql, input.tenantId, event, input));
  return event;
}

/**
 * Records an event in a transaction of its own, for events outside any data transaction: logins,
 * failed logins, denials. Only the tenant is set as context: user and branch ids need not be the
 * uuids the RLS helpers expect (a failed login names what was typed).
 */
export async function writeAudit(db: Database, input: AuditInput): Promise<AuditEvent> {
  return db.transaction({ tenantId: input.tenantId }, async (sql) => queueAudit(sql, input));
}
