import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateResource } from '@medplum/core';
import type { AuditEvent } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAnchors, writeAnchors } from '../src/audit/anchor.ts';
import { type AuditInput, type AuditKind, buildAuditEvent } from '../src/audit/event.ts';
import { queueAudit, writeAudit } from '../src/audit/log.ts';
import { sealPending, startSealer } from '../src/audit/sealer.ts';
import { linkHash, verifyAuditChain } from '../src/audit/verify.ts';
import type { Database } from '../src/db/database.ts';
import { loadDefinitions } from '../src/fhir/definitions.ts';
import { createLogger } from '../src/logger.ts';
import { startTestServer, TENANT_A, TENANT_B, type TestServer } from './helpers/server.ts';

let t: TestServer;
let db: Database;
beforeAll(async () => {
  t = await startTestServer();
  db = t.server.db;
});
afterAll(() => t?.stop());

const input = (tenantId: string, extra: Partial<AuditInput> = {}): AuditInput => ({
  tenantId,
  kind: 'read',
  userId: 'u-1',
  fhirUser: 'Practitioner/p-1',
  clientId: 'opd-app',
  resource: 'Observation/o-1',
  patient: 'Patient/pt-1',
  ip: '10.0.0.7',
  userAgent: 'vitest',
  requestId: 'req-1',
  ...extra,
});

/** Queues one event per transaction, n transactions at once; returns the event ids. */
async function queueMany(tenantId: string, n: number, extra: Partial<AuditInput> = {}): Promise<string[]> {
  return Promise.all(
    Array.from({ length: n }, (_, i) =>
      db.transaction({ tenantId }, async (sql) => queueAudit(sql, input(tenantId, { requestId: `req-${i}`, ...extra })).id as string),
    ),
  );
}

/** The tenant's seals in chain order, read as the runtime role. */
async function seals(tenantId: string): Promise<{ seq: number; auditId: string }[]> {
  const r = await db.transaction({ tenantId }, (sql) =>
    sql.query<{ seq: string; audit_id: string }>('SELECT seq, audit_id FROM audit_seal ORDER BY seq'),
  );
  return r.rows.map((row) => ({ seq: Number(row.seq), auditId: row.audit_id }));
}

async function seqOf(tenantId: string, auditId: string): Promise<number> {
  const all = await seals(tenantId);
  return all.find((s) => s.auditId === auditId)?.seq as number;
}

async function drain(): Promise<void> {
  while ((await sealPending(db)) > 0);
}

