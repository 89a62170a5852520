import { useCallback, useEffect, useRef, useState } from 'react';
import { useLiveChanges } from './live.ts';

/** Re-runs `load` every `ms` while the screen is open; the returned function runs it now. */
export function usePolling(load: () => Promise<void>, ms: number): () => void {
  const [tick, setTick] = useState(0);
  const refresh = useCallback(() => setTick((n) => n + 1), []);
  useEffect(() => {
    void tick;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const run = async () => {
      await load().catch(() => undefined);
      if (!stopped) timer = setTimeout(run, ms);
    };
    void run();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [load, ms, tick]);
  return refresh;
}

export interface LiveLoadOptions {
  /** Poll this often while the websocket channel is down. */
  pollMs: number;
  /** And this often while it is up: a safety net for a lost ping. */
  safetyMs?: number;
  /** Written on a Subscription this creates. */
  reason?: string;
}

/**
 * A screen that follows the server: `load` runs at once, on every websocket ping for `criteria`
 * (docs/events.md), and on a timer that is short only while the socket is down.
 * Returns whether the screen is live and a function that reloads now.
 */
export function useLiveLoad(
  criteria: string[],
  load: () => Promise<void>,
  options: LiveLoadOptions,
): { live: boolean; refresh: () => void } {
  const latest = useRef<() => void>(() => undefined);
  const onChange = useCallback(() => latest.current(), []);
  const live = useLiveChanges(criteria, onChange, options.reason);
  const refresh = usePolling(load, live ? (options.safetyMs ?? 30_000) : options.pollMs);
  latest.current = refresh;
  return { live, refresh };
}
