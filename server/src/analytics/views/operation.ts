import { badRequest, OperationOutcomeError } from '@medplum/core';
import type { Parameters, ParametersParameter, Resource } from '@medplum/fhirtypes';
import type { Request, Response } from 'express';
import { sendFhir } from '../../http/fhir-handler.ts';
import { serverError, toOutcome } from '../../http/outcomes.ts';
import type { PostgresRepository } from '../../repo/postgres-repository.ts';
import { type CompiledView, compileView } from './compile.ts';
import { asOutcomeError } from './errors.ts';
import { CONTENT_TYPES, type OutputFormat, parseFormat, writeRows } from './output.ts';
import { VIEW_RUN_PATH } from './paths.ts';
import { viewRows } from './run.ts';
import { groupPatients, readResources } from './source.ts';
import { readStoredView } from './storage.ts';
import type { ViewRow } from './types.ts';

/**
 * `ViewDefinition/$run` (SQL on FHIR v2): runs a view, inline (`viewResource`), stored
 * (`viewReference`, or the instance-level route) over the caller's resources or over resources
 * sent inline (`resource`), and streams the rows as CSV, NDJSON, JSON or Parquet. Answered here,
 * not by the FHIR router, because the answer is a stream in a format of its own.
 */

interface RunInput {
  viewReference?: string;
  viewResource?: unknown;
  format?: string;
  header?: boolean;
  limit?: number;
  patient?: string;
  group?: string;
  since?: string;
  resources?: Resource[];
}

const PARAMETERS = new Set(['viewReference', 'viewResource', '_format', 'header', '_limit', 'patient', 'group', '_since', 'resource']);
const INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;

const fail = (text: string, expression?: string) => new OperationOutcomeError(badRequest(text, expression));

function bool(value: string | boolean | undefined, name: string): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw fail(`${name} must be true or false`, name);
}

function int(value: string | number | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < 1) throw fail(`${name} must be a positive integer`, name);
  return n;
}

function reference(p: ParametersParameter): string | undefined {
  return p.valueReference?.reference ?? p.valueString ?? p.valueUri ?? p.valueCanonical ?? p.valueId;
}

function fromQuery(req: Request): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(req.query)) {
    out[key] = Array.isArray(value) ? String(value.at(-1)) : typeof value === 'string' ? value : undefined;
  }
  return out;
}

function readInput(req: Request): RunInput {
  const q = fromQuery(req);
  const input: RunInput = {
    viewReference: q.viewReference,
    format: q._format,
    header: bool(q.header, 'header'),
    limit: int(q._limit, '_limit'),
    patient: q.patient,
    group: q.group,
    since: q._since,
  };
  const body = req.body as Parameters | undefined;
  if (req.method === 'POST' && body && typeof body === 'object' && Object.keys(body).length > 0) {
    if (body.resourceType !== 'Parameters') throw fail('POST $run takes a Parameters resource');
    for (const p of body.parameter ?? []) {
      if (!PARAMETERS.has(p.name)) throw fail(`Unknown parameter ${p.name} for $run`, p.name);
      if (p.name === 'viewReference') input.viewReference = reference(p);
      else if (p.name === 'viewResource') input.viewResource = p.resource;
      else if (p.name === '_format') input.format = p.valueCode ?? p.valueString;
      else if (p.name === 'header') input.header = bool(p.valueBoolean, 'header');
      else if (p.name === '_limit') input.limit = int(p.valueInteger ?? p.valuePositiveInt, '_limit');
      else if (p.name === 'patient') input.patient = reference(p);
      else if (p.name === 'group') input.group = reference(p);
      else if (p.name === '_since') input.since = p.valueInstant ?? p.valueDateTime ?? p.valueString;
      else if (p.name === 'resource' && p.resource) input.resources = [...(input.resources ?? []), p.resource];
    }
  }
  return input;
}

/** Without _format, an Accept naming one of the output media types chooses it (else JSON). */
function formatFromAccept(accept: string | undefined): string | undefined {
  for (const range of (accept ?? '').split(',')) {
    const type = range.split(';')[0].trim().toLowerCase();
    if (type && type !== '*/*' && !type.endsWith('json') && parseFormat(type)) return type;
  }
  return undefined;
}

/** The id a reference to a stored view names: `ViewDefinition/x`, `Basic/x` or a bare id. */
function storedViewId(ref: string): string {
  const m = /^(?:(?:.*\/)?(?:ViewDefinition|Basic)\/)?([A-Za-z0-9\-.]{1,64})$/.exec(ref);
  if (!m) throw fail(`viewReference ${ref} does not name a stored ViewDefinition (ViewDefinition/[id])`, 'viewReference');
  return m[1];
}

