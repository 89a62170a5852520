#!/usr/bin/env node
/** The Razorpay simulator on its own, for the demo: settings from the same variables the server reads. */
import { startRazorpaySimulator } from './simulator.ts';

const env = process.env;
const sim = await startRazorpaySimulator({
  port: Number(env.RAZORPAY_SIMULATOR_PORT ?? 4020),
  keyId: env.RAZORPAY_KEY_ID ?? 'rzp_test_simulator',
  keySecret: env.RAZORPAY_KEY_SECRET ?? 'simulator-key-secret',
  webhookSecret: env.RAZORPAY_WEBHOOK_SECRET ?? 'simulator-webhook-secret',
  webhookUrl: env.RAZORPAY_SIMULATOR_WEBHOOK_URL ?? 'http://127.0.0.1:8080/webhooks/razorpay',
});
console.log(`Razorpay simulator on ${sim.url}: RAZORPAY_API_BASE=${sim.apiBase}; pay a link with POST ${sim.url}/_sim/pay/<plink id>`);
const stop = () => void sim.stop().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
