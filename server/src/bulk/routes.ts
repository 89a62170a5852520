import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { OperationOutcomeError } from '@medplum/core';
import type { Group } from '@medplum/fhirtypes';
import type { Request, Response } from 'express';
import { writeAudit } from '../audit/log.ts';
import type { RequestAuth } from '../auth/bearer.ts';
import type { Config } from '../config.ts';
import { sendFhir } from '../http/fhir-handler.ts';
import { forbiddenOutcome, outcome, toOutcome } from '../http/outcomes.ts';
import type { PostgresRepository } from '../repo/postgres-repository.ts';
import type { BulkContext } from './context.ts';
import { storablePrincipal } from './identity.ts';
import { importKickOff } from './import/kick-off.ts';
import { BULK_ATTEMPTS, BULK_QUEUE, type BulkJobData } from './job.ts';
import { type ExportParams, NDJSON, readExportParams, refuse } from './params.ts';
import { FILE, IMPORT_KICK_OFF, KICK_OFF, STATUS, statusUrl } from './paths.ts';
import * as store from './store.ts';
import { type ExportLevel, exportableTypes } from './types.ts';

export type { BulkContext } from './context.ts';

// A Group larger than this is exported by a client's own paging, not by one export's patient list.
const MAX_GROUP_PATIENTS = 10_000;
// How long a running export may go without a page before its worker is taken to be dead.
const staleAfterMs = (config: Config) => config.JOBS_LEASE_MS * (BULK_ATTEMPTS + 1) + 60_000;

const noSuchExport = (kind: store.BulkKind = 'export') =>
  outcome('not-found', 'not-found', `No such ${kind} (it may have expired, been cancelled, or belong to another client)`);

/** The patients a Group names (active members that are Patients), checked against `patient` when given. */
async function groupPatients(repo: PostgresRepository, id: string, asked: string[] | undefined): Promise<string[]> {
  // Read as any read: another tenant's Group, or one this client may not read, is 404.
  const group = await repo.readResource<Group>('Group', id);
  const members = new Set<string>();
  for (const m of group.member ?? []) {
    const ref = m.entity?.reference ?? '';
    if (!m.inactive && ref.startsWith('Patient/')) members.add(ref.slice('Patient/'.length));
  }
  if (members.size > MAX_GROUP_PATIENTS)
    throw refuse(`Group/${id} has more than ${MAX_GROUP_PATIENTS} patients; export it in parts with patient`);
  if (!asked) return [...members];
  for (const p of asked) if (!members.has(p)) throw refuse(`patient Patient/${p} is not a member of Group/${id}`, 'patient');
  return asked;
}

/** Each patient named must be one this client can read (the same answer whether it does not exist or is hidden). */
async function checkPatients(repo: PostgresRepository, ids: string[]): Promise<void> {
  for (const id of ids) {
    try {
      await repo.readResource('Patient', id);
    } catch {
      throw refuse(`patient Patient/${id} was not found, or this client may not read it`, 'patient');
    }
  }
}

async function kickOff(ctx: BulkContext, who: RequestAuth, repo: PostgresRepository, req: Request, res: Response, m: RegExpExecArray) {
  if (!/respond-async/.test(req.get('prefer') ?? '')) {
    throw refuse('$export runs asynchronously: send the header Prefer: respond-async', 'Prefer');
  }
  const accept = req.get('accept');
  if (accept && !/application\/fhir\+json|application\/json|\*\/\*/.test(accept)) {
    throw refuse(`$export answers in application/fhir+json; Accept: ${accept} cannot be met`, 'Accept');
  }
  if (!ctx.jobs)
    return sendFhir(res, 503, outcome('unavailable', 'transient', 'Exports need the job queue, which this process does not run'));
  const level: ExportLevel = m[2] ? 'group' : m[1] ? 'patient' : 'system';
  const params: ExportParams = readExportParams(req, level, m[2]);
  if (level === 'group') params.patients = await groupPatients(repo, m[2], params.patients);
  else if (params.patients) await checkPatients(repo, params.patients);
  const access = who.access;
  const types = params.types ?? exportableTypes(level);
  if (!types.some((t) => access.allows(t, 's'))) {
    throw new OperationOutcomeError(forbiddenOutcome('This client may read none of the resource types this export would hold'));
  }

  const id = randomUUID();
  const request = `${ctx.config.baseUrl}${req.originalUrl}`;
  const added = await store.insertExport(
    ctx.db,
    { tenant_id: who.tenant.tenantId, id, client_id: who.principal.clientId, principal: storablePrincipal(who.principal), request, params },
    ctx.config.BULK_EXPORT_TTL_HOURS,
    ctx.config.BULK_EXPORT_MAX_CONCURRENT,
  );
  if (!added.inserted) {
    res.set('Retry-After', String(ctx.config.BULK_EXPORT_RETRY_AFTER_SECONDS));
    return sendFhir(
      res,
      429,
      outcome(
        'too-many-requests',
        'throttled',
        `This client already has ${ctx.config.BULK_EXPORT_MAX_CONCURRENT} exports running; wait for one to finish or cancel one`,
      ),
    );
  }
  const data: BulkJobData = { tenantId: who.tenant.tenantId, exportId: id };
  await ctx.jobs.add(BULK_QUEUE, 'export', data, { jobId: id, attempts: BULK_ATTEMPTS, backoffMs: 1000 });
  await writeAudit(ctx.db, {
    tenantId: who.tenant.tenantId,
    branchId: who.tenant.branchId,
    userId: who.principal.userId,
    clientId: who.principal.clientId,
    ip: req.ip,
    userAgent: req.get('user-agent'),
    requestId: res.locals.requestId,
    kind: 'export',
    resource: `$export/${id}`,
    query: req.originalUrl,
    outcome: '0',
    detail: `Bulk export requested: ${JSON.stringify(params)}`,
  });
  res.set('Content-Location', statusUrl(ctx.config.baseUrl, id));
  sendFhir(res, 202, outcome('accepted', 'informational', 'The export has started; ask the Content-Location URL for its progress'));
}

