import { storedResourceTypes } from '../fhir/definitions.ts';
import { compartmentParams } from '../search/compartments.ts';

/** System (`/$export`), Patient (`/Patient/$export`) or Group (`/Group/[id]/$export`). */
export type ExportLevel = 'system' | 'patient' | 'group';

export type ExportStatus = 'accepted' | 'running' | 'completed' | 'failed' | 'cancelled';

/** One output file of the manifest. */
export interface OutputFile {
  type: string;
  /** The file's name in the export's folder (`Observation-1.ndjson`). */
  name: string;
  count: number;
}

/**
 * The types an export of `level` covers. The audit log is never exported (it has its own
 * search and retention). Patient and Group exports cover the R4 Patient compartment.
 */
export function exportableTypes(level: ExportLevel): string[] {
  const all = storedResourceTypes().filter((t) => t !== 'AuditEvent');
  if (level === 'system') return all;
  return all.filter((t) => compartmentParams('Patient', t) !== undefined);
}
