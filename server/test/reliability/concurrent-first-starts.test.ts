import { afterAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// Servers of several databases on one PostgreSQL cluster starting at once (test workers, or a
// chain's tenants on separate databases) all set up the cluster's one runtime role.
describe.runIf(process.env.TEST_DB === 'postgres')('first starts at the same moment', () => {
  const servers: TestServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  it('all succeed, however their role set-up interleaves', async () => {
    const started = await Promise.allSettled([startTestServer(), startTestServer(), startTestServer(), startTestServer()]);
    for (const s of started) if (s.status === 'fulfilled') servers.push(s.value);
    expect(started.map((s) => (s.status === 'rejected' ? String(s.reason) : 'started'))).toEqual(Array(4).fill('started'));
  }, 120_000);
});
