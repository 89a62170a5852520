import { getInstallation } from '../../bots/installations.ts';
import { demoWanted } from '../../seed.ts';
import type { RunningServer } from '../../server.ts';

/**
 * The hospital bots the demo tenant runs, so a visit booked in the OPD app is billed at the cash
 * desk, stock alerts reach the pharmacist and the MAR flags missed doses. Their defaults suit the
 * demo (its tariff, stores and wards come with the seed).
 */
export const DEMO_BOTS = ['billing', 'pharmacy-alerts', 'mar-doses'] as const;

/**
 * Enables each demo bot the tenant has never installed, and returns those it enabled. An
 * administrator who later disables one is not overruled: an installation that exists is left alone.
 */
export async function enableDemoBots(server: Pick<RunningServer, 'config' | 'db' | 'bots'>): Promise<string[]> {
  const runtime = server.bots;
  if (!demoWanted(server.config) || !runtime) return [];
  const tenant = server.config.TENANT_ID;
  const enabled: string[] = [];
  for (const bot of DEMO_BOTS) {
    if (!runtime.bots.has(bot) || (await getInstallation(server.db, tenant, bot))) continue;
    await runtime.change(tenant, bot, { enabled: true });
    enabled.push(bot);
  }
  return enabled;
}
