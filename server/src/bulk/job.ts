import { OperationOutcomeError } from '@medplum/core';
import type { OperationOutcome } from '@medplum/fhirtypes';
import { writeAudit } from '../audit/log.ts';
import type { AuthService } from '../auth/service.ts';
import type { Config } from '../config.ts';
import type { JobContext } from '../jobs/queue.ts';
import type { Logger } from '../logger.ts';
import type { ExportFiles, NdjsonWriter } from './files.ts';
import { exportRepository } from './identity.ts';
import { fileUrl } from './paths.ts';
import * as store from './store.ts';
import { deletedSince, streamType, type TypeCriteria } from './stream.ts';
import { exportableTypes, type OutputFile } from './types.ts';

export const BULK_QUEUE = 'bulk-export';
/** Attempts of one export's job: a process that dies mid-export leaves the next attempt to start it afresh. */
export const BULK_ATTEMPTS = 3;
const HEARTBEAT_MS = 1000;

export interface BulkJobData {
  tenantId: string;
  exportId: string;
}

export interface BulkDeps {
  auth: AuthService;
  config: Config;
  logger: Logger;
  files: ExportFiles;
}

const issue = (text: string, code: 'informational' | 'forbidden' = 'informational'): OperationOutcome => ({
  resourceType: 'OperationOutcome',
  issue: [{ severity: code === 'informational' ? 'information' : 'error', code, details: { text } }],
});

class Cancelled extends Error {}

/**
 * Runs one export to the end: every type in turn, each streamed page by page into NDJSON files
 * of at most BULK_EXPORT_FILE_RESOURCES lines, then the manifest in one update. A second run of
 * the same export (the process died, the queue ran it again) starts from nothing: files an
 * earlier attempt left are removed first, and the manifest is only ever written whole.
 */
