import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { object, TIMESTAMP, text, UUID } from './check.ts';
import type {
  AbdmGateway,
  Call,
  Client,
  ConsentArtefact,
  Exchange,
  GatewayCore,
  Pending,
  Reply,
  Resident,
  Route,
  Service,
  State,
} from './core.ts';

export type { AbdmGateway };

import { AbdmError, AuthError } from './errors.ts';
import { AbhaService, abhaRoutes } from './flows/abha.ts';
import { bridgeRoutes } from './flows/bridge.ts';
import { consentRoutes } from './flows/consent.ts';
import { dataFlowRoutes } from './flows/data-flow.ts';
import { linkingRoutes } from './flows/linking.ts';
import { shareRoutes } from './flows/share.ts';
import { phrAction } from './phr-http.ts';
import { GatewayKeys } from './tokens.ts';

export interface AbdmGatewayOptions {
  port?: number;
  host?: string;
  /** `sbx` on the sandbox, `abdm` in production: the X-CM-ID every call must carry. */
  cmId?: string;
  /** The bridges allowed a session (client id and secret, as NHA issues them). */
  clients: { clientId: string; clientSecret: string }[];
  /** Session token lifetime (ABDM: 1200 s). */
  sessionTtlSeconds?: number;
  /** How far a call's TIMESTAMP may be from the gateway's clock (default 5 minutes). */
  maxSkewMs?: number;
  /** How long the gateway waits for a bridge's callback; a later one is refused (ABDM-1052). Default 30 s. */
  callbackTimeoutMs?: number;
  /**
   * Holds each HIE-CM call's answer this long while its callback goes out (a slow link to the
   * gateway): a bridge that records its call only once the answer is in misses the callback.
   */
  answerDelayMs?: number;
  /** The clock; tests move it. */
  now?: () => Date;
  /** Aadhaar holders the pretend UIDAI knows, for ABHA enrolment by Aadhaar OTP. */
  residents?: Resident[];
}

const MAX_BODY = 10 * 1024 * 1024;
const HIE_CM_ROUTES: Record<string, Route> = { ...bridgeRoutes, ...linkingRoutes, ...consentRoutes, ...dataFlowRoutes, ...shareRoutes };

