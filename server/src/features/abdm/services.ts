import type { Database } from '../../db/database.ts';

/**
 * Which tenant an ABDM service id (HIP or HIU, the facility's HFR id) belongs to (migration 0035).
 * The gateway's calls name only X-HIP-ID / X-HIU-ID: this finds the one tenant they may touch.
 * Read through abdm_service_tenant (migration 0046), since no tenant is known until the id says
 * which; registering an id is an administrator's act, as the owner.
 */
export type ServiceType = 'HIP' | 'HIU';

export class ServiceTakenError extends Error {}

const SERVICE_ID = /^[A-Za-z0-9_-]{3,64}$/;

/** Maps the id to the tenant; an id another tenant already holds is refused, never moved. */
export async function registerAbdmService(db: Database, tenantId: string, serviceId: string, type: ServiceType): Promise<void> {
  if (!SERVICE_ID.test(serviceId)) throw new RangeError('An ABDM service id is 3 to 64 letters, digits, dashes or underscores.');
  const owner = await db.asOwner(async (sql) => {
    const tenant = await sql.query('SELECT 1 FROM tenant WHERE id = $1', [tenantId]);
    if (tenant.rowCount === 0) throw new RangeError(`No tenant ${tenantId}.`);
    await sql.query(
      'INSERT INTO abdm_service (service_id, service_type, tenant_id) VALUES ($1, $2, $3) ON CONFLICT (service_id, service_type) DO NOTHING',
      [serviceId, type, tenantId],
    );
    const r = await sql.query<{ tenant_id: string }>('SELECT tenant_id FROM abdm_service WHERE service_id = $1 AND service_type = $2', [
      serviceId,
      type,
    ]);
    return r.rows[0]?.tenant_id;
  });
  if (owner !== tenantId) throw new ServiceTakenError(`ABDM ${type} ${serviceId} belongs to another tenant.`);
}

/** The tenant that runs this HIP or HIU, or undefined. */
export async function tenantForService(db: Database, serviceId: string, type: ServiceType): Promise<string | undefined> {
  if (!SERVICE_ID.test(serviceId)) return undefined;
  const r = await db.transaction(undefined, (sql) =>
    sql.query<{ tenant_id: string | null }>('SELECT abdm_service_tenant($1, $2) AS tenant_id', [serviceId, type]),
  );
  return r.rows[0]?.tenant_id ?? undefined;
}
