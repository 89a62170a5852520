/** Nearest-rank percentile (p in 0..1) of a sample; NaN for an empty one. */
export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(s.length * p) - 1))];
}

export const median = (xs: number[]): number => percentile(xs, 0.5);
export const p95 = (xs: number[]): number => percentile(xs, 0.95);

/** "123 ms" with a sensible number of digits. */
export function ms(x: number): string {
  if (!Number.isFinite(x)) return 'n/a';
  return x >= 100 ? `${x.toFixed(0)} ms` : `${x.toFixed(1)} ms`;
}

/** "1,234 KB" (1 KB = 1000 bytes, as browsers' network panels count). */
export function kb(bytes: number): string {
  return `${(bytes / 1000).toLocaleString('en-US', { maximumFractionDigits: bytes < 10_000 ? 1 : 0 })} KB`;
}

export function ratio(x: number, base: number): string {
  return Number.isFinite(x / base) ? `${(x / base).toFixed(1)}×` : 'n/a';
}

/** A small deterministic PRNG (mulberry32), so that every run asks the same kind of questions. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
