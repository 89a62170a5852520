import type { MedplumClient } from '@medplum/core';
import type { Encounter, Location, Parameters, ParametersParameter } from '@medplum/fhirtypes';

// The IPD operations (docs/ipd.md): each changes the Encounter and its beds in one transaction on the server.

const ref = (name: string, reference: string): ParametersParameter => ({ name, valueReference: { reference } });

export interface AdmitInput {
  patientId: string;
  bedId: string;
  attendingId: string;
  reason?: string;
  admitSource?: string;
  expectedDays?: number;
}

export function admitParameters(input: AdmitInput): Parameters {
  const parameter: ParametersParameter[] = [
    ref('patient', `Patient/${input.patientId}`),
    ref('bed', `Location/${input.bedId}`),
    ref('attending', `Practitioner/${input.attendingId}`),
  ];
  const reason = input.reason?.trim();
  if (reason) parameter.push({ name: 'reason', valueString: reason });
  if (input.admitSource) parameter.push({ name: 'admitSource', valueCode: input.admitSource });
  if (input.expectedDays) parameter.push({ name: 'expectedDays', valueInteger: input.expectedDays });
  return { resourceType: 'Parameters', parameter };
}

export const transferParameters = (bedId: string): Parameters => ({
  resourceType: 'Parameters',
  parameter: [ref('bed', `Location/${bedId}`)],
});

/** Discharge dispositions the desk picks from (discharge-disposition): home, another hospital, DAMA, death. */
export const DISPOSITIONS = ['home', 'other-hcf', 'aadvice', 'exp'] as const;
export type Disposition = (typeof DISPOSITIONS)[number];

export const dischargeParameters = (disposition: Disposition): Parameters => ({
  resourceType: 'Parameters',
  parameter: [{ name: 'disposition', valueCode: disposition }],
});

export const admit = (medplum: MedplumClient, input: AdmitInput) =>
  medplum.post<Encounter>(medplum.fhirUrl('Encounter', '$admit'), admitParameters(input));
export const transfer = (medplum: MedplumClient, encounterId: string, bedId: string) =>
  medplum.post<Encounter>(medplum.fhirUrl('Encounter', encounterId, '$transfer'), transferParameters(bedId));
export const discharge = (medplum: MedplumClient, encounterId: string, disposition: Disposition) =>
  medplum.post<Encounter>(medplum.fhirUrl('Encounter', encounterId, '$discharge'), dischargeParameters(disposition));
export const bedReady = (medplum: MedplumClient, bedId: string) =>
  medplum.post<Location>(medplum.fhirUrl('Location', bedId, '$bed-ready'), { resourceType: 'Parameters' });
export const bedBoard = (medplum: MedplumClient, branch?: string) =>
  medplum.get<Parameters>(medplum.fhirUrl('Location', '$bed-board').toString() + (branch ? `?branch=Organization/${branch}` : ''), {
    cache: 'no-cache',
  });

/**
 * Whether a call failed because the state moved under the user (409: the bed was taken, the stay
 * already ended): the screen then re-reads the board and offers what is free now.
 */
export function isConflict(error: unknown): boolean {
  const outcome = (error as { outcome?: { id?: string; issue?: { code?: string }[] } } | null)?.outcome;
  if (!outcome) return false;
  return outcome.id === 'conflict' || outcome.issue?.some((i) => i.code === 'conflict') === true;
}
