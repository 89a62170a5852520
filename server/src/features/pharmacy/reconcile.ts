import type { Database } from '../../db/database.ts';
import { type Discrepancy, reconcile } from './ledger.ts';

export interface TenantReconciliation {
  tenant: string;
  /** (store, batch) pairs compared. */
  checked: number;
  discrepancies: Discrepancy[];
}

/**
 * `npm run admin -- pharmacy reconcile`: for one tenant or every tenant, each in its own tenant
 * transaction (row-level security applies as for a request), every balance against its ledger.
 */
export async function reconcileTenants(db: Database, tenant?: string): Promise<TenantReconciliation[]> {
  const tenants = tenant
    ? [tenant]
    : (await db.asOwner((sql) => sql.query<{ id: string }>('SELECT id FROM tenant ORDER BY created_at'))).rows.map((r) => r.id);
  const out: TenantReconciliation[] = [];
  for (const id of tenants) {
    const r = await db.transaction({ tenantId: id }, (sql) => reconcile(sql));
    out.push({ tenant: id, ...r });
  }
  return out;
}
