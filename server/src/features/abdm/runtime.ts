import type { Database } from '../../db/database.ts';
import type { JobQueue } from '../../jobs/queue.ts';
import type { AbdmContext } from './context.ts';

/**
 * The ABDM bridge of the server that owns a database, for FHIR operations, which see only their
 * repository. Keyed by the Database object, so two servers in one process (tests) stay apart.
 */
export interface AbdmRuntime {
  context: AbdmContext;
  jobs: JobQueue;
}

const runtimes = new WeakMap<Database, AbdmRuntime>();

export function setAbdmRuntime(db: Database, runtime: AbdmRuntime): void {
  runtimes.set(db, runtime);
}

export function abdmRuntime(db: Database): AbdmRuntime | undefined {
  return runtimes.get(db);
}
