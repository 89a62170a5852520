import type { Database } from '../db/database.ts';

/**
 * The tenant registry. Creating a tenant is an administrative act done as the schema owner;
 * request handling only ever sees its own tenant's row (RLS on `tenant`).
 */
export async function ensureTenant(db: Database, id: string, name: string): Promise<boolean> {
  const r = await db.asOwner((sql) => sql.query('INSERT INTO tenant (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING', [id, name]));
  // true when this call created it (a new tenant gets its starter content: tenancy/starter-content.ts).
  return (r.rowCount ?? 0) > 0;
}

/** Whether the tenant exists and is active, checked under that tenant's own RLS context. */
export async function tenantIsActive(db: Database, id: string): Promise<boolean> {
  const r = await db.transaction(
    { tenantId: id },
    (sql) => sql.query<{ active: boolean }>('SELECT active FROM tenant WHERE id = $1', [id]),
    { readOnly: true },
  );
  return r.rows[0]?.active === true;
}
