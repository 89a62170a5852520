import type { IncomingHttpHeaders } from 'node:http';
import type { AbdmErrorName } from './errors.ts';

export type ServiceType = 'HIP' | 'HIU';

/** A bridge (an HMIS such as Hospital-Ops) known to the gateway by its client id and secret. */
export interface Client {
  clientId: string;
  clientSecret: string;
  /** Registered with PATCH /gateway/v3/bridge/url: where the gateway calls this bridge. */
  bridgeUrl?: string;
}

/** An HIP or HIU service (a facility's HFR id) registered by a bridge. */
export interface Service {
  id: string;
  name: string;
  type: ServiceType;
  active: boolean;
  clientId: string;
}

/** One request a bridge made to the gateway, after authentication and header checks. */
export interface Call {
  method: string;
  path: string;
  client: Client;
  requestId: string;
  timestamp: string;
  headers: IncomingHttpHeaders;
  body: any;
  /** The X-HIP-ID or X-HIU-ID service, checked to belong to the caller, where the route names one. */
  service?: Service;
  /** For callbacks: the gateway call this one answers. */
  answering?: Pending;
}

/** A call the gateway made to a bridge, waiting for the bridge's callback. */
export interface Pending {
  requestId: string;
  serviceId: string;
  path: string;
  /** What the gateway remembers about the call (e.g. the ABHA address of a link init). */
  context: Record<string, unknown>;
  expiresAt: number;
}

export interface Reply {
  status: number;
  body?: unknown;
}

export interface Route {
  /** Which X-HIP-ID / X-HIU-ID header the route requires. */
  needs?: ServiceType;
  /** A callback answering one of the gateway's own calls (`response.requestId`). */
  callback?: boolean;
  /** The error a repeated REQUEST-ID gets on this route (ABDM-1064 by default). */
  duplicate?: AbdmErrorName;
  /** Sessions are the one call without a bearer token. */
  anonymous?: boolean;
  handle(call: Call, gw: GatewayCore): Promise<Reply | undefined>;
}

/** What one message between gateway and bridge looked like, for tests and the printed story. */
export interface Exchange {
  at: string;
  direction: 'to-gateway' | 'from-gateway';
  method: string;
  path: string;
  requestId?: string;
  /** The service the message is for (X-HIP-ID / X-HIU-ID). */
  serviceId?: string;
  clientId?: string;
  status: number;
  body: unknown;
  /** What the gateway answered (errors), for calls to it. */
  reply?: unknown;
}

export interface ConsentArtefact {
  id: string;
  consentRequestId: string;
  hipId: string;
  hiuId: string;
  status: 'GRANTED' | 'REVOKED' | 'EXPIRED';
  detail: any;
  signature: string;
}

export interface ConsentRequest {
  id: string;
  hiuId: string;
  consent: any;
  status: 'REQUESTED' | 'GRANTED' | 'DENIED' | 'REVOKED' | 'EXPIRED';
  artefactIds: string[];
}

export interface DataTransfer {
  transactionId: string;
  consentId: string;
  hipId: string;
  hiuId: string;
  hiRequest: any;
  status: 'REQUESTED' | 'ACKNOWLEDGED' | 'TRANSFERRED' | 'FAILED';
  notifications: any[];
}

export interface LinkToken {
  token: string;
  hipId: string;
  abhaAddress: string;
  abhaNumber?: string;
  expiresAt: number;
}

export interface State {
  clients: Map<string, Client>;
  services: Map<string, Service>;
  linkTokens: Map<string, LinkToken>;
  consentRequests: Map<string, ConsentRequest>;
  artefacts: Map<string, ConsentArtefact>;
  transfers: Map<string, DataTransfer>;
  /** Care contexts linked to ABHA addresses, by either linking flow. */
  links: { abhaAddress: string; hipId: string; patient: any }[];
}

/** What the route handlers may use of the gateway. */
export interface GatewayCore {
  cmId: string;
  state: State;
  now(): Date;
  /**
   * Calls a bridge on behalf of the gateway (headers, signed token) and returns the REQUEST-ID
   * used, which the bridge's callback quotes back. Throws ABDM-1028/1033 if the bridge does not
   * answer 2xx.
   */
  deliver(
    serviceId: string,
    path: string,
    body: object,
    options?: { headers?: Record<string, string>; context?: Record<string, unknown> },
  ): Promise<string>;
  /** Runs after the current call has been answered (the gateway's own callbacks). */
  later(step: () => Promise<void>): void;
  sign(data: string): string;
}
