/**
 * The platform the browser measures: a scratch PostgreSQL database with the demo tenant (and so
 * the demo sign-ins) plus synthetic patients loaded straight through the repository, then a
 * server started on it the way production runs (auditing on; rate limits off, since one browser
 * and one benchmark client would otherwise trip them).
 */
import { randomUUID } from 'node:crypto';
import { syntheticPatientBundle } from '@hospital-ops/seed';
import type { Patient } from '@medplum/fhirtypes';
import { createScratchDatabase, type ScratchDatabase } from '../../../server/bench/scratch-database.ts';
import type { Database } from '../../../server/src/db/database.ts';
import { PostgresRepository } from '../../../server/src/repo/postgres-repository.ts';
import { type RunningServer, startServer } from '../../../server/src/server.ts';

export const TENANT_ID = process.env.TENANT_ID ?? '4f1a7f52-8c1e-4d0b-9a53-0c6b1f7e2a01';
const PATIENTS_PER_TX = 100;
const WORKERS = 4;
// Not the search benchmark's seeds (7, 8): another population of the same shape.
const SYNTHETIC_SEED = 11;

/** What the type-ahead queries are made from: the loaded patients' names and mobiles. */
export interface LoadedPatient {
  id: string;
  given: string;
  family: string;
  /** +91 and ten digits. */
  phone: string;
}

function serverEnv(url: string): Record<string, string> {
  return {
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.BENCH_APPS_LOG_LEVEL ?? 'silent',
    DATABASE_URL: url,
    TENANT_ID,
    SEED_DEMO: 'true',
    ADMIN_PASSWORD: 'admin-password-for-the-app-benchmark',
    SYSTEM_CLIENT_SECRET: 'app-benchmark-system-secret-0123456789',
    AUDIT_ENABLED: 'true',
    RATE_LIMIT_API: '0',
    RATE_LIMIT_TOKEN: '0',
    RATE_LIMIT_LOGIN: '0',
    RATE_LIMIT_OTP: '0',
  };
}

/** Creates the scratch database; the caller drops it (`scratch.drop()`) whatever happens next. */
export function scratchDatabase(): Promise<ScratchDatabase> {
  return createScratchDatabase('hops_apps_bench');
}

/** Synthetic patients (the first entry of each synthetic bundle), many per transaction, a few transactions at a time. */
async function loadPatients(db: Database, count: number): Promise<LoadedPatient[]> {
  const repo = new PostgresRepository({ db, tenant: { tenantId: TENANT_ID }, baseUrl: 'http://bench', updateCreate: true });
  // In load order (not completion order), so that every run draws the same queries from them.
  const loaded: LoadedPatient[] = new Array(count);
  let done = 0;
  let next = 0;
  let reported = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      while (next < count) {
        const from = next;
        next += PATIENTS_PER_TX;
        const to = Math.min(from + PATIENTS_PER_TX, count);
        await repo.withTransaction(
          async (tx) => {
            for (let i = from; i < to; i++) {
              const patient = syntheticPatientBundle(SYNTHETIC_SEED, i, {
                encounters: 0,
                observations: 0,
                conditions: 0,
                medicationRequests: 0,
              }).entry?.[0]?.resource as Patient;
              const created = await tx.createResource({ ...patient, id: randomUUID() }, { assignedId: true });
              loaded[i] = {
                id: created.id,
                given: patient.name?.[0]?.given?.[0] ?? '',
                family: patient.name?.[0]?.family ?? '',
                phone: patient.telecom?.[0]?.value ?? '',
              };
            }
          },
          { resourceTypes: [] },
        );
        done += to - from;
        if (done - reported >= 10_000 || done === count) {
          reported = done;
          const s = (performance.now() - started) / 1000;
          console.log(`  ${done.toLocaleString('en-US')} patients, ${(done / s).toFixed(0)}/s`);
        }
      }
    }),
  );
  return loaded;
}

export interface Platform {
  server: RunningServer;
  url: string;
  patients: LoadedPatient[];
  loadSeconds: number;
}

/**
 * Seeds the demo tenant with a first server, loads `count` patients into it through that
 * server's database, VACUUM ANALYZE, then stops it and starts the server under test afresh.
 */
export async function startPlatform(scratch: ScratchDatabase, count: number): Promise<Platform> {
  const seeding = await startServer(serverEnv(scratch.url));
  let patients: LoadedPatient[];
  let loadSeconds: number;
  try {
    const t0 = performance.now();
    patients = await loadPatients(seeding.db, count);
    loadSeconds = (performance.now() - t0) / 1000;
    console.log('VACUUM ANALYZE...');
    await seeding.db.asOwner((sql) => sql.exec('VACUUM ANALYZE'));
  } finally {
    await seeding.stop();
  }
  const server = await startServer(serverEnv(scratch.url));
  return { server, url: server.config.baseUrl, patients, loadSeconds };
}

/**
 * The server's own time for each request, from its access-log line (by request id): the
 * benchmark listens to the logger it already has, whatever the log level.
 */
export function captureServerTimes(server: RunningServer): Map<string, number> {
  const times = new Map<string, number>();
  const logger = server.logger as unknown as Record<string, (obj: unknown, msg?: string) => void>;
  for (const level of ['info', 'error']) {
    const original = logger[level].bind(server.logger);
    logger[level] = (obj: unknown, msg?: string) => {
      const o = obj as { requestId?: string; ms?: number } | undefined;
      if (msg === 'request' && o?.requestId && typeof o.ms === 'number') times.set(o.requestId, o.ms);
      original(obj, msg);
    };
  }
  return times;
}
