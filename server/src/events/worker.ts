import type { ConsentRules } from '../auth/consent.ts';
import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../ops/metrics.ts';
import { onOutboxCommit } from '../repo/outbox-signal.ts';
import { OUTBOX_COMMIT_CHANNEL } from './commit-signal.ts';
import { dispatchEvents } from './dispatcher.ts';
import { type DeliveryOutcome, deliverDue } from './rest-hook.ts';
import { serialLoop } from './serial-loop.ts';

export interface EventWorker {
  /** Stops polling and waits for a pass in progress. Undelivered work waits in the database. */
  stop(): Promise<void>;
  /** Dispatches and delivers now, after any pass in progress (tests, and the admin CLI). */
  runNow(): Promise<void>;
}

/**
 * Polls the outbox and the due deliveries every EVENTS_POLL_MS, each one pass at a time. Every step's
 * state is in the database, so a process that dies mid-pass loses nothing: its leases run out and
 * this or another process takes the work up.
 */
export function startEventWorker(db: Database, consents: ConsentRules, config: Config, logger: Logger, metrics?: Metrics): EventWorker {
  const settings = {
    retryBaseMs: config.SUBSCRIPTION_RETRY_BASE_MS,
    maxAttempts: config.SUBSCRIPTION_MAX_ATTEMPTS,
    timeoutMs: config.SUBSCRIPTION_TIMEOUT_MS,
    consents,
    onFinished: (outcome: DeliveryOutcome, n: number) => metrics?.jobsProcessed.inc({ queue: 'subscription-delivery', outcome }, n),
    get baseUrl() {
      return config.baseUrl;
    },
  };
  // Two loops side by side, so a stream of writes never holds deliveries back: dispatch runs as
  // soon as this process commits an event (other processes' events at the next poll), and wakes
  // delivery whenever it recorded something.
  const delivery = serialLoop(
    async () => {
      while ((await deliverDue(db, settings, logger)) > 0);
    },
    config.EVENTS_POLL_MS,
    logger,
    'subscription delivery failed; retrying on the next pass',
  );
  const dispatch = serialLoop(
    async () => {
      while ((await dispatchEvents(db)) > 0) delivery.kick();
    },
    config.EVENTS_POLL_MS,
    logger,
    'event dispatch failed; retrying on the next pass',
  );
  const unlisten = onOutboxCommit(() => dispatch.kick());
  // Events left by a stopped process (or written while no worker ran) go out at once, not at the first poll.
  dispatch.kick();
  // Processes with EVENT_DELIVERY=separate signal their commits (events/commit-signal.ts).
  const unlistenOthers =
    db.kind === 'postgres'
      ? db
          .listen(OUTBOX_COMMIT_CHANNEL, () => dispatch.kick())
          .catch((err) => {
            logger.warn({ err }, "event worker: other processes' commits are found by polling only");
            return undefined;
          })
      : Promise.resolve(undefined);
  return {
    async stop() {
      unlisten();
      await (await unlistenOthers)?.();
      await dispatch.stop();
      await delivery.stop();
    },
    async runNow() {
      await dispatch.runNow();
      await delivery.runNow();
    },
  };
}
