import type { Role } from '../../src/auth/policies.ts';
import { fhirClient, type TestServer } from '../helpers/server.ts';
import { createStaff, staffClient } from '../helpers/staff.ts';

export type Fhir = ReturnType<typeof fhirClient>;
type Json = Record<string, any>;

export const SNOMED = 'http://snomed.info/sct';
export const ACCESSION = 'https://hospital-ops.in/fhir/sid/accession';

export async function create(fhir: Fhir, resource: Json): Promise<string> {
  const res = await fhir.post(resource.resourceType, resource);
  if (res.status !== 201) throw new Error(`${resource.resourceType} not created: ${JSON.stringify(res.body, null, 1)}`);
  return res.body.id;
}

export const params = (values: Record<string, unknown>): Json => ({
  resourceType: 'Parameters',
  parameter: Object.entries(values).flatMap(([name, v]) =>
    Array.isArray(v) ? v.map((x) => ({ name, ...x })) : [{ name, ...(v as Json) }],
  ),
});
export const ref = (reference: string) => ({ valueReference: { reference } });
/** One `result` parameter: LOINC code and a value (number: valueDecimal; string: valueString). */
export const result = (code: string, value: number | string | Json) => ({
  part: [
    { name: 'code', valueCode: code },
    typeof value === 'number'
      ? { name: 'value', valueDecimal: value }
      : typeof value === 'string'
        ? { name: 'value', valueString: value }
        : { name: 'value', ...value },
  ],
});

/** An OPD-style lab order (apps/opd/src/consultation/orders.ts): SNOMED CT code, or text only. */
export function order(patient: string, test: { code?: string; display: string }, priority = 'routine'): Json {
  return {
    resourceType: 'ServiceRequest',
    status: 'active',
    intent: 'order',
    priority,
    category: [{ coding: [{ system: SNOMED, code: '108252007', display: 'Laboratory procedure' }] }],
    code: test.code ? { coding: [{ system: SNOMED, code: test.code, display: test.display }], text: test.display } : { text: test.display },
    subject: { reference: `Patient/${patient}` },
    authoredOn: '2026-12-06T09:00:00+05:30',
  };
}

export const CBC = { code: '26604007', display: 'Complete blood count' };
export const LFT = { code: '26958001', display: 'Hepatic function panel' };
export const HBA1C = { code: '43396009', display: 'Hemoglobin A1c measurement' };
export const KFT = { display: 'Renal function test (urea, creatinine, electrolytes)' };

export async function labStaff(t: TestServer, tenant: string, role: Role = 'lab_tech') {
  const staff = await createStaff(t, tenant, role);
  return { staff, fhir: await staffClient(t, staff) };
}

export { fhirClient };
