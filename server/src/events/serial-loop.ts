import type { Logger } from '../logger.ts';

export interface SerialLoop {
  /** Runs a pass after the one in progress (never two at once); resolves or rejects with that pass. */
  runNow(): Promise<void>;
  /** Stops the timer and waits for the pass in progress. */
  stop(): Promise<void>;
}

/**
 * Runs `pass` every `everyMs`, one pass at a time, in this process. A tick that finds a pass still
 * running is skipped rather than queued, so a slow database never piles passes up; a failed pass is
 * logged with `failure` and the next tick tries again. Callers that need a pass now (tests, a write
 * that wants its event out at once) chain one after the current pass with runNow().
 */
export function serialLoop(pass: () => Promise<void>, everyMs: number, logger: Logger, failure: string): SerialLoop {
  let tail: Promise<unknown> = Promise.resolve();
  let running = false;
  const runNow = () => {
    const run = tail.then(pass);
    tail = run.catch(() => undefined);
    return run;
  };
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    runNow()
      .catch((err) => logger.error({ err }, failure))
      .finally(() => {
        running = false;
      });
  }, everyMs);
  timer.unref();
  return {
    runNow,
    async stop() {
      clearInterval(timer);
      await tail;
    },
  };
}
