import { created, isOk } from '@medplum/core';
import type { FhirRequest, FhirRouter, HttpMethod } from '@medplum/fhir-router';
import type { Binary, Bundle, OperationOutcome, Resource } from '@medplum/fhirtypes';
import type { Request, Response } from 'express';
import { createdByUpdate, type PostgresRepository } from '../repo/postgres-repository.ts';
import { checkResultParams } from '../search/control-params.ts';
import { RETRY_AFTER_SECONDS, serverError, statusOf, toOutcome } from './outcomes.ts';
import { subset, subsetBundle } from './summary.ts';
import { withoutEmpties } from './without-empties.ts';

export const FHIR_JSON = 'application/fhir+json; charset=utf-8';
export const FHIR_BASE_PATH = '/fhir/R4';

// Bundles that are answers about many resources, not a stored resource of their own.
const COLLECTIONS = new Set(['searchset', 'history', 'batch-response', 'transaction-response']);

/** The router answers an entry's update-as-create with 200; the spec's answer is 201 and a Location. */
function markCreatedEntries(bundle: Bundle): void {
  if (bundle.type !== 'transaction-response' && bundle.type !== 'batch-response') return;
  for (const entry of bundle.entry ?? []) {
    const r = entry.resource;
    if (!r || !createdByUpdate.has(r) || !entry.response) continue;
    entry.response = {
      ...entry.response,
      status: '201',
      outcome: created,
      location: `${r.resourceType}/${r.id}/_history/${r.meta?.versionId}`,
    };
  }
}

type Prefer = 'minimal' | 'representation' | 'OperationOutcome';

function preferReturn(req: Request): Prefer {
  const m = /return=(minimal|representation|OperationOutcome)/.exec(req.get('prefer') ?? '');
  return (m?.[1] as Prefer) ?? 'representation';
}

function firstQuery(req: Request, key: string): string | undefined {
  const v = req.query[key];
  return typeof v === 'string' ? v : Array.isArray(v) ? String(v.at(-1)) : undefined;
}

/** The download name an operation gives the Binary it returns (Content-Disposition), by object identity. */
export const binaryFilenames = new WeakMap<Binary, string>();

/**
 * An operation answering with a Binary (a generated PDF...) sends the content itself, as FHIR R4
 * does for a Binary read, unless the client asks for FHIR JSON (Accept, or _format=json); then it
 * gets the Binary resource. Returns false when the JSON answer applies.
 */
function sendBinaryContent(req: Request, res: Response, status: number, path: string, resource: Resource): boolean {
  const binary = resource as Binary;
  const isOperation = /(^|\/)\$[^/]+$/.test(path.split('?')[0]);
  if (binary.resourceType !== 'Binary' || !isOperation || !binary.contentType || firstQuery(req, '_format')) return false;
  if (req.accepts([binary.contentType, 'application/fhir+json', 'application/json']) !== binary.contentType) return false;
  const name = (binaryFilenames.get(binary) ?? 'content').replaceAll(/[^\w.-]/g, '_');
  res
    .status(status)
    .type(binary.contentType)
    .set('Content-Disposition', `inline; filename="${name}"`)
    // Generated from the caller's data on each request: no shared cache may keep it.
    .set('Cache-Control', 'no-store')
    .send(Buffer.from(binary.data ?? '', 'base64'));
  return true;
}

export function sendFhir(res: Response, status: number, body?: Resource): void {
  res.status(status).type(FHIR_JSON);
  if (status === 503) res.set('Retry-After', String(RETRY_AFTER_SECONDS));
  if (body === undefined) res.end();
  else res.send(JSON.stringify(withoutEmpties(body)));
}

function setVersionHeaders(res: Response, resource: Resource): void {
  if (resource.meta?.versionId) res.set('ETag', `W/"${resource.meta.versionId}"`);
  if (resource.meta?.lastUpdated) res.set('Last-Modified', new Date(resource.meta.lastUpdated).toUTCString());
}

