import {
  applyPatch,
  badRequest,
  conflict,
  deepEquals,
  type Filter,
  fhirpathPatchTypedValue,
  getSearchParameter,
  gone,
  isNotFound,
  normalizeOperationOutcome,
  notFound,
  type Operation,
  OperationOutcomeError,
  parseFhirPathPatchParameters,
  preconditionFailed,
  type SearchRequest,
  splitSearchOnComma,
  toTypedValue,
  type WithId,
} from '@medplum/core';
import {
  type CreateResourceOptions,
  type DeleteResourceOptions,
  FhirRepository,
  getExtraEntries,
  type ReadHistoryOptions,
  RepositoryMode,
  type SearchOptions,
  type TransactionOptions,
  type UpdateResourceOptions,
} from '@medplum/fhir-router';
import type { Bundle, BundleEntry, OperationOutcome, Parameters, Reference, Resource, ValueSet } from '@medplum/fhirtypes';
import type { AuditInput, AuditKind } from '../audit/event.ts';
import { isReadOnlyAudit, onlyReads, readAuditCommitter } from '../audit/group-commit.ts';
import { queueAudits } from '../audit/log.ts';
import { readAuditEvent, searchAuditLog } from '../audit/search.ts';
import type { AccessControl } from '../auth/access.ts';
import { PERMISSION_VERBS, type Permission } from '../auth/scopes.ts';
import { type Database, DatabaseUnavailableError, type Sql, type TenantSettings } from '../db/database.ts';
import type { ReplicaReads } from '../db/replica.ts';
import { assertStoredResourceType } from '../fhir/definitions.ts';
import { isValidId, type ValidationPolicy, validateForWrite } from '../fhir/validate.ts';
import { accessNotRecorded, forbiddenOutcome, NUL_TEXT, statementTimedOut, unavailableOutcome } from '../http/outcomes.ts';
import { encodeCursor, type Keyset } from '../search/cursor.ts';
import { pageWithRevIncludes } from '../search/includes.ts';
import { REVINCLUDE_ALL } from '../search/parse.ts';
import { applySettings, COMPARTMENT, compileGates, compileSearchQuery, type PageRow, quoteTable, SqlParams } from '../search/sql.ts';
import { unpublishedValueSets } from '../search/terminology.ts';
import { readHistoryBundle } from './history.ts';
import { outboxCommitted } from './outbox-signal.ts';
import { localReference, rewriteReferences } from './references.ts';
import { fromStored } from './stored.ts';
import { WriteBuffer } from './write-buffer.ts';
import { writeHooksFor } from './write-hooks.ts';

export interface RepositoryOptions {
  db: Database;
  tenant: TenantSettings;
  baseUrl: string;
  /** Allow update-as-create with a client-chosen id. */
  updateCreate: boolean;
  /** What the caller may do (role, scopes, patient context). Absent for the server's own work (seed, bench). */
  access?: AccessControl;
  /** Includes skip types the caller may not read instead of failing the whole search. */
  omitDenied?: boolean;
  /** Who is acting, for the AuditEvents each interaction writes in its own transaction. Absent: not audited. */
  audit?: AuditContext;
  /** Profiles writes must meet besides those they claim (the tenant's ABDM requirement). Absent: base and claimed only. */
  validation?: ValidationPolicy;
  /** A write hook's own repository: hooks' `prepare` (which keeps clients off server-owned elements) does not apply. */
  serverWrite?: boolean;
  /** PostgreSQL statement_timeout for this request's transactions. Absent: none. */
  statementTimeoutMs?: number;
  /** The read replica searches may use (READER mode); absent: everything on the primary. */
  replica?: ReplicaReads;
  /** The client (and user) making the request, for write hooks that record who wrote what. Absent: the server's own work. */
  actor?: { clientId: string; userId?: string };
  /** Writes tell no one: no outbox events, so no subscription or bot hears them (a bulk import of history). */
  quiet?: boolean;
}

/** A write of `importResources` that failed, with the index of the resource it failed on. */
export class ImportEntryError extends Error {
  readonly index: number;
  constructor(index: number, cause: unknown) {
    super(`resource ${index} could not be written`, { cause });
    this.name = 'ImportEntryError';
    this.index = index;
  }
}

/** The request's side of an AuditEvent; the repository adds what happened to which resource. */
export type AuditContext = Omit<AuditInput, 'kind' | 'resource' | 'outcome' | 'detail'>;

/** An open transaction: its SQL (which flushes pending writes first), its pending writes and audit events. */
interface Tx {
  sql: Sql;
  buffer: WriteBuffer;
  audit: AuditInput[];
}

interface Row {
  id: string;
  version_id: number;
  deleted: boolean;
  content: Resource | null;
}

/** Results of update-as-create, so the HTTP layer can answer 201 instead of 200. */
export const createdByUpdate = new WeakSet<object>();

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 1000;
// `_revinclude=*` includes at most this many resources, over at most this many levels (:iterate).
const MAX_REVINCLUDE_ALL = 1000;
const MAX_INCLUDE_DEPTH = 5;
const revIncludeAllTooMany = badRequest(`_revinclude=* would include more than ${MAX_REVINCLUDE_ALL} resources; narrow the search`);
// SQLSTATEs worth retrying a whole transaction for: serialization failure, deadlock.
const RETRYABLE = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 4;

/**
 * The FHIR repository on PostgreSQL: one table per resource type with the current version, one
 * history table per type with every version, and sp_* lookup rows for search. Every call runs in
 * a transaction that carries the tenant context, so row-level security scopes every statement.
 * A repository bound to an open transaction (`tx`) runs all calls inside it; its writes wait in
 * a WriteBuffer and reach the database in one statement before the next read or the commit.
 */
export class PostgresRepository extends FhirRepository {
  private readonly options: RepositoryOptions;
  private readonly tx: Tx | undefined;
  private reader = false;

  constructor(options: RepositoryOptions, tx?: Tx) {
    super();
    this.options = options;
    this.tx = tx;
  }

  setMode(mode: RepositoryMode): void {
    // The router asks for READER on searches: those may be answered by the replica (runSearch).
    this.reader = mode === RepositoryMode.READER;
  }

  /** Whose writes the replica router follows: the acting user (or client) within the tenant. */
  private get writerKey(): string | undefined {
    const actor = this.options.actor;
    return actor ? `${this.options.tenant?.tenantId ?? ''}:${actor.userId ?? `client:${actor.clientId}`}` : undefined;
  }

