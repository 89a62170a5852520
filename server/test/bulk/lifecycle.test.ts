import { mkdir, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExportJob } from '../../src/bulk/job.ts';
import type { JobHandler } from '../../src/jobs/queue.ts';
import { MemoryJobQueue } from '../bots/helpers.ts';
import { fhirClient, startTestServer, TENANT_A, type TestServer } from '../helpers/server.ts';
import { ASYNC, type Client, clientWithScope, download, exportAll, keys, kickOff, relative, searchAll, waitFor } from './helpers.ts';

/** The export's life: waiting, the per-client limit, cancel, expiry, and a worker that died mid-export. */

/** The in-memory queue of the bot tests, with export jobs held until `release()`, so a test sees them waiting. */
class HeldQueue extends MemoryJobQueue {
  private open!: () => void;
  private gate = new Promise<void>((resolve) => {
    this.open = resolve;
  });
  override work<T = unknown>(queue: string, handler: JobHandler<T>, options?: { concurrency?: number }): void {
    const held: JobHandler<T> = async (job) => {
      if (queue === 'bulk-export') await this.gate;
      return handler(job);
    };
    super.work(queue, held, options);
  }
  release(): void {
    this.open();
  }
  hold(): void {
    this.gate = new Promise<void>((resolve) => {
      this.open = resolve;
    });
  }
}

const exportId = (statusPath: string) => statusPath.split('/').at(-1) as string;

describe('waiting, the per-client limit and cancel', () => {
  let t: TestServer;
  let a: Client;
  const jobs = new HeldQueue({ backoffMs: 10, attempts: 3 });

  beforeAll(async () => {
    t = await startTestServer({ BULK_EXPORT_MAX_CONCURRENT: '2', BULK_EXPORT_RETRY_AFTER_SECONDS: '7' }, { jobs });
    a = fhirClient(t.base, TENANT_A);
    for (const family of ['Rao', 'Nair'])
      expect((await a.post('Patient', { resourceType: 'Patient', name: [{ family }] })).status).toBe(201);
  });
  afterAll(async () => {
    jobs.release();
    await t?.stop();
  });

  it('a waiting export answers 202 with X-Progress and Retry-After; beyond the limit, 429 with Retry-After', async () => {
    const first = await kickOff(a, '$export?_type=Patient');
    const res = await a.get(first);
    expect(res.status).toBe(202);
    expect(res.headers.get('x-progress')).toBe('waiting to start');
    expect(res.headers.get('retry-after')).toBe('7');
    const second = await kickOff(a, '$export?_type=Patient');

    const refused = await a.get('$export?_type=Patient', ASYNC);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('7');
    expect(refused.body.resourceType).toBe('OperationOutcome');
    expect(refused.body.issue[0].details.text).toMatch(/already has 2 exports running/);

    // The limit is per client: another client of the tenant still may.
    const other = await clientWithScope(t, TENANT_A, 'bulk-limit-other', 'system/*.rs');
    const its = await kickOff(other.client, '$export?_type=Patient');

    // Cancelling one frees its place; the cancelled one is gone (404) and writes nothing when its job runs.
    const cancel = await a.delete(second);
    expect(cancel.status).toBe(202);
    expect((await a.get(second)).status).toBe(404);
    expect((await a.delete(second)).status).toBe(404);
    const third = await kickOff(a, '$export?_type=Patient');

    jobs.release();
    for (const [client, path] of [
      [a, first],
      [a, third],
      [other.client, its],
    ] as const) {
      const done = await waitFor(client, path);
      expect(done.status).toBe(200);
      expect(keys(await download(client, done.body.output))).toEqual(keys(await searchAll(a, 'Patient')));
    }
    await jobs.settled('bulk-export', exportId(second));
    expect(await t.server.bulk.files.list(TENANT_A, exportId(second))).toEqual([]);
  });

  it('DELETE on a finished export removes its files: the file URLs answer 404', async () => {
    const status = await kickOff(a, '$export?_type=Patient');
    const m = (await waitFor(a, status)).body;
    expect((await t.server.bulk.files.list(TENANT_A, exportId(status))).length).toBe(m.output.length);
    expect((await a.delete(status)).status).toBe(202);
    expect(await t.server.bulk.files.list(TENANT_A, exportId(status))).toEqual([]);
    for (const f of m.output) expect((await a.get(relative(f.url))).status).toBe(404);
    expect((await a.get(status)).status).toBe(404);
  });

  it('a job that runs again after its worker died starts afresh: the manifest lists only whole, new files', async () => {
    jobs.hold();
    const status = await kickOff(a, '$export?_type=Patient');
    const id = exportId(status);
    // What a killed first attempt leaves: a half-written file and a finished one of its own.
    const folder = t.server.bulk.files.folder(TENANT_A, id);
    await mkdir(folder, { recursive: true });
    await writeFile(`${folder}/Patient-1.ndjson.part`, '{"resourceType":"Patient","id":"half');
    await writeFile(`${folder}/Patient-7.ndjson`, '{"resourceType":"Patient","id":"stale"}\n');
    await t.server.db.asOwner((sql) => sql.query(`UPDATE bulk_export SET status = 'running', heartbeat_at = now() WHERE id = $1`, [id]));
    expect((await a.get(status)).status).toBe(202);
    // The queue hands the job out again (attempt 2), as it does when a lease runs out.
    await runExportJob(
      { auth: t.server.auth, config: t.server.config, logger: t.server.logger, files: t.server.bulk.files },
      { id, queue: 'bulk-export', name: 'export', data: { tenantId: TENANT_A, exportId: id }, attempt: 2 },
    );
    const m = (await waitFor(a, status)).body;
    expect(m.output.map((f: { url: string }) => f.url.split('/').at(-1))).toEqual(['Patient-1.ndjson']);
    expect((await t.server.bulk.files.list(TENANT_A, id)).sort()).toEqual(['Patient-1.ndjson']);
    expect(keys(await download(a, m.output))).toEqual(keys(await searchAll(a, 'Patient')));
    jobs.release();
  });

  it('an export whose worker died on its last attempt is reported failed, never with a partial manifest', async () => {
    jobs.hold();
    const status = await kickOff(a, '$export?_type=Patient');
    const id = exportId(status);
    await t.server.db.asOwner((sql) =>
      sql.query(`UPDATE bulk_export SET status = 'running', heartbeat_at = now() - interval '1 hour' WHERE id = $1`, [id]),
    );
    const res = await a.get(status);
    expect(res.status).toBe(500);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue[0].details.text).toMatch(/stopped when the server running it went away; start a new one/);
    expect(res.body.manifest).toBeUndefined();
    // Its job, if it ever runs, finds the export failed and writes nothing.
    jobs.release();
    await jobs.settled('bulk-export', id);
    expect((await a.get(status)).status).toBe(500);
    expect(await t.server.bulk.files.list(TENANT_A, id)).toEqual([]);
  });
});