/** Starts a local ABDM v3 HIE-CM gateway (see docs/abdm.md for what it simulates and what not). */
export async function startAbdmGateway(options: AbdmGatewayOptions): Promise<AbdmGateway> {
  const cmId = options.cmId ?? 'sbx';
  const now = options.now ?? (() => new Date());
  const maxSkewMs = options.maxSkewMs ?? 5 * 60_000;
  const callbackTimeoutMs = options.callbackTimeoutMs ?? 30_000;
  const sessionTtl = options.sessionTtlSeconds ?? 1200;

  const abha = new AbhaService(now);
  for (const r of options.residents ?? []) abha.addResident(r);
  const ROUTES: Record<string, Route> = { ...HIE_CM_ROUTES, ...abhaRoutes(abha, cmId) };
  const state: State = {
    clients: new Map(options.clients.map((c) => [c.clientId, { ...c } as Client])),
    services: new Map<string, Service>(),
    linkTokens: new Map(),
    consentRequests: new Map(),
    artefacts: new Map(),
    transfers: new Map(),
    links: [],
  };
  const seenRequestIds = new Set<string>();
  const pending = new Map<string, Pending>();
  const answered = new Map<string, Record<string, unknown>>();
  const waiters = new Map<string, ((body: Record<string, unknown>) => void)[]>();
  const exchanges: Exchange[] = [];
  const failures: string[] = [];
  let queue: Promise<void> = Promise.resolve();

  const server = createServer((req, res) => void serve(req, res));
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  const url = `http://${address.address}:${address.port}`;
  const keys = await GatewayKeys.create(`${url}/gateway`);

  const record = (e: Omit<Exchange, 'at'>) => exchanges.push({ at: now().toISOString(), ...e });

  const core: GatewayCore = {
    cmId,
    state,
    now,
    deliver: (serviceId, path, body, opts) => deliver(serviceId, path, body, opts?.headers, opts?.context),
    later(step) {
      queue = queue.then(step).catch((err: Error) => {
        failures.push(err.message);
      });
    },
    sign: (data) => keys.signData(data),
  };

  async function deliver(
    serviceId: string,
    path: string,
    body: object,
    headers: Record<string, string> = {},
    context: Record<string, unknown> = {},
  ): Promise<string> {
    const service = state.services.get(serviceId);
    const bridge = service && state.clients.get(service.clientId)?.bridgeUrl;
    const unavailable = service?.type === 'HIU' ? 'hiuUnavailable' : 'hipUnavailable';
    if (!service || !bridge || !service.active) throw new AbdmError(unavailable, serviceId);
    const requestId = randomUUID();
    pending.set(requestId, { requestId, serviceId, path, context, expiresAt: Date.now() + callbackTimeoutMs });
    let status = 0;
    try {
      const res = await fetch(`${bridge}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${await keys.sign('gateway', 600)}`,
          'REQUEST-ID': requestId,
          TIMESTAMP: now().toISOString(),
          'X-CM-ID': cmId,
          [service.type === 'HIP' ? 'X-HIP-ID' : 'X-HIU-ID']: serviceId,
          ...headers,
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(callbackTimeoutMs),
      });
      status = res.status;
      await res.arrayBuffer();
    } catch {
      status = 0;
    }
    record({ direction: 'from-gateway', method: 'POST', path, requestId, serviceId, clientId: service.clientId, status, body });
    if (status < 200 || status > 299) {
      pending.delete(requestId);
      throw new AbdmError(unavailable, `${serviceId} answered ${status || 'nothing'} to ${path}`);
    }
    return requestId;
  }

  function callbackFor(requestId: string, timeoutMs = callbackTimeoutMs): Promise<Record<string, unknown>> {
    const done = answered.get(requestId);
    if (done) return Promise.resolve(done);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new AbdmError('timeout', `no callback for ${requestId}`)), timeoutMs);
      const list = waiters.get(requestId) ?? [];
      list.push((body) => {
        clearTimeout(timer);
        resolve(body);
      });
      waiters.set(requestId, list);
    });
  }

  async function authenticate(req: IncomingMessage): Promise<Client> {
    const header = req.headers.authorization;
    if (!header) throw new AuthError(true);
    const match = /^Bearer (.+)$/i.exec(header);
    const clientId = match ? await keys.verify(match[1]) : undefined;
    const client = clientId ? state.clients.get(clientId) : undefined;
    if (!client) throw new AuthError(false);
    return client;
  }

  function checkHeaders(req: IncomingMessage, needsCm = true): { requestId: string; timestamp: string } {
    const requestId = req.headers['request-id'];
    if (typeof requestId !== 'string' || !UUID.test(requestId)) throw new AbdmError('invalidRequestId');
    const timestamp = req.headers.timestamp;
    if (typeof timestamp !== 'string' || !TIMESTAMP.test(timestamp)) throw new AbdmError('invalidTimestamp');
    if (Math.abs(Date.parse(timestamp) - now().getTime()) > maxSkewMs)
      throw new AbdmError('invalidTimestamp', 'outside the allowed clock skew');
    if (!needsCm) return { requestId, timestamp };
    const cm = req.headers['x-cm-id'];
    if (typeof cm !== 'string' || !cm) throw new AbdmError('invalidHeader', 'X-CM-ID is required');
    if (cm !== cmId) throw new AbdmError('invalidCmId');
    return { requestId, timestamp };
  }

  function serviceFor(route: Route, req: IncomingMessage, client: Client): Service | undefined {
    if (!route.needs) return undefined;
    const header = route.needs === 'HIP' ? 'x-hip-id' : 'x-hiu-id';
    const id = req.headers[header];
    if (typeof id !== 'string' || !id) throw new AbdmError('invalidHeader', `${header.toUpperCase()} is required`);
    const service = state.services.get(id);
    if (!service || service.type !== route.needs || service.clientId !== client.clientId || !service.active) {
      throw new AbdmError(route.needs === 'HIP' ? 'invalidHipId' : 'invalidHiuId');
    }
    return service;
  }

  async function readBody(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY) throw new AbdmError('invalidBody', 'too large');
      chunks.push(chunk as Buffer);
    }
    if (size === 0) return undefined;
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      throw new AbdmError('invalidBody', 'not JSON');
    }
  }

  async function sessions(req: IncomingMessage, body: unknown): Promise<Reply> {
    checkHeaders(req);
    const b = object(body, 'body');
    const client = state.clients.get(text(b.clientId, 'clientId'));
    const secret = Buffer.from(String(b.clientSecret ?? ''));
    const known = client ? Buffer.from(client.clientSecret) : Buffer.alloc(0);
    if (!client || secret.length !== known.length || !timingSafeEqual(secret, known) || b.grantType !== 'client_credentials') {
      throw new AuthError(false);
    }
    const accessToken = await keys.sign(client.clientId, sessionTtl);
    return {
      status: 200,
      body: { accessToken, expiresIn: sessionTtl, refreshExpiresIn: 1800, refreshToken: randomUUID(), tokenType: 'bearer' },
    };
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    const key = `${req.method} ${path}`;
    let reply: Reply;
    let body: unknown;
    let client: Client | undefined;
    let requestId: string | undefined;
    try {
      if (key === 'GET /gateway/v3/certs') {
        reply = { status: 200, body: await keys.jwks() };
      } else if (path.startsWith('/simulator/phr/') && (req.method === 'POST' || req.method === 'GET')) {
        body = await readBody(req);
        reply = { status: 200, body: await phrAction(api, path.slice('/simulator/phr/'.length), body) };
      } else if (key === 'GET /simulator/exchanges') {
        reply = { status: 200, body: exchanges };
      } else if (key === 'GET /simulator/abha/otps') {
        const mobile = new URL(req.url ?? '/', url).searchParams.get('mobile') ?? undefined;
        reply = { status: 200, body: abha.sentOtps(mobile) };
      } else {
        body = await readBody(req);
        if (key === 'POST /gateway/v3/sessions') reply = await sessions(req, body);
        else {
          const route = ROUTES[key];
          if (!route) throw new AbdmError('invalidBody', `no such API: ${key}`);
          client = await authenticate(req);
          const headers = checkHeaders(req, !route.abha);
          requestId = headers.requestId;
          const service = serviceFor(route, req, client);
          if (seenRequestIds.has(requestId)) throw new AbdmError(route.duplicate ?? 'duplicateRequest');
          seenRequestIds.add(requestId);
          if (body === undefined && req.method !== 'GET') throw new AbdmError('bodyMissing');
          const call: Call = { method: req.method ?? 'POST', path, client, ...headers, headers: req.headers, body, service };
          if (route.callback) call.answering = answering(call);
          reply = (await route.handle(call, core)) ?? { status: 202 };
          if (call.answering) settle(call.answering.requestId, body as Record<string, unknown>);
          if (options.answerDelayMs && !route.abha && !route.callback) await new Promise((r) => setTimeout(r, options.answerDelayMs));
        }
      }
    } catch (err) {
      if (err instanceof AbdmError) reply = { status: err.status, body: err.body() };
      else if (err instanceof AuthError) reply = { status: 401, body: err.body() };
      else {
        failures.push((err as Error).message);
        reply = { status: 500, body: { error: { code: 'ABDM-9999', message: 'Unknown exception' } } };
      }
    }
    if (key !== 'GET /gateway/v3/certs' && !path.startsWith('/simulator/')) {
      const serviceId = (req.headers['x-hip-id'] ?? req.headers['x-hiu-id']) as string | undefined;
      record({
        direction: 'to-gateway',
        method: req.method ?? '',
        path,
        requestId,
        serviceId,
        clientId: client?.clientId,
        status: reply.status,
        // The record is for printing: secrets and tokens stay out of it.
        body: key === 'POST /gateway/v3/sessions' ? { ...(body as object), clientSecret: '(hidden)' } : body,
        reply: key === 'POST /gateway/v3/sessions' && reply.status === 200 ? { accessToken: '(hidden)' } : reply.body,
      });
    }
    res.writeHead(reply.status, reply.body === undefined ? {} : { 'content-type': 'application/json' });
    res.end(reply.body === undefined ? undefined : JSON.stringify(reply.body));
  }

  /** The gateway call a callback answers: it must be one of ours, to this caller's service, in time. */
  function answering(call: Call): Pending {
    const quoted = (call.body as { response?: { requestId?: unknown } } | undefined)?.response?.requestId;
    const p = typeof quoted === 'string' ? pending.get(quoted) : undefined;
    if (!p || p.serviceId !== call.service?.id) throw new AbdmError('unknownResponse');
    if (p.expiresAt < Date.now()) {
      pending.delete(p.requestId);
      throw new AbdmError('unknownResponse', 'the callback came after the gateway stopped waiting');
    }
    return p;
  }

  function settle(requestId: string, body: Record<string, unknown>): void {
    pending.delete(requestId);
    answered.set(requestId, body);
    for (const resolve of waiters.get(requestId) ?? []) resolve(body);
    waiters.delete(requestId);
  }

  async function notifyHip(artefact: ConsentArtefact, notification: object): Promise<void> {
    await deliver(artefact.hipId, '/api/v3/consent/request/hip/notify', { notification }, {}, { consentId: artefact.id });
  }
  async function notifyHiu(consentRequestId: string, status: string, artefactIds: string[]): Promise<void> {
    const request = state.consentRequests.get(consentRequestId);
    if (!request) return;
    await deliver(
      request.hiuId,
      '/api/v3/hiu/consent/request/notify',
      { notification: { consentRequestId, status, consentArtefacts: artefactIds.map((id) => ({ id })) } },
      {},
      { artefactIds },
    );
  }
  async function endConsent(consentId: string, status: 'REVOKED' | 'EXPIRED'): Promise<void> {
    const artefact = state.artefacts.get(consentId);
    if (!artefact) throw new AbdmError('invalidConsentArtefact');
    artefact.status = status;
    const request = state.consentRequests.get(artefact.consentRequestId);
    if (request?.artefactIds.every((id) => state.artefacts.get(id)?.status !== 'GRANTED')) request.status = status;
    await notifyHip(artefact, { status, consentId });
    await notifyHiu(artefact.consentRequestId, status, [consentId]);
  }

  const userCall = async (hipId: string, path: string, body: object, context: Record<string, unknown>) =>
    callbackFor(await deliver(hipId, path, body, {}, context));

  const api: AbdmGateway = {
    url,
    cmId,
    state,
    abha,
    exchanges(filter = {}) {
      return exchanges.filter((e) => (!filter.path || e.path === filter.path) && (!filter.serviceId || e.serviceId === filter.serviceId));
    },
    callbackFor,
    gatewayToken: (ttl = 600) => keys.sign('gateway', ttl),
    rotateKey: () => keys.rotate(),
    deliver: (serviceId, path, body, headers) => deliver(serviceId, path, body, headers),
    discover(hipId, patient) {
      const transactionId = randomUUID();
      return userCall(hipId, '/api/v3/hip/patient/care-context/discover', { transactionId, patient }, { transactionId });
    },
    linkInit(hipId, input) {
      return userCall(hipId, '/api/v3/hip/link/care-context/init', input, {
        transactionId: input.transactionId,
        abhaAddress: input.abhaAddress,
      });
    },
    linkConfirm(hipId, input) {
      return userCall(
        hipId,
        '/api/v3/hip/link/care-context/confirm',
        { confirmation: { linkRefNumber: input.linkRefNumber, token: input.token } },
        { abhaAddress: input.abhaAddress },
      );
    },
    async grantConsent(consentRequestId, grants) {
      const request = state.consentRequests.get(consentRequestId);
      if (request?.status !== 'REQUESTED') throw new AbdmError('validationFailed', 'no open consent request');
      const ids: string[] = [];
      for (const grant of grants) {
        const hip = state.services.get(grant.hipId);
        if (hip?.type !== 'HIP') throw new AbdmError('invalidHipId');
        const hiu = state.services.get(request.hiuId);
        const id = randomUUID();
        const c = request.consent;
        const detail = {
          schemaVersion: 'v3',
          consentId: id,
          createdAt: now().toISOString(),
          patient: c.patient,
          careContexts: grant.careContexts,
          purpose: c.purpose,
          hip: { id: hip.id, name: hip.name },
          hiu: { id: request.hiuId, name: hiu?.name },
          consentManager: { id: cmId },
          requester: c.requester,
          hiTypes: c.hiTypes,
          permission: c.permission,
        };
        const artefact: ConsentArtefact = {
          id,
          consentRequestId,
          hipId: hip.id,
          hiuId: request.hiuId,
          status: 'GRANTED',
          detail,
          signature: core.sign(JSON.stringify(detail)),
        };
        state.artefacts.set(id, artefact);
        ids.push(id);
      }
      request.status = 'GRANTED';
      request.artefactIds.push(...ids);
      for (const id of ids) {
        const a = state.artefacts.get(id) as ConsentArtefact;
        await notifyHip(a, {
          status: 'GRANTED',
          consentId: id,
          consentDetail: a.detail,
          signature: a.signature,
          grantAcknowledgement: false,
        });
      }
      await notifyHiu(consentRequestId, 'GRANTED', ids);
      return ids;
    },
    async denyConsent(consentRequestId) {
      const request = state.consentRequests.get(consentRequestId);
      if (request?.status !== 'REQUESTED') throw new AbdmError('validationFailed', 'no open consent request');
      request.status = 'DENIED';
      await notifyHiu(consentRequestId, 'DENIED', []);
    },
    shareProfile(hipId, input) {
      return userCall(
        hipId,
        '/api/v3/hip/patient/share',
        { intent: 'PROFILE_SHARE', metaData: { hipId, context: input.context }, profile: { patient: input.patient } },
        { abhaAddress: input.patient.abhaAddress, context: input.context },
      );
    },
    revokeConsent: (id) => endConsent(id, 'REVOKED'),
    expireConsent: (id) => endConsent(id, 'EXPIRED'),
    async idle() {
      let seen: Promise<void>;
      do {
        seen = queue;
        await seen;
      } while (seen !== queue);
    },
    failures: () => [...failures],
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return api;
}