/** The caller's own export (or import): same tenant (row-level security) and same client, not expired; otherwise undefined. */
async function ownExport(
  ctx: BulkContext,
  who: RequestAuth,
  id: string,
  kind: store.BulkKind,
): Promise<store.ExportRow<unknown> | undefined> {
  const row = await store.readExport<unknown>(ctx.db, who.tenant.tenantId, id, kind);
  if (!row || row.client_id !== who.principal.clientId) return undefined;
  // The time to live counts from the end: a long export does not expire while it runs.
  const finished = row.status !== 'accepted' && row.status !== 'running';
  if (finished && Date.parse(row.expires_at) <= Date.now()) return undefined;
  return row;
}

async function status(ctx: BulkContext, who: RequestAuth, req: Request, res: Response, kind: store.BulkKind, id: string) {
  const row = await ownExport(ctx, who, id, kind);
  if (!row) return sendFhir(res, 404, noSuchExport(kind));
  if (req.method === 'DELETE') {
    await store.removeExport(ctx.db, who.tenant.tenantId, id);
    // A running job sees the row gone at its next page and removes what it wrote since.
    await ctx.files.remove(who.tenant.tenantId, id);
    await writeAudit(ctx.db, {
      tenantId: who.tenant.tenantId,
      userId: who.principal.userId,
      clientId: who.principal.clientId,
      requestId: res.locals.requestId,
      kind,
      resource: `$${kind}/${id}`,
      query: row.request,
      outcome: '0',
      detail: `Bulk ${kind} cancelled and its files removed`,
    });
    const text =
      kind === 'export'
        ? 'The export was cancelled and its files removed'
        : 'The import was cancelled: what it had written stays (in file mode, the file being read is rolled back)';
    return sendFhir(res, 202, outcome('deleted', 'informational', text));
  }
  if (req.method !== 'GET') return sendFhir(res, 405, outcome('not-supported', 'not-supported', 'The status URL takes GET and DELETE'));
  const stale = row.status === 'running' && row.heartbeat_at && Date.now() - Date.parse(row.heartbeat_at) > staleAfterMs(ctx.config);
  if (row.status === 'failed' || stale) {
    const gone = `The ${kind} stopped when the server running it went away; start a new one`;
    if (stale) await store.fail(ctx.db, who.tenant.tenantId, id, gone);
    return sendFhir(res, 500, outcome(`${kind}-failed`, 'exception', row.error ?? gone));
  }
  if (row.status === 'completed' && row.manifest) {
    res.status(200).type('application/json').set('Expires', new Date(row.expires_at).toUTCString()).send(JSON.stringify(row.manifest));
    return;
  }
  res.set('X-Progress', row.status === 'accepted' ? 'waiting to start' : (row.progress ?? 'running'));
  res.set('Retry-After', String(ctx.config.BULK_EXPORT_RETRY_AFTER_SECONDS));
  res.status(202).end();
}

async function download(ctx: BulkContext, who: RequestAuth, res: Response, kind: store.BulkKind, id: string, name: string) {
  const row = await ownExport(ctx, who, id, kind);
  const manifest = row?.status === 'completed' ? (row.manifest as Record<string, { url?: string }[]>) : undefined;
  const listed = manifest && ['output', 'error', 'deleted'].some((k) => manifest[k]?.some((f) => f.url?.endsWith(`/${id}/${name}`)));
  const size = listed ? await ctx.files.size(who.tenant.tenantId, id, name) : undefined;
  if (size === undefined)
    return sendFhir(res, 404, outcome('not-found', 'not-found', 'No such export file (it may have expired or belong to another client)'));
  res.status(200).type(NDJSON).set('Content-Length', String(size)).set('Cache-Control', 'no-store');
  await pipeline(createReadStream(ctx.files.path(who.tenant.tenantId, id, name)), res);
}

/**
 * Bulk Data Access IG 2.0.0: kick-off (`/$export`, `/Patient/$export`, `/Group/[id]/$export`),
 * the status URL (GET progress or manifest, DELETE cancels) and the files, each for the client
 * that asked only. `repo` is the request's repository (the caller's tenant, access and audit).
 */
export async function handleBulk(ctx: BulkContext, repo: PostgresRepository, req: Request, res: Response): Promise<void> {
  const who = res.locals.auth as RequestAuth;
  try {
    const kick = KICK_OFF.exec(req.path);
    if (kick) {
      if (req.method !== 'GET' && req.method !== 'POST')
        return sendFhir(res, 405, outcome('not-supported', 'not-supported', '$export takes GET or POST'));
      return await kickOff(ctx, who, repo, req, res, kick);
    }
    if (IMPORT_KICK_OFF.test(req.path)) {
      if (req.method !== 'POST') return sendFhir(res, 405, outcome('not-supported', 'not-supported', '$import takes POST'));
      return await importKickOff(ctx, who, req, res);
    }
    const s = STATUS.exec(req.path);
    if (s) return await status(ctx, who, req, res, s[1] as store.BulkKind, s[2]);
    const f = FILE.exec(req.path);
    if (f && (req.method === 'GET' || req.method === 'HEAD')) return await download(ctx, who, res, f[1] as store.BulkKind, f[2], f[3]);
    sendFhir(res, 404, noSuchExport(req.path.startsWith('/$import') ? 'import' : 'export'));
  } catch (err) {
    const { status: code, body, unexpected } = toOutcome(err);
    if (unexpected) throw err;
    sendFhir(res, code, body);
  }
}
