import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';

/**
 * Chains every committed pending audit event into its tenant's hash chain and returns how many it
 * sealed. It runs as the runtime role: each batch is one call of audit_seal_pending (migration
 * 0007, a SECURITY DEFINER function since 0046) in a transaction of its own, so the head lock,
 * seal inserts, queue deletes and head update commit together. Tenants are served round-robin,
 * one batch each per pass, until the queue is empty.
 */
export async function sealPending(db: Database, batchSize = 1000): Promise<number> {
  const found = await db.transaction(undefined, (sql) =>
    sql.query<{ tenant_id: string }>('SELECT tenant_id FROM audit_pending_tenants() AS t(tenant_id)'),
  );
  let tenants = found.rows.map((r) => r.tenant_id);
  let total = 0;
  while (tenants.length > 0) {
    const more: string[] = [];
    for (const tenant of tenants) {
      const r = await db.transaction(undefined, (sql) =>
        sql.query<{ taken: number; sealed: number }>('SELECT taken, sealed FROM audit_seal_pending($1, $2)', [tenant, batchSize]),
      );
      total += Number(r.rows[0].sealed);
      if (Number(r.rows[0].taken) >= batchSize) more.push(tenant);
    }
    tenants = more;
  }
  return total;
}

export interface Sealer {
  /** Stops the interval and waits for a run in progress. Pending rows wait for the next start. */
  stop(): Promise<void>;
  /** Seals now, after any run in progress (so it covers everything committed before the call). */
  sealNow(): Promise<number>;
}

/** Runs sealPending every intervalMs, never two runs at once; failures are logged and retried. */
export function startSealer(db: Database, logger: Logger, intervalMs = 1000, batchSize = 1000): Sealer {
  let tail: Promise<unknown> = Promise.resolve();
  let queued = 0;
  const enqueue = (): Promise<number> => {
    queued++;
    const run = tail.then(() => sealPending(db, batchSize)).finally(() => queued--);
    tail = run.catch(() => undefined);
    return run;
  };
  const timer = setInterval(() => {
    // Skip a tick rather than pile runs up behind a slow one.
    if (queued > 0) return;
    enqueue().then(
      (sealed) => {
        if (sealed > 0) logger.debug({ sealed }, 'audit events sealed');
      },
      (err) => logger.error({ err }, 'audit sealing failed'),
    );
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await tail;
    },
    sealNow: enqueue,
  };
}
