import { createReadStream, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';

/** A release file or folder that cannot be imported; the CLI prints the message and exits non-zero. */
export class ReleaseError extends Error {}

/** Every file under `path` (or `path` itself when it is a file), with its size. */
export function listFiles(path: string): { path: string; name: string; size: number }[] {
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(path);
  } catch {
    throw new ReleaseError(`No such file or folder: ${path}`);
  }
  if (stat.isFile()) return [{ path, name: basename(path), size: stat.size }];
  return readdirSync(path, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => {
      const p = join(e.parentPath, e.name);
      return { path: p, name: e.name, size: statSync(p).size };
    })
    .sort((a, b) => a.path.localeCompare(b.path));
}

/** The lines of a text file, streamed, without line ends (LF or CRLF) and without a leading BOM. */
export async function* lines(path: string): AsyncGenerator<string> {
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Number.POSITIVE_INFINITY });
  let first = true;
  try {
    for await (const line of rl) {
      yield first ? line.replace(/^\uFEFF/, '') : line;
      first = false;
    }
  } finally {
    rl.close();
  }
}
