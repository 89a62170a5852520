import { getStatus, normalizeOperationOutcome, OperationOutcomeError } from '@medplum/core';
import type { OperationOutcome } from '@medplum/fhirtypes';
import { DatabaseUnavailableError } from '../db/database.ts';

/** An OperationOutcome with one error issue and a status-bearing id that getStatus understands. */
export function outcome(id: string, code: string, text: string, expression?: string): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    id,
    issue: [{ severity: 'error', code: code as 'invalid', details: { text }, ...(expression ? { expression: [expression] } : {}) }],
  };
}

/** 403: the id is what maps an outcome to its HTTP status (@medplum/core getStatus). */
/** A NUL in a request, found by the input check or by PostgreSQL (which stores none). */
export const NUL_TEXT = 'The request contains a NUL character (\\u0000 or %00), which no FHIR value may hold';

export const forbiddenOutcome = (text: string) => outcome('forbidden', 'forbidden', text);
export const unsupportedMediaType = (text: string) => outcome('unsupported-media-type', 'not-supported', text);
export const contentTooLarge = (text: string) => outcome('content-too-large', 'too-costly', text);
export const serverError = () => outcome('server-error', 'exception', 'Internal server error');

/** How long a client is asked to wait (Retry-After) when the database is unreachable. */
export const RETRY_AFTER_SECONDS = 5;
const UNAVAILABLE = 'unavailable';

/** 503 for a database that cannot be reached; the text says whether the write may have landed. */
export function unavailableOutcome(committed: 'no' | 'unknown' = 'no'): OperationOutcome {
  const text =
    committed === 'no'
      ? `The service cannot reach its database just now; nothing was changed. Try again in ${RETRY_AFTER_SECONDS} seconds.`
      : 'The connection to the database was lost while saving. Check whether the change was saved before repeating it.';
  return outcome(UNAVAILABLE, 'transient', text);
}

/** 503: a read is answered only once its access is recorded, and this time it could not be. */
export const accessNotRecorded = () =>
  outcome(
    UNAVAILABLE,
    'transient',
    `The access could not be recorded in the audit log, so the data is not shown. Try again in ${RETRY_AFTER_SECONDS} seconds.`,
  );

/** 504: the request's statement ran past its statement_timeout and was cancelled. */
export const statementTimedOut = () =>
  outcome(
    'server-timeout',
    'too-costly',
    'The request took too long and was stopped. Narrow a search (fewer terms, a date range, a smaller _count) and try again.',
  );

/** The HTTP status of an outcome: @medplum/core's mapping, plus 503 for an unreachable database. */
export function statusOf(body: OperationOutcome): number {
  return body.id === UNAVAILABLE ? 503 : getStatus(body);
}

/** Turns anything thrown into an outcome and its HTTP status; unexpected errors become a bare 500. */
export function toOutcome(err: unknown): { status: number; body: OperationOutcome; unexpected: boolean } {
  if (err instanceof DatabaseUnavailableError) return { status: 503, body: unavailableOutcome(err.committed), unexpected: false };
  if (err instanceof OperationOutcomeError) {
    return { status: statusOf(err.outcome), body: err.outcome, unexpected: false };
  }
  const body = normalizeOperationOutcome(err);
  const status = getStatus(body);
  if (status >= 500) return { status: 500, body: serverError(), unexpected: true };
  return { status, body, unexpected: false };
}
