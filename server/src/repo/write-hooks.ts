import type { FhirRepository } from '@medplum/fhir-router';
import type { Resource } from '@medplum/fhirtypes';
import type { AccessControl } from '../auth/access.ts';
import type { Sql } from '../db/database.ts';

/**
 * Per-type write hooks: rules a feature keeps for every write of a resource type, whichever route
 * it came by (REST, transaction bundle entry, operation). The repository runs them inside the
 * write's own transaction, so what a hook checks or changes commits or rolls back with the write.
 */

export interface WriteHookContext {
  /**
   * The server's own repository in the same transaction: no access conditions and only the R4
   * base and claimed profiles (the server maintains its own elements; a tenant's profile
   * requirement met or not by the rest of the resource is not the hook's business). Its writes
   * are audited with the request's context and skip `prepare` hooks.
   */
  repo: FhirRepository & { readonly baseUrl: string };
  /** The transaction's SQL (pending writes are flushed before each statement). */
  sql: Sql;
  /** Who asked for the write, and what they may do; both absent for the server's own writes. */
  actor?: { clientId: string; userId?: string };
  access?: AccessControl;
}

export interface WriteHook {
  /**
   * Adjusts the incoming version before validation, for elements the server owns (a client's
   * value is replaced). Pure: no I/O. `current` is the stored version (undefined on create).
   * Not applied to the hooks' own writes.
   */
  prepare?(next: Resource, current: Resource | undefined): Resource;
  /**
   * After the new version (or deletion) is queued and the caller's access to it checked: checks
   * and side effects in the same transaction. Throwing rolls the whole write back.
   * `current` is undefined on create, `next` undefined on delete.
   */
  afterWrite?(ctx: WriteHookContext, current: Resource | undefined, next: Resource | undefined): Promise<void>;
}

const hooks = new Map<string, Map<string, WriteHook>>();

/** Registers (or replaces, by name) a hook for a resource type; safe to call once per router built. */
export function registerWriteHook(resourceType: string, name: string, hook: WriteHook): void {
  let byName = hooks.get(resourceType);
  if (!byName) {
    byName = new Map();
    hooks.set(resourceType, byName);
  }
  byName.set(name, hook);
}

export function writeHooksFor(resourceType: string): WriteHook[] {
  const byName = hooks.get(resourceType);
  return byName ? [...byName.values()] : [];
}
