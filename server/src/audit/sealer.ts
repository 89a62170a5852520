import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';

/**
 * Chains every committed pending audit event into its tenant's hash chain, as the schema owner,
 * and returns how many it sealed. Each batch is one call of audit_seal_pending (migration 0007),
 * a single statement and so its own transaction: the head lock, seal inserts, queue deletes and
 * head update commit together. It is not a BEGIN ... COMMIT sent from here because on PGlite the
 * owner shares the one session with request transactions, which could run between our
 * statements. Tenants are served round-robin, one batch each per pass, until the queue is empty.
 */
export async function sealPending(db: Database, batchSize = 1000): Promise<number> {
  return db.asOwner(async (sql) => {
    const found = await sql.query<{ tenant_id: string }>('SELECT DISTINCT tenant_id FROM audit_pending');
    let tenants = found.rows.map((r) => r.tenant_id);
    let total = 0;
    while (tenants.length > 0) {
      const more: string[] = [];
      for (const tenant of tenants) {
        const r = await sql.query<{ taken: number; sealed: number }>('SELECT taken, sealed FROM audit_seal_pending($1, $2)', [
          tenant,
          batchSize,
        ]);
        total += Number(r.rows[0].sealed);
        if (Number(r.rows[0].taken) >= batchSize) more.push(tenant);
      }
      tenants = more;
    }
    return total;
  });
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
