import { Worker } from 'node:worker_threads';
import type { BotInput } from '../../../bots/contract.ts';

/** How an invocation ended. `reason` is our own sentence (with the bot's message when it threw). */
export type SandboxResult =
  | { ok: true; ms: number }
  | { ok: false; ms: number; kind: 'timeout' | 'memory' | 'error' | 'crash'; reason: string };

export interface SandboxRun {
  entryUrl: string;
  /** The server's root URL; the client adds fhir/R4. */
  apiUrl: string;
  token: string;
  input: BotInput;
  timeMs: number;
  memoryMb: number;
  /** Each line the bot writes to stdout or stderr. */
  onOutput?: (line: string) => void;
}

const WORKER_URL = new URL('./sandbox-worker.ts', import.meta.url);

/**
 * Runs one invocation in a fresh worker thread with a heap limit and a wall-clock limit. The
 * worker gets an empty environment (no server secrets) and no flags of the parent; it ends when
 * the handler does, or is terminated at the time limit; running out of heap ends the worker only.
 * Whatever the bot does, this resolves: the server's own thread never sees the bot's failure.
 */
export function runSandboxed(run: SandboxRun): Promise<SandboxResult> {
  const started = Date.now();
  const ms = () => Date.now() - started;
  return new Promise((resolve) => {
    let settled = false;
    const worker = new Worker(WORKER_URL, {
      workerData: { entryUrl: run.entryUrl, apiUrl: run.apiUrl, token: run.token, input: run.input },
      env: {},
      execArgv: [],
      argv: [],
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: run.memoryMb, maxYoungGenerationSizeMb: Math.max(2, Math.floor(run.memoryMb / 8)) },
    });
    const finish = (result: SandboxResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      resolve(result);
    };
    const timer = setTimeout(
      () =>
        finish({ ok: false, ms: ms(), kind: 'timeout', reason: `The bot ran past its time limit of ${run.timeMs} ms and was stopped.` }),
      run.timeMs,
    );
    for (const stream of [worker.stdout, worker.stderr]) {
      let buffered = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        buffered += chunk;
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) if (line) run.onOutput?.(line.slice(0, 1000));
      });
    }
    worker.on('message', (m: { ok: boolean; message?: string }) =>
      finish(m.ok ? { ok: true, ms: ms() } : { ok: false, ms: ms(), kind: 'error', reason: `The bot failed: ${m.message}` }),
    );
    worker.on('error', (err: Error & { code?: string }) =>
      finish(
        err.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? { ok: false, ms: ms(), kind: 'memory', reason: `The bot exceeded its memory limit of ${run.memoryMb} MB and was stopped.` }
          : { ok: false, ms: ms(), kind: 'crash', reason: `The bot crashed: ${err.message.slice(0, 300)}` },
      ),
    );
    worker.on('exit', (code) =>
      finish({ ok: false, ms: ms(), kind: 'crash', reason: `The bot's worker ended (exit code ${code}) before the bot finished.` }),
    );
  });
}
