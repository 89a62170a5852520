import { parseIndianDate } from '@hospital-ops/app-shell/format/index.ts';
import { IST_OFFSET_MS } from './shifts.ts';

/**
 * The time a nurse types for a late entry: "dd-mm-yyyy hh:mm" on the 24-hour clock, always IST
 * (the ward's clock, whatever the browser's zone). Plain text so it is typed, not clicked.
 */
export function formatIstInput(at: Date): string {
  const ist = new Date(at.getTime() + IST_OFFSET_MS).toISOString();
  return `${ist.slice(8, 10)}-${ist.slice(5, 7)}-${ist.slice(0, 4)} ${ist.slice(11, 16)}`;
}

/** "05-12-2026 21:05" as an ISO instant with the Indian offset, or undefined when it is no real date and time. */
export function parseIstInput(text: string): string | undefined {
  const m = /^(\S+)\s+(\d{1,2})[:.](\d{2})$/.exec(text.trim());
  if (!m) return undefined;
  const date = parseIndianDate(m[1] as string);
  const hour = Number(m[2]);
  const minute = Number(m[3]);
  if (!date || hour > 23 || minute > 59) return undefined;
  return `${date}T${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}:00+05:30`;
}

export type WhenProblem = 'invalid' | 'future' | 'beforeStay';

/** Why a typed time cannot be charted: unreadable, in the future (a minute's grace), or before the admission. */
export function whenProblem(text: string, stayStart: string | undefined, now = new Date()): WhenProblem | undefined {
  const iso = parseIstInput(text);
  if (!iso) return 'invalid';
  const t = Date.parse(iso);
  if (t > now.getTime() + 60_000) return 'future';
  if (stayStart && t < Date.parse(stayStart) - 60_000) return 'beforeStay';
  return undefined;
}

/**
 * What a time field means: empty is "now" (so a page left open for hours does not stamp an old
 * time), otherwise the typed IST time if it may be charted.
 */
export function chartTime(text: string, stayStart: string | undefined, now = new Date()): { at?: string; problem?: WhenProblem } {
  if (!text.trim()) return { at: now.toISOString() };
  const problem = whenProblem(text, stayStart, now);
  return problem ? { problem } : { at: new Date(parseIstInput(text) as string).toISOString() };
}
