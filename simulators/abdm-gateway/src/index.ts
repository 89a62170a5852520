export type { Client, ConsentArtefact, ConsentRequest, DataTransfer, Exchange, Service, State } from './core.ts';
export { ABDM_ERRORS, AbdmError, AuthError } from './errors.ts';
export { type AbdmGateway, type AbdmGatewayOptions, startAbdmGateway } from './simulator.ts';
