import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { getStatus, isOperationOutcome, OperationOutcomeError } from '@medplum/core';
import type { OperationOutcome, Resource } from '@medplum/fhirtypes';
import type { AuditOutcome } from '../../audit/event.ts';
import { writeAudit } from '../../audit/log.ts';
import { accessControlFor } from '../../auth/access.ts';
import type { AuthService } from '../../auth/service.ts';
import type { Config } from '../../config.ts';
import { isStoredResourceType } from '../../fhir/definitions.ts';
import { isValidId, type ValidationPolicy, validateForWrite } from '../../fhir/validate.ts';
import type { JobContext } from '../../jobs/queue.ts';
import type { Logger } from '../../logger.ts';
import { ImportEntryError, PostgresRepository } from '../../repo/postgres-repository.ts';
import type { ProfileRequirements } from '../../validation/requirements.ts';
import type { ExportFiles, NdjsonWriter } from '../files.ts';
import { principalOf } from '../identity.ts';
import { fileUrl } from '../paths.ts';
import * as store from '../store.ts';
import { type ImportInput, type ImportParams, UPLOAD_FILE, withoutQuery } from './params.ts';
import { openSource } from './sources.ts';

export const IMPORT_QUEUE = 'bulk-import';
const ATTEMPTS = 3;
const HEARTBEAT_MS = 1000;

export interface ImportJobData {
  tenantId: string;
  importId: string;
}

export interface ImportDeps {
  auth: AuthService;
  config: Config;
  logger: Logger;
  files: ExportFiles;
  requirements: ProfileRequirements;
}

/** One line of an input that parsed as a resource with an id. */
interface Entry {
  line: number;
  resource: Resource & { id: string };
}

class Cancelled extends Error {}

/** What one input came to: resources written per type, and its rejects. */
interface InputResult {
  input: ImportInput;
  counts: Map<string, number>;
  rejected: number;
}

/** Counts the entries an input had written, by type. */
function countTaken(result: InputResult, entries: Entry[]): void {
  for (const e of entries) result.counts.set(e.resource.resourceType, (result.counts.get(e.resource.resourceType) ?? 0) + 1);
}

/** The repository an import writes through: the kick-off client's tenant, scopes and role, the tenant's profile rules; quiet (no events). */
function importRepository(deps: ImportDeps, row: store.ExportRow<ImportParams>, policy: ValidationPolicy): PostgresRepository {
  const principal = principalOf(row.principal);
  return new PostgresRepository({
    db: deps.auth.db,
    tenant: {
      tenantId: principal.tenantId,
      userId: principal.userId,
      branchId: principal.branchIds.length === 1 ? principal.branchIds[0] : undefined,
    },
    baseUrl: deps.config.baseUrl,
    updateCreate: true,
    access: accessControlFor(principal),
    actor: { clientId: principal.clientId, userId: principal.userId },
    validation: policy,
    statementTimeoutMs: deps.config.STATEMENT_TIMEOUT_WRITE_MS,
    quiet: true,
  });
}

const reject = (where: string, line: number | undefined, text: string, code = 'invalid'): OperationOutcome => ({
  resourceType: 'OperationOutcome',
  issue: [
    {
      severity: 'error',
      code: code as 'invalid',
      details: { text: `${where}${line === undefined ? '' : `, line ${line}`}: ${text}` },
      ...(line === undefined ? {} : { location: [`line ${line}`] }),
    },
  ],
});

/** The sentence(s) of a refused write; an error of ours that is not about the resource (the database went away) is thrown on. */
function refusal(err: unknown): string {
  const cause = err instanceof ImportEntryError ? err.cause : err;
  if (cause instanceof OperationOutcomeError && isOperationOutcome(cause.outcome) && getStatus(cause.outcome) < 500) {
    const texts = (cause.outcome.issue ?? [])
      .filter((i) => i.severity === 'error' || i.severity === 'fatal')
      .map((i) => `${i.details?.text ?? i.diagnostics ?? 'invalid'}${i.expression?.length ? ` (${i.expression.join(', ')})` : ''}`);
    return texts.join('; ') || 'refused';
  }
  throw cause;
}

/** A line as an entry, or the reason it cannot be one. */
function parseLine(text: string, input: ImportInput): Entry['resource'] | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'is not JSON';
  }
  const r = value as Partial<Resource> | null;
  if (!r || typeof r !== 'object' || Array.isArray(r) || typeof r.resourceType !== 'string') return 'is not a FHIR resource';
  if (!isStoredResourceType(r.resourceType)) return `${r.resourceType} is not a resource type this server stores`;
  if (input.type && r.resourceType !== input.type) return `is a ${r.resourceType}, but this input holds ${input.type}`;
  if (typeof r.id !== 'string' || !isValidId(r.id)) return 'has no valid id (an imported resource keeps the id it has)';
  return r as Entry['resource'];
}

