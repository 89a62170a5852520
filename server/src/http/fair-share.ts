/**
 * Bounds how many requests one key (a tenant, a token) runs at once. Each FHIR request holds a
 * database connection while it runs; without a bound, 22 slow searches from one token took every
 * connection and a read by id from anyone else waited 21 s. Requests over the bound wait their
 * turn in order of arrival (up to `maxWaitMs`), so a busy key slows only itself.
 */
export class ConcurrencyGate {
  private readonly limit: number;
  private readonly maxWaitMs: number;
  private readonly running = new Map<string, number>();
  private readonly queues = new Map<string, (() => void)[]>();

  constructor(limit: number, maxWaitMs: number) {
    this.limit = limit;
    this.maxWaitMs = maxWaitMs;
  }

  /** Requests of `key` running now. */
  active(key: string): number {
    return this.running.get(key) ?? 0;
  }

  /** Waits for a slot; resolves to a release function, or to undefined when the wait was too long. */
  async enter(key: string): Promise<(() => void) | undefined> {
    if (this.active(key) >= this.limit) {
      const admitted = await new Promise<boolean>((resolve) => {
        const queue = this.queues.get(key) ?? [];
        this.queues.set(key, queue);
        const turn = () => {
          clearTimeout(timer);
          resolve(true);
        };
        const timer = setTimeout(() => {
          queue.splice(queue.indexOf(turn), 1);
          if (queue.length === 0) this.queues.delete(key);
          resolve(false);
        }, this.maxWaitMs);
        queue.push(turn);
      });
      // A slot handed over by `leave` is already counted for us.
      if (!admitted) return undefined;
    } else {
      this.running.set(key, this.active(key) + 1);
    }
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.leave(key);
    };
  }

  private leave(key: string): void {
    const queue = this.queues.get(key);
    const next = queue?.shift();
    if (queue && queue.length === 0) this.queues.delete(key);
    // Hand the slot straight to the next in line, so a newcomer cannot take it first.
    if (next) {
      next();
      return;
    }
    const n = this.active(key) - 1;
    if (n > 0) this.running.set(key, n);
    else this.running.delete(key);
  }
}