  /**
   * A search's transaction: on the read replica when this is a READER request, outside any open
   * transaction, and the replica has caught up with the caller's own last write; the primary
   * otherwise, or when the replica cannot be reached. Audit records still commit on the primary.
   */
  private async runSearch<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const replica = this.options.replica;
    if (!this.reader || !replica || this.tx || !(await replica.mayServe(this.writerKey))) return this.run(fn);
    let audit: AuditInput[] = [];
    let result: T;
    try {
      result = await replica.db.transaction(
        this.options.tenant,
        async (raw) => {
          const tx: Tx = { sql: raw, buffer: new WriteBuffer(), audit: [] };
          const r = await fn(tx);
          audit = tx.audit;
          return r;
        },
        { readOnly: true, statementTimeoutMs: this.options.statementTimeoutMs },
      );
    } catch (err) {
      if (err instanceof DatabaseUnavailableError) return this.run(fn);
      if (err instanceof OperationOutcomeError) throw err;
      throw translateDbError(err);
    }
    if (audit.length > 0) await this.commitReadAudits(audit);
    return result;
  }

  generateId(): string {
    return crypto.randomUUID();
  }

  private run<T>(fn: (tx: Tx) => Promise<T>, serializable = false): Promise<T> {
    if (this.tx) return fn(this.tx);
    return this.transact(fn, serializable);
  }

  private async transact<T>(fn: (tx: Tx) => Promise<T>, serializable: boolean): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let buffer: WriteBuffer | undefined;
      let readAudits: AuditInput[] = [];
      let writtenAudits: AuditInput[] = [];
      let auditInCommit = false;
      const committer = readAuditCommitter(this.options.db);
      const closed = committer.opened();
      try {
        const result = await this.options.db.transaction(
          this.options.tenant,
          async (raw) => {
            buffer = new WriteBuffer(!this.options.quiet);
            const audit: AuditInput[] = [];
            writtenAudits = audit;
            const result = await fn({ sql: buffer.wrap(raw), buffer, audit });
            // A read's records share a commit with other reads' (below); a change's commit with
            // the data they describe, in the same COMMIT message.
            const onlyRead = buffer.isEmpty && isReadOnlyAudit(audit);
            if (onlyRead && committer.worthSharing()) readAudits = audit;
            else {
              queueAudits(raw, audit);
              // Past this point only COMMIT (with the records) can fail a read.
              auditInCommit = onlyRead;
            }
            buffer.flushAtCommit(raw);
            return result;
          },
          { serializable, statementTimeoutMs: this.options.statementTimeoutMs },
        );
        closed();
        if (buffer?.wroteEvents) outboxCommitted();
        if (this.options.replica && buffer && (!buffer.isEmpty || !onlyReads(writtenAudits)))
          await this.options.replica.wrote(this.writerKey);
        if (readAudits.length > 0) await this.commitReadAudits(readAudits);
        return result;
      } catch (err) {
        closed();
        if (auditInCommit && !(err instanceof DatabaseUnavailableError) && !RETRYABLE.has((err as { code?: string }).code ?? ''))
          throw new OperationOutcomeError(accessNotRecorded(), { cause: err });
        if (err instanceof DatabaseUnavailableError) {
          // Lost before COMMIT: PostgreSQL rolled it back, so one more try on a fresh connection
          // is safe and usually succeeds after a failover or a terminated backend.
          if (err.committed === 'no' && attempt === 1) continue;
          throw new OperationOutcomeError(unavailableOutcome(err.committed), { cause: err });
        }
        const code = (err as { code?: string }).code;
        if (code && RETRYABLE.has(code)) {
          if (attempt < MAX_ATTEMPTS) continue;
          throw new OperationOutcomeError(conflict('Concurrent change detected; retry the request'));
        }
        throw translateDbError(err);
      }
    }
  }

  /** A read is answered only once its audit records are durable (shared with other reads' commits). */
  private async commitReadAudits(audits: AuditInput[]): Promise<void> {
    try {
      await readAuditCommitter(this.options.db).record(audits);
    } catch (err) {
      throw new OperationOutcomeError(accessNotRecorded(), { cause: err });
    }
  }

  async withTransaction<TResult>(callback: (txRepo: this) => Promise<TResult>, options: TransactionOptions): Promise<TResult> {
    // Nested calls join the open transaction: it is already atomic.
    if (this.tx) return callback(this);
    return this.transact((tx) => callback(new PostgresRepository(this.options, tx) as this), Boolean(options?.serializable));
  }

  private checkType(type: string): void {
    assertStoredResourceType(type);
  }

  // ---- writes -----------------------------------------------------------------------------

  async createResource<T extends Resource>(resource: T, options?: CreateResourceOptions): Promise<WithId<T>> {
    this.checkType(resource?.resourceType);
    const id = options?.assignedId && resource.id ? resource.id : this.generateId();
    this.permit(resource.resourceType, 'c');
    return this.run(async (tx) => {
      const written = await this.rewriteReferences(tx, resource);
      const created = this.insertNew(tx, this.prepareHooks({ ...written, id }, undefined));
      await this.assertWritable(tx, resource.resourceType, id, 'c');
      this.audit(tx, 'create', created);
      await this.afterWriteHooks(tx, undefined, created);
      return created;
    });
  }

  /** Own-base and conditional references made local (see references.ts); resolved with the caller's access. */
  private rewriteReferences<T extends Resource>(tx: Tx, resource: T): Promise<T> {
    const finder = new PostgresRepository({ ...this.options, audit: undefined }, tx);
    return rewriteReferences(resource, this.options.baseUrl, async (request) => (await finder.searchResources(request)).map((r) => r.id));
  }

  // ---- write hooks ------------------------------------------------------------------------

  /** Hooks' `prepare` on the incoming version: server-owned elements (not for the hooks' own writes). */
  private prepareHooks<T extends Resource>(next: T & { id: string }, current: Resource | undefined): T & { id: string } {
    if (this.options.serverWrite) return next;
    let out: Resource = next;
    for (const hook of writeHooksFor(next.resourceType)) if (hook.prepare) out = hook.prepare(out, current);
    return out as T & { id: string };
  }

  /** Hooks' `afterWrite`, in this write's transaction, given the server's own repository bound to it. */
  private async afterWriteHooks(tx: Tx, current: Resource | undefined, next: Resource | undefined): Promise<void> {
    const type = (next ?? current)?.resourceType;
    const hooks = type ? writeHooksFor(type).filter((h) => h.afterWrite) : [];
    if (hooks.length === 0) return;
    const repo = new PostgresRepository(
      { ...this.options, access: undefined, omitDenied: false, validation: undefined, serverWrite: true },
      tx,
    );
    const ctx = { repo, sql: tx.sql, actor: this.options.actor, access: this.options.access };
    for (const hook of hooks) await hook.afterWrite?.(ctx, current, next);
  }

  // ---- audit ------------------------------------------------------------------------------

  /** Notes an AuditEvent for this interaction; it is written when the transaction commits. */
  private audit(tx: Tx, kind: AuditKind, resource?: Resource | string, query?: string): void {
    const ctx = this.options.audit;
    if (!ctx) return;
    const ref = typeof resource === 'string' ? resource : resource ? `${resource.resourceType}/${resource.id}` : undefined;
    const patient = (typeof resource === 'object' ? patientOf(resource) : undefined) ?? ctx.patient;
    tx.audit.push({ ...ctx, kind, resource: ref, patient, query: query ?? (kind.startsWith('search') ? ctx.query : undefined) });
  }

  // ---- access control ---------------------------------------------------------------------

  /** Throws 403 unless the caller holds `permission` on `type` at all. */
  private permit(type: string, permission: Permission): void {
    this.checkType(type);
    if (type === 'AuditEvent' && 'cud'.includes(permission)) {
      throw new OperationOutcomeError(forbiddenOutcome('AuditEvents are written by the server, never through the API'));
    }
    this.options.access?.gates(type, permission);
  }

  /** AuditEvents live in the append-only audit log; reading them needs unconditional access. */
  private assertAuditReadable(permission: Permission): void {
    if (this.options.access?.gates('AuditEvent', permission).length) {
      throw new OperationOutcomeError(forbiddenOutcome('Reading the audit log needs unrestricted AuditEvent access'));
    }
  }

  /** Whether the stored resource meets the caller's conditions for `permission` (true when unconditional). */
  private async visible({ sql }: Tx, type: string, id: string, permission: Permission): Promise<boolean> {
    const gates = this.options.access?.gates(type, permission);
    if (!gates?.length) return true;
    const p = new SqlParams();
    const idParam = p.add(id);
    const cond = compileGates(type, gates, p);
    const r = await sql.query(`SELECT 1 FROM ${quoteTable(type)} r WHERE r.id = ${idParam} AND ${cond}`, p.values);
    return r.rowCount > 0;
  }

  /** After a write (flushed by the check's own query): the new version must still be the caller's to write. */
  private async assertWritable(tx: Tx, type: string, id: string, permission: Permission): Promise<void> {
    if (!(await this.visible(tx, type, id, permission))) {
      throw new OperationOutcomeError(forbiddenOutcome(`This ${type} is outside what you may ${PERMISSION_VERBS[permission]}`));
    }
  }

  /** Queues version 1; an id clash surfaces at flush as a unique violation, answered 409. */
  private insertNew<T extends Resource>(tx: Tx, resource: T & { id: string }): WithId<T> {
    const stored = this.prepare(resource, 1);
    tx.buffer.insert(stored);
    return stored as WithId<T>;
  }

  /** Validates and stamps server-owned meta; client-sent versionId and lastUpdated are replaced. */
  private prepare<T extends Resource>(
    resource: T & { id: string },
    version: number,
  ): WithId<T> & { meta: { versionId: string; lastUpdated: string } } {
    // The id it would be stored under is the request's (URL) concern: 400 before the rules' 422.
    if (!isValidId(resource.id)) throw new OperationOutcomeError(badRequest(`Invalid resource id: ${resource.id}`, 'id'));
    validateForWrite(resource, this.options.validation);
    const meta = { ...resource.meta, versionId: String(version), lastUpdated: new Date().toISOString() };
    return { ...resource, meta } as WithId<T> & { meta: { versionId: string; lastUpdated: string } };
  }

  private async lockCurrent({ sql }: Tx, type: string, id: string): Promise<Row | undefined> {
    const r = await sql.query<Row>(`SELECT id, version_id, deleted, content FROM ${quoteTable(type)} WHERE id = $1 FOR UPDATE`, [id]);
    return r.rows[0];
  }

  async updateResource<T extends Resource>(resource: T, options?: UpdateResourceOptions): Promise<WithId<T>> {
    this.checkType(resource?.resourceType);
    if (!resource.id) throw new OperationOutcomeError(badRequest('Missing id', `${resource.resourceType}.id`));
    const id = resource.id;
    this.permit(resource.resourceType, 'u');
    return this.run(async (tx) => {
      resource = await this.rewriteReferences(tx, resource);
      const current = await this.lockCurrent(tx, resource.resourceType, id);
      if (!current) {
        if (options?.ifMatch) throw new OperationOutcomeError(preconditionFailed);
        if (!this.options.updateCreate) throw new OperationOutcomeError(notFound);
        this.permit(resource.resourceType, 'c');
        const created = this.insertNew(tx, this.prepareHooks({ ...resource, id }, undefined));
        await this.assertWritable(tx, resource.resourceType, id, 'c');
        createdByUpdate.add(created);
        this.audit(tx, 'create', created);
        await this.afterWriteHooks(tx, undefined, created);
        return created;
      }
      await this.assertCurrentWritable(tx, resource.resourceType, current, 'u');
      if (options?.ifMatch && options.ifMatch !== String(current.version_id)) {
        throw new OperationOutcomeError(versionConflict(current.version_id, options.ifMatch));
      }
      const stored = current.deleted ? undefined : (current.content ?? undefined);
      const next = this.prepareHooks({ ...resource, id }, stored);
      if (stored && sameContent(stored, next)) {
        validateForWrite(next, this.options.validation);
        return fromStored(stored as T); // no change, no new version
      }
      const written = this.writeVersion(tx, next, current.version_id + 1);
      await this.assertWritable(tx, resource.resourceType, id, 'u');
      this.audit(tx, 'update', written);
      await this.afterWriteHooks(tx, stored, written);
      return written;
    });
  }

  /**
   * Updates many stored resources of one type as `updateResource` would each (access, hooks,
   * history, audit), with one locking read for all of them, so their writes reach the database
   * together instead of one round trip each (issuing a 300-line invoice marks 300 ChargeItems
   * billed). For resources as read from this server: references are not rewritten.
   */
  async updateResources<T extends Resource>(resources: T[]): Promise<WithId<T>[]> {
    if (resources.length === 0) return [];
    const type = resources[0].resourceType;
    for (const r of resources) {
      if (r.resourceType !== type || !r.id)
        throw new OperationOutcomeError(badRequest('updateResources takes resources of one type, with ids'));
    }
    this.permit(type, 'u');
    return this.run(async (tx) => {
      const ids = resources.map((r) => r.id as string);
      const rows = await tx.sql.query<Row>(
        `SELECT id, version_id, deleted, content FROM ${quoteTable(type)} WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`,
        [ids],
      );
      const byId = new Map(rows.rows.map((r) => [r.id, r]));
      const out: WithId<T>[] = [];
      const written: string[] = [];
      for (const resource of resources) {
        const current = byId.get(resource.id as string);
        if (!current || current.deleted) throw new OperationOutcomeError(notFound);
        await this.assertCurrentWritable(tx, type, current, 'u');
        const stored = current.content ?? undefined;
        const next = this.prepareHooks({ ...resource, id: resource.id as string }, stored);
        if (stored && sameContent(stored, next)) {
          validateForWrite(next, this.options.validation);
          out.push(fromStored(stored as T));
          continue;
        }
        const version = this.writeVersion(tx, next, current.version_id + 1);
        this.audit(tx, 'update', version);
        await this.afterWriteHooks(tx, stored, version);
        written.push(version.id);
        out.push(version);
      }
      for (const id of written) await this.assertWritable(tx, type, id, 'u');
      return out;
    });
  }

  /**
   * Writes resources as a bulk import does (docs/bulk-data.md, "$import"): each under its own id,
   * created, or replaced as a PUT replaces it (access, validation, write hooks, history), with one
   * locking read per type for them all, so a page of an NDJSON file reaches the database as one
   * statement. Unchanged content makes no new version; an id twice makes two versions. Returns
   * how many versions were written; the first resource that fails throws an ImportEntryError
   * naming it (what the database itself refuses at the flush cannot be told apart, and is thrown
   * as it is).
   */
  async importResources(resources: (Resource & { id: string })[]): Promise<number> {
    const types = [...new Set(resources.map((r) => r.resourceType))];
    resources.forEach((r, i) => {
      try {
        this.checkType(r.resourceType);
      } catch (err) {
        throw new ImportEntryError(i, err);
      }
    });
    return this.run(async (tx) => {
      const current = new Map<string, Row>();
      for (const type of types) {
        const ids = [...new Set(resources.filter((r) => r.resourceType === type).map((r) => r.id))];
        const rows = await tx.sql.query<Row>(
          `SELECT id, version_id, deleted, content FROM ${quoteTable(type)} WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`,
          [ids],
        );
        for (const row of rows.rows) current.set(`${type}/${row.id}`, row);
      }
      let written = 0;
      for (const [i, resource] of resources.entries()) {
        const key = `${resource.resourceType}/${resource.id}`;
        try {
          const row = current.get(key);
          this.permit(resource.resourceType, row ? 'u' : 'c');
          const incoming = await this.rewriteReferences(tx, resource);
          if (row) await this.assertCurrentWritable(tx, resource.resourceType, row, 'u');
          const stored = row && !row.deleted ? (row.content ?? undefined) : undefined;
          const next = this.prepareHooks({ ...incoming, id: resource.id }, stored);
          if (stored && sameContent(stored, next)) {
            validateForWrite(next, this.options.validation);
            continue;
          }
          const version = row ? this.writeVersion(tx, next, row.version_id + 1) : this.insertNew(tx, next);
          await this.assertWritable(tx, resource.resourceType, resource.id, row ? 'u' : 'c');
          this.audit(tx, row ? 'update' : 'create', version);
          await this.afterWriteHooks(tx, stored, version);
          current.set(key, { id: resource.id, version_id: row ? row.version_id + 1 : 1, deleted: false, content: version });
          written++;
        } catch (err) {
          throw new ImportEntryError(i, err);
        }
      }
      return written;
    });
  }

  /** The version being replaced must be the caller's to change; one they cannot even read is "not found". */
  private async assertCurrentWritable(tx: Tx, type: string, current: Row, permission: Permission): Promise<void> {
    if (!this.options.access) return;
    // A tombstone cannot be checked against conditions: only unconditional writers may bring it back.
    if (current.deleted) {
      if (this.options.access.gates(type, permission).length) throw new OperationOutcomeError(notFound);
      return;
    }
    if (await this.visible(tx, type, current.id, permission)) return;
    const readable = this.options.access.allows(type, 'r') && (await this.visible(tx, type, current.id, 'r'));
    throw new OperationOutcomeError(
      readable ? forbiddenOutcome(`This ${type} is outside what you may ${PERMISSION_VERBS[permission]}`) : notFound,
    );
  }

  private writeVersion<T extends Resource>(tx: Tx, resource: T & { id: string }, version: number): WithId<T> {
    const stored = this.prepare(resource, version);
    tx.buffer.update(stored.resourceType, stored.id, version, stored.meta.lastUpdated, stored);
    return stored as WithId<T>;
  }

  async patchResource<T extends Resource>(
    resourceType: T['resourceType'],
    id: string,
    patch: Operation[] | Parameters,
    options?: UpdateResourceOptions,
  ): Promise<WithId<T>> {
    this.permit(resourceType, 'u');
    return this.run(async (tx) => {
      const current = await this.lockCurrent(tx, resourceType, id);
      if (!current) throw new OperationOutcomeError(notFound);
      if (current.deleted || !current.content) throw new OperationOutcomeError(gone);
      await this.assertCurrentWritable(tx, resourceType, current, 'u');
      if (options?.ifMatch && options.ifMatch !== String(current.version_id)) {
        throw new OperationOutcomeError(versionConflict(current.version_id, options.ifMatch));
      }
      const patched = structuredClone(current.content) as T & { id: string };
      try {
        if (Array.isArray(patch)) {
          const errors = applyPatch(patched, patch).filter(Boolean);
          if (errors.length > 0) throw new OperationOutcomeError(badRequest(errors.map((e) => (e as Error).message).join('; ')));
        } else {
          fhirpathPatchTypedValue(toTypedValue(patched), parseFhirPathPatchParameters(patch));
        }
      } catch (err) {
        throw new OperationOutcomeError(normalizeOperationOutcome(err));
      }
      if (patched.resourceType !== resourceType || patched.id !== id) {
        throw new OperationOutcomeError(badRequest('A patch may not change resourceType or id'));
      }
      const next = this.prepareHooks(await this.rewriteReferences(tx, patched), current.content);
      if (sameContent(current.content, next)) {
        validateForWrite(next, this.options.validation);
        return fromStored(current.content as T);
      }
      const written = this.writeVersion(tx, next, current.version_id + 1);
      await this.assertWritable(tx, resourceType, id, 'u');
      this.audit(tx, 'patch', written);
      await this.afterWriteHooks(tx, current.content, written);
      return written;
    });
  }

  // Conditional writes need criteria: with none, `DELETE Basic` would delete a tenant's only Basic
  // and `PUT Basic` would replace it (R4 requires search parameters for conditional interactions).
  override async conditionalDelete(search: SearchRequest): Promise<void> {
    requireCriteria(search);
    return super.conditionalDelete(search);
  }

  override async conditionalUpdate<T extends Resource>(
    resource: T,
    search: SearchRequest,
    options?: CreateResourceOptions & UpdateResourceOptions,
  ): Promise<{ resource: WithId<T>; outcome: OperationOutcome }> {
    requireCriteria(search);
    return super.conditionalUpdate(resource, search, options);
  }

  override async conditionalPatch(search: SearchRequest, patch: Operation[], options?: UpdateResourceOptions): Promise<WithId<Resource>> {
    requireCriteria(search);
    return super.conditionalPatch(search, patch, options);
  }

  async deleteResource(resourceType: string, id: string, options?: DeleteResourceOptions): Promise<void> {
    this.permit(resourceType, 'd');
    await this.run(async (tx) => {
      const current = await this.lockCurrent(tx, resourceType, id);
      // R4: deleting what does not exist (for this caller) succeeds with nothing done.
      if (!current) {
        if (options?.ifMatch) throw new OperationOutcomeError(preconditionFailed);
        return;
      }
      const hidden = await this.assertCurrentWritable(tx, resourceType, current, 'd').then(
        () => false,
        (err) => {
          if (err instanceof OperationOutcomeError && isNotFound(err.outcome)) return true;
          throw err;
        },
      );
      if (hidden) return;
      if (options?.ifMatch && options.ifMatch !== String(current.version_id)) {
        throw new OperationOutcomeError(versionConflict(current.version_id, options.ifMatch));
      }
      if (current.deleted) return; // deleting a deleted resource changes nothing
      tx.buffer.update(resourceType, id, current.version_id + 1, new Date().toISOString(), null);
      this.audit(tx, 'delete', current.content ?? `${resourceType}/${id}`);
      await this.afterWriteHooks(tx, current.content ?? undefined, undefined);
    });
  }

  // ---- reads ------------------------------------------------------------------------------

  async readResource<T extends Resource>(resourceType: string, id: string): Promise<WithId<T>> {
    this.permit(resourceType, 'r');
    if (resourceType === 'AuditEvent') {
      this.assertAuditReadable('r');
      const event = await this.run(async (tx) => readAuditEvent(tx.sql, id));
      if (!event) throw new OperationOutcomeError(notFound);
      return event as unknown as WithId<T>;
    }
    const row = await this.run(async (tx) => {
      const r = await tx.sql.query<Row>(`SELECT id, version_id, deleted, content FROM ${quoteTable(resourceType)} WHERE id = $1`, [id]);
      const found = r.rows[0];
      // A resource outside the caller's conditions does not exist for them. A deleted one cannot
      // be checked against conditions (its search rows are gone), so it shows only to unconditional readers.
      if (found?.deleted && this.options.access?.gates(resourceType, 'r').length) return undefined;
      if (found && !found.deleted && !(await this.visible(tx, resourceType, id, 'r'))) return undefined;
      if (found?.content) this.audit(tx, 'read', found.content);
      return found;
    });
    if (!row) throw new OperationOutcomeError(notFound);
    if (row.deleted || !row.content) throw new OperationOutcomeError(gone);
    return fromStored(row.content as T);
  }

  async readReference<T extends Resource>(reference: Reference<T>): Promise<WithId<T>> {
    const m = /^([A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(reference.reference ?? '');
    if (!m) throw new OperationOutcomeError(badRequest(`Invalid reference: ${reference.reference}`));
    return this.readResource<T>(m[1], m[2]);
  }

  async readReferences<T extends Resource>(references: readonly Reference<T>[]): Promise<(T | Error)[]> {
    return this.run(async (tx) => {
      const repo = new PostgresRepository(this.options, tx);
      const out: (T | Error)[] = [];
      for (const ref of references) {
        try {
          out.push(await repo.readReference(ref));
        } catch (err) {
          out.push(err as Error);
        }
      }
      return out;
    });
  }

  async readVersion<T extends Resource>(resourceType: string, id: string, vid: string): Promise<WithId<T>> {
    this.permit(resourceType, 'r');
    if (!/^\d{1,9}$/.test(vid)) throw new OperationOutcomeError(notFound);
    const row = await this.run(async (tx) => {
      const { sql } = tx;
      if (!(await this.visible(tx, resourceType, id, 'r'))) return undefined;
      if (this.options.access?.gates(resourceType, 'r').length) {
        // Conditions are checked on the current version only: an older one may have been outside them.
        const cur = await sql.query<{ version_id: number }>(`SELECT version_id FROM ${quoteTable(resourceType)} WHERE id = $1`, [id]);
        if (String(cur.rows[0]?.version_id) !== vid) {
          throw new OperationOutcomeError(forbiddenOutcome(`Earlier versions of ${resourceType} need unrestricted read access`));
        }
      }
      const r = await sql.query<Row>(
        `SELECT id, version_id, deleted, content FROM ${quoteTable(`${resourceType}_History`)} WHERE id = $1 AND version_id = $2`,
        [id, Number(vid)],
      );
      if (r.rows[0]?.content) this.audit(tx, 'vread', r.rows[0].content);
      return r.rows[0];
    });
    if (!row) throw new OperationOutcomeError(notFound);
    if (row.deleted || !row.content) throw new OperationOutcomeError(gone);
    return fromStored(row.content as T);
  }

  async readHistory<T extends Resource>(resourceType: string, id: string, options?: ReadHistoryOptions): Promise<Bundle<WithId<T>>> {
    await this.assertHasHistory(resourceType, id);
    return readHistoryBundle<T>(this, { resourceType, id, count: options?.limit, offset: options?.offset });
  }

  /** 404 unless the resource exists or once existed (a deleted resource still has its history). */
  async assertHasHistory(resourceType: string, id: string): Promise<void> {
    this.permit(resourceType, 'r');
    const exists = await this.run(async (tx) => {
      const found =
        (await tx.sql.query(`SELECT 1 FROM ${quoteTable(resourceType)} WHERE id = $1`, [id])).rowCount > 0 &&
        (await this.visibleEvenIfDeleted(tx, resourceType, id));
      if (found) this.audit(tx, 'history-instance', `${resourceType}/${id}`);
      return found;
    });
    if (!exists) throw new OperationOutcomeError(notFound);
    // Earlier versions may have been outside the caller's conditions (moved between branches, say).
    this.assertUnconditionalRead([resourceType]);
  }

  /**
   * History of a deleted resource: its current row is a tombstone the gates cannot match, so
   * unconditional read access is required (conditional access shows live resources only).
   */
  private async visibleEvenIfDeleted(tx: Tx, type: string, id: string): Promise<boolean> {
    if (!this.options.access?.gates(type, 'r').length) return true;
    return this.visible(tx, type, id, 'r');
  }

  /** Records a type or system history read (its pages are read outside a write transaction). */
  async auditHistory(kind: 'history-type' | 'history-system', resourceType?: string): Promise<void> {
    if (this.options.audit) await this.run(async (tx) => this.audit(tx, kind, resourceType));
  }

  /** Type and system history list versions of many resources: only for callers who may read all of them. */
  assertUnconditionalRead(types: string[]): void {
    const access = this.options.access;
    if (!access) return;
    for (const type of types) {
      if (access.gates(type, 'r').length > 0) {
        throw new OperationOutcomeError(forbiddenOutcome(`The version history of ${type} needs unrestricted read access`));
      }
    }
  }

  /** Runs a read-only SQL callback in this repository's tenant transaction (used by history and search). */
  query<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    return this.run(({ sql }) => fn(sql));
  }

  get baseUrl(): string {
    return this.options.baseUrl;
  }

  /** Who acts (the token's fhirUser, else its client), for operations that record a performer. */
  get actor(): string | undefined {
    return this.options.audit?.fhirUser ?? this.options.audit?.clientId;
  }

  /** What the caller may do (undefined for the server's own work); operations that pick types read it ($everything). */
  get accessControl(): AccessControl | undefined {
    return this.options.access;
  }

  /** Who is acting (user, their FHIR identity, client), for records that name the person, e.g. a cashier. */
  get auditActor(): { userId?: string; fhirUser?: string; clientId?: string } | undefined {
    const a = this.options.audit;
    return a ? { userId: a.userId, fhirUser: a.fhirUser, clientId: a.clientId } : undefined;
  }

  /** Who is making the request (undefined for the server's own work): the lab's second-person verification reads it. */
  get requester(): { clientId: string; userId?: string } | undefined {
    return this.options.actor;
  }

  /** The database, for platform-wide reference data (terminology) read outside tenant tables. */
  get database(): Database {
    return this.options.db;
  }

  /** The profiles this repository's writes must meet ($validate applies the same). */
  get validation(): ValidationPolicy | undefined {
    return this.options.validation;
  }

  // ---- search -----------------------------------------------------------------------------

  async search<T extends Resource>(searchRequest: SearchRequest<T>, options?: SearchOptions): Promise<Bundle<WithId<T>>> {
    const types = searchRequest.types ?? [searchRequest.resourceType];
    const access = this.options.access;
    for (const type of types) {
      this.checkType(type);
      if (access && !access.allows(type, 's')) {
        if (this.options.omitDenied) return { resourceType: 'Bundle', type: 'searchset', entry: [] };
        access.gates(type, 's'); // throws 403
      }
    }
    localizeReferenceFilters(searchRequest, types, this.options.baseUrl);
    const count = Math.min(Math.max(searchRequest.count ?? DEFAULT_PAGE_SIZE, 0), MAX_PAGE_SIZE);
    const offset = Math.max(searchRequest.offset ?? 0, 0);
    if (!searchRequest.types?.length && searchRequest.resourceType === 'AuditEvent') return this.searchAudit(searchRequest, count, offset);
    if (types.includes('AuditEvent') && types.length > 1) {
      throw new OperationOutcomeError(
        badRequest('Search AuditEvent on its own (GET AuditEvent?...): it is the audit log, not a stored type'),
      );
    }
    const p = new SqlParams(access ? (type) => (access.allows(type, 's') ? access.gates(type, 's') : null) : undefined);
    for (const vs of await this.tenantValueSets(unpublishedValueSets(searchRequest.filters ?? []))) {
      p.tenantValueSets.set(vs.key, vs.resource);
    }
    const cursor = searchRequest.cursor;
    if (cursor !== undefined && offset > 0) throw new OperationOutcomeError(badRequest('Use _cursor or _offset, not both', '_cursor'));
    const q = compileSearchQuery(searchRequest, p, cursor);
    const backwards = q.backwards;
    return this.runSearch(async (tx) => {
      const { sql } = tx;
      const compartment = searchRequest.filters?.find((f) => f.code === COMPARTMENT)?.value;
      const kind: AuditKind = searchRequest.types?.length ? 'search-system' : compartment ? 'search-compartment' : 'search-type';
      this.audit(tx, kind, compartment);
      const restore = await applySettings(sql, p.settings);
      let rows: PageRow<WithId<T>>[] = [];
      let included: Resource[] | undefined;
      const withIncludes = count > 0 ? pageWithRevIncludes(searchRequest, p, q.page(count + 1, offset), count) : undefined;
      if (withIncludes) {
        const all = (await sql.query<PageRow<WithId<T>> & { part: number }>(withIncludes, p.values)).rows;
        rows = all.filter((row) => row.part === 0);
        included = all.filter((row) => row.part > 0).map((row) => fromStored(row.content as Resource));
      } else if (count > 0) rows = (await sql.query<PageRow<WithId<T>>>(q.page(count + 1, offset), p.values)).rows;
      // One row beyond the page says whether more follow (precede, when reading backwards).
      const hasMore = rows.length > count;
      if (hasMore) rows = rows.slice(0, count);
      if (backwards) rows.reverse();
      const resources = rows.map((row) => fromStored(row.content));
      const bundle: Bundle<WithId<T>> = { resourceType: 'Bundle', type: 'searchset' };
      const wantsTotal = searchRequest.total === 'accurate' || searchRequest.total === 'estimate' || count === 0;
      if (wantsTotal && !options?.resourceOnly) {
        // Only the count's own parameters: a cursor's (and includes') come after them and it uses none.
        const t = await sql.query<{ n: string | number }>(q.count, p.values.slice(0, q.countParams));
        bundle.total = Number(t.rows[0].n);
      } else if (!hasMore && cursor === undefined && !options?.resourceOnly) {
        bundle.total = offset + resources.length; // the last page knows the total for free
      }
      const entries: BundleEntry<WithId<T>>[] = resources.map((resource) => ({
        fullUrl: `${this.options.baseUrl}/fhir/R4/${resource.resourceType}/${resource.id}`,
        resource,
        search: { mode: 'match' },
      }));
      if (included) {
        const seen = new Set(resources.map((r) => `${r.resourceType}/${r.id}`));
        for (const resource of included) {
          const key = `${resource.resourceType}/${resource.id}`;
          if (seen.has(key)) continue;
          seen.add(key);
          entries.push({ fullUrl: `${this.options.baseUrl}/fhir/R4/${key}`, resource, search: { mode: 'include' } } as BundleEntry<
            WithId<T>
          >);
        }
      } else if (searchRequest.include?.length || searchRequest.revInclude?.length) {
        // Included resources are part of the search's one AuditEvent.
        const repo = new PostgresRepository({ ...this.options, omitDenied: true, audit: undefined }, tx);
        await getExtraEntries(repo, searchRequest, resources, entries as BundleEntry[], {
          fullUrl: (type, id) => `${this.options.baseUrl}/fhir/R4/${type}/${id}`,
        });
      }
      const revAll = REVINCLUDE_ALL.get(searchRequest);
      if (revAll && resources.length > 0) {
        const repo = new PostgresRepository({ ...this.options, omitDenied: true, audit: undefined }, tx);
        // Level by level: what references the matches, then (iterate) what references those.
        let level: Resource[] = resources;
        for (let depth = 0; level.length > 0 && depth < (revAll.iterate ? MAX_INCLUDE_DEPTH : 1); depth++) {
          const found = await repo.referencingEntries(level, entries);
          entries.push(...(found as BundleEntry<WithId<T>>[]));
          if (entries.length - resources.length > MAX_REVINCLUDE_ALL) throw new OperationOutcomeError(revIncludeAllTooMany);
          level = found.map((e) => e.resource as Resource);
        }
      }
      bundle.entry = entries;
      await restore();
      if (!options?.resourceOnly) {
        // Keyset links unless the client pages by _offset itself.
        const keyset = q.keyset && offset === 0 ? keysetLinks(q.keyset, cursor, backwards, hasMore, rows) : undefined;
        bundle.link = pageLinks(this.options.baseUrl, searchRequest, { count, offset, hasMore, keyset });
      }
      return bundle;
    });
  }

  /**
   * One forward keyset page of a search as NDJSON: the stored JSON texts joined by newlines in
   * the database, never parsed here (bulk export writes them out as is; one text field a page
   * costs the driver far less than thousands). The same type and access checks, gates, SQL and
   * tenant transaction as search(); no includes, totals or per-page audit. `ids` (in order) only
   * when asked; `next` is the cursor of the page after, when there is one.
   */
  async searchText(
    searchRequest: SearchRequest,
    count: number,
    withIds = false,
  ): Promise<{ text: string; size: number; ids?: string[]; next?: string }> {
    const types = searchRequest.types ?? [searchRequest.resourceType];
    if (types.includes('AuditEvent')) throw new OperationOutcomeError(badRequest('The audit log is read through its own search'));
    const access = this.options.access;
    for (const type of types) {
      this.checkType(type);
      if (access && !access.allows(type, 's')) access.gates(type, 's'); // throws 403
    }
    localizeReferenceFilters(searchRequest, types, this.options.baseUrl);
    const p = new SqlParams(access ? (type) => (access.allows(type, 's') ? access.gates(type, 's') : null) : undefined);
    for (const vs of await this.tenantValueSets(unpublishedValueSets(searchRequest.filters ?? []))) {
      p.tenantValueSets.set(vs.key, vs.resource);
    }
    const q = compileSearchQuery(searchRequest, p, searchRequest.cursor);
    const keyset = q.keyset;
    if (!keyset || q.backwards) throw new OperationOutcomeError(badRequest('A text page is read forward, in a keyset order'));
    const limit = Math.max(1, Math.floor(count));
    // Aggregates take the rows in the sorted subquery's order (PostgreSQL documents this use).
    // A full page says more may follow: the page after it may then be empty.
    const text = `SELECT string_agg(x.content, E'\n') AS text, count(*)::int AS rows,
        ${withIds ? 'array_agg(x.id)' : 'NULL::text[]'} AS ids,
        (array_agg(x.last_updated))[count(*)::int] AS last_lu, (array_agg(x.id))[count(*)::int] AS last_id
      FROM (${q.page(limit, 0, true)}) x`;
    return this.run(async ({ sql }) => {
      const restore = await applySettings(sql, p.settings);
      const row = (
        await sql.query<{ text: string | null; rows: number; ids: string[] | null; last_lu: string | null; last_id: string | null }>(
          text,
          p.values,
        )
      ).rows[0];
      await restore();
      const last = { last_updated: row.last_lu ?? '', id: row.last_id ?? '' };
      const next =
        row.rows === limit && row.last_id
          ? encodeCursor(
              keyset,
              keyset.keys.map((k) => String(last[k.column])),
              false,
            )
          : undefined;
      return { text: row.text ?? '', size: row.rows, ids: row.ids ?? undefined, next };
    });
  }

  /**
   * The tenant's own ValueSets for `:in`/`:not-in` (canonical URL, optionally `|version`; the
   * newest when several carry the URL). Read as the server: the codes they list are what the
   * search needs, whoever may read ValueSets. A URL no ValueSet has is left for the compiler to refuse.
   */
  private async tenantValueSets(urls: string[]): Promise<{ key: string; resource: ValueSet }[]> {
    if (urls.length === 0) return [];
    const server = new PostgresRepository({ ...this.options, access: undefined, audit: undefined, omitDenied: false }, this.tx);
    const found: { key: string; resource: ValueSet }[] = [];
    for (const key of urls) {
      const [url, version] = key.split('|');
      const filters: Filter[] = [{ code: 'url', operator: 'eq' as Filter['operator'], value: url }];
      if (version) filters.push({ code: 'version', operator: 'eq' as Filter['operator'], value: version });
      const [resource] = await server.searchResources<ValueSet>({ resourceType: 'ValueSet', filters, count: 1 });
      if (resource) found.push({ key, resource });
    }
    return found;
  }

  /**
   * `_revinclude=*`: every resource that references one of `resources`, found with one reverse
   * lookup on the reference rows, then read type by type through the caller's access (a type the
   * caller may not read is left out, as for any include).
   */
  private async referencingEntries(resources: Resource[], already: BundleEntry[]): Promise<BundleEntry[]> {
    const targets = resources.map((r) => `${r.resourceType}/${r.id}`);
    const seen = new Set(already.map((e) => `${e.resource?.resourceType}/${e.resource?.id}`));
    const rows = await this.query((sql) =>
      sql.query<{ resource_type: string; resource_id: string }>(
        `SELECT DISTINCT resource_type, resource_id FROM sp_reference WHERE target = ANY($1::text[]) ORDER BY 1, 2 LIMIT ${MAX_REVINCLUDE_ALL + 1}`,
        [targets],
      ),
    );
    if (rows.rows.length > MAX_REVINCLUDE_ALL) throw new OperationOutcomeError(revIncludeAllTooMany);
    const byType = new Map<string, string[]>();
    for (const r of rows.rows) {
      if (r.resource_type === 'AuditEvent' || seen.has(`${r.resource_type}/${r.resource_id}`)) continue;
      byType.set(r.resource_type, [...(byType.get(r.resource_type) ?? []), r.resource_id]);
    }
    const out: BundleEntry[] = [];
    for (const [type, ids] of byType) {
      if (this.options.access && !this.options.access.allows(type, 'r')) continue;
      const found = await this.searchResources({
        resourceType: type as Resource['resourceType'],
        filters: [{ code: '_id', operator: 'eq' as Filter['operator'], value: ids.join(',') }],
        count: ids.length,
      });
      for (const resource of found) {
        out.push({ fullUrl: `${this.options.baseUrl}/fhir/R4/${type}/${resource.id}`, resource, search: { mode: 'include' } });
      }
    }
    return out;
  }

  private async searchAudit<T extends Resource>(req: SearchRequest<T>, count: number, offset: number): Promise<Bundle<WithId<T>>> {
    this.assertAuditReadable('s');
    return this.run(async (tx) => {
      const { events, total } = await searchAuditLog(tx.sql, req, count, offset);
      const hasMore = events.length > count;
      const page = events.slice(0, count);
      return {
        resourceType: 'Bundle',
        type: 'searchset',
        ...(total !== undefined ? { total } : hasMore ? {} : { total: offset + page.length }),
        entry: page.map((resource) => ({
          fullUrl: `${this.options.baseUrl}/fhir/R4/AuditEvent/${resource.id}`,
          resource: resource as unknown as WithId<T>,
          search: { mode: 'match' as const },
        })),
        link: pageLinks(this.options.baseUrl, req, { count, offset, hasMore }),
      };
    });
  }

  async searchByReference<T extends Resource>(
    searchRequest: SearchRequest<T>,
    referenceField: string,
    references: string[],
  ): Promise<Record<string, WithId<T>[]>> {
    const result: Record<string, WithId<T>[]> = {};
    for (const ref of references) {
      const filters: Filter[] = [...(searchRequest.filters ?? []), { code: referenceField, operator: 'eq', value: ref }];
      result[ref] = await this.searchResources({ ...searchRequest, filters });
    }
    return result;
  }
}

