import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';

/**
 * Anchors of the audit chains outside the database: every so often the head of each tenant's
 * chain (seq and hash) is appended to a file. An owner who rewrites the chain and recomputes every
 * hash after it still cannot change what the file already holds, so verification against the file
 * catches a rebuilt chain. The file is only as safe as where it is kept: ship it to write-once
 * storage or another machine (docs/security.md).
 */
export interface Anchor {
  tenant: string;
  seq: number;
  hash: string;
  at: string;
}

/** Appends one line per tenant whose head moved since the file's last line for it; returns how many. */
export async function writeAnchors(db: Database, file: string): Promise<number> {
  const last = new Map(readAnchors(file).map((a) => [a.tenant, a.seq]));
  // Every tenant's head, through a function of its own (migration 0046): the runtime role reads only its tenant's.
  const heads = await db.transaction(undefined, (sql) =>
    sql.query<{ tenant_id: string; seq: string; hash: string }>('SELECT tenant_id, seq, hash FROM audit_chain_heads()'),
  );
  const at = new Date().toISOString();
  const lines = heads.rows
    .filter((h) => Number(h.seq) > 0 && last.get(h.tenant_id) !== Number(h.seq))
    .map((h) => JSON.stringify({ tenant: h.tenant_id, seq: Number(h.seq), hash: h.hash, at } satisfies Anchor));
  if (lines.length) appendFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
  return lines.length;
}

/** The anchors in the file, oldest first; a missing file has none. Lines that do not parse are skipped. */
export function readAnchors(file: string): Anchor[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((line) => {
      try {
        const a = JSON.parse(line) as Anchor;
        return typeof a.tenant === 'string' && Number.isInteger(a.seq) && typeof a.hash === 'string' ? [a] : [];
      } catch {
        return [];
      }
    });
}

/** Writes anchors every intervalMs; failures are logged and retried on the next tick. */
export function startAnchoring(db: Database, file: string, intervalMs: number, logger: Logger): { stop(): void } {
  const timer = setInterval(() => {
    writeAnchors(db, file).catch((err) => logger.error({ err }, 'audit anchors could not be written'));
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
