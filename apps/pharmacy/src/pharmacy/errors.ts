import { isOperationOutcome } from '@medplum/core';
import type { OperationOutcome } from '@medplum/fhirtypes';

/**
 * What a refused pharmacy operation means, read from the OperationOutcome (docs/pharmacy.md,
 * "Rules"): the business code, the numbers INSUFFICIENT_STOCK gives, and which receipt line and
 * field the server pointed at. The screens turn this into their own sentence; the server's text is
 * never shown.
 */
export interface Refusal {
  code?: string;
  available?: number;
  wanted?: number;
  /** 1-based receipt line, from an expression like `line[2].expiry`. */
  line?: number;
  /** The parameter the server named: `expiry`, `quantity`, `batch`... */
  field?: string;
  /** Whether it was a refusal of the input (400/422), rather than a conflict or a fault. */
  invalid: boolean;
}

const INPUT_ISSUES = ['invalid', 'structure', 'required', 'value', 'invariant', 'business-rule', 'processing', 'not-supported'];

function outcomeOf(error: unknown): OperationOutcome | undefined {
  if (isOperationOutcome(error)) return error;
  const outcome = (error as { outcome?: unknown } | null)?.outcome;
  return isOperationOutcome(outcome) ? outcome : undefined;
}

export function readRefusal(error: unknown): Refusal | undefined {
  const outcome = outcomeOf(error);
  const issue = outcome?.issue?.[0];
  if (!outcome || !issue) return undefined;
  const code = issue.details?.coding?.find((c) => c.code)?.code;
  const out: Refusal = { invalid: INPUT_ISSUES.includes(issue.code) };
  if (code) out.code = code;
  if (code === 'INSUFFICIENT_STOCK' && issue.diagnostics) {
    try {
      const d = JSON.parse(issue.diagnostics) as { available?: unknown; wanted?: unknown };
      if (typeof d.available === 'number') out.available = d.available;
      if (typeof d.wanted === 'number') out.wanted = d.wanted;
    } catch {
      // Not the JSON the pharmacy writes: the sentence goes without the numbers.
    }
  }
  const expression = issue.expression?.[0] ?? '';
  const m = /^line\[(\d+)\]\.(\w+)$/.exec(expression);
  if (m) {
    out.line = Number(m[1]) + 1;
    out.field = m[2];
  } else if (/^\w+$/.test(expression)) out.field = expression;
  return out;
}
