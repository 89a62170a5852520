import { getStatus, normalizeOperationOutcome, OperationOutcomeError } from '@medplum/core';
import type { OperationOutcome } from '@medplum/fhirtypes';

/** An OperationOutcome with one error issue and a status-bearing id that getStatus understands. */
export function outcome(id: string, code: string, text: string, expression?: string): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    id,
    issue: [{ severity: 'error', code: code as 'invalid', details: { text }, ...(expression ? { expression: [expression] } : {}) }],
  };
}

/** 403: the id is what maps an outcome to its HTTP status (@medplum/core getStatus). */
export const forbiddenOutcome = (text: string) => outcome('forbidden', 'forbidden', text);
export const unsupportedMediaType = (text: string) => outcome('unsupported-media-type', 'not-supported', text);
export const contentTooLarge = (text: string) => outcome('content-too-large', 'too-costly', text);
export const serverError = () => outcome('server-error', 'exception', 'Internal server error');

/** Turns anything thrown into an outcome and its HTTP status; unexpected errors become a bare 500. */
export function toOutcome(err: unknown): { status: number; body: OperationOutcome; unexpected: boolean } {
  if (err instanceof OperationOutcomeError) {
    return { status: getStatus(err.outcome), body: err.outcome, unexpected: false };
  }
  const body = normalizeOperationOutcome(err);
  const status = getStatus(body);
  if (status >= 500) return { status: 500, body: serverError(), unexpected: true };
  return { status, body, unexpected: false };
}
