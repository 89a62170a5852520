import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, TENANT_A, type TestServer } from './helpers/server.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t?.stop());

describe('database layer', () => {
  it('quotes any string as a literal that reads back unchanged', async () => {
    const values = ["it's", 'back\\slash', "both ' and \\ \\n", '{"name":"Ra\\"m"}', 'नमस्ते', "'; DROP TABLE tenant; --"];
    const back = await t.server.db.transaction({ tenantId: TENANT_A }, async (sql) => {
      const out: string[] = [];
      for (const v of values) out.push((await sql.query<{ v: string }>(`SELECT ${sql.literal(v)} AS v`)).rows[0].v);
      return out;
    });
    expect(back).toEqual(values);
  });

  it('runs scripts queued for COMMIT inside the transaction, and not at all on rollback', async () => {
    await expect(
      t.server.db.transaction({ tenantId: TENANT_A }, async (sql) => {
        sql.execAtCommit(
          `INSERT INTO "Basic" (tenant_id, id, version_id, last_updated, content) VALUES (app_current_tenant(), 'queued', 1, now(), '{}')`,
        );
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    const count = () =>
      t.server.db.transaction(
        { tenantId: TENANT_A },
        async (sql) => (await sql.query(`SELECT 1 FROM "Basic" WHERE id = 'queued'`)).rowCount,
      );
    expect(await count()).toBe(0);
    await t.server.db.transaction({ tenantId: TENANT_A }, async (sql) => {
      sql.execAtCommit(
        `INSERT INTO "Basic" (tenant_id, id, version_id, last_updated, content) VALUES (app_current_tenant(), 'queued', 1, now(), '{}')`,
      );
    });
    expect(await count()).toBe(1);
  });

  it('a failing script at COMMIT rolls the whole transaction back', async () => {
    await expect(
      t.server.db.transaction({ tenantId: TENANT_A }, async (sql) => {
        await sql.query(
          `INSERT INTO "Basic" (tenant_id, id, version_id, last_updated, content) VALUES (app_current_tenant(), 'first', 1, now(), '{}')`,
        );
        sql.execAtCommit(
          `INSERT INTO "Basic" (tenant_id, id, version_id, last_updated, content) VALUES (app_current_tenant(), 'first', 1, now(), '{}')`,
        );
      }),
    ).rejects.toThrow(/duplicate key/);
    const n = await t.server.db.transaction(
      { tenantId: TENANT_A },
      async (sql) => (await sql.query(`SELECT 1 FROM "Basic" WHERE id = 'first'`)).rowCount,
    );
    expect(n).toBe(0);
  });
});
