import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { JobInputError } from '../../src/jobs/input.ts';
import type { JobContext, JobQueue, JobRecord } from '../../src/jobs/queue.ts';

/** A queue instance that can also be stopped as a killed process would stop. */
export type TestQueue = JobQueue & { abandon(): Promise<void> | void };

/** Opens queue instances ("processes") on one shared store: a database, or a Redis prefix. */
export interface Harness {
  open(settings?: { leaseMs?: number }): Promise<TestQueue>;
}

export async function until<T>(probe: () => Promise<T> | T, what: string, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function job(q: JobQueue, queue: string, id: string): Promise<JobRecord | undefined> {
  return (await q.list({ queue, limit: 1000 })).find((j) => j.id === id);
}

/** The one suite both backends must pass. */
export function jobQueueSuite(harness: () => Harness): void {
  const opened: TestQueue[] = [];
  const open = async (settings?: { leaseMs?: number }) => {
    const q = await harness().open(settings);
    opened.push(q);
    return q;
  };
  const name = () => `test-${randomUUID().slice(0, 8)}`;

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((q) => q.close()));
  });

  describe('jobs', () => {
    it('runs an added job with its data, once', async () => {
      const q = await open();
      const queue = name();
      const seen: JobContext[] = [];
      q.work(queue, async (j) => {
        seen.push(j);
      });
      const { id, added } = await q.add(queue, 'greet', { patient: 'p1' });
      expect(added).toBe(true);
      await until(async () => (await job(q, queue, id))?.state === 'completed', 'completion');
      expect(seen).toEqual([{ id, queue, name: 'greet', data: { patient: 'p1' }, attempt: 1 }]);
      const record = await job(q, queue, id);
      expect(record).toMatchObject({ id, queue, name: 'greet', state: 'completed', attempts: 1, maxAttempts: 5 });
      expect(record?.finishedAt).toBeDefined();
    });

    it('adds a job id once, in any state', async () => {
      const q = await open();
      const queue = name();
      expect(await q.add(queue, 'n', { v: 1 }, { jobId: 'sub-1:42' })).toEqual({ id: 'sub-1:42', added: true });
      expect(await q.add(queue, 'n', { v: 2 }, { jobId: 'sub-1:42' })).toEqual({ id: 'sub-1:42', added: false });
      const runs: unknown[] = [];
      q.work(queue, async (j) => {
        runs.push(j.data);
      });
      await until(async () => (await job(q, queue, 'sub-1:42'))?.state === 'completed', 'completion');
      expect(await q.add(queue, 'n', { v: 3 }, { jobId: 'sub-1:42' })).toEqual({ id: 'sub-1:42', added: false });
      await sleep(200);
      expect(runs).toEqual([{ v: 1 }]);
    });

    it('waits for a delay before running', async () => {
      const q = await open();
      const queue = name();
      let ranAt = 0;
      q.work(queue, async () => {
        ranAt = Date.now();
      });
      const start = Date.now();
      const { id } = await q.add(queue, 'later', null, { delayMs: 600 });
      expect((await job(q, queue, id))?.state).toBe('delayed');
      expect((await q.list({ queue, state: 'delayed' })).map((j) => j.id)).toEqual([id]);
      await until(() => ranAt > 0, 'the delayed run');
      expect(ranAt - start).toBeGreaterThanOrEqual(550);
    });

    it('retries a throwing handler with exponential backoff, then dead-letters it', async () => {
      const q = await open();
      const queue = name();
      const attempts: { attempt: number; at: number }[] = [];
      q.work(queue, async (j) => {
        attempts.push({ attempt: j.attempt, at: Date.now() });
        throw new Error(`pharmacy system said no (${j.attempt})`);
      });
      const { id } = await q.add(queue, 'flaky', {}, { attempts: 3, backoffMs: 200 });
      const failed = await until(async () => {
        const r = await job(q, queue, id);
        return r?.state === 'failed' ? r : undefined;
      }, 'dead-lettering');
      expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
      // 200 ms after the first failure, then 400 ms after the second.
      expect(attempts[1].at - attempts[0].at).toBeGreaterThanOrEqual(180);
      expect(attempts[2].at - attempts[1].at).toBeGreaterThanOrEqual(380);
      expect(failed).toMatchObject({ attempts: 3, maxAttempts: 3, lastError: 'pharmacy system said no (3)' });
      expect((await q.list({ queue, state: 'failed' })).map((j) => j.id)).toEqual([id]);
      expect((await q.counts())[queue]).toMatchObject({ failed: 1, completed: 0, waiting: 0, active: 0, delayed: 0 });
      await sleep(300);
      expect(attempts).toHaveLength(3);
    });

    it('completes a job whose handler failed once', async () => {
      const q = await open();
      const queue = name();
      const attempts: number[] = [];
      q.work(queue, async (j) => {
        attempts.push(j.attempt);
        if (j.attempt === 1) throw new Error('first time unlucky');
      });
      const { id } = await q.add(queue, 'once-flaky', {}, { backoffMs: 50 });
      await until(async () => (await job(q, queue, id))?.state === 'completed', 'completion after a retry');
      expect(attempts).toEqual([1, 2]);
      expect((await job(q, queue, id))?.attempts).toBe(2);
    });

    it('retry() puts a dead-lettered job back with its attempts reset', async () => {
      const q = await open();
      const queue = name();
      let healthy = false;
      const attempts: number[] = [];
      q.work(queue, async (j) => {
        attempts.push(j.attempt);
        if (!healthy) throw new Error('endpoint down');
      });
      const { id } = await q.add(queue, 'dead', {}, { attempts: 1 });
      await until(async () => (await job(q, queue, id))?.state === 'failed', 'dead-lettering');
      expect(await q.retry(queue, 'no-such-job')).toBe(false);
      healthy = true;
      expect(await q.retry(queue, id)).toBe(true);
      await until(async () => (await job(q, queue, id))?.state === 'completed', 'completion after retry()');
      expect(attempts).toEqual([1, 1]);
      // Only a failed job can be retried.
      expect(await q.retry(queue, id)).toBe(false);
    });

    it("gives a crashed worker's job to another when its lease ends", async () => {
      const queue = name();
      const crashed = await open({ leaseMs: 1000 });
      let started = false;
      crashed.work(queue, async () => {
        started = true;
        await new Promise(() => undefined); // never finishes: the process dies first
      });
      const { id } = await crashed.add(queue, 'long', { n: 1 });
      await until(() => started, 'the first worker to start');
      await crashed.abandon();
      const survivor = await open({ leaseMs: 1000 });
      const runs: JobContext[] = [];
      survivor.work(queue, async (j) => {
        runs.push(j);
      });
      await until(async () => (await job(survivor, queue, id))?.state === 'completed', 'the job to come back', 15_000);
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ id, data: { n: 1 } });
    });

    it('two processes on one store run each job once', async () => {
      const queue = name();
      const [a, b] = [await open(), await open()];
      const runs = new Map<string, string[]>();
      const handler = (who: string) => async (j: JobContext) => {
        runs.set(j.id, [...(runs.get(j.id) ?? []), who]);
        await sleep(5);
      };
      a.work(queue, handler('a'), { concurrency: 4 });
      b.work(queue, handler('b'), { concurrency: 4 });
      const ids: string[] = [];
      for (let i = 0; i < 40; i++) {
        // Both processes add every job, as two dispatchers handling the same event would.
        const [x, y] = await Promise.all([a.add(queue, 'n', { i }, { jobId: `e-${i}` }), b.add(queue, 'n', { i }, { jobId: `e-${i}` })]);
        expect([x.added, y.added].filter(Boolean)).toHaveLength(1);
        ids.push(x.id);
      }
      await until(async () => (await a.counts())[queue]?.completed === 40, 'all jobs to complete');
      expect([...runs.keys()].sort()).toEqual([...ids].sort());
      for (const who of runs.values()) expect(who).toHaveLength(1);
      expect(new Set([...runs.values()].flat()).size).toBeGreaterThanOrEqual(1);
    });

    it('two processes registering one schedule store one job for its next occurrence', async () => {
      const queue = name();
      const [a, b] = [await open(), await open()];
      const definition = { name: `${queue}-tick`, queue, cron: '*/5 * * * *', data: { kind: 'tick' } };
      await Promise.all([a.schedule(definition), b.schedule(definition)]);
      await b.schedule(definition);
      const jobs = await until(async () => {
        const l = await a.list({ queue });
        return l.length > 0 ? l : undefined;
      }, 'the scheduled job');
      await sleep(200);
      const again = await a.list({ queue });
      expect(again).toHaveLength(1);
      expect(jobs?.[0]).toMatchObject({ name: definition.name, state: 'delayed', data: { kind: 'tick' } });
    });

    it('unschedule() removes the next occurrence and leaves the other schedules', async () => {
      const queue = name();
      const q = await open();
      const keep = { name: `${queue}-keep`, queue, cron: '*/5 * * * *' };
      const drop = { name: `${queue}-drop`, queue, cron: '* * * * *' };
      await q.schedule(keep);
      await q.schedule(drop);
      await until(async () => ((await q.list({ queue })).length === 2 ? true : undefined), 'both next occurrences');
      await q.unschedule(queue, drop.name);
      const left = await q.list({ queue });
      expect(left.map((j) => j.name)).toEqual([keep.name]);
      await expect(q.unschedule(queue, 'no such schedule')).rejects.toThrow(/schedule name/);
    });

    it('close() waits for the jobs that are running', async () => {
      const queue = name();
      const q = await open();
      let finished = false;
      let started = false;
      q.work(queue, async () => {
        started = true;
        await sleep(400);
        finished = true;
      });
      const { id } = await q.add(queue, 'slow', {});
      await until(() => started, 'the job to start');
      await q.close();
      expect(finished).toBe(true);
      const other = await open();
      expect((await job(other, queue, id))?.state).toBe('completed');
    });

    it('refuses bad input with a sentence of its own', async () => {
      const q = await open();
      const queue = name();
      await expect(q.add('bad queue!', 'n', {})).rejects.toThrow(JobInputError);
      await expect(q.add(queue, '', {})).rejects.toThrow(JobInputError);
      await expect(q.add(queue, 'n', {}, { attempts: 0 })).rejects.toThrow('1 to 100 attempts');
      await expect(q.add(queue, 'n', {}, { delayMs: -1 })).rejects.toThrow(JobInputError);
      await expect(q.add(queue, 'n', {}, { jobId: 'has space' })).rejects.toThrow(JobInputError);
      await expect(q.schedule({ name: 's', queue, cron: '0 0 8 * * *' })).rejects.toThrow('five fields');
      await expect(q.schedule({ name: 's', queue, cron: '61 * * * *' })).rejects.toThrow('not a cron expression');
      await expect(q.schedule({ name: 's', queue, cron: '0 8 * * *', timezone: 'Mars/Olympus' })).rejects.toThrow('not a time zone');
      expect(() => q.work('x y', async () => undefined)).toThrow(JobInputError);
    });
  });
}
