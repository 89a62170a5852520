/**
 * The inside of one bot invocation, run in its own worker thread (sandbox.ts starts it): imports
 * the bot's entry, gives its handler a MedplumClient bound to the server's FHIR API with the
 * invocation's token, and reports how the handler ended. Plain Node (type stripping), no server
 * module: nothing of the server's state, connections or settings is reachable from here.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { MedplumClient } from '@medplum/core';
import type { BotHandler, BotInput } from '../../../bots/contract.ts';

interface SandboxData {
  entryUrl: string;
  apiUrl: string;
  token: string;
  input: BotInput;
}

const data = workerData as SandboxData;

async function run(): Promise<void> {
  const mod = (await import(data.entryUrl)) as { default?: unknown };
  if (typeof mod.default !== 'function') throw new Error('the entry module has no default export function (a BotHandler)');
  const medplum = new MedplumClient({
    baseUrl: data.apiUrl,
    fhirUrlPath: 'fhir/R4',
    accessToken: data.token,
    // Every read goes to the server: a bot sees what is there now, not a copy from a moment ago.
    cacheTime: 0,
    fetch: (url: string, init?: RequestInit) => fetch(url, init),
  });
  await (mod.default as BotHandler)(medplum, data.input);
}

run().then(
  () => parentPort?.postMessage({ ok: true }),
  (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    parentPort?.postMessage({ ok: false, message: message.slice(0, 500) });
  },
);