/** True when a conditional read's validators show the client already holds this version. */
function notModified(req: Request, resource: Resource): boolean {
  const inm = req.get('if-none-match');
  if (inm) {
    const tags = inm.split(',').map((t) => t.trim().replace(/^W\//, '').replaceAll('"', ''));
    return tags.includes('*') || tags.includes(resource.meta?.versionId ?? '');
  }
  const ims = req.get('if-modified-since');
  if (ims && resource.meta?.lastUpdated) {
    const since = Date.parse(ims);
    // HTTP dates have whole seconds; compare at that precision.
    return !Number.isNaN(since) && Math.floor(Date.parse(resource.meta.lastUpdated) / 1000) * 1000 <= since;
  }
  return false;
}

/**
 * Serves one FHIR REST request through @medplum/fhir-router on a tenant-bound repository and
 * writes the answer the way the FHIR R4 HTTP spec asks: status, Location, ETag, Last-Modified,
 * Prefer, conditional reads, _summary/_elements.
 */
export async function handleFhirRequest(
  router: FhirRouter,
  repo: PostgresRepository,
  req: Request,
  res: Response,
  baseUrl: string,
  /** Records a refusal (403) before it is answered, so an answered refusal is always in the audit log. */
  onRefused?: () => Promise<void>,
): Promise<void> {
  checkResultParams(req.query as Record<string, string | string[]>);
  const path = req.originalUrl.slice(req.baseUrl.length).replace(/^\/+/, '');
  const fhirReq: FhirRequest = {
    // HEAD is GET without a body (Express leaves the body out of a HEAD answer).
    method: (req.method === 'HEAD' ? 'GET' : req.method) as HttpMethod,
    url: path,
    pathname: '',
    params: {},
    query: {},
    body: req.body,
    headers: req.headers,
    config: { transactions: true },
  };
  const [result, resource] = await router.handleRequest(fhirReq, repo).catch((err) => [toOutcome(err).body] as [OperationOutcome]);
  let status = resource && createdByUpdate.has(resource) ? 201 : statusOf(result);
  if (resource?.resourceType === 'Bundle') markCreatedEntries(resource as Bundle);
  if (!isOk(result) || !resource) {
    // Router-caught errors arrive here as outcomes; never leak an unexpected one's details.
    const ours = status === 503 || status === 504; // unavailable, timed out: our own sentences
    if (status >= 500 && !ours) res.locals.error = result;
    if (status === 403) await onRefused?.();
    sendFhir(res, status, status >= 500 && !ours ? serverError() : result);
    return;
  }

  if (sendBinaryContent(req, res, status, path, resource)) return;
  const summary = firstQuery(req, '_summary');
  const elements = firstQuery(req, '_elements')?.split(',').filter(Boolean);
  const isWrite = req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH';
  // A stored Bundle (a document, even one of type history) has a version; answers about many resources do not.
  const isStoredBundle = resource.resourceType === 'Bundle' && Boolean(resource.meta?.versionId);
  const isSingleResource = isStoredBundle || !(resource.resourceType === 'Bundle' && COLLECTIONS.has((resource as Bundle).type ?? ''));

  if (isSingleResource && resource.meta?.versionId) {
    setVersionHeaders(res, resource);
    if ((req.method === 'GET' || req.method === 'HEAD') && notModified(req, resource)) {
      res.status(304).end();
      return;
    }
  }
  if (status === 201 && resource.id) {
    res.set('Location', `${baseUrl}${FHIR_BASE_PATH}/${resource.resourceType}/${resource.id}/_history/${resource.meta?.versionId}`);
  }
  if (isWrite && (resource.resourceType !== 'Bundle' || isStoredBundle)) {
    const prefer = preferReturn(req);
    if (prefer === 'minimal') {
      res.status(status).end();
      return;
    }
    if (prefer === 'OperationOutcome') {
      sendFhir(res, status, result);
      return;
    }
  }
  let body: Resource = resource;
  if (summary || elements) {
    body =
      resource.resourceType === 'Bundle' && (resource as Bundle).type === 'searchset'
        ? subsetBundle(resource as Bundle, summary, elements)
        : subset(resource, summary, elements);
  }
  if (status === 304) status = 200;
  sendFhir(res, status, body);
}
