import { describeError } from '@hospital-ops/app-shell';
import type { TFunction } from 'i18next';
import { readRefusal } from '../pharmacy/errors.ts';

/**
 * A refused operation as our own sentence: the business code's (with INSUFFICIENT_STOCK's
 * numbers), or for a receipt the line and field the server named, or the screen's general
 * sentence for any other refusal of the input. Conflicts, permissions and faults get the shell's.
 */
export function refusalMessage(error: unknown, t: TFunction, fallback: 'errors.dispense' | 'errors.receipt' | 'errors.alert'): string {
  const r = readRefusal(error);
  if (!r) return describeError(error, t);
  if (r.code === 'INSUFFICIENT_STOCK')
    return r.available !== undefined && r.wanted !== undefined
      ? t('outcome.INSUFFICIENT_STOCK', { available: r.available, wanted: r.wanted })
      : t('outcome.INSUFFICIENT_STOCK_plain');
  const own = r.code ? t(`outcome.${r.code}`, { defaultValue: '' }) : '';
  const line =
    r.line && r.field ? t('errors.receiptLine', { line: r.line, field: t(`receive.field.${r.field}`, { defaultValue: r.field }) }) : '';
  // The rule's sentence already says what to do: only the line it is about is added.
  if (own) return r.line ? `${t('receive.line', { line: r.line })}: ${own}` : own;
  if (line) return line;
  return r.invalid ? t(fallback) : describeError(error, t);
}
