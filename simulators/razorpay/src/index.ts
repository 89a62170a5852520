export {
  type PaymentLink,
  type RazorpaySimulator,
  type RazorpaySimulatorOptions,
  sign,
  startRazorpaySimulator,
  type WebhookEvent,
} from './simulator.ts';
