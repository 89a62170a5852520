import { badRequest, type Filter, OperationOutcomeError, type SearchRequest } from '@medplum/core';
import type { AuditEvent } from '@medplum/fhirtypes';
import type { Sql } from '../db/database.ts';
import { dateCondition, SqlParams } from '../search/sql.ts';

/**
 * `AuditEvent` on the FHIR API reads the audit log itself (audit_log, under RLS), newest first.
 * It answers the questions an administrator asks: who touched this patient, what did this user
 * do, what happened to this resource, in this period. AuditEvents are written by the server only.
 */
const SUPPORTED = new Set(['_id', 'date', 'patient', 'agent', 'altid', 'entity', 'action', 'outcome', 'type', 'subtype']);

function ref(v: string, type: string): string {
  return v.includes('/') ? v : `${type}/${v}`;
}

function condition(f: Filter, p: SqlParams): string {
  const any = (fn: (v: string) => string) => `(${f.value.split(',').map(fn).join(' OR ')})`;
  switch (f.code) {
    case '_id':
      return any((v) => `id::text = ${p.add(v)}`);
    case 'date':
      return any((v) => dateCondition('recorded', 'recorded', f.operator, v, p));
    case 'patient':
      return any((v) => `patient = ${p.add(ref(v, 'Patient'))}`);
    case 'altid':
      return any((v) => `user_id = ${p.add(v)}`);
    case 'agent':
      return any((v) => `event->'agent' @> ${p.add(JSON.stringify([{ who: { reference: ref(v, 'Practitioner') } }]))}::jsonb`);
    case 'entity':
      return any((v) => `event->'entity' @> ${p.add(JSON.stringify([{ what: { reference: v } }]))}::jsonb`);
    case 'action':
      return any((v) => `action = ${p.add(v)}`);
    case 'outcome':
      return any((v) => `outcome = ${p.add(v)}`);
    case 'type':
      return any((v) => `event->'type'->>'code' = ${p.add(v.split('|').pop())}`);
    case 'subtype':
      return any((v) => `event->'subtype' @> ${p.add(JSON.stringify([{ code: v.split('|').pop() }]))}::jsonb`);
    default:
      throw new OperationOutcomeError(badRequest(`AuditEvent search supports ${[...SUPPORTED].join(', ')}; not ${f.code}`, f.code));
  }
}

export async function searchAuditLog(
  sql: Sql,
  req: SearchRequest,
  count: number,
  offset: number,
): Promise<{ events: AuditEvent[]; total?: number }> {
  const p = new SqlParams();
  const where = ['true', ...(req.filters ?? []).map((f) => condition(f, p))].join(' AND ');
  const r = await sql.query<{ event: AuditEvent }>(
    `SELECT event FROM audit_log WHERE ${where} ORDER BY recorded DESC, id LIMIT ${count + 1} OFFSET ${offset}`,
    p.values,
  );
  let total: number | undefined;
  if (req.total === 'accurate' || req.total === 'estimate') {
    total = Number((await sql.query<{ n: string }>(`SELECT count(*) AS n FROM audit_log WHERE ${where}`, p.values)).rows[0].n);
  }
  return { events: r.rows.map((x) => x.event), total };
}

export async function readAuditEvent(sql: Sql, id: string): Promise<AuditEvent | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
  return (await sql.query<{ event: AuditEvent }>('SELECT event FROM audit_log WHERE id = $1', [id])).rows[0]?.event;
}
