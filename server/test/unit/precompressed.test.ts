import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { precompressed } from '../../src/apps/precompressed.ts';

let dir: string;
let base: string;
let server: ReturnType<express.Express['listen']>;
const script = `console.log(${JSON.stringify('Namaste '.repeat(400))});\n`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hops-assets-'));
  writeFileSync(join(dir, 'app.js'), script);
  writeFileSync(join(dir, 'app.js.br'), brotliCompressSync(script));
  writeFileSync(join(dir, 'app.js.gz'), gzipSync(script));
  writeFileSync(join(dir, 'plain.css'), 'body{}');
  writeFileSync(join(dir, '..', 'outside.js.br'), brotliCompressSync('secret'));
  const app = express();
  app.use('/assets', precompressed(dir, { maxAge: '365d', immutable: true }), express.static(dir, { fallthrough: false }));
  server = app.listen(0);
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/assets`;
});
afterAll(() => {
  server?.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(join(dir, '..', 'outside.js.br'), { force: true });
});

const get = (path: string, encoding?: string) => fetch(`${base}${path}`, { headers: encoding ? { 'accept-encoding': encoding } : {} });

describe('precompressed app assets', () => {
  it('sends the Brotli copy to a browser that takes br, with the asset type and a year of caching', async () => {
    const res = await get('/app.js', 'gzip, deflate, br, zstd');
    expect(res.headers.get('content-encoding')).toBe('br');
    expect(res.headers.get('content-type')).toMatch(/javascript/);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('vary')).toMatch(/Accept-Encoding/i);
    expect(Number(res.headers.get('content-length'))).toBeLessThan(script.length / 10);
    expect(await res.text()).toBe(script); // fetch decodes it
  });

  it('sends gzip to a client that takes only gzip, and the plain file to one that takes neither', async () => {
    const gz = await get('/app.js', 'gzip');
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(await gz.text()).toBe(script);
    const plain = await get('/app.js', 'identity');
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(await plain.text()).toBe(script);
  });

  it('falls through to the plain file when there is no copy, and never leaves its folder', async () => {
    const css = await get('/plain.css', 'br');
    expect(css.status).toBe(200);
    expect(css.headers.get('content-encoding')).toBeNull();
    expect(await css.text()).toBe('body{}');
    const outside = await get('/..%2foutside.js', 'br');
    expect(outside.headers.get('content-encoding')).toBeNull();
    expect(outside.status).not.toBe(200);
  });
});
