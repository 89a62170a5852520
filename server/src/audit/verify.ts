import { createHash } from 'node:crypto';
import type { AuditEvent } from '@medplum/fhirtypes';
import type { Database, Sql } from '../db/database.ts';
import type { Anchor } from './anchor.ts';
import { CLIENT_ID_SYSTEM } from './event.ts';

/** The hash before seq 1 of every chain (also what audit_seal_pending starts a head with). */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * One link: hex sha256 over the previous hash, seq, event id and the event exactly as stored
 * (`event::text`), newline-separated. Must match audit_seal_pending in migration 0007; computed
 * here independently so a verification does not trust the database's own arithmetic.
 */
export function linkHash(prevHash: string, seq: number, auditId: string, eventText: string): string {
  return createHash('sha256').update(`${prevHash}\n${seq}\n${auditId}\n${eventText}`, 'utf8').digest('hex');
}

export interface BrokenLink {
  seq: number;
  /** The sealed event's id; empty when the seal itself is missing. */
  auditId: string;
  reason: string;
}

export interface ChainVerification {
  ok: boolean;
  /** Links in the chain, as its head records. */
  sealed: number;
  /** Stored events not (yet) in the chain. */
  unsealed: number;
  /** Stored events that are neither sealed nor queued for sealing: written behind the server's back. */
  orphans: number;
  firstBroken?: BrokenLink;
}

interface SealRow extends SearchedColumns {
  seq: string;
  audit_id: string;
  hash: string;
  event: string | null;
}

/** The plain columns AuditEvent search filters on; each must say what the sealed event says. */
interface SearchedColumns {
  recorded: string | Date;
  action: string;
  outcome: string;
  user_id: string | null;
  client_id: string | null;
  patient: string | null;
  request_id: string | null;
}

const SEALS =
  'SELECT s.seq, s.audit_id, s.hash, l.event::text AS event, l.recorded, l.action, l.outcome, l.user_id, l.client_id, l.patient, l.request_id FROM audit_seal s ' +
  'LEFT JOIN audit_log l ON l.tenant_id = s.tenant_id AND l.id = s.audit_id ' +
  'WHERE s.tenant_id = $1 AND s.seq >= $2 AND s.seq <= $3 ORDER BY s.seq LIMIT $4';

/**
 * Recomputes a tenant's chain from seq 1, in batches, and names the first link that does not hold:
 * a missing seal (seq gap), a sealed event whose row is gone, a hash that no longer matches (the
 * row was edited, or the seal was), a head that disagrees with the last seal, or seals beyond the
 * head. Runs as the runtime role in the tenant's own context. The walk stops at the head read
 * first: a sealer commits seals and head together, so links up to it are complete and fixed.
 */
export async function verifyAuditChain(
  db: Database,
  tenantId: string,
  batchSize = 1000,
  anchors: Anchor[] = [],
): Promise<ChainVerification> {
  return db.transaction(
    { tenantId },
    async (sql) => {
      const head = (
        await sql.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit_chain_head WHERE tenant_id = $1', [tenantId])
      ).rows[0];
      const headSeq = head ? Number(head.seq) : 0;
      const firstBroken =
        (await walk(sql, tenantId, headSeq, head?.hash ?? GENESIS_HASH, batchSize)) ??
        (await beyondHead(sql, tenantId)) ??
        (await againstAnchors(sql, tenantId, anchors));
      const unsealed = await sql.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM audit_log l WHERE l.tenant_id = $1 ' +
          'AND NOT EXISTS (SELECT 1 FROM audit_seal s WHERE s.tenant_id = l.tenant_id AND s.audit_id = l.id)',
        [tenantId],
      );
      const orphans = await sql.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM audit_log l WHERE l.tenant_id = $1 ' +
          'AND NOT EXISTS (SELECT 1 FROM audit_seal s WHERE s.tenant_id = l.tenant_id AND s.audit_id = l.id) ' +
          'AND NOT EXISTS (SELECT 1 FROM audit_pending p WHERE p.tenant_id = l.tenant_id AND p.id = l.id)',
        [tenantId],
      );
      const orphanCount = Number(orphans.rows[0].n);
      return {
        ok: !firstBroken && orphanCount === 0,
        sealed: headSeq,
        unsealed: Number(unsealed.rows[0].n),
        orphans: orphanCount,
        ...(firstBroken ? { firstBroken } : {}),
      };
    },
    { readOnly: true },
  );
}