describe('AuditEvent', () => {
  it('builds valid R4 AuditEvents for every kind', () => {
    loadDefinitions();
    const kinds: AuditKind[] = [
      'create',
      'read',
      'vread',
      'update',
      'patch',
      'delete',
      'search-type',
      'search-system',
      'search-compartment',
      'history-instance',
      'history-type',
      'history-system',
      'operation',
      'transaction',
      'batch',
      'login',
      'logout',
      'login-failed',
      'token',
      'export',
      'import',
      'break-glass',
    ];
    for (const kind of kinds) {
      const event = buildAuditEvent(input(TENANT_A, { kind, branchId: 'b-1', query: 'name=sharma&_count=10', purpose: 'emergency' }));
      expect(() => validateResource(event), kind).not.toThrow();
    }
    // Minimal inputs (no user, no client) still make a valid event.
    expect(() => validateResource(buildAuditEvent({ tenantId: TENANT_A, kind: 'login-failed', ip: '10.0.0.9' }))).not.toThrow();
  });

  it('puts each input where it belongs', () => {
    const e = buildAuditEvent(
      input(TENANT_A, { kind: 'search-type', branchId: 'b-1', query: 'code=1234-5', resource: undefined, outcome: '4', detail: 'denied' }),
    );
    expect(e.type.code).toBe('rest');
    expect(e.subtype).toEqual([{ system: 'http://hl7.org/fhir/restful-interaction', code: 'search-type', display: 'search-type' }]);
    expect(e.action).toBe('E');
    expect(e.outcome).toBe('4');
    expect(e.outcomeDesc).toBe('denied');
    expect(e.source.site).toBe(`${TENANT_A}/b-1`);
    expect(e.source.observer.display).toBe('Hospital-Ops FHIR server');
    const [user, app] = e.agent;
    expect(user).toMatchObject({
      who: { reference: 'Practitioner/p-1' },
      altId: 'u-1',
      requestor: true,
      network: { address: '10.0.0.7', type: '2' },
    });
    expect(app).toMatchObject({ who: { identifier: { value: 'opd-app' } }, requestor: false });
    const query = e.entity?.find((x) => x.role?.code === '24');
    expect(Buffer.from(query?.query as string, 'base64').toString()).toBe('code=1234-5');
    expect(e.entity?.find((x) => x.role?.code === '1')?.what?.reference).toBe('Patient/pt-1');
    const request = e.entity?.find((x) => x.type?.code === 'XrequestId');
    expect(request?.what?.identifier?.value).toBe('req-1');
    expect(request?.detail).toEqual([{ type: 'User-Agent', valueString: 'vitest' }]);

    const login = buildAuditEvent({ tenantId: TENANT_A, kind: 'login-failed', userId: 'someone@example.in' });
    expect([login.type.code, login.subtype?.[0].code, login.outcome]).toEqual(['110114', '110122', '4']);
    const glass = buildAuditEvent(input(TENANT_A, { kind: 'break-glass', purpose: 'unconscious patient in casualty' }));
    expect(glass.purposeOfEvent?.[0]).toMatchObject({ coding: [{ code: 'BTG' }], text: 'unconscious patient in casualty' });
    expect(buildAuditEvent(input(TENANT_A, { kind: 'export' })).type.code).toBe('110106');
  });
});

