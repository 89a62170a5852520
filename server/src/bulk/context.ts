import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { JobQueue } from '../jobs/queue.ts';
import type { ExportFiles } from './files.ts';

/** What the bulk routes need: export files also hold an import's upload and error files. */
export interface BulkContext {
  config: Config;
  db: Database;
  files: ExportFiles;
  jobs?: JobQueue;
}
