import type { DiagnosticReport, Specimen } from '@medplum/fhirtypes';
import { HOPS } from './fhir.ts';

// An order's stage in the lab, derived from its samples and reports: pure, so the Lab app shows
// the same stage the worklist answers.

export const STAGE_URL = `${HOPS}/StructureDefinition/lab-worklist-stage`;
export const DEPARTMENT_URL = `${HOPS}/StructureDefinition/lab-worklist-department`;
export const ACCESSION_URL = `${HOPS}/StructureDefinition/lab-worklist-accession`;
export const STAGES = ['ordered', 'collected', 'received', 'in-progress', 'resulted', 'verified'] as const;
export type Stage = (typeof STAGES)[number];

export function stageOf(specimens: Specimen[], reports: DiagnosticReport[]): Stage {
  const live = reports.filter((r) => r.status !== 'cancelled' && r.status !== 'entered-in-error');
  if (live.some((r) => r.status === 'final' || r.status === 'amended' || r.status === 'corrected')) return 'verified';
  if (live.some((r) => r.status === 'preliminary')) return 'resulted';
  if (live.some((r) => r.status === 'registered' || r.status === 'partial')) return 'in-progress';
  const available = specimens.filter((s) => s.status === 'available');
  if (available.some((s) => s.receivedTime)) return 'received';
  return available.length ? 'collected' : 'ordered';
}
