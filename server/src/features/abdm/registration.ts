import type { Config } from '../../config.ts';
import type { Database } from '../../db/database.ts';
import { GatewayClient } from './gateway/client.ts';
import type { ServiceType } from './services.ts';

/**
 * Telling the gateway where this bridge is and which HIP/HIU services it runs (NOTES §2.1:
 * `PATCH /gateway/v3/bridge/url`, `PUT /gateway/v3/bridge-service` per service). Done by an
 * administrator (`npm run admin -- abdm register-bridge`) after deploying and whenever the public
 * URL changes; repeating it changes nothing.
 */

export interface AbdmService {
  serviceId: string;
  type: ServiceType;
  tenantId: string;
  tenantName: string;
}

/** Every HIP/HIU id mapped to a tenant on this server (an administrator's view: as the owner). */
export async function listAbdmServices(db: Database): Promise<AbdmService[]> {
  const r = await db.asOwner((sql) =>
    sql.query<{ service_id: string; service_type: ServiceType; tenant_id: string; name: string }>(
      `SELECT s.service_id, s.service_type, s.tenant_id, t.name
         FROM abdm_service s JOIN tenant t ON t.id = s.tenant_id ORDER BY s.service_id, s.service_type`,
    ),
  );
  return r.rows.map((x) => ({ serviceId: x.service_id, type: x.service_type, tenantId: x.tenant_id, tenantName: x.name }));
}

/** What the bridge runs: the mapped services, and ABDM_HIP_ID for the first tenant unless it is mapped already. */
async function servicesToRegister(db: Database, config: Config): Promise<{ id: string; name: string; type: ServiceType }[]> {
  const mapped = await listAbdmServices(db);
  const services = mapped.map((s) => ({ id: s.serviceId, name: s.tenantName, type: s.type }));
  if (config.ABDM_HIP_ID && !mapped.some((s) => s.serviceId === config.ABDM_HIP_ID)) {
    const first = await db.asOwner((sql) => sql.query<{ name: string }>('SELECT name FROM tenant WHERE id = $1', [config.TENANT_ID]));
    services.push({ id: config.ABDM_HIP_ID, name: first.rows[0]?.name ?? config.TENANT_NAME, type: 'HIP' });
  }
  return services;
}

export class BridgeRegistrationError extends Error {}

/**
 * Registers `url` (by default ABDM_BRIDGE_URL, else BASE_URL) as this bridge's address and every
 * service it runs. The gateway must be configured; a refusal names the service it stopped at.
 */
export async function registerBridge(db: Database, config: Config, url?: string): Promise<{ url: string; services: unknown[] }> {
  if (!config.ABDM_GATEWAY_URL || !config.ABDM_CLIENT_ID || !config.ABDM_CLIENT_SECRET)
    throw new BridgeRegistrationError('ABDM is not configured: set ABDM_GATEWAY_URL, ABDM_CLIENT_ID and ABDM_CLIENT_SECRET.');
  const bridgeUrl = url ?? config.ABDM_BRIDGE_URL ?? config.BASE_URL;
  if (!bridgeUrl || !/^https?:\/\//.test(bridgeUrl))
    throw new BridgeRegistrationError('Give the public URL the gateway calls (--url, ABDM_BRIDGE_URL or BASE_URL), as http(s)://...');
  const services = await servicesToRegister(db, config);
  if (services.length === 0)
    throw new BridgeRegistrationError('No HIP or HIU is mapped to a tenant: map one with `abdm service` (or set ABDM_HIP_ID).');
  const gateway = new GatewayClient({
    baseUrl: config.ABDM_GATEWAY_URL.replace(/\/+$/, ''),
    clientId: config.ABDM_CLIENT_ID,
    clientSecret: config.ABDM_CLIENT_SECRET,
    cmId: config.ABDM_CM_ID,
  });
  try {
    await gateway.registerBridge(bridgeUrl.replace(/\/+$/, ''), services);
  } catch (err) {
    throw new BridgeRegistrationError(`The gateway refused the registration: ${(err as Error).message}`);
  }
  return { url: bridgeUrl, services };
}
