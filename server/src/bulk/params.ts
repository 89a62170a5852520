import { badRequest, OperationOutcomeError } from '@medplum/core';
import type { Parameters, ParametersParameter } from '@medplum/fhirtypes';
import type { Request } from 'express';
import { isValidId } from '../fhir/validate.ts';
import { isLenient, parseSearch } from '../search/parse.ts';
import { type ExportLevel, exportableTypes } from './types.ts';

/** What a kick-off asked for, checked. Stored with the export (jsonb) and read back by the job. */
export interface ExportParams {
  level: ExportLevel;
  groupId?: string;
  since?: string;
  until?: string;
  /** The types asked for (undefined: every type the level covers). */
  types?: string[];
  /** `_typeFilter` queries by type; several for one type are alternatives (OR). */
  typeFilters: Record<string, string[]>;
  /** `_elements`: bare names apply to every type, `Type.name` to that type only. */
  elements?: string[];
  /** `patient` (POST): export only these patients' data (ids). */
  patients?: string[];
  /** Parameters left out under `Prefer: handling=lenient`, named in the manifest's error file. */
  ignored: string[];
}

export const NDJSON = 'application/fhir+ndjson';
const FORMATS = new Set([NDJSON, 'application/ndjson', 'ndjson']);
const KNOWN = new Set(['_outputFormat', '_since', '_until', '_type', '_typeFilter', '_elements', 'patient']);
// Defined by the IG but not offered here: refused clearly (ignored when lenient).
const UNSUPPORTED = new Set(['includeAssociatedData', '_typeFilter:not', 'organizeOutputBy', 'allowPartialManifests']);
// What a _typeFilter may not carry: it selects resources, it does not page, sort or shape them.
const NOT_IN_TYPE_FILTER = new Set([
  '_count',
  '_offset',
  '_cursor',
  '_sort',
  '_include',
  '_revinclude',
  '_summary',
  '_elements',
  '_total',
  '_format',
  '_contained',
  '_containedType',
]);
// An R4 instant: a full date and time with seconds and a time zone.
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const ELEMENT = /^([A-Z][A-Za-z]+\.)?[a-z][A-Za-z0-9]*$/;

export const refuse = (text: string, expression?: string) => new OperationOutcomeError(badRequest(text, expression));

function scalar(p: ParametersParameter): string | undefined {
  const v =
    p.valueString ??
    p.valueInstant ??
    p.valueDateTime ??
    p.valueCode ??
    p.valueUri ??
    p.valueCanonical ??
    p.valueId ??
    p.valueReference?.reference ??
    (p.valueBoolean === undefined ? undefined : String(p.valueBoolean));
  return v === undefined ? undefined : String(v);
}

/** The kick-off's parameters, query string and (POST) Parameters body together, repeated names as lists. */
function gather(req: Request): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const add = (k: string, v: string) => {
    out[k] = [...(out[k] ?? []), v];
  };
  for (const [k, v] of Object.entries(req.query)) {
    for (const x of Array.isArray(v) ? v : [v]) if (typeof x === 'string') add(k, x);
  }
  const body = req.body as Parameters | undefined;
  if (req.method === 'POST' && body && typeof body === 'object' && Object.keys(body).length > 0) {
    if (body.resourceType !== 'Parameters') throw refuse('POST $export takes a Parameters resource as its body', 'body');
    for (const p of body.parameter ?? []) {
      const v = scalar(p);
      if (!p.name || v === undefined) throw refuse(`Parameter ${p.name ?? '(unnamed)'} needs a value`, p.name);
      add(p.name, v);
    }
  }
  return out;
}

function instant(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!INSTANT.test(value) || Number.isNaN(Date.parse(value))) {
    throw refuse(`${name} must be an instant with seconds and a time zone, such as 2025-01-31T09:30:00Z (got "${value}")`, name);
  }
  return new Date(value).toISOString();
}

