import type { BulkKind } from './store.ts';

/** Bulk Data paths, relative to the FHIR base (`/fhir/R4`). Answered outside the FHIR router: async kick-off, NDJSON files. */
export const KICK_OFF = /^(?:\/(Patient)|\/Group\/([A-Za-z0-9\-.]{1,64}))?\/\$export$/;
export const IMPORT_KICK_OFF = /^\/\$import$/;
/** The status URL of an export or an import: `kind` says which. */
export const STATUS = /^\/\$(export|import)-status\/([0-9a-f-]{36})$/;
export const FILE = /^\/\$(export|import)-file\/([0-9a-f-]{36})\/([A-Za-z]+-(?:deleted-)?\d+\.ndjson|errors-\d+\.ndjson)$/;

export function isBulkPath(path: string): boolean {
  return KICK_OFF.test(path) || IMPORT_KICK_OFF.test(path) || STATUS.test(path) || /^\/\$(export|import)-/.test(path);
}

export const statusUrl = (baseUrl: string, id: string, kind: BulkKind = 'export') => `${baseUrl}/fhir/R4/$${kind}-status/${id}`;
export const fileUrl = (baseUrl: string, id: string, name: string, kind: BulkKind = 'export') =>
  `${baseUrl}/fhir/R4/$${kind}-file/${id}/${name}`;
