import type { Logger } from '../logger.ts';

export interface SerialLoop {
  /** Runs a pass after the one in progress (never two at once); resolves or rejects with that pass. */
  runNow(): Promise<void>;
  /**
   * Asks for a pass soon without waiting for it: starts one if idle, or one more right after the
   * pass in progress. Any number of kicks during a pass make a single extra pass.
   */
  kick(): void;
  /** Stops the timer and waits for the pass in progress. */
  stop(): Promise<void>;
}

/**
 * Runs `pass` every `everyMs`, one pass at a time, in this process. A tick that finds a pass still
 * running is skipped rather than queued, so a slow database never piles passes up; a failed pass is
 * logged with `failure` and the next tick tries again. Callers that need a pass now (tests, a write
 * that wants its event out at once) chain one after the current pass with runNow(), or kick().
 */
export function serialLoop(pass: () => Promise<void>, everyMs: number, logger: Logger, failure: string): SerialLoop {
  let tail: Promise<unknown> = Promise.resolve();
  let running = false;
  let again = false;
  let stopped = false;
  const runNow = () => {
    const run = tail.then(pass);
    tail = run.catch(() => undefined);
    return run;
  };
  const background = () => {
    running = true;
    runNow()
      .catch((err) => logger.error({ err }, failure))
      .finally(() => {
        running = false;
        if (again && !stopped) {
          again = false;
          background();
        }
      });
  };
  const timer = setInterval(() => {
    if (!running) background();
  }, everyMs);
  timer.unref();
  return {
    runNow,
    kick() {
      if (stopped) return;
      if (running) again = true;
      else background();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await tail;
    },
  };
}
