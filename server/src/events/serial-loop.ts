import type { Logger } from '../logger.ts';

export interface SerialLoop {
  /** Runs a pass after the one in progress (never two at once); resolves or rejects with that pass. */
  runNow(): Promise<void>;
  /**
   * Asks for a pass soon without waiting for it: within `KICK_GATHER_MS` if idle, or once more
   * after the pass in progress. Any number of kicks in that time make a single pass.
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
/**
 * How long a kicked loop gathers further kicks before its pass: a pass per commit would spend more
 * on its own queries than the commits it serves (measured: writes lost a fifth of their rate),
 * while this bounds passes to a few dozen a second for a few milliseconds of latency.
 */
const KICK_GATHER_MS = 15;

/** `everyMs` undefined: no timer, the loop runs only when kicked or asked to. */
export function serialLoop(pass: () => Promise<void>, everyMs: number | undefined, logger: Logger, failure: string): SerialLoop {
  let tail: Promise<unknown> = Promise.resolve();
  let running = false;
  let again = false;
  let stopped = false;
  let gathering: NodeJS.Timeout | undefined;
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
          gather();
        }
      });
  };
  const gather = () => {
    gathering ??= setTimeout(() => {
      gathering = undefined;
      if (running) again = true;
      else if (!stopped) background();
    }, KICK_GATHER_MS);
  };
  const timer =
    everyMs === undefined
      ? undefined
      : setInterval(() => {
          if (!running) background();
        }, everyMs);
  timer?.unref();
  return {
    runNow,
    kick() {
      if (stopped) return;
      if (running) again = true;
      else gather();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      clearTimeout(gathering);
      await tail;
    },
  };
}
