import type { DiagnosticReport, Specimen } from '@medplum/fhirtypes';
import { HOPS } from './fhir.ts';

// An order's stage in the lab, derived from its samples and reports: pure, so the Lab app shows
// the same stage the worklist answers.

export const STAGE_URL = `${HOPS}/StructureDefinition/lab-worklist-stage`;
export const DEPARTMENT_URL = `${HOPS}/StructureDefinition/lab-worklist-department`;
export const ACCESSION_URL = `${HOPS}/StructureDefinition/lab-worklist-accession`;
/** Specimen extension: when the lab received the sample ($receive). receivedTime alone cannot say it (collect.ts). */
export const RECEIVED_URL = `${HOPS}/StructureDefinition/lab-received`;
export const receivedInLab = (s: Specimen) => s.extension?.some((e) => e.url === RECEIVED_URL) ?? false;
export const STAGES = ['ordered', 'collected', 'received', 'in-progress', 'resulted', 'verified'] as const;
export type Stage = (typeof STAGES)[number];

export function stageOf(specimens: Specimen[], reports: DiagnosticReport[]): Stage {
  const live = reports.filter((r) => r.status !== 'cancelled' && r.status !== 'entered-in-error');
  if (live.some((r) => r.status === 'final' || r.status === 'amended' || r.status === 'corrected')) return 'verified';
  if (live.some((r) => r.status === 'preliminary')) return 'resulted';
  if (live.some((r) => r.status === 'registered' || r.status === 'partial')) return 'in-progress';
  const available = specimens.filter((s) => s.status === 'available');
  if (available.some(receivedInLab)) return 'received';
  return available.length ? 'collected' : 'ordered';
}
