import type { Parameters, ParametersParameter } from '@medplum/fhirtypes';
import type { Config } from '../../config.ts';
import { isStoredResourceType } from '../../fhir/definitions.ts';
import { NDJSON, refuse } from '../params.ts';
import { checkSource } from './sources.ts';

/**
 * `resource`: every valid resource is written and each invalid one reported (the default);
 * `file`: one invalid resource keeps its whole input out (each input is one transaction).
 */
export type ImportMode = 'resource' | 'file';

export interface ImportInput {
  /** The URL as the client gave it (the manifest's `inputUrl`), or `upload` for a body sent with the kick-off. */
  url: string;
  /** The type every line must be, when the client named one. */
  type?: string;
}

/** What an $import kick-off asked for, checked; stored with the job. */
export interface ImportParams {
  mode: ImportMode;
  inputs: ImportInput[];
}

/** A URL as the audit and the error file name it: a signed URL's query (its credentials) left out. */
export const withoutQuery = (url: string) => url.replace(/[?#].*$/, '');

/** The uploaded body's file in the import's folder. */
export const UPLOAD_FILE = 'upload-1.ndjson';
const FORMATS = new Set([NDJSON, 'application/ndjson', 'ndjson']);
const MAX_INPUTS = 1000;

export function readMode(value: string | undefined): ImportMode {
  if (value === undefined || value === 'resource') return 'resource';
  if (value === 'file') return 'file';
  throw refuse(`mode is "resource" (each valid resource is written) or "file" (all or nothing per input), not "${value}"`, 'mode');
}

function readType(value: string | undefined, where: string): string | undefined {
  if (value === undefined) return undefined;
  if (!isStoredResourceType(value)) throw refuse(`${value} is not a resource type this server stores`, where);
  return value;
}

const value = (p: ParametersParameter | undefined) => p?.valueCode ?? p?.valueUri ?? p?.valueUrl ?? p?.valueString;

/**
 * The Parameters of a pull import, as the HL7 bulk import draft and HAPI FHIR name them:
 * `inputFormat`, `inputSource`, `storageDetail.type`, one `input` (`type`, `url`) per file; and
 * `mode`. Each URL must be one this server may read (sources.ts).
 */
export async function readImportParameters(body: unknown, config: Config): Promise<ImportParams> {
  const params = body as Parameters | undefined;
  if (params?.resourceType !== 'Parameters') {
    throw refuse('POST $import takes a Parameters resource naming its inputs, or an NDJSON body (Content-Type: application/fhir+ndjson)');
  }
  const all = params.parameter ?? [];
  const format = value(all.find((p) => p.name === 'inputFormat'));
  if (format !== undefined && !FORMATS.has(format)) throw refuse(`inputFormat ${format} is not offered; send ${NDJSON}`, 'inputFormat');
  const inputs: ImportInput[] = [];
  for (const p of all.filter((x) => x.name === 'input')) {
    const parts = p.part ?? [];
    const url = value(parts.find((x) => x.name === 'url'));
    if (!url) throw refuse('Each input needs a url', 'input.url');
    await checkSource(url, config);
    inputs.push({ url, type: readType(value(parts.find((x) => x.name === 'type')), 'input.type') });
  }
  if (inputs.length === 0) throw refuse('$import needs at least one input (a type and a url)', 'input');
  if (inputs.length > MAX_INPUTS) throw refuse(`One $import takes at most ${MAX_INPUTS} inputs`, 'input');
  return { mode: readMode(value(all.find((p) => p.name === 'mode'))), inputs };
}

/** An NDJSON body: one input, its mode and type from the query (`?mode=file&type=Patient`). */
export function uploadParams(query: Record<string, unknown>): ImportParams {
  const one = (name: string) => (typeof query[name] === 'string' ? (query[name] as string) : undefined);
  return { mode: readMode(one('mode')), inputs: [{ url: 'upload', type: readType(one('type'), 'type') }] };
}
