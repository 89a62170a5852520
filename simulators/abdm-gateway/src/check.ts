import { AbdmError } from './errors.ts';

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** v3 TIMESTAMP: UTC ISO-8601 with milliseconds and a Z, e.g. 2024-10-06T15:10:00.587Z. */
export const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

export const HI_TYPES = [
  'OPConsultation',
  'Prescription',
  'DischargeSummary',
  'DiagnosticReport',
  'ImmunizationRecord',
  'HealthDocumentRecord',
  'WellnessRecord',
  'Invoice',
] as const;

export function object(value: unknown, field: string): Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new AbdmError('invalidBody', `${field} must be an object`);
  return value as Record<string, unknown>;
}

export function text(value: unknown, field: string): string {
  if (typeof value !== 'string' || !value.trim()) throw new AbdmError('invalidBody', `${field} is required`);
  return value;
}

export function list(value: unknown, field: string, min = 1): unknown[] {
  if (!Array.isArray(value) || value.length < min) throw new AbdmError('invalidBody', `${field} must be a list of at least ${min}`);
  return value;
}

export function hiTypes(value: unknown, field: string): string[] {
  const types = list(value, field);
  for (const t of types) {
    if (!HI_TYPES.includes(t as (typeof HI_TYPES)[number])) throw new AbdmError('invalidHiType', String(t));
  }
  return types as string[];
}

export function dateRange(value: unknown, field: string): { from: number; to: number } {
  const range = object(value, field);
  const from = Date.parse(text(range.from, `${field}.from`));
  const to = Date.parse(text(range.to, `${field}.to`));
  if (Number.isNaN(from) || Number.isNaN(to) || from > to) throw new AbdmError('invalidDateRange');
  return { from, to };
}

/** The care-context list an HIP sends in on-discover, on-confirm and link/carecontext. */
export function patientEntries(value: unknown, field: string): void {
  for (const [i, entry] of list(value, field).entries()) {
    const p = object(entry, `${field}[${i}]`);
    text(p.referenceNumber, `${field}[${i}].referenceNumber`);
    text(p.display, `${field}[${i}].display`);
    const contexts = list(p.careContexts, `${field}[${i}].careContexts`);
    for (const [j, cc] of contexts.entries()) {
      const c = object(cc, `${field}[${i}].careContexts[${j}]`);
      text(c.referenceNumber, `${field}[${i}].careContexts[${j}].referenceNumber`);
      text(c.display, `${field}[${i}].careContexts[${j}].display`);
    }
    if (p.hiType !== undefined) hiTypes([p.hiType], `${field}[${i}].hiType`);
    if (p.count !== undefined && p.count !== contexts.length) {
      throw new AbdmError('invalidBody', `${field}[${i}].count does not match its care contexts`);
    }
  }
}
