import type { AuthService } from '../auth/service.ts';
import type { Config } from '../config.ts';
import type { JobQueue } from '../jobs/queue.ts';
import type { Logger } from '../logger.ts';
import { ProfileRequirements } from '../validation/requirements.ts';
import { ExportFiles } from './files.ts';
import { IMPORT_QUEUE, type ImportJobData, runImportJob } from './import/job.ts';
import { BULK_QUEUE, type BulkJobData, runExportJob } from './job.ts';
import { takeExpired } from './store.ts';

export interface BulkWorker {
  files: ExportFiles;
  /** Removes expired exports (rows and files) now; the timer does it every BULK_EXPORT_SWEEP_MS. */
  sweep(): Promise<number>;
  stop(): void;
}

/** Takes export and import jobs from the queue in this process and removes expired ones on a timer. */
export function startBulkExports(auth: AuthService, config: Config, logger: Logger, jobs: JobQueue): BulkWorker {
  const files = ExportFiles.fromConfig(config);
  jobs.work<BulkJobData>(BULK_QUEUE, (job) => runExportJob({ auth, config, logger, files }, job), {
    concurrency: config.BULK_EXPORT_WORKERS,
  });
  const requirements = new ProfileRequirements(auth.db, config.PROFILE_ENFORCEMENT);
  jobs.work<ImportJobData>(IMPORT_QUEUE, (job) => runImportJob({ auth, config, logger, files, requirements }, job), {
    concurrency: config.BULK_EXPORT_WORKERS,
  });
  const sweep = async () => {
    const gone = await takeExpired(auth.db);
    for (const e of gone) await files.remove(e.tenant_id, e.id);
    return gone.length;
  };
  const timer = setInterval(() => {
    sweep().catch((err) => logger.warn({ err }, 'expired bulk exports could not be removed; trying again later'));
  }, config.BULK_EXPORT_SWEEP_MS);
  timer.unref();
  return { files, sweep, stop: () => clearInterval(timer) };
}
