import type { Parameters, ParametersParameter } from '@medplum/fhirtypes';
import { localReference } from '../opd/fhir.ts';
import { bad } from './fhir.ts';

/** The Parameters body of a lab operation (an empty body is no parameters). */
export function parametersOf(body: unknown): ParametersParameter[] {
  const p = body as Parameters | undefined;
  if (!p || typeof p !== 'object' || Object.keys(p).length === 0) return [];
  if (p.resourceType !== 'Parameters') bad('The operation takes a Parameters resource');
  return p.parameter ?? [];
}

export const named = (params: ParametersParameter[], name: string) => params.filter((p) => p.name === name);

export function oneString(params: ParametersParameter[], name: string): string | undefined {
  const found = named(params, name);
  if (found.length > 1) bad(`Parameter ${name} is given more than once`, name);
  if (!found.length) return undefined;
  const v = found[0].valueString ?? found[0].valueCode ?? found[0].valueDateTime ?? found[0].valueInstant;
  if (v === undefined) bad(`Parameter ${name} must be a string, code or dateTime`, name);
  return v;
}

/** Ids of `Type/id` references in parameters named `name` (valueReference or a string). */
export function referenceIds(params: ParametersParameter[], name: string, type: string, baseUrl: string): string[] {
  return named(params, name).map((p) => {
    const raw = p.valueReference?.reference ?? p.valueString;
    const ref = localReference(raw, baseUrl);
    if (ref?.type !== type) bad(`Parameter ${name} must reference a ${type} on this server, not "${raw ?? ''}"`, name);
    return ref?.id as string;
  });
}