/**
 * Runs one import to the end. Each input is read line by line (constant memory) and written in
 * pages of BULK_IMPORT_BATCH resources through the client's repository. In `resource` mode each
 * page commits on its own and a refused resource is reported and skipped; in `file` mode an input
 * is one transaction, and one refused line keeps the whole input out. A second run (the process
 * died) reads the inputs again: what is already stored unchanged makes no new version.
 */
export async function runImportJob(deps: ImportDeps, job: JobContext<ImportJobData>): Promise<void> {
  const { tenantId, importId } = job.data;
  const { auth, config, files } = deps;
  const db = auth.db;
  const row = await store.readExport<ImportParams>(db, tenantId, importId, 'import');
  if (!row || row.status === 'completed' || row.status === 'failed' || row.status === 'cancelled') return;
  const audit = (outcome: AuditOutcome, detail: string) =>
    writeAudit(db, {
      tenantId,
      clientId: row.client_id,
      userId: row.principal.userId,
      kind: 'import',
      resource: `$import/${importId}`,
      query: row.request,
      outcome,
      detail,
    });
  const errors: OperationOutcome[] = [];
  let errorWriter: NdjsonWriter | undefined;
  const fail = (o: OperationOutcome) => {
    errors.push(o);
  };
  try {
    if (!(await auth.tenantActive(tenantId)))
      throw new OperationOutcomeError(reject('The import', undefined, 'the hospital is no longer active'));
    if (!(await store.startRunning(db, tenantId, importId))) return;
    const policy = await deps.requirements.policyFor(tenantId);
    const repo = await importRepository(deps, row, policy);
    let written = 0;
    let lastBeat = 0;
    const beat = async (what: string) => {
      if (Date.now() - lastBeat < HEARTBEAT_MS) return;
      lastBeat = Date.now();
      if (!(await store.heartbeat(db, tenantId, importId, `${what}; ${written} resources written`))) throw new Cancelled();
    };
    const results: InputResult[] = [];
    for (const input of row.params.inputs) {
      const where = input.url === 'upload' ? 'the upload' : withoutQuery(input.url);
      const result: InputResult = { input, counts: new Map(), rejected: 0 };
      results.push(result);
      let source: Readable;
      try {
        source =
          input.url === 'upload' ? createReadStream(files.path(tenantId, importId, UPLOAD_FILE)) : await openSource(input.url, config);
      } catch (err) {
        fail(reject(where, undefined, `could not be read: ${refusal(err)}`, 'not-found'));
        result.rejected++;
        continue;
      }
      const lines = createInterface({ input: source, crlfDelay: Number.POSITIVE_INFINITY });
      const onReject = (line: number, text: string) => {
        fail(reject(where, line, text));
        result.rejected++;
      };
      const count = (entries: Entry[]) => countTaken(result, entries);
      const pages = readPages(lines, input, config.BULK_IMPORT_BATCH, onReject);
      try {
        if (row.params.mode === 'resource') {
          for await (const page of pages) {
            const n = await writePage(repo, page, onReject, count);
            written += n;
            await beat(`importing ${where}`);
          }
        } else {
          // The embedded database has one connection, held by the file's transaction: its progress waits for the end.
          const fileBeat = db.kind === 'postgres' ? () => beat(`importing ${where}`) : async () => undefined;
          written += await writeFile(repo, pages, result, onReject, fileBeat, policy);
        }
      } finally {
        lines.close();
        source.destroy();
      }
    }
    if (errors.length) {
      errorWriter = files.open(tenantId, importId, 'errors-1.ndjson');
      for (const e of errors) await errorWriter.write(e);
      await errorWriter.commit();
    }
    const manifest = {
      transactionTime: row.transaction_time,
      request: row.request,
      requiresAccessToken: true,
      output: results.flatMap((r) => [...r.counts].map(([type, n]) => ({ type, inputUrl: r.input.url, count: n }))),
      error: errors.length
        ? [{ type: 'OperationOutcome', url: fileUrl(config.baseUrl, importId, 'errors-1.ndjson', 'import'), count: errors.length }]
        : [],
    };
    if (!(await store.complete(db, tenantId, importId, manifest, config.BULK_EXPORT_TTL_HOURS))) throw new Cancelled();
    await audit(
      errors.length ? '4' : '0',
      `Bulk import completed: ${written} versions written; ${results
        .map(
          (r) =>
            `${r.input.url === 'upload' ? 'upload' : withoutQuery(r.input.url)} ${[...r.counts.values()].reduce((a, b) => a + b, 0)} taken, ${r.rejected} refused`,
        )
        .join('; ')}`,
    );
  } catch (err) {
    await errorWriter?.abandon();
    if (err instanceof Cancelled) return;
    const ours = err instanceof OperationOutcomeError;
    if (ours || job.attempt >= ATTEMPTS) {
      const text = ours
        ? (err.outcome.issue?.[0]?.details?.text ?? 'The import could not be completed')
        : 'The import failed on the server; start a new one';
      deps.logger.error({ err, importId, tenantId }, 'bulk import failed');
      await store.fail(db, tenantId, importId, text);
      await audit('8', `Bulk import failed: ${text}`);
      return;
    }
    throw err;
  }
}

