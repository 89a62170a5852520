import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import { ensureTenant } from '../tenancy/tenants.ts';
import { randomToken } from './random.ts';
import { createClient, createUser, findClient, listUsers } from './store.ts';

export interface BootstrapResult {
  adminCreated?: { email: string; password?: string };
  clientCreated?: { clientId: string; secret?: string };
}

/**
 * First start: the configured tenant gets its administrator (super_admin) and one confidential
 * system client, from ADMIN_EMAIL/ADMIN_PASSWORD and SYSTEM_CLIENT_ID/SYSTEM_CLIENT_SECRET.
 * Values not given are generated and printed once; later starts change nothing.
 */
export async function bootstrapTenant(db: Database, config: Config, logger: Logger, tenantName: string): Promise<BootstrapResult> {
  const tenantId = config.TENANT_ID;
  await ensureTenant(db, tenantId, tenantName);
  const result: BootstrapResult = {};
  if ((await listUsers(db, tenantId)).length === 0) {
    const password = config.ADMIN_PASSWORD ?? randomToken(12);
    await createUser(db, tenantId, { email: config.ADMIN_EMAIL, name: 'Administrator', password, role: 'super_admin' });
    result.adminCreated = { email: config.ADMIN_EMAIL, password: config.ADMIN_PASSWORD ? undefined : password };
  }
  if (!(await findClient(db, config.SYSTEM_CLIENT_ID))) {
    const { secret } = await createClient(db, tenantId, {
      clientId: config.SYSTEM_CLIENT_ID,
      name: 'System client (bootstrap)',
      type: 'confidential',
      scope: 'system/*.cruds',
      secret: config.SYSTEM_CLIENT_SECRET,
    });
    result.clientCreated = { clientId: config.SYSTEM_CLIENT_ID, secret: config.SYSTEM_CLIENT_SECRET ? undefined : secret };
  }
  const shown = result.adminCreated?.password || result.clientCreated?.secret;
  if (shown) {
    // Printed once, on the start that created them; only hashes are stored.
    logger.warn(
      {
        tenant: tenantId,
        adminEmail: result.adminCreated?.email,
        adminPassword: result.adminCreated?.password,
        systemClientId: result.clientCreated?.clientId,
        systemClientSecret: result.clientCreated?.secret,
      },
      'first start: generated credentials (shown only now; store them safely)',
    );
  }
  return result;
}
