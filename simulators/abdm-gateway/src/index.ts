export type {
  AbhaSimulation,
  Client,
  ConsentArtefact,
  ConsentRequest,
  DataTransfer,
  Exchange,
  Resident,
  SentOtp,
  Service,
  State,
} from './core.ts';
export { ABDM_ERRORS, AbdmError, AuthError } from './errors.ts';
export { type AbdmGateway, type AbdmGatewayOptions, startAbdmGateway } from './simulator.ts';
