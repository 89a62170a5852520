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
  /** A route of the ABHA service (M1): no X-CM-ID, no callback, answered at once. */
  abha?: boolean;
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

/** An Aadhaar holder the pretend UIDAI behind the ABHA service knows. */
export interface Resident {
  aadhaar: string;
  name: string;
  gender: 'M' | 'F' | 'O';
  /** YYYY-MM-DD */
  birthDate: string;
  /** Ten digits, the mobile UIDAI has for this Aadhaar. */
  mobile: string;
  address?: string;
  district?: string;
  state?: string;
  pincode?: string;
}

export interface SentOtp {
  mobile: string;
  otp: string;
  txnId: string;
  at: string;
}

/** What tests and the demo use of the ABHA service: its residents and the OTPs it sent. */
export interface AbhaSimulation {
  addResident(resident: Resident): void;
  /** OTPs "texted" so far, newest last; with a mobile, only those sent to it. */
  sentOtps(mobile?: string): SentOtp[];
  /** The ABHA number enrolled for an Aadhaar, if any. */
  abhaFor(aadhaar: string): string | undefined;
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

export interface AbdmGateway {
  /** e.g. http://127.0.0.1:4020 — what a bridge uses as its gateway base URL. */
  url: string;
  cmId: string;
  state: State;
  /** The ABHA service (M1) at `${url}/abha/api`: its residents, and the OTPs it "texted". */
  abha: AbhaSimulation;
  /** Every message to and from the gateway, oldest first. */
  exchanges(filter?: { path?: string; serviceId?: string }): Exchange[];
  /** The body of the bridge callback answering the gateway's call `requestId` (waits for it). */
  callbackFor(requestId: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** A token as the gateway puts on its calls to bridges (tests: a short or past lifetime). */
  gatewayToken(ttlSeconds?: number): Promise<string>;
  /** A new signing key: tokens signed before no longer verify against the JWKS. */
  rotateKey(): Promise<void>;
  /** Calls a bridge as the gateway does, returning the REQUEST-ID (for tests of a bridge's checks). */
  deliver(serviceId: string, path: string, body: object, headers?: Record<string, string>): Promise<string>;

  // The simulated PHR app: what a patient does in an ABHA app.
  /** Patient-initiated discovery at an HIP; resolves with the HIP's on-discover. */
  discover(hipId: string, patient: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** The patient picks care contexts to link; resolves with the HIP's on-init (link reference). */
  linkInit(hipId: string, input: { transactionId: string; abhaAddress: string; patient: unknown[] }): Promise<Record<string, unknown>>;
  /** The patient enters the OTP the HIP sent; resolves with the HIP's on-confirm. */
  linkConfirm(hipId: string, input: { linkRefNumber: string; token: string; abhaAddress: string }): Promise<Record<string, unknown>>;
  /** The patient grants a consent request for these HIPs' care contexts: one artefact per HIP, HIP and HIU notified. */
  grantConsent(
    consentRequestId: string,
    grants: { hipId: string; careContexts: { patientReference: string; careContextReference: string }[] }[],
  ): Promise<string[]>;
  denyConsent(consentRequestId: string): Promise<void>;
  /** Scan & Share: the patient shares their profile at an HIP counter; resolves with the HIP's on-share (queue token). */
  shareProfile(
    hipId: string,
    input: { context: string; patient: Record<string, unknown> & { abhaAddress: string } },
  ): Promise<Record<string, unknown>>;
  revokeConsent(consentId: string): Promise<void>;
  expireConsent(consentId: string): Promise<void>;

  /** Resolves when every call the gateway queued (callbacks, notifications) has been made. */
  idle(): Promise<void>;
  /** Errors of queued calls (a bridge that did not answer), oldest first. */
  failures(): string[];
  stop(): Promise<void>;
}
