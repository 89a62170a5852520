export { CloudApiError, ERROR_CODES, type ErrorDefinition, type GraphErrorBody } from './errors.ts';
export {
  type SimulatedMessage,
  startWhatsAppSimulator,
  type WhatsAppSimulator,
  type WhatsAppSimulatorOptions,
} from './simulator.ts';
export { DEFAULT_TEMPLATES, type TemplateDefinition, TemplateRegistry } from './templates.ts';
export { type BusinessNumber, type DeliveryStatus, notification, signature } from './webhooks.ts';
