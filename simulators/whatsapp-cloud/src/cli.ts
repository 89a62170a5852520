#!/usr/bin/env node
/**
 * `npm run whatsapp:simulator`: the simulator on its own, for the demo and for trying a sender by
 * hand. Settings come from the environment (the same names the server reads, so one .env serves both).
 */
import { startWhatsAppSimulator } from './simulator.ts';

const env = process.env;
const sim = await startWhatsAppSimulator({
  port: Number(env.WHATSAPP_SIMULATOR_PORT ?? 4010),
  host: env.WHATSAPP_SIMULATOR_HOST ?? '127.0.0.1',
  accessToken: env.WHATSAPP_TOKEN ?? 'simulator-token',
  appSecret: env.WHATSAPP_APP_SECRET ?? 'simulator-app-secret',
  webhookUrl: env.WHATSAPP_SIMULATOR_WEBHOOK_URL ?? 'http://127.0.0.1:8080/webhooks/whatsapp',
  phoneNumbers: env.WHATSAPP_PHONE_NUMBER_ID
    ? [{ phoneNumberId: env.WHATSAPP_PHONE_NUMBER_ID, displayPhoneNumber: '911140000001', wabaId: '200000000000001' }]
    : undefined,
  pairRateLimitMs: Number(env.WHATSAPP_SIMULATOR_PAIR_RATE_LIMIT_MS ?? 0),
  statusDelayMs: 500,
});
console.log(`WhatsApp Cloud API simulator on ${sim.url} (what each phone received: ${sim.url}/)`);
console.log(`  send with WHATSAPP_API_BASE=${sim.apiBase}; business number id ${sim.phoneNumbers[0].phoneNumberId}`);
console.log('  token and app secret: WHATSAPP_TOKEN and WHATSAPP_APP_SECRET (never printed)');
const stop = () => void sim.stop().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
