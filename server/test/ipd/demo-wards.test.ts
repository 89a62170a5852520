import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemoTenant } from '../../src/seed.ts';
import { fhirClient, startTestServer, type TestServer } from '../helpers/server.ts';

// The demo tenant comes with wards and beds for its two branches, ready for the bed board.
const DEMO = '4f1a7f52-8c1e-4d0b-9a53-0c6b1f7e2a02';
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ SEED_DEMO: 'true', TENANT_ID: DEMO });
}, 120_000);
afterAll(() => t?.stop());

type Part = {
  name: string;
  part?: Part[];
  valueReference?: { reference?: string; display?: string };
  valueCode?: string;
  valueInteger?: number;
};

describe('the demo wards', () => {
  it('puts a general ward, a private wing and an ICU in each branch, on the board, and loads idempotently', async () => {
    const fhir = fhirClient(t.base, DEMO);
    const board = await fhir.get('Location/$bed-board');
    expect(board.status).toBe(200);
    const params = board.body.parameter as Part[];
    const wards = params.filter((p) => p.name === 'ward');
    expect(wards.map((w) => w.part?.find((p) => p.name === 'ward')?.valueReference?.display).sort()).toEqual([
      'General ward',
      'General ward',
      'ICU',
      'ICU',
      'Private wing',
      'Private wing',
    ]);
    const branches = params.filter((p) => p.name === 'branch');
    expect(branches.map((b) => b.part?.find((p) => p.name === 'beds')?.valueInteger)).toEqual([14, 14]);
    const statuses = wards.flatMap((w) =>
      (w.part ?? []).filter((p) => p.name === 'bed').map((b) => b.part?.find((p) => p.name === 'status')?.valueCode),
    );
    expect(statuses.filter((s) => s === 'U')).toHaveLength(24);
    expect(statuses.filter((s) => s === 'H')).toHaveLength(2);
    expect(statuses.filter((s) => s === 'C')).toHaveLength(2);
    const icuBeds = await fhir.get('Location/$bed-board?class=icu&tag=isolation');
    expect((icuBeds.body.parameter as Part[]).filter((p) => p.name === 'ward')).toHaveLength(2);

    const again = await loadDemoTenant(t.server.db, t.server.config);
    expect(again.created).toBe(0);
  });
});
