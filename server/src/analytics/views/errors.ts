import { badRequest, OperationOutcomeError } from '@medplum/core';
import { ViewError } from './compile.ts';
import { ViewRunError } from './run.ts';

/** A view that is invalid, or fails on the data, as a 400 OperationOutcome naming the element. */
export function asOutcomeError(err: unknown): unknown {
  if (err instanceof ViewError) return new OperationOutcomeError(badRequest(`Invalid ViewDefinition: ${err.message}`, err.element));
  if (err instanceof ViewRunError) return new OperationOutcomeError(badRequest(`The view failed on the data: ${err.message}`));
  return err;
}