describe('expiry', () => {
  let t: TestServer;
  let a: Client;

  beforeAll(async () => {
    // 0.0005 hours: 1.8 seconds.
    t = await startTestServer({ BULK_EXPORT_TTL_HOURS: '0.0005' });
    a = fhirClient(t.base, TENANT_A);
    expect((await a.post('Patient', { resourceType: 'Patient', name: [{ family: 'Menon' }] })).status).toBe(201);
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('files expire after BULK_EXPORT_TTL_HOURS: status and files 404, and the sweep removes them', async () => {
    const status = await kickOff(a, '$export?_type=Patient');
    const done = await waitFor(a, status);
    expect(done.status).toBe(200);
    expect(Date.parse(done.headers.get('expires') as string)).toBeGreaterThan(Date.now() - 1000);
    const url = relative(done.body.output[0].url);
    expect((await a.get(url)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 2000));
    expect((await a.get(status)).status).toBe(404);
    expect((await a.get(url)).status).toBe(404);
    expect(await t.server.bulk.sweep()).toBeGreaterThanOrEqual(1);
    expect(await t.server.bulk.files.list(TENANT_A, exportId(status))).toEqual([]);
  });
});

describe('on the BullMQ backend (REDIS_URL)', () => {
  let t: TestServer;

  beforeAll(async () => {
    t = await startTestServer({ REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379' });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('an export runs as a BullMQ job and equals a search', async () => {
    const a = fhirClient(t.base, TENANT_A);
    expect((await a.post('Patient', { resourceType: 'Patient', name: [{ family: 'Bose' }] })).status).toBe(201);
    const m = await exportAll(a, '$export?_type=Patient');
    expect(keys(await download(a, m.output))).toEqual(keys(await searchAll(a, 'Patient')));
    expect(t.server.jobs.backend).toBe('redis');
  });
});
