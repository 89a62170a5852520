import { randomUUID } from 'node:crypto';
import pg from 'pg';

/** Where benchmarks make their throwaway databases: the machine's PostgreSQL unless told otherwise. */
export const ADMIN_URL = process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface ScratchDatabase {
  url: string;
  pgVersion: string;
  drop(): Promise<void>;
}

/** Creates a fresh database for one benchmark run; drop() removes it, connections and all. */
export async function createScratchDatabase(prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const pgVersion = (await admin.query('SHOW server_version')).rows[0].server_version as string;
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    pgVersion,
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}
