import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { sep } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../config.ts';
import { refuse } from '../params.ts';

/**
 * Where an import may read from. A server that fetched any URL it was given would read its own
 * network for whoever holds a token, so only two kinds are taken: `file://` paths inside
 * BULK_IMPORT_DIR (after links are followed) and http(s) URLs of an origin listed in
 * BULK_IMPORT_ORIGINS. Everything else is refused at kick-off.
 */
async function localPath(url: URL, config: Config): Promise<string> {
  if (!config.BULK_IMPORT_DIR) throw refuse('This server reads no file:// inputs (BULK_IMPORT_DIR is not set)', 'input.url');
  let path: string;
  let root: string;
  try {
    path = await realpath(fileURLToPath(url));
    root = await realpath(config.BULK_IMPORT_DIR);
  } catch {
    throw refuse(`${url.href} was not found`, 'input.url');
  }
  if (!path.startsWith(root + sep)) throw refuse(`${url.href} is outside the folder this server imports from`, 'input.url');
  if (!(await stat(path)).isFile()) throw refuse(`${url.href} is not a file`, 'input.url');
  return path;
}

function parse(raw: string): URL {
  try {
    return new URL(raw);
  } catch {
    throw refuse(`${raw} is not a URL`, 'input.url');
  }
}

/** Refuses (400) a URL this server may not read. */
export async function checkSource(raw: string, config: Config): Promise<void> {
  const url = parse(raw);
  if (url.protocol === 'file:') {
    await localPath(url, config);
    return;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw refuse(`${url.protocol} URLs cannot be imported`, 'input.url');
  if (url.username || url.password) throw refuse('Input URLs may not carry credentials', 'input.url');
  if (!config.BULK_IMPORT_ORIGINS.includes(url.origin))
    throw refuse(`${url.origin} is not an origin this server imports from (BULK_IMPORT_ORIGINS)`, 'input.url');
}

/** The input's bytes as a stream (checked again: the configuration may have changed since kick-off). */
export async function openSource(raw: string, config: Config): Promise<Readable> {
  await checkSource(raw, config);
  const url = parse(raw);
  if (url.protocol === 'file:') return createReadStream(await localPath(url, config));
  // No redirects: one could lead off the allowed origin.
  const res = await fetch(url, { redirect: 'error', headers: { accept: 'application/fhir+ndjson' } });
  if (!res.ok || !res.body) throw refuse(`${url.href} answered ${res.status}`, 'input.url');
  return Readable.fromWeb(res.body as import('node:stream/web').ReadableStream);
}
