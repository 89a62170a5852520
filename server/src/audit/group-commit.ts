import type { Database } from '../db/database.ts';
import type { AuditInput, AuditKind } from './event.ts';
import { queueAudits } from './log.ts';

/** Interactions that change nothing: their audit records may share a commit with other reads'. */
const READ_KINDS = new Set<AuditKind>([
  'read',
  'vread',
  'search-type',
  'search-system',
  'search-compartment',
  'history-instance',
  'history-type',
  'history-system',
]);

let grouping = true;
/** AUDIT_READ_GROUP_COMMIT=false (benchmarks only): each read commits its own records, in its own transaction. */
export function setReadAuditGrouping(enabled: boolean): void {
  grouping = enabled;
}

/** Whether every record is of an interaction that changes nothing (read, search, history). */
export const onlyReads = (inputs: AuditInput[]): boolean => inputs.every((i) => READ_KINDS.has(i.kind));

/** Whether a transaction's records may go to the shared commit: grouping is on and it only read. */
export const isReadOnlyAudit = (inputs: AuditInput[]): boolean =>
  grouping && inputs.length > 0 && inputs.every((i) => READ_KINDS.has(i.kind));

interface Waiting {
  inputs: AuditInput[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit of read audit records. A read must not be answered before its AuditEvent is
 * durable, but it need not pay a commit of its own: records that arrive while one commit is in
 * flight wait for the next, which writes them all (one transaction per tenant, since row-level
 * security pins a transaction to its tenant). A lone read goes at once, so one client waits no
 * longer than before; under load, many reads share each commit.
 */
class AuditGroupCommit {
  private waiting: Waiting[] = [];
  private flushing = false;
  /** Transactions open on this database now (repository interactions). */
  private open = 0;
  private readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  /** Counts an interaction's transaction while it runs; call the returned function when it ends. */
  opened(): () => void {
    this.open++;
    let closed = false;
    return () => {
      if (!closed) this.open--;
      closed = true;
    };
  }

  /**
   * Whether a read's records should wait for the shared commit: only when other work is in
   * flight to share it with. A lone read keeps them in its own COMMIT message, which costs no
   * extra round trip (measured: a separate commit made a single client's reads 15% slower).
   */
  worthSharing(): boolean {
    return this.flushing || this.waiting.length > 0 || this.open > 1;
  }

  /** Resolves once these records are committed; rejects if their commit failed. */
  record(inputs: AuditInput[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ inputs, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.waiting.length > 0) {
      const batch = this.waiting;
      this.waiting = [];
      const byTenant = Map.groupBy(batch, (w) => w.inputs[0]?.tenantId as string);
      await Promise.all(
        [...byTenant].map(([tenantId, list]) =>
          this.db
            .transaction({ tenantId }, async (sql) => {
              queueAudits(
                sql,
                list.flatMap((w) => w.inputs),
              );
            })
            .then(
              () => {
                for (const w of list) w.resolve();
              },
              (err) => {
                for (const w of list) w.reject(err);
              },
            ),
        ),
      );
    }
    this.flushing = false;
  }
}

const committers = new WeakMap<Database, AuditGroupCommit>();

/** The database's shared committer of read audit records (one per Database, so per pool). */
export function readAuditCommitter(db: Database): Pick<AuditGroupCommit, 'record' | 'opened' | 'worthSharing'> {
  let c = committers.get(db);
  if (!c) {
    c = new AuditGroupCommit(db);
    committers.set(db, c);
  }
  return c;
}
