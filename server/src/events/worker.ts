import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../ops/metrics.ts';
import { dispatchEvents } from './dispatcher.ts';
import { endpointPolicy } from './endpoint-guard.ts';
import { type DeliveryOutcome, deliverDue } from './rest-hook.ts';
import { setEndpointPolicy } from './subscriptions.ts';

export interface EventWorker {
  /** Stops polling and waits for a pass in progress. Undelivered work waits in the database. */
  stop(): Promise<void>;
  /** Dispatches and delivers now, after any pass in progress (tests, and the admin CLI). */
  runNow(): Promise<void>;
}

/**
 * Polls the outbox and the due deliveries every EVENTS_POLL_MS, one pass at a time. Every step's
 * state is in the database, so a process that dies mid-pass loses nothing: its leases run out and
 * this or another process takes the work up.
 */
export function startEventWorker(db: Database, config: Config, logger: Logger, metrics?: Metrics): EventWorker {
  setEndpointPolicy(endpointPolicy(config.SUBSCRIPTION_ENDPOINT_ALLOW));
  const settings = {
    retryBaseMs: config.SUBSCRIPTION_RETRY_BASE_MS,
    maxAttempts: config.SUBSCRIPTION_MAX_ATTEMPTS,
    timeoutMs: config.SUBSCRIPTION_TIMEOUT_MS,
    onFinished: (outcome: DeliveryOutcome, n: number) => metrics?.jobsProcessed.inc({ queue: 'subscription-delivery', outcome }, n),
    get baseUrl() {
      return config.baseUrl;
    },
  };
  const pass = async () => {
    while ((await dispatchEvents(db)) > 0);
    while ((await deliverDue(db, settings, logger)) > 0);
  };
  let tail: Promise<unknown> = Promise.resolve();
  let running = false;
  const enqueue = () => {
    const run = tail.then(pass);
    tail = run.catch(() => undefined);
    return run;
  };
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    enqueue()
      .catch((err) => logger.error({ err }, 'event dispatch failed; retrying on the next pass'))
      .finally(() => {
        running = false;
      });
  }, config.EVENTS_POLL_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await tail;
    },
    runNow: enqueue,
  };
}
