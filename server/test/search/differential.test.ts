import { OperationOutcomeError, parseSearchRequest, type WithId } from '@medplum/core';
import { MemoryRepository } from '@medplum/fhir-router';
import type { Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresRepository } from '../../src/repo/postgres-repository.ts';
import { startTestServer, TENANT_A, type TestServer } from '../helpers/server.ts';
import { generateQueries, generateResources } from './generator.ts';

/**
 * Differential search test: the same generated resources in our repository and in
 * @medplum/fhir-router's MemoryRepository (an independent, in-memory implementation of FHIR
 * search), the same generated queries against both, and the result sets must be identical
 * wherever MemoryRepository answers the query. Deliberate differences are listed in docs/search.md.
 */

let t: TestServer;
let ours: PostgresRepository;
const memory = new MemoryRepository();
const SEED = 20261125;

beforeAll(async () => {
  t = await startTestServer();
  ours = new PostgresRepository({ db: t.server.db, tenant: { tenantId: TENANT_A }, baseUrl: t.server.config.baseUrl, updateCreate: true });
  const resources = generateResources(SEED, 700);
  // Load in batches as transactions through our repository, then copy what was stored.
  for (let i = 0; i < resources.length; i += 100) {
    const stored = await ours.withTransaction(
      async (tx) => {
        const out: WithId<Resource>[] = [];
        for (const r of resources.slice(i, i + 100)) out.push(await tx.createResource(r, { assignedId: true }));
        return out;
      },
      { resourceTypes: [] },
    );
    for (const r of stored) await memory.createResource(r);
  }
}, 120_000);
afterAll(() => t?.stop());

async function run(repo: { searchResources: (r: any) => Promise<Resource[]> }, query: string): Promise<string[] | Error> {
  try {
    const req = parseSearchRequest(query);
    req.count = 1000;
    return (await repo.searchResources(req)).map((r) => `${r.resourceType}/${r.id}`).sort();
  } catch (err) {
    return err as Error;
  }
}

describe('differential search against MemoryRepository', () => {
  it('gives the same result sets for a few hundred generated queries', async () => {
    const queries = generateQueries(SEED, 400);
    let compared = 0;
    let nonEmpty = 0;
    const mismatches: string[] = [];
    for (const [memoryQuery, q] of queries) {
      const expected = await run(memory, memoryQuery);
      if (expected instanceof Error) continue; // MemoryRepository does not support this query
      const actual = await run(ours, q);
      if (actual instanceof Error) {
        mismatches.push(
          `${q}: ours failed: ${actual instanceof OperationOutcomeError ? JSON.stringify(actual.outcome.issue) : actual.message}`,
        );
        continue;
      }
      compared++;
      if (expected.length > 0) nonEmpty++;
      if (JSON.stringify(actual) !== JSON.stringify(expected)) {
        const missing = expected.filter((x) => !actual.includes(x)).slice(0, 3);
        const extra = actual.filter((x) => !expected.includes(x)).slice(0, 3);
        mismatches.push(`${q}: expected ${expected.length}, got ${actual.length}; missing ${missing.join(' ')}; extra ${extra.join(' ')}`);
      }
    }
    expect(mismatches).toEqual([]);
    expect(compared).toBeGreaterThan(300);
    expect(nonEmpty).toBeGreaterThan(150);
    // 800 searches on two repositories: minutes on a loaded two-core CI machine.
  }, 240_000);
});