async function resolveView(repo: PostgresRepository, id: string | undefined, input: RunInput): Promise<CompiledView> {
  const given = [id, input.viewReference, input.viewResource].filter((v) => v !== undefined).length;
  if (given === 0) throw fail('Give the view to run: viewResource (inline), viewReference, or POST ViewDefinition/[id]/$run');
  if (given > 1) throw fail('Give the view once: the instance in the URL, viewReference or viewResource');
  const view = input.viewResource ?? (await readStoredView(repo, storedViewId(id ?? (input.viewReference as string))));
  try {
    return compileView(view);
  } catch (err) {
    throw asOutcomeError(err);
  }
}

function patientId(ref: string, name: string): string {
  const m = /^(?:Patient\/)?([A-Za-z0-9\-.]{1,64})$/.exec(ref);
  if (!m) throw fail(`${name} must be a Patient reference (Patient/[id])`, name);
  return m[1];
}

function groupId(ref: string): string {
  const m = /^(?:Group\/)?([A-Za-z0-9\-.]{1,64})$/.exec(ref);
  if (!m) throw fail('group must be a Group reference (Group/[id])', 'group');
  return m[1];
}

/** The view's rows, a page at a time, stopping at `_limit`. */
async function* rowBatches(repo: PostgresRepository, compiled: CompiledView, input: RunInput): AsyncGenerator<ViewRow[]> {
  let left = input.limit ?? Number.POSITIVE_INFINITY;
  const run = (resources: Resource[]): ViewRow[] => {
    const rows: ViewRow[] = [];
    for (const r of resources) {
      rows.push(...viewRows(compiled, r));
      if (rows.length >= left) break;
    }
    return rows.slice(0, left);
  };
  if (input.resources) {
    yield run(input.resources);
    return;
  }
  const patients = input.group
    ? await groupPatients(repo, groupId(input.group))
    : input.patient
      ? [patientId(input.patient, 'patient')]
      : undefined;
  for await (const page of readResources(repo, { resourceType: compiled.resource, patients, since: input.since })) {
    const rows = run(page);
    left -= rows.length;
    if (rows.length > 0) yield rows;
    if (left <= 0) return;
  }
}

/** Passes batches on, turning a view failing on the data into a 400 outcome error. */
async function* guarded(batches: AsyncGenerator<ViewRow[]>): AsyncGenerator<ViewRow[]> {
  try {
    yield* batches;
  } catch (err) {
    throw asOutcomeError(err);
  }
}

function writeChunk(res: Response, chunk: string | Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    if (res.destroyed) {
      reject(new Error('client went away'));
      return;
    }
    if (res.write(chunk)) {
      resolve();
      return;
    }
    const done = (err?: Error) => {
      res.off('drain', done);
      res.off('close', closed);
      if (err) reject(err);
      else resolve();
    };
    const closed = () => done(new Error('client went away'));
    res.once('drain', done);
    res.once('close', closed);
  });
}

/** Serves `$run`; errors before the first byte are OperationOutcomes, later ones end the stream. */
export async function handleViewRun(repo: PostgresRepository, req: Request, res: Response): Promise<void> {
  try {
    if (req.method !== 'GET' && req.method !== 'POST') throw fail('$run takes GET or POST');
    const id = VIEW_RUN_PATH.exec(req.path)?.[1];
    const input = readInput(req);
    const format = parseFormat(input.format ?? formatFromAccept(req.get('accept')));
    if (!format) throw fail(`Unsupported _format ${input.format}: use csv, ndjson, json or parquet`, '_format');
    if (input.since !== undefined && !INSTANT.test(input.since))
      throw fail('_since must be a FHIR instant (2024-05-01T00:00:00Z)', '_since');
    if (input.patient && input.group) throw fail('Give patient or group, not both', 'group');
    const compiled = await resolveView(repo, id, input);
    const batches = guarded(rowBatches(repo, compiled, input));
    // The first page is read before any byte is sent, so refusals (403, 404, 400) get a status.
    const first = await batches.next();
    await sendRows(res, format, compiled, first, batches, input.header);
  } catch (err) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const { status, body, unexpected } = toOutcome(err);
    if (unexpected) res.locals.error = err;
    sendFhir(res, status, unexpected ? serverError() : body);
  }
}

async function sendRows(
  res: Response,
  format: OutputFormat,
  compiled: CompiledView,
  first: IteratorResult<ViewRow[]>,
  rest: AsyncGenerator<ViewRow[]>,
  header: boolean | undefined,
): Promise<void> {
  async function* all(): AsyncGenerator<ViewRow[]> {
    if (!first.done) yield first.value;
    yield* rest;
  }
  const name = (compiled.view.name ?? 'view').replaceAll(/[^\w.-]/g, '_');
  res.status(200).type(CONTENT_TYPES[format]).set('Cache-Control', 'no-store');
  if (format === 'csv' || format === 'parquet') res.set('Content-Disposition', `attachment; filename="${name}.${format}"`);
  await writeRows(format, compiled.columns, all(), { write: (chunk) => writeChunk(res, chunk) }, { header });
  res.end();
}