/** The patient a resource is about: itself, or its subject/patient reference. */
function patientOf(resource: Resource): string | undefined {
  if (resource.resourceType === 'Patient') return `Patient/${resource.id}`;
  const r = resource as { subject?: Reference; patient?: Reference; beneficiary?: Reference };
  const ref = (r.patient ?? r.subject ?? r.beneficiary)?.reference;
  return ref?.startsWith('Patient/') ? ref : undefined;
}

function sameContent(a: Resource, b: Resource): boolean {
  const strip = (r: Resource) => ({ ...r, meta: { ...r.meta, versionId: undefined, lastUpdated: undefined } });
  return deepEquals(strip(a), strip(b));
}

function versionConflict(current: number, expected: string) {
  return {
    ...preconditionFailed,
    issue: [
      {
        severity: 'error' as const,
        code: 'conflict' as const,
        details: { text: `Version mismatch: the current version is ${current}, If-Match asked for ${expected}` },
      },
    ],
  };
}

/** Maps PostgreSQL errors that a client can cause to OperationOutcomes; others stay 500s. */
export function translateDbError(err: unknown): unknown {
  const code = (err as { code?: string })?.code;
  if (code === '23505') return new OperationOutcomeError(conflict('A resource with this id already exists'));
  // Clients get our sentence; PostgreSQL's (which quotes SQL types and values) stays in the log.
  if (code === '22P02' || code === '22007' || code === '22008' || code === '22003')
    return new OperationOutcomeError(badRequest('A value in the request is not valid for its type (a date, number or id)'));
  if (code === '22021' || code === '22P05') return new OperationOutcomeError(badRequest(NUL_TEXT));
  if (code === '54000') return new OperationOutcomeError(badRequest('Value too large'));
  // statement_timeout: 504 through @medplum/core's server-timeout id.
  if (code === '57014') return new OperationOutcomeError(statementTimedOut());
  return err;
}

