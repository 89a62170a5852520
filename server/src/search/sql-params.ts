import type { Filter } from '@medplum/core';
import type { ValueSet } from '@medplum/fhirtypes';

/**
 * One condition a resource must meet: any one of the alternatives, each a list of search filters
 * that must all match. An empty alternative matches everything; no alternatives match nothing.
 * Built from roles and scopes by auth/access.ts; applied by the search compiler.
 */
export type AccessGate = Filter[][];

/** Access conditions per resource type (see auth/access.ts); null denies the type outright. */
export type AccessHook = (type: string) => AccessGate[] | null;

export class SqlParams {
  readonly values: unknown[] = [];
  /** Transaction-local settings the query needs (set_config before it runs, restored after). */
  readonly settings = new Map<string, string>();
  private aliases = 0;
  /** The tenant's own ValueSets that `:in`/`:not-in` name, by canonical URL (read before compiling). */
  readonly tenantValueSets = new Map<string, ValueSet>();
  /** When set, every resource table the query reads (chains and _has too) is narrowed by it. */
  access: AccessHook | undefined;
  constructor(access?: AccessHook) {
    this.access = access;
  }
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
  /** A fresh table alias for a joined resource table (chains, _has). */
  alias(): string {
    return `j${++this.aliases}`;
  }
}