/** Checks a `_typeFilter` query with the search parser every search uses: what it refuses, this refuses. */
function checkTypeFilter(type: string, query: string): void {
  const params = new URLSearchParams(query);
  const record: Record<string, string | string[]> = {};
  for (const key of new Set(params.keys())) {
    if (NOT_IN_TYPE_FILTER.has(key.split(':')[0]))
      throw refuse(`_typeFilter ${type}?${query}: ${key} cannot be used in a _typeFilter`, '_typeFilter');
    const all = params.getAll(key);
    record[key] = all.length > 1 ? all : all[0];
  }
  if (!Object.keys(record).length) throw refuse(`_typeFilter ${type}? needs a search after the "?"`, '_typeFilter');
  try {
    parseSearch(type, record, false);
  } catch (err) {
    const text = (err as OperationOutcomeError).outcome?.issue?.[0]?.details?.text ?? (err as Error).message;
    throw refuse(`_typeFilter ${type}?${query} is not a search this server can run: ${text}`, '_typeFilter');
  }
}

/** Reads and checks a kick-off request; every problem is a 400 with our own sentence. */
export function readExportParams(req: Request, level: ExportLevel, groupId?: string): ExportParams {
  const lenient = isLenient(req.get('prefer'));
  const given = gather(req);
  const ignored: string[] = [];
  for (const key of Object.keys(given)) {
    if (KNOWN.has(key)) continue;
    if (lenient) {
      ignored.push(key);
      continue;
    }
    if (UNSUPPORTED.has(key)) throw refuse(`$export does not support ${key} here (send Prefer: handling=lenient to have it ignored)`, key);
    throw refuse(`$export has no parameter ${key} (send Prefer: handling=lenient to have it ignored)`, key);
  }
  const one = (key: string) => {
    const values = given[key] ?? [];
    if (values.length > 1) throw refuse(`${key} may be given once`, key);
    return values[0];
  };

  const format = one('_outputFormat');
  if (format !== undefined && !FORMATS.has(format)) {
    throw refuse(`_outputFormat ${format} is not offered; use application/fhir+ndjson (or application/ndjson, ndjson)`, '_outputFormat');
  }
  const since = instant('_since', one('_since'));
  const until = instant('_until', one('_until'));
  if (since && until && since > until) throw refuse('_since is after _until: nothing could match', '_until');

  const covered = exportableTypes(level);
  let types: string[] | undefined;
  if (given._type) {
    types = [...new Set(given._type.flatMap((v) => v.split(',')).map((t) => t.trim()))].filter(Boolean);
    if (!types.length) throw refuse('_type needs at least one resource type', '_type');
    for (const t of types) {
      if (!covered.includes(t)) {
        const why = exportableTypes('system').includes(t)
          ? `a ${level === 'group' ? 'Group' : 'Patient'}-level export holds only the Patient compartment's types`
          : 'it is not a resource type this server exports';
        throw refuse(`_type: ${t} cannot be exported: ${why}`, '_type');
      }
    }
  }

  const typeFilters: Record<string, string[]> = {};
  for (const raw of given._typeFilter ?? []) {
    // Several queries may share one value, comma-separated: a comma starts a new one only before `Type?`.
    for (const text of raw.split(/,(?=[A-Z][A-Za-z]+\?)/)) {
      const at = text.indexOf('?');
      const type = at < 0 ? text : text.slice(0, at);
      if (at < 0 || !covered.includes(type))
        throw refuse(`_typeFilter ${text} must be <resource type>?<search> for a type this export covers`, '_typeFilter');
      if (types && !types.includes(type)) throw refuse(`_typeFilter ${text} names ${type}, which _type leaves out`, '_typeFilter');
      const query = text.slice(at + 1);
      checkTypeFilter(type, query);
      typeFilters[type] = [...(typeFilters[type] ?? []), query];
    }
  }

  let elements: string[] | undefined;
  if (given._elements) {
    elements = given._elements
      .flatMap((v) => v.split(','))
      .map((e) => e.trim())
      .filter(Boolean);
    for (const e of elements) if (!ELEMENT.test(e)) throw refuse(`_elements: ${e} is not an element name (name or Type.name)`, '_elements');
  }

  let patients: string[] | undefined;
  if (given.patient) {
    if (level === 'system') throw refuse('patient applies to Patient- and Group-level exports only', 'patient');
    if (req.method !== 'POST') throw refuse('patient is a POST parameter (send a Parameters body)', 'patient');
    patients = given.patient.map((ref) => {
      const id = ref.startsWith('Patient/') ? ref.slice('Patient/'.length) : '';
      if (!isValidId(id)) throw refuse(`patient ${ref} must be a reference such as Patient/123`, 'patient');
      return id;
    });
  }
  return { level, groupId, since, until, types, typeFilters, elements, patients: patients && [...new Set(patients)], ignored };
}