function requireCriteria(search: SearchRequest): void {
  if (!search.filters?.length) {
    throw new OperationOutcomeError(
      badRequest(`A conditional ${search.resourceType} delete, update or patch needs search parameters that pick the resource`),
    );
  }
}

/** `subject=<own base>/fhir/R4/Patient/1` searches as `subject=Patient/1`, the form references are stored in. */
function localizeReferenceFilters(req: SearchRequest, types: string[], baseUrl: string): void {
  if (!req.filters?.some((f) => f.value.includes(baseUrl))) return;
  req.filters = req.filters.map((f) => {
    if (f.operator !== 'eq' || !types.every((t) => getSearchParameter(t, f.code)?.type === 'reference')) return f;
    return {
      ...f,
      value: splitSearchOnComma(f.value)
        .map((v) => localReference(v, baseUrl))
        .join(','),
    };
  });
}

/** Where a page sits: by offset, or (`keyset`) by the cursors of its own and its neighbours. */
interface Paging {
  count: number;
  offset: number;
  hasMore: boolean;
  keyset?: { self?: string; next?: string; previous?: string };
}

/**
 * The cursors of a keyset page: `next` after its last row (when more follow, or always when the
 * page was read backwards), `previous` before its first row (when the page was reached by a
 * cursor and rows precede it).
 */
