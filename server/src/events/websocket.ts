import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Subscription } from '@medplum/fhirtypes';
import { type WebSocket, WebSocketServer } from 'ws';
import { authenticate, InvalidTokenError, type RequestAuth } from '../auth/bearer.ts';
import { applyConsents } from '../auth/consent-middleware.ts';
import type { AuthService } from '../auth/service.ts';
import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import { PostgresRepository } from '../repo/postgres-repository.ts';
import { WEBSOCKET_NOTIFY_CHANNEL, type WebsocketNotice } from './dispatcher.ts';
import { WEBSOCKET_PATH } from './subscriptions.ts';

const HEARTBEAT_MS = 30_000;

interface Binding {
  socket: WebSocket;
  subscriptionId: string;
  who: RequestAuth;
}

export interface WebsocketHub {
  close(): Promise<void>;
}

/**
 * The R4 websocket channel. A client opens WEBSOCKET_PATH and sends `bind <Subscription id>
 * <access token>` (the token may instead come in the upgrade request's Authorization header, for
 * clients that can send one); the server answers `bound <id>` and then `ping <id>` for each change
 * the Subscription matches that this token may read, checked when the ping is sent (tenant, role,
 * scopes, patients' Consents). `unbind <id>` stops them. Pings carry ids only; the client reads
 * through the FHIR API with its own token.
 */
export async function startWebsocketHub(
  http: Server,
  db: Database,
  auth: AuthService,
  config: Config,
  logger: Logger,
): Promise<WebsocketHub> {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 });
  const bindings = new Set<Binding>();

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (new URL(req.url ?? '/', 'http://x').pathname !== WEBSOCKET_PATH) return;
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };
  http.on('upgrade', onUpgrade);

  wss.on('connection', (socket: WebSocket & { alive?: boolean }, req: IncomingMessage) => {
    const headerToken = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    socket.alive = true;
    socket.on('pong', () => {
      socket.alive = true;
    });
    socket.on('message', (data) => {
      void handle(socket, String(data), headerToken).catch((err) => {
        logger.error({ err }, 'websocket message failed');
        socket.send('error The server could not handle the message.');
      });
    });
    socket.on('close', () => {
      for (const b of bindings) if (b.socket === socket) bindings.delete(b);
    });
  });

  const handle = async (socket: WebSocket, text: string, headerToken: string | undefined) => {
    const [verb, id = '', token = headerToken] = text.trim().split(/\s+/);
    if (verb === 'unbind') {
      for (const b of bindings) if (b.socket === socket && b.subscriptionId === id) bindings.delete(b);
      socket.send(`unbound ${id}`);
      return;
    }
    if (verb !== 'bind') return socket.send('error Send "bind <Subscription id> <access token>".');
    if (!token) return socket.send(`error ${id} An access token is needed to bind.`);
    let who: RequestAuth;
    try {
      who = await authenticate(auth, token);
      await applyConsents(auth, who);
    } catch (err) {
      if (err instanceof InvalidTokenError) return socket.send(`error ${id} ${err.message}`);
      throw err;
    }
    const subscription = await repoFor(who)
      .readResource<Subscription>('Subscription', id)
      .catch(() => undefined);
    if (subscription?.channel?.type !== 'websocket' || subscription.status !== 'active')
      return socket.send(`error ${id} No active websocket Subscription with this id is readable with this token.`);
    bindings.add({ socket, subscriptionId: id, who });
    socket.send(`bound ${id}`);
  };

  const repoFor = (who: RequestAuth) =>
    new PostgresRepository({ db, tenant: who.tenant, baseUrl: config.baseUrl, updateCreate: false, access: who.access });

  /** Whether this token may know of the change: it can read the resource (or, for a deletion, the type). */
  const mayKnow = async (b: Binding, n: WebsocketNotice): Promise<boolean> => {
    if (b.who.tenant.tenantId !== n.tenant || b.subscriptionId !== n.subscription) return false;
    if (n.action === 'delete') return b.who.access.gates(n.type, 'r').length === 0 && b.who.access.allows(n.type, 'r');
    return repoFor(b.who)
      .readResource(n.type, n.id)
      .then(
        () => true,
        () => false,
      );
  };

  const unlisten = await db.listen(WEBSOCKET_NOTIFY_CHANNEL, (payload) => {
    let notice: WebsocketNotice;
    try {
      notice = JSON.parse(payload) as WebsocketNotice;
    } catch {
      return;
    }
    for (const b of bindings) {
      if (b.who.tenant.tenantId !== notice.tenant || b.subscriptionId !== notice.subscription) continue;
      // A binding lasts as long as its token: expired or revoked, the socket is told and unbound.
      if (b.who.token.exp * 1000 <= Date.now() || auth.revocations.isRevoked(b.who.token)) {
        bindings.delete(b);
        b.socket.send(`error ${b.subscriptionId} The access token has expired or been revoked; bind again with a new one.`);
        continue;
      }
      void mayKnow(b, notice).then((yes) => {
        if (yes && b.socket.readyState === b.socket.OPEN) b.socket.send(`ping ${notice.subscription}`);
      });
    }
  });

  // Sockets that stop answering pings are dropped, and their bindings with them.
  const heartbeat = setInterval(() => {
    for (const socket of wss.clients as Set<WebSocket & { alive?: boolean }>) {
      if (!socket.alive) {
        socket.terminate();
        continue;
      }
      socket.alive = false;
      socket.ping();
    }
  }, HEARTBEAT_MS);
  heartbeat.unref();

  return {
    async close() {
      clearInterval(heartbeat);
      http.off('upgrade', onUpgrade);
      for (const socket of wss.clients) socket.close(1001, 'Server stopping');
      await unlisten();
      await new Promise<void>((r) => wss.close(() => r()));
    },
  };
}
