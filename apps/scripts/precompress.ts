// A Vite plugin: after a build, writes Brotli (.br) and gzip (.gz) copies of the text assets next
// to them, compressed once at the strongest settings, so the server sends a first visit about a
// quarter of the bytes without compressing on every request (server/src/apps/precompressed.ts).
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const TEXT = new Set(['.js', '.css', '.svg', '.json', '.html', '.txt']);
// Below this a compressed copy saves less than a packet.
const MIN_BYTES = 1024;

function compressTree(dir: string): void {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      compressTree(path);
      continue;
    }
    if (!TEXT.has(extname(name)) || statSync(path).size < MIN_BYTES) continue;
    const raw = readFileSync(path);
    writeFileSync(`${path}.br`, brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
    writeFileSync(`${path}.gz`, gzipSync(raw, { level: 9 }));
  }
}

export function precompress(): {
  name: string;
  apply: 'build';
  configResolved(config: { root: string; build: { outDir: string } }): void;
  closeBundle(): void;
} {
  let outDir = '';
  return {
    name: 'hospital-ops-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    closeBundle() {
      compressTree(join(outDir, 'assets'));
    },
  };
}
