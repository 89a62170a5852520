import { OperationOutcomeError } from '@medplum/core';
import type { OperationOutcome } from '@medplum/fhirtypes';
import { BUSINESS_ERROR_SYSTEM } from '../opd/fhir.ts';
import { AbdmGatewayError } from './gateway/client.ts';

/**
 * What the ABDM operations answer staff: our sentence, the field it is about (`expression`) and a
 * business code in `details.coding` (hops-business-error) that apps translate (outcomeMessage), so
 * nobody reads our English or ABDM's in a Hindi screen.
 */
function abdmOutcome(id: string, issueCode: string, code: string, text: string, expression?: string): OperationOutcomeError {
  const body: OperationOutcome = {
    resourceType: 'OperationOutcome',
    id,
    issue: [
      {
        severity: 'error',
        code: issueCode as 'invalid',
        details: { coding: [{ system: BUSINESS_ERROR_SYSTEM, code }], text },
        ...(expression ? { expression: [expression] } : {}),
      },
    ],
  };
  return new OperationOutcomeError(body);
}

/** 400 not-supported (ABDM_NOT_SET_UP): this server or facility has no ABDM settings; the sentence names none. */
export const abdmNotSetUp = (what = 'ABDM exchange') =>
  abdmOutcome('not-supported', 'not-supported', 'ABDM_NOT_SET_UP', `${what} is not set up on this server.`);

/** 422 business-rule with the code and the field the refusal is about. */
export const abdmRefused = (code: string, text: string, expression?: string) =>
  abdmOutcome('business-rule', 'business-rule', code, text, expression);

/** ABDM unreachable, failing or refusing our session: 503 ABDM_UNREACHABLE; anything else it refused: 422 ABDM_REFUSED. */
export function gatewayFailure(err: AbdmGatewayError): OperationOutcomeError {
  if (err.status === 0 || err.status >= 500 || err.status === 401) {
    return abdmOutcome('unavailable', 'transient', 'ABDM_UNREACHABLE', 'ABDM could not be reached just now. Try again in a minute.');
  }
  return abdmRefused('ABDM_REFUSED', `ABDM refused the request${err.code ? ` (${err.code})` : ''}. Check the details and try again.`);
}

/** Runs a call to ABDM, turning its failures into the outcomes above (and `known` refusals into the caller's own). */
export async function askAbdm<T>(step: () => Promise<T>, known: Record<string, () => OperationOutcomeError> = {}): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (!(err instanceof AbdmGatewayError)) throw err;
    const mapped = err.code ? known[err.code] : undefined;
    throw mapped && err.status < 500 ? mapped() : gatewayFailure(err);
  }
}