function keysetLinks(keyset: Keyset, cursor: string | undefined, backwards: boolean, hasMore: boolean, rows: PageRow<unknown>[]) {
  const at = (row: PageRow<unknown> | undefined, before: boolean) =>
    row
      ? encodeCursor(
          keyset,
          keyset.keys.map((k) => String(row[k.column])),
          before,
        )
      : undefined;
  const previousExists = cursor !== undefined && (backwards ? hasMore : true);
  return {
    self: cursor,
    next: backwards || hasMore ? at(rows.at(-1), false) : undefined,
    previous: previousExists ? at(rows[0], true) : undefined,
  };
}

function pageLinks(baseUrl: string, req: SearchRequest, { count, offset, hasMore, keyset }: Paging): Bundle['link'] {
  const make = (o: number, cursor?: string) => {
    const params = new URLSearchParams();
    let path = req.types?.length ? '' : req.resourceType;
    if (req.types?.length) params.set('_type', req.types.join(','));
    for (const f of req.filters ?? []) {
      if (f.code === COMPARTMENT) {
        path = `${f.value}/${req.types?.length ? '*' : req.resourceType}`;
        continue;
      }
      const key =
        f.operator === 'eq' || ['gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap', 'ne'].includes(f.operator) ? f.code : `${f.code}:${f.operator}`;
      const value = ['gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap', 'ne'].includes(f.operator) ? `${f.operator}${f.value}` : f.value;
      params.append(key, value);
    }
    if (req.sortRules?.length) params.set('_sort', req.sortRules.map((s) => (s.descending ? '-' : '') + s.code).join(','));
    for (const inc of req.include ?? [])
      params.append(
        inc.modifier === 'iterate' ? '_include:iterate' : '_include',
        [inc.resourceType, inc.searchParam, inc.targetType].filter(Boolean).join(':'),
      );
    const revAll = REVINCLUDE_ALL.get(req);
    if (revAll) params.append(revAll.iterate ? '_revinclude:iterate' : '_revinclude', '*');
    for (const inc of req.revInclude ?? [])
      params.append(
        inc.modifier === 'iterate' ? '_revinclude:iterate' : '_revinclude',
        [inc.resourceType, inc.searchParam, inc.targetType].filter(Boolean).join(':'),
      );
    if (req.total) params.set('_total', req.total);
    if (req.summary) params.set('_summary', req.summary);
    if (req.fields?.length) params.set('_elements', req.fields.join(','));
    params.set('_count', String(count));
    if (o > 0) params.set('_offset', String(o));
    if (cursor) params.set('_cursor', cursor);
    return `${baseUrl}/fhir/R4/${path}?${params.toString()}`;
  };
  if (keyset) {
    const links: NonNullable<Bundle['link']> = [{ relation: 'self', url: make(0, keyset.self) }];
    if (keyset.self) links.push({ relation: 'first', url: make(0) });
    if (keyset.previous) links.push({ relation: 'previous', url: make(0, keyset.previous) });
    if (keyset.next) links.push({ relation: 'next', url: make(0, keyset.next) });
    return links;
  }
  const links: NonNullable<Bundle['link']> = [{ relation: 'self', url: make(offset) }];
  if (offset > 0 && count > 0) links.push({ relation: 'previous', url: make(Math.max(0, offset - count)) });
  if (hasMore) links.push({ relation: 'next', url: make(offset + count) });
  return links;
}
