import { createServer, type Server, type Socket } from 'node:net';
import type { Database } from '../../db/database.ts';
import { PostgresRepository } from '../../repo/postgres-repository.ts';
import { receiveOru } from './analyser.ts';

/**
 * An MLLP listener for analysers (docs/lab.md): the minimal lower layer protocol frames each HL7
 * v2 message as <VT> message <FS><CR> over TCP. Messages on one connection are taken in order,
 * one at a time, each answered with its ACK in the same framing; bytes outside a frame are
 * dropped. A connection whose unframed input grows past 1 MB is closed. When taking a message
 * fails unexpectedly (the database away), the connection is closed without an ACK, so the
 * analyser sends it again, as MLLP senders do.
 */

const VT = 0x0b;
const FS = 0x1c;
const CR = 0x0d;
const MAX_BUFFER = 1024 * 1024;

export const frame = (text: string) => Buffer.concat([Buffer.from([VT]), Buffer.from(text, 'utf8'), Buffer.from([FS, CR])]);

/** Splits complete frames off a buffer: the messages, and what is left for the next chunk. */
export function unframe(buffer: Buffer): { messages: string[]; rest: Buffer } {
  const messages: string[] = [];
  let rest = buffer;
  for (;;) {
    const start = rest.indexOf(VT);
    if (start < 0) return { messages, rest: Buffer.alloc(0) };
    const end = rest.indexOf(FS, start + 1);
    if (end < 0 || end + 1 >= rest.length) return { messages, rest: rest.subarray(start) };
    // <FS> must be followed by <CR>; a stray FS inside is kept as data of a broken frame and dropped with it.
    messages.push(rest.subarray(start + 1, end).toString('utf8'));
    rest = rest.subarray(end + (rest[end + 1] === CR ? 2 : 1));
  }
}

export interface MllpListener {
  port: number;
  close(): Promise<void>;
}

export interface MllpOptions {
  port?: number;
  host?: string;
  /** Takes one message, returns the ACK text. */
  handle(text: string): Promise<string>;
  onError?(err: unknown): void;
}

export async function startMllpListener(o: MllpOptions): Promise<MllpListener> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffer: Buffer = Buffer.alloc(0);
    let queue = Promise.resolve();
    socket.on('data', (chunk) => {
      const { messages, rest } = unframe(Buffer.concat([buffer, chunk]));
      buffer = rest;
      if (buffer.length > MAX_BUFFER) socket.destroy();
      for (const text of messages) {
        queue = queue.then(async () => {
          if (socket.destroyed) return;
          try {
            socket.write(frame(await o.handle(text)));
          } catch (err) {
            o.onError?.(err);
            socket.destroy();
          }
        });
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * The lab's listener for one tenant: messages are taken as the analyser middleware's client
 * (`clientId`, recorded as who entered the results). Bind it to the lab network only: MLLP has no
 * authentication of its own.
 */
export function startLabMllp(
  db: Database,
  o: { tenantId: string; clientId: string; baseUrl: string; port?: number; host?: string; onError?(err: unknown): void },
): Promise<MllpListener> {
  const repo = new PostgresRepository({
    db,
    tenant: { tenantId: o.tenantId },
    baseUrl: o.baseUrl,
    updateCreate: false,
    actor: { clientId: o.clientId },
  });
  return startMllpListener({ port: o.port, host: o.host, onError: o.onError, handle: async (text) => (await receiveOru(repo, text)).ack });
}