export async function runExportJob(deps: BulkDeps, job: JobContext<BulkJobData>): Promise<void> {
  const { tenantId, exportId } = job.data;
  const { auth, config, files } = deps;
  const db = auth.db;
  const row = await store.readExport(db, tenantId, exportId);
  if (!row || row.status === 'completed' || row.status === 'failed' || row.status === 'cancelled') return;
  try {
    if (!(await auth.tenantActive(tenantId))) throw new OperationOutcomeError(issue('The hospital is no longer active', 'forbidden'));
    if (!(await store.startRunning(db, tenantId, exportId))) return;
    await files.reset(tenantId, exportId);
    const { repo, access } = await exportRepository(auth, config, row.principal);
    const p = row.params;
    const errors: OperationOutcome[] = p.ignored.map((name) => issue(`Parameter ${name} was ignored (Prefer: handling=lenient)`));
    const upTo = p.until && p.until < row.transaction_time ? p.until : row.transaction_time;
    let compartment: string | undefined;
    if (p.level !== 'system') compartment = p.patients ? `Patient/${p.patients.join(',')}` : 'Patient/*';
    const output: OutputFile[] = [];
    const deleted: OutputFile[] = [];
    const perFile = config.BULK_EXPORT_FILE_RESOURCES;
    let written = 0;
    // Progress (and a cancel) is looked at once a second, not after every page: each look is a commit.
    let lastBeat = 0;
    const progress = async (what: string) => {
      if (Date.now() - lastBeat < HEARTBEAT_MS) return true;
      lastBeat = Date.now();
      if (!(await store.heartbeat(db, tenantId, exportId, `${what}; ${written} resources written`))) throw new Cancelled();
      return true;
    };
    // An empty group selects no one: the export is empty, never "every patient".
    const nobody = p.level === 'group' && p.patients?.length === 0;

    for (const type of p.types ?? exportableTypes(p.level)) {
      if (!access.allows(type, 's')) {
        // Named in _type but not readable by this client: said in the error file; otherwise left out quietly.
        if (p.types) errors.push(issue(`${type} was left out: this client may not read ${type} resources`, 'forbidden'));
        continue;
      }
      if (nobody) continue;
      const criteria: TypeCriteria = {
        type,
        queries: p.typeFilters[type] ?? [],
        since: p.since,
        upTo,
        compartment,
        elements: p.elements,
      };
      let writer: NdjsonWriter | undefined;
      let part = 0;
      const finish = async () => {
        if (!writer) return;
        await writer.commit();
        output.push({ type, name: `${type}-${part}.ndjson`, count: writer.lines });
        writer = undefined;
      };
      try {
        for await (const page of streamType(repo, criteria, () => progress(`exporting ${type}`))) {
          // Whole pages go out as one write; a page that crosses a file's end is split by lines.
          if (!writer) writer = files.open(tenantId, exportId, `${type}-${++part}.ndjson`);
          if (writer.lines + page.size <= perFile) {
            await writer.writeText(page.text, page.size);
            written += page.size;
          } else {
            const lines = page.text.split('\n');
            for (let i = 0; i < lines.length; ) {
              if (!writer) writer = files.open(tenantId, exportId, `${type}-${++part}.ndjson`);
              const slice = lines.slice(i, i + perFile - writer.lines);
              await writer.writeLines(slice);
              i += slice.length;
              written += slice.length;
              if (writer.lines >= perFile) await finish();
            }
          }
          if (writer && writer.lines >= perFile) await finish();
        }
        await finish();
      } catch (err) {
        await writer?.abandon();
        throw err;
      }
      // Deletions: only where the client reads the type without conditions (a deleted resource's content is gone);
      // at Patient/Group level only those whose last version was in the exported patients' compartments.
      if (p.since && access.gates(type, 'r').length === 0 && access.gates(type, 's').length === 0) {
        let dw: NdjsonWriter | undefined;
        let dpart = 0;
        for await (const ref of deletedSince(repo, type, p.since, upTo, compartment)) {
          if (!dw) dw = files.open(tenantId, exportId, `${type}-deleted-${++dpart}.ndjson`);
          await dw.write({ resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'DELETE', url: ref } }] });
          if (dw.lines >= perFile) {
            await dw.commit();
            deleted.push({ type: 'Bundle', name: `${type}-deleted-${dpart}.ndjson`, count: dw.lines });
            dw = undefined;
          }
        }
        if (dw) {
          await dw.commit();
          deleted.push({ type: 'Bundle', name: `${type}-deleted-${dpart}.ndjson`, count: dw.lines });
        }
      }
    }
    const errorFiles: OutputFile[] = [];
    if (errors.length) {
      const ew = files.open(tenantId, exportId, 'errors-1.ndjson');
      for (const e of errors) await ew.write(e);
      await ew.commit();
      errorFiles.push({ type: 'OperationOutcome', name: 'errors-1.ndjson', count: errors.length });
    }
    const entry = (f: OutputFile) => ({ type: f.type, url: fileUrl(config.baseUrl, exportId, f.name), count: f.count });
    const manifest = {
      transactionTime: row.transaction_time,
      request: row.request,
      requiresAccessToken: true,
      output: output.map(entry),
      error: errorFiles.map(entry),
      ...(p.since ? { deleted: deleted.map(entry) } : {}),
    };
    if (!(await store.complete(db, tenantId, exportId, manifest, config.BULK_EXPORT_TTL_HOURS))) throw new Cancelled();
    await writeAudit(db, {
      tenantId,
      clientId: row.client_id,
      userId: row.principal.userId,
      kind: 'export',
      resource: `$export/${exportId}`,
      query: row.request,
      outcome: '0',
      detail: `Bulk export completed: ${written} resources in ${output.length} files (${[...output, ...deleted, ...errorFiles]
        .map((f) => f.name)
        .join(', ')})`,
    });
  } catch (err) {
    if (err instanceof Cancelled) {
      // DELETE on the status URL removed the row; the files this run wrote go too.
      await files.remove(tenantId, exportId);
      return;
    }
    const ours = err instanceof OperationOutcomeError;
    const last = job.attempt >= BULK_ATTEMPTS;
    if (ours || last) {
      const text = ours
        ? (err.outcome.issue?.[0]?.details?.text ?? 'The export could not be completed')
        : 'The export failed on the server; start a new one';
      deps.logger.error({ err, exportId, tenantId }, 'bulk export failed');
      await store.fail(db, tenantId, exportId, text);
      await files.remove(tenantId, exportId);
      await writeAudit(db, {
        tenantId,
        clientId: row.client_id,
        userId: row.principal.userId,
        kind: 'export',
        resource: `$export/${exportId}`,
        query: row.request,
        outcome: '8',
        detail: `Bulk export failed: ${text}`,
      });
      return;
    }
    throw err;
  }
}
