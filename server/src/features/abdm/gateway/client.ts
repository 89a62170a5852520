import { randomUUID } from 'node:crypto';

export interface GatewayClientOptions {
  /** e.g. https://dev.abdm.gov.in/api/hiecm (sandbox) */
  baseUrl: string;
  clientId: string;
  /** Never logged, never put in an error. */
  clientSecret: string;
  /** `sbx` (sandbox) or `abdm` (production). */
  cmId: string;
  /** Get a new session this long before the current one expires (default 60 s). */
  refreshMarginMs?: number;
  timeoutMs?: number;
  now?: () => Date;
}

/** What the gateway refused: its ABDM-xxxx (or 9009xx auth) code and message, and the HTTP status. */
export class AbdmGatewayError extends Error {
  readonly status: number;
  readonly code: string | undefined;
  readonly path: string;
  constructor(path: string, status: number, code: string | undefined, message: string) {
    super(`ABDM gateway refused ${path}: ${status}${code ? ` ${code}` : ''} ${message}`.trim());
    this.name = 'AbdmGatewayError';
    this.status = status;
    this.code = code;
    this.path = path;
  }
}

export interface CallHeaders {
  hipId?: string;
  hiuId?: string;
  linkToken?: string;
  /** Headers of other ABDM services on the same session (the ABHA service's X-token, Transaction_Id). */
  extra?: Record<string, string>;
  /** Another ABDM service's base URL (the ABHA service), instead of the gateway's. */
  baseUrl?: string;
  /**
   * The REQUEST-ID to send (default: a new one). A caller that matches the gateway's callback to
   * its call records the id first and then sends it: the callback can arrive before the call returns.
   */
  requestId?: string;
}

export interface GatewayResponse {
  /** The REQUEST-ID sent: the gateway's callback quotes it in response.requestId. */
  requestId: string;
  status: number;
  body: unknown;
}

/**
 * Outbound calls to the ABDM gateway: one session token, shared by concurrent callers and
 * renewed before it expires, and the v3 headers on every call (a new REQUEST-ID, TIMESTAMP,
 * X-CM-ID, and X-HIP-ID / X-HIU-ID / X-LINK-TOKEN where the flow needs them).
 */
export class GatewayClient {
  private readonly options: Required<Omit<GatewayClientOptions, 'now'>> & { now: () => Date };
  private session: { token: string; refreshAt: number } | undefined;
  private pending: Promise<string> | undefined;

  constructor(options: GatewayClientOptions) {
    this.options = {
      refreshMarginMs: 60_000,
      timeoutMs: 10_000,
      now: () => new Date(),
      ...options,
      baseUrl: options.baseUrl.replace(/\/+$/, ''),
    };
  }

  /** Forget the session (after the gateway refused its token). */
  dropSession(): void {
    this.session = undefined;
  }

  async accessToken(): Promise<string> {
    if (this.session && this.options.now().getTime() < this.session.refreshAt) return this.session.token;
    this.pending ??= this.newSession().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async newSession(): Promise<string> {
    const { clientId, clientSecret } = this.options;
    const res = await this.send('POST', '/gateway/v3/sessions', { clientId, clientSecret, grantType: 'client_credentials' }, {});
    const body = res.body as { accessToken?: unknown; expiresIn?: unknown };
    if (typeof body?.accessToken !== 'string' || typeof body.expiresIn !== 'number') {
      throw new AbdmGatewayError('/gateway/v3/sessions', res.status, undefined, 'answered without an access token');
    }
    const lifetime = body.expiresIn * 1000;
    // A token shorter-lived than the margin is still used once rather than never.
    const refreshAt = this.options.now().getTime() + Math.max(lifetime - this.options.refreshMarginMs, lifetime / 2);
    this.session = { token: body.accessToken, refreshAt };
    return body.accessToken;
  }

  /** An authenticated call; a token the gateway no longer accepts is renewed once. */
  async call(method: 'GET' | 'POST' | 'PUT' | 'PATCH', path: string, body?: unknown, headers: CallHeaders = {}): Promise<GatewayResponse> {
    const token = await this.accessToken();
    try {
      return await this.send(method, path, body, headers, token);
    } catch (err) {
      if (!(err instanceof AbdmGatewayError) || err.status !== 401) throw err;
      // Another caller may have renewed it already.
      if (this.session?.token === token) this.dropSession();
      return this.send(method, path, body, headers, await this.accessToken());
    }
  }

  post(path: string, body: unknown, headers: CallHeaders = {}): Promise<GatewayResponse> {
    return this.call('POST', path, body, headers);
  }

  /** Tells the gateway where to call this bridge, and which HIP/HIU services it runs. */
  async registerBridge(url: string, services: { id: string; name: string; type: 'HIP' | 'HIU'; active?: boolean }[]): Promise<void> {
    await this.call('PATCH', '/gateway/v3/bridge/url', { url });
    for (const s of services) await this.call('PUT', '/gateway/v3/bridge-service', { active: true, ...s });
  }

  private async send(method: string, path: string, body: unknown, headers: CallHeaders, token?: string): Promise<GatewayResponse> {
    const requestId = headers.requestId ?? randomUUID();
    let res: Response;
    try {
      res = await fetch(`${headers.baseUrl?.replace(/\/+$/, '') ?? this.options.baseUrl}${path}`, {
        method,
        headers: {
          'content-type': 'application/json',
          'REQUEST-ID': requestId,
          TIMESTAMP: this.options.now().toISOString(),
          'X-CM-ID': this.options.cmId,
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(headers.hipId ? { 'X-HIP-ID': headers.hipId } : {}),
          ...(headers.hiuId ? { 'X-HIU-ID': headers.hiuId } : {}),
          ...(headers.linkToken ? { 'X-LINK-TOKEN': headers.linkToken } : {}),
          ...headers.extra,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (err) {
      throw new AbdmGatewayError(path, 0, undefined, `could not be reached (${(err as Error).name})`);
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    if (!res.ok) {
      const { code, message } = errorOf(parsed);
      throw new AbdmGatewayError(path, res.status, code, message);
    }
    return { requestId, status: res.status, body: parsed };
  }
}

/**
 * ABDM errors come as {error: {code, message}} (the code sometimes with a trailing ": ") or, from
 * the API manager, {code: "900901", message}.
 */
function errorOf(body: unknown): { code?: string; message: string } {
  const b = body as { error?: { code?: unknown; message?: unknown }; code?: unknown; message?: unknown } | undefined;
  const raw = b?.error ?? b;
  const code = typeof raw?.code === 'string' ? (/^(ABDM-\d+|\d{6})/.exec(raw.code.trim())?.[1] ?? raw.code) : undefined;
  const message = typeof raw?.message === 'string' ? raw.message.slice(0, 300) : 'no error detail';
  return { code, message };
}
