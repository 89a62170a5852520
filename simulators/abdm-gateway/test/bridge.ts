import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: any;
}
type Handler = (received: Received) => Promise<void> | void;

/**
 * A minimal bridge for the tests: answers every gateway call 202 at once, records it, and runs
 * the handler set for its path afterwards (the bridge's callback to the gateway).
 */
export class FakeBridge {
  received: Received[] = [];
  handlers: Record<string, Handler> = {};
  /** Status to answer instead of 202 (a bridge that is down or refuses). */
  answer = 202;
  token = '';
  url = '';
  private server!: Server;
  readonly gateway: string;
  readonly clientId: string;
  readonly clientSecret: string;
  constructor(gateway: string, clientId: string, clientSecret: string) {
    this.gateway = gateway;
    this.clientId = clientId;
    this.clientSecret = clientSecret;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const received = { path: req.url ?? '', headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString() || 'null') };
        this.received.push(received);
        res.writeHead(this.answer).end();
        const handler = this.handlers[received.path];
        if (handler && this.answer < 300) setImmediate(() => void handler(received));
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return {
      'content-type': 'application/json',
      'REQUEST-ID': randomUUID(),
      TIMESTAMP: new Date().toISOString(),
      'X-CM-ID': 'sbx',
      ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
      ...extra,
    };
  }

  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
    const res = await fetch(`${this.gateway}${path}`, {
      method,
      headers: this.headers(headers),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  async session(): Promise<void> {
    const r = await this.call('POST', '/gateway/v3/sessions', {
      clientId: this.clientId,
      clientSecret: this.clientSecret,
      grantType: 'client_credentials',
    });
    if (r.status !== 200) throw new Error(`session refused: ${JSON.stringify(r.body)}`);
    this.token = r.body.accessToken;
  }

  async register(services: { id: string; name: string; type: 'HIP' | 'HIU' }[]): Promise<void> {
    await this.call('PATCH', '/gateway/v3/bridge/url', { url: this.url });
    for (const s of services) await this.call('PUT', '/gateway/v3/bridge-service', { ...s, active: true });
  }

  /** Waits until a call to `path` has arrived (n-th, 1-based). */
  async receivedOn(path: string, n = 1, timeoutMs = 5000): Promise<Received> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const hits = this.received.filter((r) => r.path === path);
      if (hits.length >= n) return hits[n - 1];
      if (Date.now() > until) throw new Error(`nothing on ${path}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}
