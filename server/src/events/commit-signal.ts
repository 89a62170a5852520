import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import { onOutboxCommit } from '../repo/outbox-signal.ts';
import { serialLoop } from './serial-loop.ts';

/** NOTIFY channel on which a process that leaves delivery to others wakes their dispatchers. */
export const OUTBOX_COMMIT_CHANNEL = 'hops_outbox_commit';

/**
 * EVENT_DELIVERY=separate: this process writes events but neither dispatches nor delivers them.
 * After its commits it notifies the processes that do, so they dispatch at once rather than at
 * their next poll. Commits close together share one NOTIFY (the loop gathers kicks), sent in a
 * transaction of its own: a NOTIFY inside each write would serialise commits on PostgreSQL's
 * notification queue lock. A lost signal costs only latency; the workers' poll finds the events.
 */
export function signalEventWorkers(db: Database, logger: Logger): { stop(): Promise<void>; runNow(): Promise<void> } {
  const signal = serialLoop(
    () => db.transaction(undefined, async (sql) => void (await sql.query('SELECT pg_notify($1, $2)', [OUTBOX_COMMIT_CHANNEL, '']))),
    undefined,
    logger,
    'could not signal the event workers; they find the events at their next poll',
  );
  const unlisten = onOutboxCommit(() => signal.kick());
  return {
    async stop() {
      unlisten();
      await signal.stop();
    },
    runNow: () => signal.runNow(),
  };
}