/** Pages of parsed entries; lines that are not resources with ids are rejected on the way. */
async function* readPages(
  lines: AsyncIterable<string>,
  input: ImportInput,
  size: number,
  onReject: (line: number, text: string) => void,
): AsyncGenerator<Entry[]> {
  let page: Entry[] = [];
  let n = 0;
  for await (const text of lines) {
    n++;
    if (!text.trim()) continue;
    const parsed = parseLine(text, input);
    if (typeof parsed === 'string') onReject(n, parsed);
    else page.push({ line: n, resource: parsed });
    if (page.length >= size) {
      yield page;
      page = [];
    }
  }
  if (page.length) yield page;
}

/**
 * Resource mode: one transaction for the page. A refused resource is reported; those before it
 * passed every check and are written again without it, and the rest go on after it, so a page
 * with k bad lines costs k + 1 attempts, not one per resource.
 */
async function writePage(
  repo: PostgresRepository,
  page: Entry[],
  onReject: (line: number, text: string) => void,
  count: (entries: Entry[]) => void,
): Promise<number> {
  let written = 0;
  let rest = page;
  while (rest.length) {
    try {
      written += await repo.importResources(rest.map((e) => e.resource));
      count(rest);
      return written;
    } catch (err) {
      if (err instanceof ImportEntryError) {
        onReject(rest[err.index].line, refusal(err));
        const before = rest.slice(0, err.index);
        if (before.length) written += await writePage(repo, before, onReject, count);
        rest = rest.slice(err.index + 1);
      } else if (rest.length > 1) {
        // The database refused the page as a whole (a constraint at the flush): one by one finds which.
        for (const e of rest) written += await writePage(repo, [e], onReject, count);
        return written;
      } else {
        onReject(rest[0].line, refusal(err));
        return written;
      }
    }
  }
  return written;
}

class FileRefused extends Error {}

/**
 * File mode: the whole input in one transaction. After the first refusal nothing more is written,
 * but the rest of the input is still read so that every bad line is reported at once.
 */
async function writeFile(
  repo: PostgresRepository,
  pages: AsyncGenerator<Entry[]>,
  result: InputResult,
  onReject: (line: number, text: string) => void,
  beat: () => Promise<void>,
  policy: ValidationPolicy,
): Promise<number> {
  // Once the input is refused nothing more is written, but each further line is still checked against R4 and the profile rules.
  const checkOnly = (entries: Entry[]) => {
    for (const e of entries) {
      try {
        validateForWrite(e.resource, policy);
      } catch (err) {
        onReject(e.line, refusal(err));
      }
    }
  };
  const taken: Entry[] = [];
  try {
    const written = await repo.withTransaction(
      async (tx) => {
        let n = 0;
        let previous: Entry[] = [];
        for await (const page of pages) {
          await beat();
          if (result.rejected > 0) {
            checkOnly(page);
            continue;
          }
          try {
            n += await tx.importResources(page.map((e) => e.resource));
            taken.push(...page);
            previous = page;
          } catch (err) {
            if (err instanceof ImportEntryError) {
              onReject(page[err.index].line, refusal(err));
              checkOnly(page.slice(err.index + 1));
            } else {
              // The database refused what the page before sent (it reaches the database with this page's first read).
              const at = previous[0] ?? page[0];
              const last = (previous.length ? previous : page).at(-1) ?? at;
              onReject(at.line, `the lines ${at.line} to ${last.line} were refused together: ${refusal(err)}`);
            }
          }
        }
        if (result.rejected > 0) throw new FileRefused();
        return n;
      },
      { serializable: false, resourceTypes: [] },
    );
    countTaken(result, taken);
    return written;
  } catch (err) {
    if (err instanceof FileRefused) return 0;
    // The last page reaches the database with the COMMIT: refused there, the input is refused whole.
    if (err instanceof OperationOutcomeError && getStatus(err.outcome) < 500) {
      if (result.rejected === 0) onReject(taken.at(-1)?.line ?? 1, `the input was refused as it was committed: ${refusal(err)}`);
      return 0;
    }
    throw err;
  }
}
