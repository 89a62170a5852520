import type { WhatsAppSimulator } from '../../../../simulators/whatsapp-cloud/src/index.ts';
import { randomToken } from '../../auth/random.ts';
import { getInstallation } from '../../bots/installations.ts';
import type { Config } from '../../config.ts';
import { demoWanted } from '../../seed.ts';
import type { RunningServer } from '../../server.ts';
import { registerWhatsAppNumber } from '../messaging/whatsapp/numbers.ts';

/** The demo hospital's WhatsApp business number on the simulator. */
export const DEMO_WHATSAPP_NUMBER = '100000000000001';

export interface DemoWhatsApp {
  /** The simulator's page: what each phone received. */
  url: string;
  /** What the server's configuration takes from it (WHATSAPP_*). */
  env: Record<string, string>;
  /** Once the server listens: webhooks to it, the number to the demo tenant, the bot enabled (first time only). */
  attach(server: RunningServer): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The demo's WhatsApp: with the demo tenant loaded and no real Cloud API configured (no
 * WHATSAPP_TOKEN), `npm start` runs the local simulator of the Cloud API's contract and points the
 * server and the WhatsApp bot at it, so a booking made in the OPD app reaches a simulated phone.
 * Undefined when a real account is configured, the demo is off, or DEMO_WHATSAPP=false.
 */
export async function startDemoWhatsApp(config: Config): Promise<DemoWhatsApp | undefined> {
  if (!demoWanted(config) || !config.DEMO_WHATSAPP || config.WHATSAPP_TOKEN) return undefined;
  // Loaded only for the demo: a deployment never runs the simulator's code.
  const { startWhatsAppSimulator } = await import('../../../../simulators/whatsapp-cloud/src/index.ts');
  const { DEMO_TENANT_NAME } = await import('@hospital-ops/seed');
  const accessToken = randomToken(24);
  const appSecret = randomToken(24);
  let sim: WhatsAppSimulator;
  try {
    sim = await startWhatsAppSimulator({
      port: config.DEMO_WHATSAPP_PORT,
      host: '127.0.0.1',
      accessToken,
      appSecret,
      phoneNumbers: [{ phoneNumberId: DEMO_WHATSAPP_NUMBER, displayPhoneNumber: '912040000001', wabaId: '200000000000001' }],
    });
  } catch (err) {
    // The platform starts without it rather than not at all (another program on the port, say).
    console.warn(
      `The demo's WhatsApp simulator could not listen on port ${config.DEMO_WHATSAPP_PORT} (${(err as NodeJS.ErrnoException).code ?? 'error'}); ` +
        'the demo runs without WhatsApp. DEMO_WHATSAPP_PORT picks another port.',
    );
    return undefined;
  }
  return {
    url: sim.url,
    env: {
      WHATSAPP_API_BASE: sim.apiBase,
      WHATSAPP_TOKEN: accessToken,
      WHATSAPP_APP_SECRET: appSecret,
      WHATSAPP_VERIFY_TOKEN: randomToken(24),
    },
    async attach(server) {
      sim.setWebhookUrl(`${server.url}/webhooks/whatsapp`);
      const tenant = server.config.TENANT_ID;
      await registerWhatsAppNumber(server.db, tenant, DEMO_WHATSAPP_NUMBER);
      // Enabled once; an administrator who later disables or reconfigures the bot is not overruled.
      if (server.bots?.bots.has('whatsapp') && !(await getInstallation(server.db, tenant, 'whatsapp')))
        await server.bots.change(tenant, 'whatsapp', {
          enabled: true,
          settings: { phoneNumberId: DEMO_WHATSAPP_NUMBER, hospitalName: DEMO_TENANT_NAME },
        });
    },
    stop: () => sim.stop(),
  };
}
