import type { Parameters, ParametersParameter } from '@medplum/fhirtypes';

// Reading the operations' Parameters answers (docs/pharmacy.md, "Operations").

export const named = (p: Parameters | undefined, name: string): ParametersParameter[] =>
  (p?.parameter ?? []).filter((x) => x.name === name);

export const part = (p: ParametersParameter, name: string): ParametersParameter | undefined => p.part?.find((x) => x.name === name);

/** The id of a `Type/id` reference, or undefined when it names another type. */
export function refId(reference: string | undefined, type: string): string | undefined {
  return reference?.startsWith(`${type}/`) ? reference.slice(type.length + 1) : undefined;
}

/** Whole days from one calendar date (YYYY-MM-DD) to another; the server counts the same way (IST dates). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}
