import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import { writeAudit } from '../../audit/log.ts';
import type { RequestAuth } from '../../auth/bearer.ts';
import { sendFhir } from '../../http/fhir-handler.ts';
import { outcome } from '../../http/outcomes.ts';
import type { BulkContext } from '../context.ts';
import { storablePrincipal } from '../identity.ts';
import { refuse } from '../params.ts';
import { statusUrl } from '../paths.ts';
import * as store from '../store.ts';
import { IMPORT_QUEUE, type ImportJobData } from './job.ts';
import { type ImportParams, readImportParameters, UPLOAD_FILE, uploadParams, withoutQuery } from './params.ts';

const NDJSON_BODY = /^application\/(fhir\+)?ndjson\b/;

/** Copies the request body to `path`, refusing (413) one larger than `maxBytes`. */
async function saveUpload(req: Request, path: string, maxBytes: number): Promise<boolean> {
  let size = 0;
  let tooLarge = false;
  const limit = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > maxBytes) {
        tooLarge = true;
        done(new Error('too large'));
      } else done(null, chunk);
    },
  });
  try {
    await pipeline(req, limit, createWriteStream(path));
    return true;
  } catch (err) {
    if (tooLarge) return false;
    throw err;
  }
}

/**
 * `POST /$import` (docs/bulk-data.md): an NDJSON body uploaded with the kick-off, or a Parameters
 * body naming inputs by URL. Answers 202 with the status URL; the job (job.ts) does the writing
 * as the calling client, in its tenant, with its scopes.
 */
export async function importKickOff(ctx: BulkContext, who: RequestAuth, req: Request, res: Response): Promise<void> {
  if (!/respond-async/.test(req.get('prefer') ?? '')) {
    throw refuse('$import runs asynchronously: send the header Prefer: respond-async', 'Prefer');
  }
  if (!ctx.jobs)
    return sendFhir(res, 503, outcome('unavailable', 'transient', 'Imports need the job queue, which this process does not run'));
  const upload = NDJSON_BODY.test(req.get('content-type') ?? '');
  const params: ImportParams = upload
    ? uploadParams(req.query as Record<string, unknown>)
    : await readImportParameters(req.body, ctx.config);
  const tenantId = who.tenant.tenantId;
  const id = randomUUID();
  const request = `${ctx.config.baseUrl}${req.originalUrl}`;
  const added = await store.insertExport(
    ctx.db,
    { tenant_id: tenantId, id, client_id: who.principal.clientId, principal: storablePrincipal(who.principal), request, params },
    ctx.config.BULK_EXPORT_TTL_HOURS,
    ctx.config.BULK_EXPORT_MAX_CONCURRENT,
    'import',
  );
  if (!added.inserted) {
    res.set('Retry-After', String(ctx.config.BULK_EXPORT_RETRY_AFTER_SECONDS));
    const text = `This client already has ${ctx.config.BULK_EXPORT_MAX_CONCURRENT} imports running; wait for one to finish or cancel one`;
    return sendFhir(res, 429, outcome('too-many-requests', 'throttled', text));
  }
  if (upload) {
    await ctx.files.reset(tenantId, id);
    const saved = await saveUpload(
      req,
      ctx.files.path(tenantId, id, UPLOAD_FILE),
      ctx.config.BULK_IMPORT_MAX_UPLOAD_MB * 1024 * 1024,
    ).catch(() => undefined);
    if (!saved) {
      await store.removeExport(ctx.db, tenantId, id);
      await ctx.files.remove(tenantId, id);
      if (saved === false) {
        const text = `The upload is larger than ${ctx.config.BULK_IMPORT_MAX_UPLOAD_MB} MB; split it, or name the files by URL`;
        return sendFhir(res, 413, outcome('too-large', 'too-costly', text));
      }
      return sendFhir(res, 400, outcome('bad-request', 'incomplete', 'The upload ended before its end; nothing was imported'));
    }
  }
  const data: ImportJobData = { tenantId, importId: id };
  await ctx.jobs.add(IMPORT_QUEUE, 'import', data, { jobId: id, attempts: 3, backoffMs: 1000 });
  await writeAudit(ctx.db, {
    tenantId,
    branchId: who.tenant.branchId,
    userId: who.principal.userId,
    clientId: who.principal.clientId,
    ip: req.ip,
    userAgent: req.get('user-agent'),
    requestId: res.locals.requestId,
    kind: 'import',
    resource: `$import/${id}`,
    query: req.originalUrl,
    outcome: '0',
    detail: `Bulk import requested (${params.mode} mode): ${params.inputs.map((i) => withoutQuery(i.url)).join(', ')}`,
  });
  res.set('Content-Location', statusUrl(ctx.config.baseUrl, id, 'import'));
  sendFhir(res, 202, outcome('accepted', 'informational', 'The import has started; ask the Content-Location URL for its progress'));
}