describe('audit log', () => {
  it('stores a queued event only if its transaction commits', async () => {
    let rolledBack = '';
    await expect(
      db.transaction({ tenantId: TENANT_A }, async (sql) => {
        rolledBack = queueAudit(sql, input(TENANT_A, { kind: 'update' })).id as string;
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    const committed = await db.transaction({ tenantId: TENANT_A }, async (sql) => queueAudit(sql, input(TENANT_A, { kind: 'update' })).id);
    const stored = (id: string) =>
      db.transaction({ tenantId: TENANT_A }, async (sql) => (await sql.query('SELECT 1 FROM audit_log WHERE id = $1', [id])).rowCount);
    expect(await stored(rolledBack)).toBe(0);
    expect(await stored(committed as string)).toBe(1);
    const pending = await db.asOwner((sql) => sql.query('SELECT 1 FROM audit_pending WHERE id = $1', [rolledBack]));
    expect(pending.rowCount).toBe(0);
    await drain();
    expect((await seals(TENANT_A)).map((s) => s.auditId)).not.toContain(rolledBack);
  });

  it('keeps the searchable columns beside the event, whatever the quoting', async () => {
    const awkward = `O'Brien \\ "x" नमस्ते`;
    const event = await writeAudit(db, input(TENANT_A, { kind: 'login', userAgent: awkward, requestId: `r'1\\`, resource: undefined }));
    const row = await db.transaction({ tenantId: TENANT_A }, async (sql) =>
      sql.query<{
        user_id: string;
        client_id: string;
        patient: string;
        request_id: string;
        action: string;
        outcome: string;
        event: AuditEvent;
      }>('SELECT user_id, client_id, patient, request_id, action, outcome, event FROM audit_log WHERE id = $1', [event.id]),
    );
    expect(row.rows[0]).toMatchObject({ user_id: 'u-1', client_id: 'opd-app', patient: 'Patient/pt-1', request_id: `r'1\\`, action: 'E' });
    expect(row.rows[0].outcome).toBe('0');
    expect(row.rows[0].event).toEqual(event);
    await drain();
    expect((await verifyAuditChain(db, TENANT_A)).ok).toBe(true);
  });

  it('seals committed events in order, and verify counts them', async () => {
    await drain();
    const before = await verifyAuditChain(db, TENANT_A);
    expect(before.ok).toBe(true);
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) ids.push((await writeAudit(db, input(TENANT_A, { requestId: `seq-${i}` }))).id as string);
    expect((await verifyAuditChain(db, TENANT_A)).unsealed).toBe(25);
    await drain();
    const chain = await seals(TENANT_A);
    expect(chain.slice(-25).map((s) => s.auditId)).toEqual(ids);
    // Small batches exercise the streaming across batch boundaries.
    const after = await verifyAuditChain(db, TENANT_A, 7);
    expect(after).toEqual({ ok: true, sealed: before.sealed + 25, unsealed: 0, orphans: 0 });
  });

  it('seals 200 events from concurrent transactions exactly once, with contiguous seq', async () => {
    const writing = queueMany(TENANT_A, 200, { kind: 'create' });
    // Seal while the writers are still committing: later commits must follow, not be lost.
    const sealing = (async () => {
      for (let i = 0; i < 5; i++) await sealPending(db, 17);
    })();
    const ids = await writing;
    await sealing;
    await drain();
    const chain = await seals(TENANT_A);
    expect(chain.map((s) => s.seq)).toEqual(chain.map((_, i) => i + 1));
    const sealed = chain.map((s) => s.auditId);
    expect(new Set(sealed).size).toBe(sealed.length);
    for (const id of ids) expect(sealed).toContain(id);
    const v = await verifyAuditChain(db, TENANT_A);
    expect(v).toEqual({ ok: true, sealed: chain.length, unsealed: 0, orphans: 0 });
  });

  it('two sealers running at once never break the chain', async () => {
    await drain();
    const start = (await verifyAuditChain(db, TENANT_A)).sealed;
    await Promise.all([queueMany(TENANT_A, 150), queueMany(TENANT_B, 150)]);
    const [one, two] = await Promise.all([sealPending(db, 9), sealPending(db, 9)]);
    expect(one + two).toBe(300);
    const v = await verifyAuditChain(db, TENANT_A, 50);
    expect(v).toEqual({ ok: true, sealed: start + 150, unsealed: 0, orphans: 0 });
    expect((await verifyAuditChain(db, TENANT_B)).ok).toBe(true);
  });

  it('the background sealer seals on its interval and on demand', async () => {
    const sealer = startSealer(db, createLogger('silent'), 20);
    try {
      const [id] = await queueMany(TENANT_A, 1);
      for (let i = 0; i < 100 && !(await seqOf(TENANT_A, id)); i++) await new Promise((r) => setTimeout(r, 20));
      expect(await seqOf(TENANT_A, id)).toBeGreaterThan(0);
      const [later] = await queueMany(TENANT_A, 1);
      await sealer.sealNow();
      expect(await seqOf(TENANT_A, later)).toBeGreaterThan(0);
    } finally {
      await sealer.stop();
    }
  });

  it('the runtime role can only append: no UPDATE or DELETE of events, seals, heads or the queue', async () => {
    const attempts = [
      "UPDATE audit_log SET outcome = '0'",
      'DELETE FROM audit_log',
      "UPDATE audit_seal SET hash = 'x'",
      'DELETE FROM audit_seal',
      'UPDATE audit_chain_head SET seq = 0',
      'DELETE FROM audit_chain_head',
      'DELETE FROM audit_pending',
      `INSERT INTO audit_seal (tenant_id, seq, audit_id, hash) VALUES ('${TENANT_A}', 999999, gen_random_uuid(), 'x')`,
    ];
    // It may run the sealer itself (migration 0046: the server seals as the runtime role), which
    // chains only committed queued events, as the owner would.
    for (const statement of attempts) {
      await expect(
        db.transaction({ tenantId: TENANT_A }, (sql) => sql.query(statement)),
        statement,
      ).rejects.toThrow(/permission denied/);
    }
  });

  it("a tenant's verification sees only its own chain", async () => {
    await drain();
    const a = await verifyAuditChain(db, TENANT_A);
    const b = await verifyAuditChain(db, TENANT_B);
    expect(a.ok && b.ok).toBe(true);
    expect((await seals(TENANT_B)).length).toBe(b.sealed);
    expect((await seals(TENANT_A)).length).toBe(a.sealed);
    expect(b.sealed).not.toBe(a.sealed);
    await queueMany(TENANT_B, 3);
    await drain();
    expect((await verifyAuditChain(db, TENANT_B)).sealed).toBe(b.sealed + 3);
    expect((await verifyAuditChain(db, TENANT_A)).sealed).toBe(a.sealed);
    const rows = await db.transaction({ tenantId: TENANT_B }, (sql) => sql.query('SELECT DISTINCT tenant_id FROM audit_log'));
    expect(rows.rows).toEqual([{ tenant_id: TENANT_B }]);
  });
});

describe('tampering', () => {
  let victim: string;
  let victimSeq: number;
  beforeAll(async () => {
    const ids = await queueMany(TENANT_A, 5);
    await drain();
    // The middle link by seq (queued concurrently, the ids' order need not be the chain's).
    const bySeq = (await Promise.all(ids.map(async (id) => ({ id, seq: await seqOf(TENANT_A, id) })))).sort((x, y) => x.seq - y.seq);
    victim = bySeq[2].id;
    victimSeq = bySeq[2].seq;
    expect((await verifyAuditChain(db, TENANT_A)).ok).toBe(true);
  });

  it('an edited event is named by its seq', async () => {
    const original = await db.asOwner((sql) =>
      sql.query<{ event: string }>('SELECT event::text AS event FROM audit_log WHERE id = $1', [victim]),
    );
    await db.asOwner((sql) =>
      sql.query(`UPDATE audit_log SET event = jsonb_set(event, '{outcomeDesc}', '"nothing to see"') WHERE id = $1`, [victim]),
    );
    const v = await verifyAuditChain(db, TENANT_A, 3);
    expect(v.ok).toBe(false);
    expect(v.firstBroken).toEqual({ seq: victimSeq, auditId: victim, reason: 'hash mismatch: audit row changed after sealing' });
    // Putting it back exactly restores the chain: the hash covers the stored text, nothing else.
    await db.asOwner((sql) => sql.query('UPDATE audit_log SET event = $2::jsonb WHERE id = $1', [victim, original.rows[0].event]));
    expect((await verifyAuditChain(db, TENANT_A)).ok).toBe(true);
  });

  it('a searchable column blanked to hide a sealed row from AuditEvent search is detected', async () => {
    const saved = await db.asOwner((sql) =>
      sql.query<{ patient: string | null; user_id: string | null }>('SELECT patient, user_id FROM audit_log WHERE id = $1', [victim]),
    );
    for (const [column, value] of [
      ['patient', null],
      ['user_id', 'someone-else'],
    ] as const) {
      await db.asOwner((sql) => sql.query(`UPDATE audit_log SET ${column} = $2 WHERE id = $1`, [victim, value]));
      const v = await verifyAuditChain(db, TENANT_A);
      expect(v.ok).toBe(false);
      expect(v.firstBroken).toEqual({
        seq: victimSeq,
        auditId: victim,
        reason: `searchable column ${column} differs from the sealed event`,
      });
      await db.asOwner((sql) => sql.query(`UPDATE audit_log SET ${column} = $2 WHERE id = $1`, [victim, saved.rows[0][column]]));
    }
    expect((await verifyAuditChain(db, TENANT_A)).ok).toBe(true);
  });

  it('a row inserted behind the server (never queued for sealing) fails verification', async () => {
    const forged = '00000000-0000-4000-8000-00000000f0f0';
    await db.asOwner((sql) =>
      sql.query(
        `INSERT INTO audit_log (tenant_id, id, recorded, action, outcome, event) VALUES ($1, $2, now(), 'R', '0', '{"resourceType":"AuditEvent"}')`,
        [TENANT_A, forged],
      ),
    );
    const v = await verifyAuditChain(db, TENANT_A);
    expect(v.ok).toBe(false);
    expect(v.orphans).toBe(1);
    await db.asOwner((sql) => sql.query('DELETE FROM audit_log WHERE id = $1', [forged]));
    expect((await verifyAuditChain(db, TENANT_A)).ok).toBe(true);
  });

  it('an owner who edits an event and rebuilds every hash after it is caught by the anchors published outside the database', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'hops-anchors-')), 'audit-anchors.jsonl');
    expect(await writeAnchors(db, file)).toBeGreaterThan(0);
    expect(await writeAnchors(db, file)).toBe(0); // heads unchanged: nothing new to publish
    const anchors = readAnchors(file);
    expect((await verifyAuditChain(db, TENANT_A, 1000, anchors)).ok).toBe(true);

    const original = await db.asOwner((sql) =>
      sql.query<{ event: string }>('SELECT event::text AS event FROM audit_log WHERE id = $1', [victim]),
    );
    const rebuild = async () => {
      await db.asOwner(async (sql) => {
        const links = await sql.query<{ seq: string; audit_id: string; event: string }>(
          'SELECT s.seq, s.audit_id, l.event::text AS event FROM audit_seal s JOIN audit_log l ON l.tenant_id = s.tenant_id AND l.id = s.audit_id WHERE s.tenant_id = $1 ORDER BY s.seq',
          [TENANT_A],
        );
        let prev = '0'.repeat(64);
        for (const l of links.rows) {
          prev = linkHash(prev, Number(l.seq), l.audit_id, l.event);
          await sql.query('UPDATE audit_seal SET hash = $3 WHERE tenant_id = $1 AND seq = $2', [TENANT_A, l.seq, prev]);
        }
        await sql.query('UPDATE audit_chain_head SET hash = $2 WHERE tenant_id = $1', [TENANT_A, prev]);
      });
    };
    await db.asOwner((sql) =>
      sql.query(`UPDATE audit_log SET event = jsonb_set(event, '{outcomeDesc}', '"rewritten"') WHERE id = $1`, [victim]),
    );
    await rebuild();
    // The chain is consistent again on its own...
    expect((await verifyAuditChain(db, TENANT_A)).ok).toBe(true);
    // ...but not with what was published before.
    const v = await verifyAuditChain(db, TENANT_A, 1000, anchors);
    expect(v.ok).toBe(false);
    expect(v.firstBroken?.reason).toMatch(/differs from the anchor published at .*: it was rebuilt/);

    await db.asOwner((sql) => sql.query('UPDATE audit_log SET event = $2::jsonb WHERE id = $1', [victim, original.rows[0].event]));
    await rebuild();
    expect((await verifyAuditChain(db, TENANT_A, 1000, anchors)).ok).toBe(true);
  });

  it('a deleted event is detected', async () => {
    const saved = await db.asOwner((sql) => sql.query('SELECT * FROM audit_log WHERE id = $1', [victim]));
    await db.asOwner((sql) => sql.query('DELETE FROM audit_log WHERE id = $1', [victim]));
    const v = await verifyAuditChain(db, TENANT_A);
    expect(v.firstBroken).toEqual({ seq: victimSeq, auditId: victim, reason: 'audit row missing' });
    const r = saved.rows[0];
    await db.asOwner((sql) =>
      sql.query(
        'INSERT INTO audit_log (tenant_id, id, recorded, action, outcome, user_id, client_id, patient, request_id, event) ' +
          'VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)',
        [r.tenant_id, r.id, r.recorded, r.action, r.outcome, r.user_id, r.client_id, r.patient, r.request_id, r.event],
      ),
    );
    expect((await verifyAuditChain(db, TENANT_A)).ok).toBe(true);
  });

  it('an edited seal hash is detected', async () => {
    const saved = await db.asOwner((sql) => sql.query<{ hash: string }>('SELECT hash FROM audit_seal WHERE audit_id = $1', [victim]));
    await db.asOwner((sql) => sql.query(`UPDATE audit_seal SET hash = repeat('f', 64) WHERE audit_id = $1`, [victim]));
    const v = await verifyAuditChain(db, TENANT_A);
    expect(v.firstBroken).toEqual({ seq: victimSeq, auditId: victim, reason: 'hash mismatch: seal hash altered' });
    await db.asOwner((sql) => sql.query('UPDATE audit_seal SET hash = $2 WHERE audit_id = $1', [victim, saved.rows[0].hash]));
    expect((await verifyAuditChain(db, TENANT_A)).ok).toBe(true);
  });

  it('a deleted seal and a moved head are detected', async () => {
    const saved = await db.asOwner((sql) => sql.query('SELECT * FROM audit_seal WHERE audit_id = $1', [victim]));
    await db.asOwner((sql) => sql.query('DELETE FROM audit_seal WHERE audit_id = $1', [victim]));
    expect((await verifyAuditChain(db, TENANT_A)).firstBroken).toEqual({ seq: victimSeq, auditId: '', reason: 'seal missing' });
    const s = saved.rows[0];
    await db.asOwner((sql) =>
      sql.query('INSERT INTO audit_seal (tenant_id, seq, audit_id, hash, sealed_at) VALUES ($1, $2, $3, $4, $5)', [
        s.tenant_id,
        s.seq,
        s.audit_id,
        s.hash,
        s.sealed_at,
      ]),
    );
    expect((await verifyAuditChain(db, TENANT_A)).ok).toBe(true);

    const head = await db.asOwner((sql) =>
      sql.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit_chain_head WHERE tenant_id = $1', [TENANT_A]),
    );
    const { seq, hash } = head.rows[0];
    await db.asOwner((sql) => sql.query(`UPDATE audit_chain_head SET hash = repeat('0', 64) WHERE tenant_id = $1`, [TENANT_A]));
    expect((await verifyAuditChain(db, TENANT_A)).firstBroken).toMatchObject({
      seq: Number(seq),
      reason: 'chain head disagrees with the last seal',
    });
    // Winding the head back to an earlier link leaves seals beyond it.
    const earlier = await db.asOwner((sql) =>
      sql.query<{ hash: string }>('SELECT hash FROM audit_seal WHERE tenant_id = $1 AND seq = $2', [TENANT_A, victimSeq]),
    );
    await db.asOwner((sql) =>
      sql.query('UPDATE audit_chain_head SET seq = $2, hash = $3 WHERE tenant_id = $1', [TENANT_A, victimSeq, earlier.rows[0].hash]),
    );
    expect((await verifyAuditChain(db, TENANT_A)).firstBroken).toMatchObject({ seq: victimSeq + 1, reason: 'seal beyond the chain head' });
    await db.asOwner((sql) => sql.query('UPDATE audit_chain_head SET seq = $2, hash = $3 WHERE tenant_id = $1', [TENANT_A, seq, hash]));
    expect((await verifyAuditChain(db, TENANT_A)).ok).toBe(true);
  });

  it("tampering with one tenant's chain does not affect another's", async () => {
    await db.asOwner((sql) => sql.query(`UPDATE audit_log SET event = jsonb_set(event, '{outcome}', '"8"') WHERE id = $1`, [victim]));
    expect((await verifyAuditChain(db, TENANT_A)).ok).toBe(false);
    expect((await verifyAuditChain(db, TENANT_B)).ok).toBe(true);
  });
});
