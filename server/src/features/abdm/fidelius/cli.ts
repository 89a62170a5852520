// `npm run -s fidelius -- gkm | e … | d … | -`: the commands, argument order and JSON outputs of
// the community's fidelius-cli, so integrators can check this implementation against theirs.
// `-` reads one JSON object {command: "e"|"d", …the same argument names} from standard input,
// for payloads longer than a command line allows. Errors go to stderr as {"error": …}, exit 1.
import { readFileSync } from 'node:fs';
import { decryptToString, encrypt, FideliusError, generateKeyMaterial } from './index.ts';

const USAGE = `usage:
  fidelius gkm
  fidelius e <stringToEncrypt> <senderNonce> <requesterNonce> <senderPrivateKey> <requesterPublicKey>
  fidelius d <encryptedData> <requesterNonce> <senderNonce> <requesterPrivateKey> <senderPublicKey>
  fidelius -     (reads {"command": "e"|"d", ...those names} as JSON from standard input)`;

const ENCRYPT_ARGS = ['stringToEncrypt', 'senderNonce', 'requesterNonce', 'senderPrivateKey', 'requesterPublicKey'] as const;
const DECRYPT_ARGS = ['encryptedData', 'requesterNonce', 'senderNonce', 'requesterPrivateKey', 'senderPublicKey'] as const;

class UsageError extends Error {}

function fields<K extends string>(names: readonly K[], values: Record<string, unknown>): Record<K, string> {
  const out = {} as Record<K, string>;
  for (const name of names) {
    const value = values[name];
    if (typeof value !== 'string') throw new UsageError(`${name} is missing or not a string`);
    out[name] = value;
  }
  return out;
}

function run(command: string | undefined, values: Record<string, unknown>): object {
  switch (command) {
    case 'gkm':
      return generateKeyMaterial();
    case 'e':
      return { encryptedData: encrypt(fields(ENCRYPT_ARGS, values)) };
    case 'd':
      return { decryptedData: decryptToString(fields(DECRYPT_ARGS, values)) };
    default:
      throw new UsageError(command === undefined ? 'no command given' : `unknown command ${command}`);
  }
}

function positional(names: readonly string[], args: string[]): Record<string, string> {
  if (args.length !== names.length) throw new UsageError(`expected ${names.length} arguments, got ${args.length}`);
  return Object.fromEntries(names.map((name, i) => [name, args[i]]));
}

function main(argv: string[]): number {
  const [command, ...args] = argv;
  try {
    let result: object;
    if (command === '-') {
      let input: unknown;
      try {
        input = JSON.parse(readFileSync(0, 'utf8'));
      } catch {
        throw new UsageError('standard input is not one JSON object');
      }
      if (!input || typeof input !== 'object' || Array.isArray(input)) throw new UsageError('standard input is not one JSON object');
      const values = input as Record<string, unknown>;
      if (values.command !== 'e' && values.command !== 'd') throw new UsageError('command must be "e" or "d"');
      result = run(values.command, values);
    } else if (command === 'gkm') {
      if (args.length) throw new UsageError('gkm takes no arguments');
      result = run(command, {});
    } else if (command === 'e' || command === 'd') {
      result = run(command, positional(command === 'd' ? DECRYPT_ARGS : ENCRYPT_ARGS, args));
    } else {
      result = run(command, {});
    }
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${JSON.stringify({ error: err.message })}\n${USAGE}\n`);
      return 2;
    }
    if (err instanceof FideliusError) {
      process.stderr.write(`${JSON.stringify({ error: err.message, code: err.code })}\n`);
      return 1;
    }
    throw err;
  }
}

process.exitCode = main(process.argv.slice(2));