async function walk(sql: Sql, tenantId: string, headSeq: number, headHash: string, batchSize: number): Promise<BrokenLink | undefined> {
  let prev = GENESIS_HASH;
  let expected = 1;
  let lastId = '';
  while (expected <= headSeq) {
    const { rows } = await sql.query<SealRow>(SEALS, [tenantId, expected, headSeq, batchSize]);
    if (rows.length === 0) return { seq: expected, auditId: '', reason: 'seal missing' };
    for (const row of rows) {
      const seq = Number(row.seq);
      if (seq !== expected) return { seq: expected, auditId: '', reason: 'seal missing' };
      if (row.event === null) return { seq, auditId: row.audit_id, reason: 'audit row missing' };
      const computed = linkHash(prev, seq, row.audit_id, row.event);
      if (computed !== row.hash) {
        return { seq, auditId: row.audit_id, reason: await mismatchReason(sql, tenantId, seq, row.hash, computed, headSeq, headHash) };
      }
      const differs = columnsDiffer(row, JSON.parse(row.event) as AuditEvent);
      if (differs) return { seq, auditId: row.audit_id, reason: `searchable column ${differs} differs from the sealed event` };
      prev = row.hash;
      lastId = row.audit_id;
      expected++;
    }
  }
  if (prev !== headHash) return { seq: headSeq, auditId: lastId, reason: 'chain head disagrees with the last seal' };
  return undefined;
}

/**
 * Which side of a mismatch changed: if the link after this one (or the head) still chains from
 * the stored hash, the stored hash is original and the event (or the seal's event id) was edited;
 * if it chains from the recomputed hash, the seal's hash was edited.
 */
async function mismatchReason(
  sql: Sql,
  tenantId: string,
  seq: number,
  stored: string,
  computed: string,
  headSeq: number,
  headHash: string,
): Promise<string> {
  let chainsFrom = (h: string) => h === headHash;
  if (seq < headSeq) {
    const next = (await sql.query<SealRow>(SEALS, [tenantId, seq + 1, seq + 1, 1])).rows[0];
    if (!next || next.event === null) return 'hash mismatch';
    chainsFrom = (h: string) => linkHash(h, seq + 1, next.audit_id, next.event as string) === next.hash;
  }
  if (chainsFrom(stored)) return 'hash mismatch: audit row changed after sealing';
  if (chainsFrom(computed)) return 'hash mismatch: seal hash altered';
  return 'hash mismatch';
}

/**
 * Which searchable column (if any) no longer says what the sealed event says. The columns are
 * copies for search (audit/log.ts); the hash covers the event, so a copy edited to hide a row from
 * `AuditEvent?patient=` would otherwise go unnoticed.
 */
function columnsDiffer(row: SearchedColumns, event: AuditEvent): string | undefined {
  const human = event.agent?.find((a) => a.type?.coding?.some((c) => c.code === 'humanuser'));
  const app = event.agent?.find((a) => a.who?.identifier?.system === CLIENT_ID_SYSTEM);
  const patient = event.entity?.find((e) => e.role?.code === '1')?.what?.reference;
  const request = event.entity?.find((e) => e.type?.code === 'XrequestId')?.what?.identifier?.value;
  const expected: Record<keyof SearchedColumns, string | null> = {
    recorded: event.recorded ? new Date(event.recorded).toISOString() : null,
    action: event.action ?? 'E',
    outcome: event.outcome ?? '0',
    user_id: human?.altId ?? null,
    client_id: app?.who?.identifier?.value ?? null,
    patient: patient ?? null,
    request_id: request ?? null,
  };
  for (const [column, value] of Object.entries(expected) as [keyof SearchedColumns, string | null][]) {
    const stored = row[column];
    const actual =
      stored instanceof Date ? stored.toISOString() : column === 'recorded' && stored ? new Date(stored).toISOString() : stored;
    if (actual !== value) return column;
  }
  return undefined;
}

/** The first anchor (published outside the database) that the chain no longer holds: the chain was rebuilt. */
async function againstAnchors(sql: Sql, tenantId: string, anchors: Anchor[]): Promise<BrokenLink | undefined> {
  for (const a of anchors.filter((x) => x.tenant === tenantId)) {
    const r = await sql.query<{ hash: string }>('SELECT hash FROM audit_seal WHERE tenant_id = $1 AND seq = $2', [tenantId, a.seq]);
    if (r.rows[0]?.hash !== a.hash)
      return { seq: a.seq, auditId: '', reason: `the chain differs from the anchor published at ${a.at}: it was rebuilt` };
  }
  return undefined;
}

/** Seals the head does not cover, read in one snapshot with the head (sealers commit both). */
async function beyondHead(sql: Sql, tenantId: string): Promise<BrokenLink | undefined> {
  const r = await sql.query<{ max_seq: string | null; head_seq: string | null }>(
    'SELECT (SELECT max(seq) FROM audit_seal WHERE tenant_id = $1) AS max_seq, ' +
      '(SELECT seq FROM audit_chain_head WHERE tenant_id = $1) AS head_seq',
    [tenantId],
  );
  const maxSeq = Number(r.rows[0].max_seq ?? 0);
  const headSeq = Number(r.rows[0].head_seq ?? 0);
  if (maxSeq <= headSeq) return undefined;
  return { seq: headSeq + 1, auditId: '', reason: r.rows[0].head_seq === null ? 'chain head missing' : 'seal beyond the chain head' };
}
