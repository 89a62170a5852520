/** Bulk Data paths, relative to the FHIR base (`/fhir/R4`). Answered outside the FHIR router: async kick-off, NDJSON files. */
export const KICK_OFF = /^(?:\/(Patient)|\/Group\/([A-Za-z0-9\-.]{1,64}))?\/\$export$/;
export const STATUS = /^\/\$export-status\/([0-9a-f-]{36})$/;
export const FILE = /^\/\$export-file\/([0-9a-f-]{36})\/([A-Za-z]+-(?:deleted-)?\d+\.ndjson|errors-\d+\.ndjson)$/;

export function isBulkPath(path: string): boolean {
  return KICK_OFF.test(path) || STATUS.test(path) || path.startsWith('/$export-');
}

export const statusUrl = (baseUrl: string, id: string) => `${baseUrl}/fhir/R4/$export-status/${id}`;
export const fileUrl = (baseUrl: string, id: string, name: string) => `${baseUrl}/fhir/R4/$export-file/${id}/${name}`;
